package dev.moa.mix;

/**
 * What a proposer layer gets of the client's tools (the layer field {@code tools}). The aggregator always gets
 * the client's tools, tool choice and response format as sent.
 */
public enum ToolMode {
    /** Tool definitions and the requested output format described in the system message; tool turns as text. */
    DESCRIBE("describe"),
    /** The real {@code tools} (and tool turns unchanged); the proposers' calls become text references. */
    PASS("pass"),
    /** No tool definitions; tool turns as text; the requested output format still described. */
    OMIT("omit");

    private final String id;

    ToolMode(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }
}
