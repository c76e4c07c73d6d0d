package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One item of a run: its sample (the run's model through {@code /v1/chat/completions}), then every grader in order,
 * as an output item in OpenAI's shape. Never fails: a failed sample or grader call makes the item {@code error}
 * with the error kept, and the run goes on.
 *
 * <p>Besides OpenAI's fields the item carries {@code moa}: the sample's latency, and the samples' and graders'
 * usage and cost apart ({@code sample_usage}, {@code grader_usage}); the run's totals and the report add them up.
 */
public final class ItemEvaluator {

    private static final Pattern NUMBER = Pattern.compile("-?\\d+(?:\\.\\d+)?");

    /** What one run needs to evaluate its items, read once from the stored run and eval. */
    public record RunContext(String evalId, String runId, String model, RunRequests.Input input,
                             Grader.Sampling sampling, List<Grader> graders) {

        public static RunContext of(EvalObject eval, EvalRun run) {
            return new RunContext(run.evalId(), run.id(), run.model(),
                    RunRequests.input(run.dataSource().get("input_messages"),
                            EvalDefinitions.itemFields(eval.itemSchema())),
                    RunRequests.sampling(run.dataSource().get("sampling_params"), "sampling_params"),
                    EvalDefinitions.graders(eval.testingCriteria()));
        }
    }

    private final CompletionCalls calls;
    private final ObjectMapper json;
    private final Clock clock;

    public ItemEvaluator(CompletionCalls calls, ObjectMapper json, Clock clock) {
        this.calls = calls;
        this.json = json;
        this.clock = clock;
    }

    public Uni<ObjectNode> evaluate(RunContext run, int index, JsonNode item) {
        ObjectNode out = outputItem(run, index, item);
        ArrayNode results = out.putArray("results");
        ObjectNode moa = json.createObjectNode();
        ArrayNode graderUsage = moa.putArray("grader_usage");

        ArrayNode messages;
        try {
            messages = messages(run.input(), item);
        } catch (IllegalArgumentException e) {
            out.set("sample", sample(json.createArrayNode(), run, null, error("invalid_item", e.getMessage())));
            moa.putNull("latency_ms");
            out.set("moa", moa);
            return Uni.createFrom().item(out);
        }
        ObjectNode request = chatRequest(run.model(), messages, run.sampling());
        return calls.call(request).chain(answer -> {
            moa.put("latency_ms", answer.latencyMs());
            moa.set("sample_usage", usage(run.model(), answer));
            if (!answer.ok()) {
                out.set("sample", sample(messages, run, answer, error(answer.errorCode(), answer.errorMessage())));
                out.set("moa", moa);
                return Uni.createFrom().item(out);
            }
            out.set("sample", sample(messages, run, answer, null));
            String outputText = answer.text();
            Uni<Void> chain = Uni.createFrom().voidItem();
            List<Boolean> passes = new ArrayList<>();
            for (Grader grader : run.graders()) {
                chain = chain.chain(() -> grade(grader, item, outputText, graderUsage).invoke(result -> {
                    results.add(result);
                    passes.add(result.has("error") ? null : result.path("passed").asBoolean());
                })).replaceWithVoid();
            }
            return chain.map(done -> {
                boolean errored = passes.contains(null);
                out.put("status", errored ? "error" : passes.stream().allMatch(Boolean.TRUE::equals) ? "pass" : "fail");
                out.set("moa", moa);
                return out;
            });
        });
    }

    /**
     * The output item of an item whose step never ran to its end (its invocations failed after their retries): an
     * {@code error} item with the reason as the sample's error, so the run's counts still add up to its total.
     */
    public ObjectNode notEvaluated(RunContext run, int index, JsonNode item, String code, String message) {
        ObjectNode out = outputItem(run, index, item);
        out.putArray("results");
        out.set("sample", sample(json.createArrayNode(), run, null, error(code, message)));
        out.putObject("moa").putNull("latency_ms").putArray("grader_usage");
        return out;
    }

    private ObjectNode outputItem(RunContext run, int index, JsonNode item) {
        ObjectNode out = json.createObjectNode();
        out.put("object", "eval.run.output_item");
        out.put("id", EvalIds.outputItem(run.runId(), index));
        out.put("run_id", run.runId());
        out.put("eval_id", run.evalId());
        out.put("created_at", clock.instant().getEpochSecond());
        out.put("status", "error");
        out.put("datasource_item_id", index);
        out.set("datasource_item", item);
        return out;
    }

    private ArrayNode messages(RunRequests.Input input, JsonNode item) {
        if (input instanceof RunRequests.Input.Templated templated) {
            return PromptMessage.render(templated.messages(), item, null, json);
        }
        JsonNode value = item;
        for (String step : ((RunRequests.Input.ItemReference) input).path()) {
            value = value.path(step);
        }
        if (!value.isArray() || value.isEmpty()) {
            throw new IllegalArgumentException("the item_reference does not name a non-empty array of messages in "
                    + "this item");
        }
        return (ArrayNode) value.deepCopy();
    }

    private ObjectNode chatRequest(String model, ArrayNode messages, Grader.Sampling sampling) {
        ObjectNode request = json.createObjectNode();
        request.put("model", model);
        request.set("messages", messages);
        if (sampling.temperature() != null) {
            request.put("temperature", sampling.temperature());
        }
        if (sampling.maxTokens() != null) {
            request.put("max_completion_tokens", sampling.maxTokens());
        }
        if (sampling.topP() != null) {
            request.put("top_p", sampling.topP());
        }
        if (sampling.seed() != null) {
            request.put("seed", sampling.seed());
        }
        return request;
    }

    private ObjectNode sample(ArrayNode messages, RunContext run, CompletionCalls.Answer answer, ObjectNode error) {
        ObjectNode sample = json.createObjectNode();
        ArrayNode input = sample.putArray("input");
        for (JsonNode m : messages) {
            input.addObject().put("role", m.path("role").asText())
                    .put("content", m.path("content").isTextual() ? m.path("content").textValue()
                            : m.path("content").toString());
        }
        ArrayNode output = sample.putArray("output");
        if (answer != null && answer.ok()) {
            output.addObject().put("role", "assistant").put("content", answer.text());
            sample.put("finish_reason", answer.body().at("/choices/0/finish_reason").asText(""));
            sample.put("model", answer.body().path("model").asText(run.model()));
        } else {
            sample.put("finish_reason", "");
            sample.put("model", run.model());
        }
        ObjectNode usage = sample.putObject("usage");
        JsonNode reported = answer == null ? json.createObjectNode() : answer.body().path("usage");
        usage.put("total_tokens", reported.path("total_tokens").asLong());
        usage.put("completion_tokens", reported.path("completion_tokens").asLong());
        usage.put("prompt_tokens", reported.path("prompt_tokens").asLong());
        usage.put("cached_tokens", reported.path("prompt_tokens_details").path("cached_tokens").asLong());
        if (reported.hasNonNull("cost")) {
            usage.set("cost", reported.get("cost"));
        }
        sample.set("error", error == null ? json.nullNode() : error);
        Grader.Sampling s = run.sampling();
        putNumber(sample, "temperature", s.temperature());
        putNumber(sample, "max_completion_tokens", s.maxTokens());
        putNumber(sample, "top_p", s.topP());
        putNumber(sample, "seed", s.seed());
        return sample;
    }

    private static void putNumber(ObjectNode node, String field, Number value) {
        if (value == null) {
            node.putNull(field);
        } else if (value instanceof Double d) {
            node.put(field, d);
        } else {
            node.put(field, value.longValue());
        }
    }

    /** One grader's result: {@code name} (the criterion's id), {@code type}, {@code score}, {@code passed}. */
    private Uni<ObjectNode> grade(Grader grader, JsonNode item, String outputText, ArrayNode graderUsage) {
        ObjectNode result = json.createObjectNode();
        result.put("name", grader.id());
        result.put("type", grader.type());
        if (grader instanceof Grader.StringCheck check) {
            String input = check.input().render(item, outputText);
            String reference = check.reference().render(item, outputText);
            boolean passed = switch (check.operation()) {
                case "eq" -> input.equals(reference);
                case "ne" -> !input.equals(reference);
                case "like" -> input.contains(reference);
                default -> input.toLowerCase(Locale.ROOT).contains(reference.toLowerCase(Locale.ROOT));
            };
            result.put("score", passed ? 1.0 : 0.0).put("passed", passed).putNull("sample");
            return Uni.createFrom().item(result);
        }
        if (grader instanceof Grader.TextSimilarity similarity) {
            double score = Similarity.score(similarity.metric(), similarity.input().render(item, outputText),
                    similarity.reference().render(item, outputText));
            result.put("score", score).put("passed", score >= similarity.passThreshold()).putNull("sample");
            return Uni.createFrom().item(result);
        }
        if (grader instanceof Grader.LabelModel label) {
            ArrayNode messages = instructed(PromptMessage.render(label.input(), item, outputText, json),
                    "Reply with exactly one of these labels and nothing else: "
                            + String.join(", ", label.labels().stream().map(l -> "\"" + l + "\"").toList()) + ".");
            return modelCall(label.model(), messages, Grader.Sampling.NONE, result, graderUsage, text -> {
                String chosen = label(text, label.labels());
                if (chosen == null) {
                    return "the grader model answered \"" + shortened(text) + "\", which is none of the labels";
                }
                boolean passed = label.passingLabels().contains(chosen);
                result.put("score", passed ? 1.0 : 0.0).put("passed", passed);
                ((ObjectNode) result.get("sample")).put("label", chosen);
                return null;
            });
        }
        Grader.ScoreModel score = (Grader.ScoreModel) grader;
        ArrayNode messages = instructed(PromptMessage.render(score.input(), item, outputText, json),
                "Reply with a score: one number from " + plain(score.low()) + " to " + plain(score.high())
                        + ", and nothing else.");
        return modelCall(score.model(), messages, score.sampling(), result, graderUsage, text -> {
            Matcher m = NUMBER.matcher(text);
            if (!m.find()) {
                return "the grader model answered \"" + shortened(text) + "\", which holds no number";
            }
            double value = Double.parseDouble(m.group());
            if (value < score.low() || value > score.high()) {
                return "the grader model's score " + m.group() + " is outside the range [" + plain(score.low())
                        + ", " + plain(score.high()) + "]";
            }
            result.put("score", value)
                    .put("passed", score.passThreshold() == null || value >= score.passThreshold());
            return null;
        });
    }

    /** Calls a grader model; {@code read} fills the result from its answer or returns why it cannot. */
    private Uni<ObjectNode> modelCall(String model, ArrayNode messages, Grader.Sampling sampling, ObjectNode result,
                                      ArrayNode graderUsage,
                                      java.util.function.Function<String, String> read) {
        return calls.call(chatRequest(model, messages, sampling)).map(answer -> {
            graderUsage.add(usage(model, answer));
            ObjectNode sample = result.putObject("sample");
            sample.put("model", model);
            if (!answer.ok()) {
                result.put("score", 0.0).put("passed", false);
                result.set("error", error(answer.errorCode(), answer.errorMessage()));
                return result;
            }
            sample.put("output_text", answer.text());
            String problem = read.apply(answer.text());
            if (problem != null) {
                result.put("score", 0.0).put("passed", false);
                result.set("error", error("invalid_grader_answer", problem));
            }
            return result;
        });
    }

    /** The grader's instructions on how to answer, added to its first system message (or as one before all). */
    private ArrayNode instructed(ArrayNode messages, String instruction) {
        for (JsonNode m : messages) {
            String role = m.path("role").asText();
            if (role.equals("system") || role.equals("developer")) {
                ((ObjectNode) m).put("content", m.path("content").asText() + "\n\n" + instruction);
                return messages;
            }
        }
        messages.insertObject(0).put("role", "system").put("content", instruction);
        return messages;
    }

    /**
     * The label a grader model chose: its whole answer (without quotes, markup or a final full stop) equal to a
     * label ignoring case; else the one label its answer contains as a word; else none.
     */
    static String label(String answer, List<String> labels) {
        String bare = answer.strip().replaceAll("^[\\s\"'`*_.:]+|[\\s\"'`*_.:!]+$", "");
        for (String label : labels) {
            if (label.equalsIgnoreCase(bare)) {
                return label;
            }
        }
        String found = null;
        for (String label : labels) {
            Pattern word = Pattern.compile("(?<![\\p{L}\\p{N}])" + Pattern.quote(label) + "(?![\\p{L}\\p{N}])",
                    Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
            if (word.matcher(answer).find()) {
                if (found != null) {
                    return null;
                }
                found = label;
            }
        }
        return found;
    }

    private ObjectNode usage(String model, CompletionCalls.Answer answer) {
        JsonNode reported = answer.body().path("usage");
        ObjectNode usage = json.createObjectNode();
        usage.put("model", model);
        usage.put("prompt_tokens", reported.path("prompt_tokens").asLong());
        usage.put("completion_tokens", reported.path("completion_tokens").asLong());
        usage.put("total_tokens", reported.path("total_tokens").asLong());
        usage.put("cached_tokens", reported.path("prompt_tokens_details").path("cached_tokens").asLong());
        usage.set("cost", reported.hasNonNull("cost") ? reported.get("cost") : json.nullNode());
        return usage;
    }

    private ObjectNode error(String code, String message) {
        return json.createObjectNode().put("code", code).put("message", message);
    }

    private static String shortened(String text) {
        String t = text.strip();
        return t.length() > 200 ? t.substring(0, 200) + "…" : t;
    }

    private static String plain(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
