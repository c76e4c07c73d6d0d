package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The comparison of an eval's runs ({@code GET /v1/evals/{id}/report}): per run its pass rate with a 95 % Wilson
 * interval, mean score per grader, cost, cost per passed item, latency, tokens and errors; for every pair of runs
 * over the same items wins, losses, ties and an exact McNemar p-value; which runs are Pareto-optimal in cost and pass
 * rate; and every item with each run's output, failures first.
 *
 * <p>Definitions: an item passes when every grader passed it; the pass rate is passed / evaluated (an errored item
 * counts as not passed). Cost is what the calls' providers' pricing says (USD; null when no call had a price):
 * {@code samples} (the model under test) and {@code graders} apart, {@code per_passed_item} = samples / passed.
 * Latency is the sample's, nearest-rank p50/p95 over evaluated items.
 */
public final class ComparisonReport {

    /** One run with what it evaluated. */
    public record RunData(EvalRun run, List<JsonNode> items, List<JsonNode> outputs) {
    }

    private final ObjectMapper json;

    public ComparisonReport(ObjectMapper json) {
        this.json = json;
    }

    public ObjectNode build(EvalObject eval, List<RunData> runs, long generatedAt) {
        ObjectNode report = json.createObjectNode();
        report.put("object", "eval.report");
        report.put("eval_id", eval.id());
        report.put("name", eval.name());
        report.put("generated_at", generatedAt);
        Map<String, String> criterionNames = new LinkedHashMap<>();
        eval.testingCriteria().forEach(c -> criterionNames.put(c.path("id").asText(), c.path("name").asText()));
        ArrayNode criteria = report.putArray("testing_criteria");
        criterionNames.values().forEach(criteria::add);

        ArrayNode runRows = report.putArray("runs");
        List<Map<Integer, JsonNode>> byIndex = new ArrayList<>();
        for (RunData data : runs) {
            Map<Integer, JsonNode> outputs = new HashMap<>();
            data.outputs().forEach(o -> outputs.put(o.path("datasource_item_id").asInt(), o));
            byIndex.add(outputs);
            runRows.add(runRow(data, criterionNames));
        }
        markPareto(runRows);

        ArrayNode pairs = report.putArray("pairs");
        for (int a = 0; a < runs.size(); a++) {
            for (int b = a + 1; b < runs.size(); b++) {
                if (!runs.get(a).items().equals(runs.get(b).items())) {
                    continue;
                }
                int wins = 0;
                int losses = 0;
                int ties = 0;
                for (Map.Entry<Integer, JsonNode> first : byIndex.get(a).entrySet()) {
                    JsonNode second = byIndex.get(b).get(first.getKey());
                    if (second == null) {
                        continue;
                    }
                    boolean passA = passed(first.getValue());
                    boolean passB = passed(second);
                    if (passA && !passB) {
                        wins++;
                    } else if (passB && !passA) {
                        losses++;
                    } else {
                        ties++;
                    }
                }
                ObjectNode pair = pairs.addObject();
                pair.put("run_a", runs.get(a).run().id());
                pair.put("run_b", runs.get(b).run().id());
                pair.put("model_a", runs.get(a).run().model());
                pair.put("model_b", runs.get(b).run().model());
                pair.put("items", wins + losses + ties);
                pair.put("wins", wins);
                pair.put("losses", losses);
                pair.put("ties", ties);
                pair.put("p_value", ReportStatistics.mcNemarExact(wins, losses));
            }
        }
        report.set("items", items(runs, byIndex, criterionNames));
        return report;
    }

    private ObjectNode runRow(RunData data, Map<String, String> criterionNames) {
        EvalRun run = data.run();
        ObjectNode row = json.createObjectNode();
        row.put("id", run.id());
        row.put("name", run.name());
        row.put("model", run.model());
        row.put("status", run.status());
        int passed = 0;
        int failed = 0;
        int errored = 0;
        Map<String, double[]> scores = new LinkedHashMap<>();
        criterionNames.keySet().forEach(id -> scores.put(id, new double[2]));
        BigDecimal sampleCost = null;
        BigDecimal graderCost = null;
        long prompt = 0;
        long completion = 0;
        long graderTokens = 0;
        List<Long> latencies = new ArrayList<>();
        for (JsonNode out : data.outputs()) {
            switch (out.path("status").asText()) {
                case "pass" -> passed++;
                case "fail" -> failed++;
                default -> errored++;
            }
            for (JsonNode result : out.path("results")) {
                double[] sum = scores.get(result.path("name").asText());
                if (sum != null && !result.has("error")) {
                    sum[0] += result.path("score").asDouble();
                    sum[1]++;
                }
            }
            JsonNode moa = out.path("moa");
            if (moa.path("latency_ms").isNumber()) {
                latencies.add(moa.get("latency_ms").asLong());
            }
            JsonNode sample = moa.path("sample_usage");
            prompt += sample.path("prompt_tokens").asLong();
            completion += sample.path("completion_tokens").asLong();
            if (sample.hasNonNull("cost")) {
                sampleCost = (sampleCost == null ? BigDecimal.ZERO : sampleCost).add(sample.get("cost").decimalValue());
            }
            for (JsonNode call : moa.path("grader_usage")) {
                graderTokens += call.path("total_tokens").asLong();
                if (call.hasNonNull("cost")) {
                    graderCost = (graderCost == null ? BigDecimal.ZERO : graderCost).add(call.get("cost").decimalValue());
                }
            }
        }
        int evaluated = passed + failed + errored;
        row.put("total", data.items().size());
        row.put("evaluated", evaluated);
        row.put("passed", passed);
        row.put("failed", failed);
        row.put("errored", errored);
        if (evaluated == 0) {
            row.putNull("pass_rate");
            row.putNull("pass_rate_ci95");
        } else {
            row.put("pass_rate", (double) passed / evaluated);
            double[] ci = ReportStatistics.wilson(passed, evaluated);
            row.putArray("pass_rate_ci95").add(ci[0]).add(ci[1]);
        }
        ObjectNode means = row.putObject("mean_scores");
        scores.forEach((id, sum) -> {
            if (sum[1] == 0) {
                means.putNull(criterionNames.get(id));
            } else {
                means.put(criterionNames.get(id), sum[0] / sum[1]);
            }
        });
        ObjectNode cost = row.putObject("cost_usd");
        putDecimal(cost, "samples", sampleCost);
        putDecimal(cost, "graders", graderCost);
        putDecimal(cost, "total", sampleCost == null && graderCost == null ? null
                : (sampleCost == null ? BigDecimal.ZERO : sampleCost).add(graderCost == null ? BigDecimal.ZERO
                : graderCost));
        putDecimal(cost, "per_passed_item", sampleCost == null || passed == 0 ? null
                : sampleCost.divide(BigDecimal.valueOf(passed), MathContext.DECIMAL64));
        ObjectNode latency = row.putObject("latency_ms");
        putLong(latency, "p50", ReportStatistics.percentile(latencies, 0.50));
        putLong(latency, "p95", ReportStatistics.percentile(latencies, 0.95));
        ObjectNode tokens = row.putObject("tokens");
        tokens.put("sample_prompt", prompt);
        tokens.put("sample_completion", completion);
        tokens.put("sample_total", prompt + completion);
        tokens.put("graders_total", graderTokens);
        return row;
    }

