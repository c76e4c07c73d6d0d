package dev.moa.api.responses;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moa.mix.CallOptions;
import dev.moa.mix.Sampling;

import java.util.List;

/**
 * A validated {@code POST /v1/responses} body.
 *
 * @param input        this request's own input items (ids given), as {@code input_items} lists them
 * @param instructions the system text placed first; a later {@code previous_response_id} does not carry it over
 * @param options      the per-call fields in the pipeline's terms (tools, tool choice, format, user, reasoning effort)
 * @param echo         the request fields a {@code response} object repeats ({@code tools}, {@code tool_choice},
 *                     {@code text}, {@code metadata}...), as the client sent them
 */
public record ResponsesRequest(String model, List<Item> input, String instructions, Sampling sampling,
                               CallOptions options, boolean stream, boolean store, String previousResponseId,
                               boolean trace, boolean dryRun, Echo echo) {

    public ResponsesRequest {
        input = List.copyOf(input);
    }

    /** What the {@code response} object says about its request. */
    public record Echo(JsonNode tools, JsonNode toolChoice, boolean parallelToolCalls, JsonNode text,
                       JsonNode metadata, JsonNode reasoning, Double temperature, Double topP,
                       Integer maxOutputTokens, String user, String promptCacheKey, String truncation,
                       String serviceTier, Integer maxToolCalls, String safetyIdentifier) {
    }
}
