package dev.moa.api.responses;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * The Responses API's {@code response} object: what {@code POST /v1/responses} answers (whole, or inside the stream's
 * {@code response.*} events) and {@code GET /v1/responses/{id}} returns. The request's settings are repeated as the
 * client sent them; fields the schema allows to be null are written as null, the others left out when unset.
 *
 * @param moa the trace, when the request asked for it ({@code "moa": {"trace": true}})
 */
@RegisterForReflection
public record ResponseObject(
        String id,
        String object,
        @JsonProperty("created_at") long createdAt,
        String status,
        @JsonProperty("completed_at") Long completedAt,
        Failure error,
        @JsonProperty("incomplete_details") Incomplete incompleteDetails,
        String instructions,
        @JsonProperty("max_output_tokens") Integer maxOutputTokens,
        @JsonProperty("max_tool_calls") Integer maxToolCalls,
        String model,
        List<Item> output,
        @JsonProperty("parallel_tool_calls") boolean parallelToolCalls,
        @JsonProperty("previous_response_id") String previousResponseId,
        JsonNode reasoning,
        @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("service_tier") String serviceTier,
        boolean store,
        Double temperature,
        JsonNode text,
        @JsonProperty("tool_choice") JsonNode toolChoice,
        JsonNode tools,
        @JsonProperty("top_p") Double topP,
        String truncation,
        @JsonInclude(JsonInclude.Include.NON_NULL) ResponseUsage usage,
        @JsonInclude(JsonInclude.Include.NON_NULL) String user,
        @JsonProperty("safety_identifier") String safetyIdentifier,
        @JsonProperty("prompt_cache_key") String promptCacheKey,
        JsonNode metadata,
        @JsonInclude(JsonInclude.Include.NON_NULL) Object moa) {

    public static final String COMPLETED = "completed";
    public static final String INCOMPLETE = "incomplete";
    public static final String IN_PROGRESS = "in_progress";
    public static final String FAILED = "failed";

    public ResponseObject {
        output = List.copyOf(output);
    }

    /** Why a response failed: {@code server_error} (an upstream or the deadline) or {@code rate_limit_exceeded}. */
    @RegisterForReflection
    public record Failure(String code, String message) {
    }

    /** Why a response is {@code incomplete}: here only {@code max_output_tokens}. */
    @RegisterForReflection
    public record Incomplete(String reason) {
    }

    /** A response to {@code request}, in {@code status}, with this output so far. */
    static ResponseObject of(String id, long createdAt, ResponsesRequest request, String status, List<Item> output,
                             ResponseUsage usage, Failure error, Object trace) {
        ResponsesRequest.Echo echo = request.echo();
        boolean incomplete = INCOMPLETE.equals(status);
        return new ResponseObject(id, "response", createdAt, status,
                COMPLETED.equals(status) ? Long.valueOf(java.time.Instant.now().getEpochSecond()) : null, error,
                incomplete ? new Incomplete("max_output_tokens") : null, request.instructions(),
                echo.maxOutputTokens(), echo.maxToolCalls(), request.model(), output, echo.parallelToolCalls(),
                request.previousResponseId(), echo.reasoning(), echo.serviceTier(), request.store(),
                echo.temperature(), echo.text(), echo.toolChoice(), echo.tools(), echo.topP(),
                echo.truncation() == null ? "disabled" : echo.truncation(), usage, echo.user(),
                echo.safetyIdentifier(), echo.promptCacheKey(), echo.metadata(), trace);
    }
}
