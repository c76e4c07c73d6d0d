package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.batch.LineExecutor;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * {@link CompletionCalls} through {@code /v1/chat/completions} in-process, as a batch line goes ({@link LineExecutor}):
 * a sample or a grader call is exactly what the endpoint answers for that request, any mix, selector or direct model.
 */
public final class ChatPipelineCalls implements CompletionCalls {

    private final LineExecutor executor;
    private final ObjectMapper json;

    public ChatPipelineCalls(LineExecutor executor, ObjectMapper json) {
        this.executor = executor;
        this.json = json;
    }

    @Override
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
