package dev.moa.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * The part of Lambda's Extensions API (version 2020-01-01) an internal extension uses: register for {@code INVOKE}
 * events during init, then ask for one event at a time. Asking for the next event is also how an extension says it
 * is done with the current invocation: Lambda freezes the instance only after the runtime and every extension asked.
 *
 * <p>Plain blocking {@link HttpURLConnection} on the extension's own thread (kept alive between events), not the JDK's
 * asynchronous client: each event arrives as an invocation starts, and the asynchronous client wakes a selector and
 * a worker thread besides this one, competing for the CPU with the request the runtime is starting (measured in
 * BENCHMARKS.md).
 */
final class ExtensionsApi {

    /** An event handed to the extension: {@code INVOKE} (with the invocation's deadline) or {@code SHUTDOWN}. */
    record Event(String type, long deadlineMs) {
        boolean shutdown() {
            return "SHUTDOWN".equals(type);
        }
    }

    private static final String IDENTIFIER = "Lambda-Extension-Identifier";
    /** For connecting, and for the answer to a registration (Lambda answers at once; an event may take minutes). */
    private static final int TIMEOUT_MS = (int) Duration.ofSeconds(2).toMillis();

    private final URL register;
    private final URL next;
    private final ObjectMapper json;

    /** @param runtimeApi {@code AWS_LAMBDA_RUNTIME_API}: host and port */
    ExtensionsApi(String runtimeApi, ObjectMapper json) {
        URI base = URI.create("http://" + runtimeApi + "/2020-01-01/extension/");
        try {
            this.register = base.resolve("register").toURL();
            this.next = base.resolve("event/next").toURL();
        } catch (java.net.MalformedURLException e) {
            throw new IllegalArgumentException("AWS_LAMBDA_RUNTIME_API is not host:port", e);
        }
        this.json = json;
    }

    /** The extension's identifier, or why Lambda refused it (only possible before the runtime's first event). */
    Registration register(String name) throws IOException {
        HttpURLConnection connection = open(register);
        connection.setReadTimeout(TIMEOUT_MS);
        connection.setRequestMethod("POST");
        connection.setRequestProperty("Lambda-Extension-Name", name);
        connection.setRequestProperty("Content-Type", "application/json");
        connection.setDoOutput(true);
        try (OutputStream body = connection.getOutputStream()) {
            body.write("{\"events\":[\"INVOKE\"]}".getBytes(StandardCharsets.UTF_8));
        }
        int status = connection.getResponseCode();
        Optional<String> id = Optional.ofNullable(connection.getHeaderField(IDENTIFIER));
        read(connection, status);
        if (status != 200 || id.isEmpty()) {
            return new Registration(Optional.empty(), "HTTP " + status);
        }
        return new Registration(id, "");
    }

    record Registration(Optional<String> id, String refusal) {
    }

    /** Blocks until Lambda hands out the next event (the next invocation, which may be minutes away). */
    Event next(String id) throws IOException {
        HttpURLConnection connection = open(next);
        connection.setReadTimeout(0); // the next invocation may be minutes away
        connection.setRequestProperty(IDENTIFIER, id);
        int status = connection.getResponseCode();
        byte[] body = read(connection, status);
        if (status != 200) {
            throw new IOException("the Extensions API answered HTTP " + status);
        }
        JsonNode event = json.readTree(body);
        return new Event(event.path("eventType").asText(""), event.path("deadlineMs").asLong(0));
    }

    private static HttpURLConnection open(URL url) throws IOException {
        // The Runtime API is on the instance itself: never through a proxy a JVM option may name.
        HttpURLConnection connection = (HttpURLConnection) url.openConnection(Proxy.NO_PROXY);
        connection.setConnectTimeout(TIMEOUT_MS);
        connection.setUseCaches(false);
        return connection;
    }

    /** The whole body (read to its end and closed, so the connection is kept for the next call). */
    private static byte[] read(HttpURLConnection connection, int status) throws IOException {
        InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
        if (in == null) {
            return new byte[0];
        }
        try (in) {
            return in.readAllBytes();
        }
    }
}
