package dev.moa.testing.lambda;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * An API Gateway HTTP API request as the function receives it: the payload format 2.0 event of one route.
 *
 * @param routeKey       the matched route, e.g. {@code GET /v1/models/{id}}
 * @param path           the request path, e.g. {@code /v1/models/duo}
 * @param pathParameters values of the route's {@code {parameters}}
 * @param headers        request headers; API Gateway hands them over with lower-case names
 * @param body           the request body, or null
 * @param base64         whether API Gateway base64-encoded the body (it does for binary content types)
 */
public record HttpApiEvent(String method, String routeKey, String path, Map<String, String> pathParameters,
                           Map<String, String> headers, String body, boolean base64) {

    private static final DateTimeFormatter REQUEST_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneOffset.UTC);

    public HttpApiEvent {
        pathParameters = Map.copyOf(pathParameters);
        Map<String, String> lowerCase = new LinkedHashMap<>();
        headers.forEach((name, value) -> lowerCase.put(name.toLowerCase(Locale.ROOT), value));
        headers = Map.copyOf(lowerCase);
    }

    /** A request on a route without parameters, e.g. {@code GET /v1/models}. */
    public static HttpApiEvent of(String method, String path) {
        return new HttpApiEvent(method, method + " " + path, path, Map.of(), defaultHeaders(), null, false);
    }

    /** A JSON body, as a client sends it. */
    public static HttpApiEvent postJson(String path, String json) {
        return of("POST", path).withHeader("content-type", "application/json").withBody(json);
    }

    /** A request on a route with parameters, e.g. {@code route("GET /v1/models/{id}", "/v1/models/duo", Map.of("id", "duo"))}. */
    public static HttpApiEvent route(String routeKey, String path, Map<String, String> pathParameters) {
        String method = routeKey.substring(0, routeKey.indexOf(' '));
        return new HttpApiEvent(method, routeKey, path, pathParameters, defaultHeaders(), null, false);
    }

    public HttpApiEvent withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new HttpApiEvent(method, routeKey, path, pathParameters, more, body, base64);
    }

    public HttpApiEvent withBody(String text) {
        return new HttpApiEvent(method, routeKey, path, pathParameters, headers, text, false);
    }

    /** The same body, base64-encoded by API Gateway. */
    public HttpApiEvent base64Encoded() {
        if (base64 || body == null) {
            return this;
        }
        return new HttpApiEvent(method, routeKey, path, pathParameters, headers,
                Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8)), true);
    }

    private static Map<String, String> defaultHeaders() {
        return Map.of("accept", "application/json", "host", "moa.execute-api.us-east-1.amazonaws.com",
                "user-agent", "moa-tests", "x-forwarded-proto", "https", "x-forwarded-port", "443");
    }

    /** The event as Lambda's invoke payload. */
    public byte[] toJson(ObjectMapper json) {
        Instant now = Instant.now();
        String requestId = UUID.randomUUID().toString();
        ObjectNode event = json.createObjectNode();
        event.put("version", "2.0");
        event.put("routeKey", routeKey);
        event.put("rawPath", path);
        event.put("rawQueryString", "");
        ObjectNode headerNode = event.putObject("headers");
        headers.forEach(headerNode::put);
        if (!pathParameters.isEmpty()) {
            ObjectNode parameters = event.putObject("pathParameters");
            pathParameters.forEach(parameters::put);
        }
        ObjectNode context = event.putObject("requestContext");
        context.put("accountId", "123456789012");
        context.put("apiId", "moa");
        context.put("domainName", headers.getOrDefault("host", "moa.execute-api.us-east-1.amazonaws.com"));
        context.put("domainPrefix", "moa");
        ObjectNode http = context.putObject("http");
        http.put("method", method);
        http.put("path", path);
        http.put("protocol", "HTTP/1.1");
        http.put("sourceIp", "192.0.2.10");
        http.put("userAgent", headers.getOrDefault("user-agent", ""));
        context.put("requestId", requestId);
        context.put("routeKey", routeKey);
        context.put("stage", "$default");
        context.put("time", REQUEST_TIME.format(now));
        context.put("timeEpoch", now.toEpochMilli());
        if (body != null) {
            event.put("body", body);
        }
        event.put("isBase64Encoded", base64);
        return event.toString().getBytes(StandardCharsets.UTF_8);
    }
}
