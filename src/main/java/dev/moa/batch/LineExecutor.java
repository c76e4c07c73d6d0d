package dev.moa.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.api.chat.ChatCompletions;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Optional;

/**
 * Runs one batch line through {@link ChatCompletions}: the line's {@code response.body} is exactly what
 * {@code POST /v1/chat/completions} answers for its body (an error object when that is an error).
 */
public final class LineExecutor {

    private final ChatCompletions completions;
    private final ObjectMapper json;
    private final Duration deadline;
    private final ErrorResponses errors = new ErrorResponses();

    public LineExecutor(ChatCompletions completions, ObjectMapper json, Duration deadline) {
        this.completions = completions;
        this.json = json;
        this.deadline = deadline;
    }

    /**
     * Never fails: a failed request is a line for the error file.
     *
     * @param owner the name of the client key that created the batch (or eval run): the line is charged to it
     */
    public Uni<LineOutcome> run(int index, JsonNode line, Optional<String> owner) {
        byte[] body = bytes(line.path("body"));
        return Uni.createFrom().deferred(() -> completions.createLine(body, deadline, owner))
                .onFailure().recoverWithItem(errors::of)
                .map(response -> outcome(index, line.path("custom_id").asText(), response));
    }

    private LineOutcome outcome(int index, String customId, Response response) {
        int status = response.getStatus();
        JsonNode body = json.valueToTree(response.getEntity());
        ObjectNode output = json.createObjectNode();
        output.put("id", Ids.request());
        output.put("custom_id", customId);
        ObjectNode answer = output.putObject("response");
        answer.put("status_code", status);
        answer.put("request_id", Ids.request().replace("batch_req_", "req_"));
        answer.set("body", body);
        boolean failed = status >= 400;
        if (failed) {
            JsonNode detail = body.path("error");
            output.putObject("error").put("code", detail.path("code").asText(detail.path("type").asText("error")))
                    .put("message", detail.path("message").asText());
        } else {
            output.putNull("error");
        }
        return new LineOutcome(index, failed, output);
    }

    private byte[] bytes(JsonNode body) {
        try {
            return json.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
