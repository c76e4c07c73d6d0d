package dev.moa.engine;

/**
 * Removes {@code <think>…</think>} blocks from an answer as it streams, fragment by fragment: what a client sees of
 * a streamed answer is what {@link Reasoning#strip} leaves of the whole one, for answers that open their thinking
 * with the tag. A tag split across fragments is held back until it is whole; text after an unclosed block (an answer
 * cut off while thinking) never goes out. One instance per answer; not thread-safe (a stream's items are serial).
 */
final class ThinkFilter {

    private static final String OPEN = "<think>";
    private static final String CLOSE = "</think>";

    private final StringBuilder pending = new StringBuilder();
    private boolean inside;
    private boolean thoughtBeforeText;
    private boolean shownAny;

    /** The part of {@code fragment} (with what was held back) that may go out now; may be empty. */
    String accept(String fragment) {
        pending.append(fragment);
        StringBuilder out = new StringBuilder();
        while (true) {
            String tag = inside ? CLOSE : OPEN;
            int at = pending.indexOf(tag);
            if (at < 0) {
                int keep = partialTagAtEnd(tag);
                if (!inside) {
                    out.append(pending, 0, pending.length() - keep);
                }
                pending.delete(0, pending.length() - keep);
                break;
            }
            if (!inside) {
                out.append(pending, 0, at);
            } else if (!shownAny && out.toString().isBlank()) {
                thoughtBeforeText = true;
            }
            pending.delete(0, at + tag.length());
            inside = !inside;
        }
        return shown(out.toString());
    }

    /** What is still held back at the end of the answer: a partial tag that never completed is text. */
    String flush() {
        String rest = inside ? "" : pending.toString();
        pending.setLength(0);
        return shown(rest);
    }

    private String shown(String text) {
        if (!shownAny && thoughtBeforeText) {
            text = text.stripLeading(); // the blank line a model writes after its thinking
        }
        if (!text.isEmpty()) {
            shownAny = true;
        }
        return text;
    }

    /** How many characters at the end of what is pending could be the start of {@code tag}. */
    private int partialTagAtEnd(String tag) {
        for (int keep = Math.min(tag.length() - 1, pending.length()); keep > 0; keep--) {
            if (tag.startsWith(pending.substring(pending.length() - keep))) {
                return keep;
            }
        }
        return 0;
    }
}
