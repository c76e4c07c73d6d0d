package dev.moa.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.model.MoaError;

import java.io.IOException;

/**
 * A request body as every inbound adapter reads it: at most {@link #MAX_BODY_BYTES}, exactly one JSON object
 * (trailing garbage or a second value is an error, not ignored). Failures are {@link MoaError}s, rendered in the
 * adapter's protocol.
 */
public final class BodyReader {

    /** API Gateway and Lambda refuse larger payloads; dev mode answers the same way. */
    public static final int MAX_BODY_BYTES = 6 * 1024 * 1024;

    private BodyReader() {
    }

    public static JsonNode read(byte[] body, ObjectMapper json) {
        if (body != null && body.length > MAX_BODY_BYTES) {
            throw new MoaError(MoaError.Kind.REQUEST_TOO_LARGE, null, "request_too_large",
                    "The request body is " + body.length + " bytes; the limit is " + MAX_BODY_BYTES
                            + " (API Gateway's payload limit).");
        }
        try {
            JsonNode node = body == null || body.length == 0 ? null
                    : json.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readTree(body);
            if (node == null || !node.isObject()) {
                throw MoaError.invalidRequest(null, "The request body must be a JSON object.");
            }
            return node;
        } catch (IOException e) {
            throw MoaError.invalidRequest(null, "We could not parse the JSON body of your request: it is not valid "
                    + "JSON, or more than one JSON value.");
        }
    }
}
