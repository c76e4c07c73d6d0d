package dev.moa.batch;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * One line's durable result ({@code lines/<batch>/<index>.json}): the output line as it goes into the output or
 * the error file. Written once the line has an answer; a line that has one is never run again.
 *
 * @param failed whether the line belongs in the error file
 * @param output {@code {"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}}
 */
@RegisterForReflection
public record LineOutcome(int index, boolean failed, JsonNode output) {
}
