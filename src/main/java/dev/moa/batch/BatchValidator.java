package dev.moa.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.api.chat.ChatCompletions;
import dev.moa.mix.InvalidDocumentException;
import dev.moa.model.MoaError;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks a batch input file before anything runs: every line a JSON object with a unique {@code custom_id},
 * {@code method: POST}, the batch's {@code url}, and a {@code body} that {@code /v1/chat/completions} would accept
 * for a known mix; the file within the line and size limits. Errors carry the 1-based line number.
 */
public final class BatchValidator {

    /** More errors than this are not worth listing; the count of the rest is reported in the last one. */
    static final int MAX_ERRORS = 100;
    public static final String ENDPOINT = "/v1/chat/completions";

    private final ChatCompletions completions;
    private final ObjectMapper json;
    private final int maxLines;

    public BatchValidator(ChatCompletions completions, ObjectMapper json, int maxLines) {
        this.completions = completions;
        this.json = json;
        this.maxLines = maxLines;
    }

    /** What a file holds: its lines (index = line number - 1) when valid, else the errors. */
    public record Result(List<BatchObject.Error> errors, int lines) {
        public boolean valid() {
            return errors.isEmpty();
        }
    }

    public Result validate(InputStream input) {
        Checks checks = new Checks();
        int number = 0;
        int requests = 0;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(input, StandardCharsets.UTF_8))) {
            for (String text = reader.readLine(); text != null; text = reader.readLine()) {
                number++;
                if (text.isBlank()) {
                    checks.add("invalid_json_line", number, "Line " + number + " is empty: every line must be a "
                            + "request.", null);
                    continue;
                }
                requests++;
                if (requests > maxLines) {
                    checks.add("too_many_requests", number, "The file has more than " + maxLines
                            + " requests, the limit of one batch.", null);
                    break;
                }
                checkLine(text, number, checks);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the batch input", e);
        }
        if (requests == 0) {
            checks.add("empty_file", null, "The input file has no requests.", null);
        }
        return new Result(checks.result(), requests);
    }

    private void checkLine(String text, int number, Checks checks) {
        JsonNode line;
        try {
            line = json.readTree(text);
        } catch (JsonProcessingException e) {
            checks.add("invalid_json_line", number, "Line " + number + " is not valid JSON.", null);
            return;
        }
        if (!line.isObject()) {
            checks.add("invalid_json_line", number, "Line " + number + " must be a JSON object.", null);
            return;
        }
        JsonNode customId = line.get("custom_id");
        if (customId == null || !customId.isTextual() || customId.asText().isEmpty()) {
            checks.add("missing_required_parameter", number, "Line " + number + " has no custom_id (a string).",
                    "custom_id");
        } else if (!checks.customIds.add(customId.asText())) {
            checks.add("duplicate_custom_id", number, "The custom_id \"" + customId.asText() + "\" on line " + number
                    + " is already used by an earlier line.", "custom_id");
        }
        if (!"POST".equals(line.path("method").asText(null))) {
            checks.add("invalid_method", number, "Line " + number + ": method must be \"POST\".", "method");
        }
        if (!ENDPOINT.equals(line.path("url").asText(null))) {
            checks.add("invalid_url", number, "Line " + number + ": url must be \"" + ENDPOINT
                    + "\", the batch's endpoint.", "url");
        }
        JsonNode body = line.get("body");
        if (body == null || !body.isObject()) {
            checks.add("missing_required_parameter", number, "Line " + number + " has no body (a JSON object).",
                    "body");
            return;
        }
        if (text.length() > ChatCompletions.MAX_BODY_BYTES) {
            checks.add("request_too_large", number, "Line " + number + " is larger than "
                    + ChatCompletions.MAX_BODY_BYTES + " bytes.", "body");
        }
        if (body.path("stream").asBoolean(false)) {
            checks.add("invalid_request", number, "Line " + number + ": stream is not supported in a batch.",
                    "body.stream");
        }
        String model;
        try {
            model = completions.check(body);
        } catch (MoaError e) {
            checks.add(e, number);
            return;
        }
        checks.model(model, number);
    }

    /** The errors found so far, and the mixes already resolved (a batch names few mixes, over many lines). */
    private final class Checks {
        private final List<BatchObject.Error> errors = new ArrayList<>();
        private final Set<String> customIds = new HashSet<>();
        private final Map<String, Optional<BatchObject.Error>> models = new HashMap<>();
        private int dropped;

        void add(String code, Integer line, String message, String param) {
            if (errors.size() < MAX_ERRORS) {
                errors.add(new BatchObject.Error(code, line, message, param));
            } else {
                dropped++;
            }
        }

        void add(MoaError error, int line) {
            add(error.code().orElse("invalid_request"), line, "Line " + line + ": " + error.getMessage(),
                    error.param().map(param -> "body." + param).orElse("body"));
        }

        void model(String model, int line) {
            Optional<BatchObject.Error> problem = models.computeIfAbsent(model, this::resolve);
            problem.ifPresent(error -> add(error.code(), line, "Line " + line + ": " + error.message(), "body.model"));
        }

        private Optional<BatchObject.Error> resolve(String model) {
            try {
                completions.checkModel(model);
                return Optional.empty();
            } catch (MoaError e) {
                return Optional.of(new BatchObject.Error(e.code().orElse(null), null, e.getMessage(), "body.model"));
            } catch (InvalidDocumentException e) {
                return Optional.of(new BatchObject.Error("invalid_mix_document", null, e.getMessage(), "body.model"));
            }
        }

        List<BatchObject.Error> result() {
            if (dropped > 0) {
                errors.add(new BatchObject.Error("too_many_errors", null, dropped + " more errors are not listed.",
                        null));
            }
            return List.copyOf(errors);
        }
    }
}
