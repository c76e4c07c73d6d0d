package dev.moa.api;

/** The Anthropic Messages API's paths: their errors are rendered in Anthropic's shape, even before routing. */
public final class MessagesPaths {

    public static final String ROOT = "/v1/messages";

    private MessagesPaths() {
    }

    public static boolean matches(String path) {
        return path != null && (path.equals(ROOT) || path.startsWith(ROOT + "/"));
    }
}