    /** A run is Pareto-optimal when no other run costs no more, passes no less, and is better in one of them. */
    private static void markPareto(ArrayNode rows) {
        for (JsonNode row : rows) {
            JsonNode cost = row.at("/cost_usd/samples");
            JsonNode rate = row.get("pass_rate");
            if (cost.isNull() || cost.isMissingNode() || rate.isNull()) {
                ((ObjectNode) row).putNull("pareto");
                continue;
            }
            boolean dominated = false;
            for (JsonNode other : rows) {
                JsonNode otherCost = other.at("/cost_usd/samples");
                if (other == row || otherCost.isNull() || otherCost.isMissingNode() || other.get("pass_rate").isNull()) {
                    continue;
                }
                int cheaper = otherCost.decimalValue().compareTo(cost.decimalValue());
                double better = other.get("pass_rate").asDouble() - rate.asDouble();
                if (cheaper <= 0 && better >= 0 && (cheaper < 0 || better > 0)) {
                    dominated = true;
                }
            }
            ((ObjectNode) row).put("pareto", !dominated);
        }
    }

    private ArrayNode items(List<RunData> runs, List<Map<Integer, JsonNode>> byIndex,
                            Map<String, String> criterionNames) {
        int count = runs.stream().mapToInt(r -> r.items().size()).max().orElse(0);
        List<ObjectNode> rows = new ArrayList<>();
        List<Integer> notPassed = new ArrayList<>();
        for (int index = 0; index < count; index++) {
            ObjectNode row = json.createObjectNode();
            row.put("index", index);
            JsonNode item = null;
            String input = null;
            ArrayNode cells = json.createArrayNode();
            int misses = 0;
            for (int r = 0; r < runs.size(); r++) {
                if (item == null && index < runs.get(r).items().size()) {
                    item = runs.get(r).items().get(index);
                }
                JsonNode out = byIndex.get(r).get(index);
                ObjectNode cell = cells.addObject();
                cell.put("run_id", runs.get(r).run().id());
                if (out == null) {
                    cell.put("status", "not_run");
                    continue;
                }
                if (input == null) {
                    JsonNode messages = out.at("/sample/input");
                    if (messages.size() > 0) {
                        input = messages.get(messages.size() - 1).path("content").asText();
                    }
                }
                cell.put("status", out.path("status").asText());
                if (!passed(out)) {
                    misses++;
                }
                cell.put("output", out.at("/sample/output/0/content").asText(""));
                if (out.at("/sample/error").isObject()) {
                    cell.set("error", out.at("/sample/error"));
                }
                ObjectNode grades = cell.putObject("scores");
                for (JsonNode result : out.path("results")) {
                    String name = criterionNames.getOrDefault(result.path("name").asText(), result.path("name").asText());
                    grades.set(name, result.has("error") ? json.nullNode() : result.path("score"));
                }
            }
            row.set("item", item == null ? json.nullNode() : item);
            row.put("input", input == null ? "" : input);
            row.set("runs", cells);
            rows.add(row);
            notPassed.add(misses);
        }
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            order.add(i);
        }
        // Failures first: the items most runs missed, then by index.
        order.sort(Comparator.comparing((Integer i) -> -notPassed.get(i)).thenComparing(i -> i));
        ArrayNode out = json.createArrayNode();
        order.forEach(i -> out.add(rows.get(i)));
        return out;
    }

    private static boolean passed(JsonNode output) {
        return "pass".equals(output.path("status").asText());
    }

    private static void putDecimal(ObjectNode node, String field, BigDecimal value) {
        if (value == null) {
            node.putNull(field);
        } else {
            node.put(field, value.stripTrailingZeros());
        }
    }

    private static void putLong(ObjectNode node, String field, Long value) {
        if (value == null) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }
}
