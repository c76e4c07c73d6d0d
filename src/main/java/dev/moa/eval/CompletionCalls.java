package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;

/** How the eval room asks for a chat completion: a sample, or a grader model's verdict. */
public interface CompletionCalls {

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

    /** Never fails: a failed request is an answer with its error object. */
    Uni<Answer> call(ObjectNode request);
}
