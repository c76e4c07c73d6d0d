package dev.moa.testing.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A function's answer to an HTTP API event, read the way API Gateway reads a payload 2.0 response: status, headers
 * (names lower-cased, multi-value headers joined with commas) and the body, base64-decoded when the function
 * encoded it.
 */
public record HttpApiResponse(int statusCode, Map<String, String> headers, String body) {

    public static HttpApiResponse parse(ObjectMapper json, byte[] payload) {
        JsonNode root;
        try {
            root = json.readTree(payload);
        } catch (IOException e) {
            throw new UncheckedIOException("the function's response is not JSON: "
                    + new String(payload, StandardCharsets.UTF_8), e);
        }
        if (root == null || !root.path("statusCode").isInt()) {
            throw new IllegalStateException("the function's response has no statusCode: "
                    + new String(payload, StandardCharsets.UTF_8));
        }
        Map<String, String> headers = new LinkedHashMap<>();
        root.path("headers").fields().forEachRemaining(h -> headers.put(lower(h.getKey()), h.getValue().asText()));
        root.path("multiValueHeaders").fields().forEachRemaining(h -> {
            StringBuilder joined = new StringBuilder();
            h.getValue().forEach(v -> joined.append(joined.isEmpty() ? "" : ",").append(v.asText()));
            headers.putIfAbsent(lower(h.getKey()), joined.toString());
        });
        String body = root.path("body").isTextual() ? root.get("body").textValue() : "";
        if (root.path("isBase64Encoded").asBoolean(false)) {
            body = new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
        }
        return new HttpApiResponse(root.get("statusCode").intValue(), Map.copyOf(headers), body);
    }

    private static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    /** A header by case-insensitive name, or null. */
    public String header(String name) {
        return headers.get(lower(name));
    }

    public JsonNode json(ObjectMapper json) {
        try {
            return json.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException("the body is not JSON: " + body, e);
        }
    }
}
