package dev.moa.api;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import io.quarkus.jackson.ObjectMapperCustomizer;
import io.quarkus.runtime.annotations.RegisterForReflection;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * API Gateway and Function URLs can hand the function a {@code rawPath} with characters a request line may not
 * hold (a space, a decoded CR LF, a stray {@code %}). Quarkus' Lambda adapter then fails before any route of ours
 * runs: a bare 500 that is not an OpenAI error, and a log line carrying the path. The event mapper (Quarkus reads
 * Lambda events with the application's ObjectMapper) percent-encodes such characters as the event is read, so
 * the request reaches our routes and gets our 4xx error object ({@link RouteGuard} refuses control characters).
 */
@Singleton
public class EventPaths implements ObjectMapperCustomizer {

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.addMixIn(APIGatewayV2HTTPEvent.class, RawPathMixIn.class);
    }

    abstract static class RawPathMixIn {
        @JsonDeserialize(using = RawPathDeserializer.class)
        abstract void setRawPath(String rawPath);
    }

    @RegisterForReflection
    public static final class RawPathDeserializer extends StdDeserializer<String> {

        public RawPathDeserializer() {
            super(String.class);
        }

        @Override
        public String deserialize(JsonParser parser, DeserializationContext context) throws IOException {
            return encode(parser.getValueAsString());
        }
    }

    /** Leaves legal path characters (and valid {@code %XX} escapes) alone; percent-encodes everything else as UTF-8. */
    static String encode(String path) {
        if (path == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            boolean legal = legal(c) || (c == '%' && hex(path, i + 1) && hex(path, i + 2));
            if (legal && out == null) {
                continue;
            }
            if (out == null) {
                out = new StringBuilder(path.length() + 16).append(path, 0, i);
            }
            if (legal) {
                out.append(c);
            } else {
                int end = Character.isHighSurrogate(c) && i + 1 < path.length() ? i + 2 : i + 1;
                for (byte b : path.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                    out.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
                            .append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
                }
                i = end - 1;
            }
        }
        return out == null ? path : out.toString();
    }

    /** RFC 3986 path characters: unreserved, sub-delims, ':', '@' and '/'. */
    private static boolean legal(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~!$&'()*+,;=:@/".indexOf(c) >= 0;
    }

    private static boolean hex(String s, int i) {
        return i < s.length() && Character.digit(s.charAt(i), 16) >= 0;
    }
}
