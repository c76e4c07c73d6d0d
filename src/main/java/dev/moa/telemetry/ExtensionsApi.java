package dev.moa.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * The part of Lambda's Extensions API (version 2020-01-01) an internal extension uses: register for {@code INVOKE}
 * events during init, then ask for one event at a time. Asking for the next event is also how an extension says it
 * is done with the current invocation: Lambda freezes the instance only after the runtime and every extension asked.
 */
final class ExtensionsApi {

    /** An event handed to the extension: {@code INVOKE} (with the invocation's deadline) or {@code SHUTDOWN}. */
    record Event(String type, long deadlineMs) {
        boolean shutdown() {
            return "SHUTDOWN".equals(type);
        }
    }

    private static final String IDENTIFIER = "Lambda-Extension-Identifier";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final URI base;
    private final ObjectMapper json;

    /** @param runtimeApi {@code AWS_LAMBDA_RUNTIME_API}: host and port */
    ExtensionsApi(String runtimeApi, ObjectMapper json) {
        this.base = URI.create("http://" + runtimeApi + "/2020-01-01/extension/");
        this.json = json;
    }

    /** The extension's identifier, or why Lambda refused it (only possible before the runtime's first event). */
    Registration register(String name) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("register"))
                        .header("Lambda-Extension-Name", name)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"events\":[\"INVOKE\"]}"))
                        .timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.ofString());
        Optional<String> id = response.headers().firstValue(IDENTIFIER);
        if (response.statusCode() != 200 || id.isEmpty()) {
            return new Registration(Optional.empty(), "HTTP " + response.statusCode());
        }
        return new Registration(id, "");
    }

    record Registration(Optional<String> id, String refusal) {
    }

    /** Blocks until Lambda hands out the next event (the next invocation, which may be minutes away). */
    Event next(String id) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("event/next"))
                        .header(IDENTIFIER, id).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("the Extensions API answered HTTP " + response.statusCode());
        }
        JsonNode event = json.readTree(response.body());
        return new Event(event.path("eventType").asText(""), event.path("deadlineMs").asLong(0));
    }
}
