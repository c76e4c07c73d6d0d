package dev.moa.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.moa.mix.CallOptions;
import dev.moa.provider.Completion;
import dev.moa.provider.Message;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Checks an answer against the client's {@code response_format}: {@code json_object} must be one JSON object,
 * {@code json_schema} must be JSON and, when {@code strict}, validate against the schema. Answers that call
 * tools are not checked (they are not the final output).
 */
final class StructuredOutput {

    private static final int MAX_ERRORS = 5;

    private final ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    // Schemas come from clients: a $ref must never make us fetch a URL.
    private final SchemaRegistry schemas = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12,
            builder -> builder.schemaLoader(loader -> loader.fetchRemoteResources(false)));

    /** The format to check the answer against, if the client asked for JSON and the answer did not call tools. */
    Optional<String> format(CallOptions options, Completion answer) {
        String type = options.responseFormatType();
        if (answer.hasToolCalls() || !("json_object".equals(type) || "json_schema".equals(type))) {
            return Optional.empty();
        }
        return Optional.of(type);
    }

    /** What is wrong with the answer, or empty when it is what the client asked for. */
    Optional<String> problem(CallOptions options, Completion answer) {
        String text = answer.content().strip();
        if (text.isEmpty()) {
            return Optional.of("the answer is empty, not JSON");
        }
        JsonNode value;
        try {
            value = json.readTree(text);
        } catch (JsonProcessingException e) {
            return Optional.of("the answer is not valid JSON: " + e.getOriginalMessage());
        }
        String type = options.responseFormatType();
        if ("json_object".equals(type)) {
            return value.isObject() ? Optional.empty() : Optional.of("the answer is JSON but not a JSON object");
        }
        JsonNode spec = options.responseFormat().path("json_schema");
        if (!spec.path("strict").asBoolean(false) || !spec.path("schema").isObject()) {
            return Optional.empty();
        }
        List<Error> errors;
        try {
            Schema schema = schemas.getSchema(spec.get("schema"));
            errors = schema.validate(value);
        } catch (RuntimeException unusableSchema) {
            // A schema we cannot evaluate is the provider's to enforce; valid JSON is all we can check.
            return Optional.empty();
        }
        if (errors.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of("the answer does not match the JSON schema: " + errors.stream().limit(MAX_ERRORS)
                .map(e -> e.getInstanceLocation() + " " + e.getMessage()).collect(Collectors.joining("; ")));
    }

    /** The turns that ask for a corrected answer, after the aggregator's own messages. */
    List<Message> followUp(Completion answer, String problem) {
        return List.of(new Message(Message.ASSISTANT, answer.content()), Message.user(
                "That answer cannot be used: " + problem + ". Reply again with only the corrected JSON, nothing "
                        + "before or after it."));
    }
}
