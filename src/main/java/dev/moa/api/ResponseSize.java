package dev.moa.api;

import dev.moa.model.MoaError;

/**
 * AWS Lambda refuses a response payload over 6 MB (6,291,456 bytes), and the client then gets an opaque gateway
 * error. The body travels as a JSON string inside the API Gateway response, so what counts is its escaped size
 * plus the envelope; a body that would not fit is answered with our own error object instead.
 */
public final class ResponseSize {

    static final int LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024;
    /** Room for the envelope: status, headers, cookies, field names. */
    private static final int ENVELOPE = 32 * 1024;
    static final int MAX_BODY = LAMBDA_PAYLOAD_LIMIT - ENVELOPE;

    private ResponseSize() {
    }

    /** What an answer object holds besides its strings' characters, per structured part and once. */
    private static final int PART_ALLOWANCE = 512;
    private static final int OBJECT_ALLOWANCE = 16 * 1024;

    /**
     * Whether an answer object whose strings hold {@code chars} characters in all, and {@code parts} structured parts
     * (tool calls) besides, fits whatever the characters are, so that measuring it ({@link #check(Object,
     * com.fasterxml.jackson.databind.ObjectMapper, boolean)}, one more serialization) can be skipped: no character
     * takes more than 7 bytes as Lambda carries it (a control character becomes {@code \u0001} in the body, and that
     * backslash is escaped once more in the envelope; any other character at most 4 bytes of UTF-8 or an escape pair).
     */
    public static boolean surelyFits(long chars, int parts) {
        return 7 * chars + (long) parts * PART_ALLOWANCE + OBJECT_ALLOWANCE <= MAX_BODY;
    }

    /** Measures the entity as Jackson will write it, without keeping the bytes. */
    public static void check(Object entity, com.fasterxml.jackson.databind.ObjectMapper json, boolean traced) {
        EscapedCount count = new EscapedCount();
        try {
            json.writeValue(count, entity);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        check(count.length + 2, traced);
    }

    static void check(byte[] body, boolean traced) {
        check(escapedLength(body), traced);
    }

    private static void check(long size, boolean traced) {
        if (size > MAX_BODY) {
            throw new MoaError(MoaError.Kind.UPSTREAM, null, "response_too_large",
                    "The mix's answer makes a response of " + size + " bytes (as Lambda carries it); the limit is "
                            + MAX_BODY + " (AWS Lambda's 6 MB response payload, less the envelope). Ask for a shorter "
                            + "answer (max_tokens)" + (traced ? ", or leave out \"moa\": {\"trace\": true}" : "") + ".");
        }
    }

    /** Bytes of {@code body} once written as a JSON string: quotes, backslashes and control characters grow. */
    static long escapedLength(byte[] body) {
        long length = 2;
        for (byte b : body) {
            length += escaped(b);
        }
        return length;
    }

    private static int escaped(int b) {
        if (b == '"' || b == '\\' || b == '\n' || b == '\r' || b == '\t' || b == '\b' || b == '\f') {
            return 2;
        }
        return b >= 0 && b < 0x20 ? 6 : 1;
    }

    /** Counts what {@link #escapedLength} would return, as the bytes stream past. */
    private static final class EscapedCount extends java.io.OutputStream {
        private long length;

        @Override
        public void write(int b) {
            length += escaped((byte) b);
        }

        @Override
        public void write(byte[] bytes, int offset, int count) {
            for (int i = offset; i < offset + count; i++) {
                length += escaped(bytes[i]);
            }
        }
    }
}
