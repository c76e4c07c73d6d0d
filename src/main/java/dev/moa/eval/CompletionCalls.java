package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.batch.LineExecutor;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Calls {@code /v1/chat/completions} in-process as a batch line does ({@link LineExecutor}), so a sample or a grader
 * call is exactly what the endpoint answers for that request: any mix, selector or direct model.
 */
public final class CompletionCalls {

    /**
     * What the endpoint answered.
     *
     * @param status    its HTTP status
     * @param body      the chat completion, or the error object
     * @param latencyMs from the call to the whole answer
     */
    public record Answer(int status, JsonNode body, long latencyMs) {

        public boolean ok() {
            return status < 400;
        }

        public String text() {
            return body.at("/choices/0/message/content").asText("");
        }

        public String errorCode() {
            JsonNode error = body.path("error");
            return error.path("code").asText(error.path("type").asText("error"));
        }

        public String errorMessage() {
            return body.path("error").path("message").asText("HTTP " + status);
        }
    }

    private final LineExecutor executor;
    private final ObjectMapper json;

    public CompletionCalls(LineExecutor executor, ObjectMapper json) {
        this.executor = executor;
        this.json = json;
    }

    /** Never fails: a failed request is an answer with its error object. */
    public Uni<Answer> call(ObjectNode request) {
        ObjectNode line = json.createObjectNode();
        line.put("custom_id", "eval");
        line.set("body", request);
        return Uni.createFrom().deferred(() -> {
            long start = System.nanoTime();
            return executor.run(0, line).map(outcome -> {
                JsonNode response = outcome.output().path("response");
                return new Answer(response.path("status_code").asInt(500), response.path("body"),
                        (System.nanoTime() - start) / 1_000_000);
            });
        })
                // Resolving the model reads the store (a file, SSM): never on an event loop, where a grader's call
                // would otherwise start once the sample's answer arrived.
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .emitOn(Infrastructure.getDefaultWorkerPool());
    }
}
