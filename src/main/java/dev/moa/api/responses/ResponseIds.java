package dev.moa.api.responses;

import java.util.UUID;

/** Ids as the Responses API writes them: a type prefix and 32 hex digits ({@code resp_…}, {@code msg_…}, {@code fc_…}). */
final class ResponseIds {

    private ResponseIds() {
    }

    static String next(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "");
    }
}
