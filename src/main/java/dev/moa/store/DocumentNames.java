package dev.moa.store;

import java.util.regex.Pattern;

/** The names a store accepts for mixes and providers: no paths, no surprises. */
final class DocumentNames {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private DocumentNames() {
    }

    static boolean valid(String name) {
        return name != null && NAME.matcher(name).matches() && !name.contains("..");
    }
}
