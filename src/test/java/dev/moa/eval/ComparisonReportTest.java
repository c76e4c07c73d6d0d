package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report's figures against values worked out by hand (no server). */
class ComparisonReportTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void wilsonIntervalMatchesTheFormulaWorkedByHand() {
        // p = 0.8, n = 10, z² = 3.841459: centre 0.99207 / 1.384146 = 0.716737, half 1.416009 · 0.160011 = 0.226577.
        double[] ci = ReportStatistics.wilson(8, 10);
        assertEquals(0.490162, ci[0], 1e-6);
        assertEquals(0.943318, ci[1], 1e-6);
        double[] low = ReportStatistics.wilson(3, 10);
        assertEquals(0.107791, low[0], 1e-6);
        assertEquals(0.603222, low[1], 1e-6);
        double[] none = ReportStatistics.wilson(0, 5);
        assertEquals(0.0, none[0], 1e-12);
        assertEquals(0.434482, none[1], 1e-6);
    }

    @Test
    void exactMcNemarIsTheTwoSidedSignTest() {
        assertEquals(2.0 / 32, ReportStatistics.mcNemarExact(5, 0), 1e-15);
        assertEquals(2.0 * (1 + 7) / 128, ReportStatistics.mcNemarExact(6, 1), 1e-15);
        assertEquals(2.0 * (1 + 7) / 128, ReportStatistics.mcNemarExact(1, 6), 1e-15);
        assertEquals(2.0 * (1 + 20 + 190) / (1 << 20), ReportStatistics.mcNemarExact(18, 2), 1e-15);
        assertEquals(1.0, ReportStatistics.mcNemarExact(3, 3), 1e-15);
        assertEquals(1.0, ReportStatistics.mcNemarExact(0, 0), 1e-15);
    }

    @Test
    void percentilesAreNearestRank() {
        List<Long> tenths = List.of(1000L, 100L, 900L, 200L, 800L, 300L, 700L, 400L, 600L, 500L);
        assertEquals(500L, ReportStatistics.percentile(tenths, 0.50));
        assertEquals(1000L, ReportStatistics.percentile(tenths, 0.95));
        List<Long> twenty = new ArrayList<>();
        for (long i = 1; i <= 20; i++) {
            twenty.add(i);
        }
        assertEquals(10L, ReportStatistics.percentile(twenty, 0.50));
        assertEquals(19L, ReportStatistics.percentile(twenty, 0.95));
        assertEquals(null, ReportStatistics.percentile(List.of(), 0.5));
    }

    @Test
    void theReportsFiguresForThreeRuns() {
        EvalObject eval = new EvalObject("eval", "eval_1", "quiz", JSON.createObjectNode(), criteria(), 1, null);
        List<JsonNode> items = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            items.add(JSON.createObjectNode().put("q", "question " + i));
        }
        // Run A: 0-7 pass, 8 fails, 9 errored; latency (i+1)·100 ms; each sample $0.01, each graded item $0.002.
        List<JsonNode> a = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String status = i < 8 ? "pass" : i == 8 ? "fail" : "error";
            a.add(output(i, status, (i + 1) * 100L, "0.01", status.equals("error") ? null : "0.002",
                    status.equals("error") ? null : new double[]{status.equals("pass") ? 1 : 0, i}));
        }
        // Run B: 0, 1 and 8 pass; the rest fail; 50 ms; $0.001 per sample, no grader price.
        List<JsonNode> b = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            boolean pass = Set.of(0, 1, 8).contains(i);
            b.add(output(i, pass ? "pass" : "fail", 50, "0.001", null, new double[]{pass ? 1 : 0, 5}));
        }
        // Run C: other items (2): one pass; $0.1 per sample.
        List<JsonNode> c = List.of(output(0, "pass", 10, "0.1", null, new double[]{1, 1}),
                output(1, "fail", 20, "0.1", null, new double[]{0, 1}));
        List<JsonNode> otherItems = List.of(JSON.createObjectNode().put("q", "x"), JSON.createObjectNode().put("q", "y"));

        JsonNode report = new ComparisonReport(JSON).build(eval, List.of(
                new ComparisonReport.RunData(run("run_a", "quiz-mix"), items, a),
                new ComparisonReport.RunData(run("run_b", "fake/weak"), items, b),
                new ComparisonReport.RunData(run("run_c", "fake/pricey"), otherItems, c)), 99);

        JsonNode ra = report.at("/runs/0");
        assertEquals(10, ra.path("evaluated").asInt());
        assertEquals(List.of(8, 1, 1), List.of(ra.path("passed").asInt(), ra.path("failed").asInt(),
                ra.path("errored").asInt()));
        assertEquals(0.8, ra.path("pass_rate").asDouble(), 1e-12);
        assertEquals(0.490162, ra.at("/pass_rate_ci95/0").asDouble(), 1e-6);
        assertEquals(0.943318, ra.at("/pass_rate_ci95/1").asDouble(), 1e-6);
        assertEquals(8.0 / 9, ra.at("/mean_scores/exact").asDouble(), 1e-12, "errored item not graded");
        assertEquals(36.0 / 9, ra.at("/mean_scores/scored").asDouble(), 1e-12);
        assertEquals("0.1", ra.at("/cost_usd/samples").decimalValue().toPlainString());
        assertEquals("0.018", ra.at("/cost_usd/graders").decimalValue().toPlainString());
        assertEquals("0.118", ra.at("/cost_usd/total").decimalValue().toPlainString());
        assertEquals("0.0125", ra.at("/cost_usd/per_passed_item").decimalValue().toPlainString());
        assertEquals(500, ra.at("/latency_ms/p50").asLong());
        assertEquals(1000, ra.at("/latency_ms/p95").asLong());
        assertEquals(10 * 30, ra.at("/tokens/sample_total").asLong());
        assertEquals(9 * 7, ra.at("/tokens/graders_total").asLong());
        assertTrue(ra.path("pareto").asBoolean());

        JsonNode rb = report.at("/runs/1");
        assertEquals(0.3, rb.path("pass_rate").asDouble(), 1e-12);
        assertEquals(0.107791, rb.at("/pass_rate_ci95/0").asDouble(), 1e-6);
        assertTrue(rb.at("/cost_usd/graders").isNull(), "no grader call had a price");
        assertEquals(0.01 / 3, rb.at("/cost_usd/per_passed_item").asDouble(), 1e-15);
        assertEquals(50, rb.at("/latency_ms/p95").asLong());
        assertTrue(rb.path("pareto").asBoolean(), "the cheapest run is on the front");
        assertFalse(report.at("/runs/2/pareto").asBoolean(), "C costs more than A and passes less");

        assertEquals(1, report.path("pairs").size(), "only A and B share their items");
        JsonNode pair = report.at("/pairs/0");
        assertEquals("run_a", pair.path("run_a").asText());
        assertEquals(List.of(10, 6, 1, 3), List.of(pair.path("items").asInt(), pair.path("wins").asInt(),
                pair.path("losses").asInt(), pair.path("ties").asInt()));
        assertEquals(0.125, pair.path("p_value").asDouble(), 1e-15);

        List<Integer> order = new ArrayList<>();
        report.path("items").forEach(i -> order.add(i.path("index").asInt()));
        assertEquals(List.of(9, 1, 2, 3, 4, 5, 6, 7, 8, 0), order, "failures first");
        JsonNode nine = report.at("/items/0");
        assertEquals("error", nine.at("/runs/0/status").asText());
        assertEquals("fail", nine.at("/runs/1/status").asText());
        assertEquals("not_run", nine.at("/runs/2/status").asText());
        assertEquals("answer 9", nine.at("/runs/1/output").asText());

        String html = ReportPage.render(report);
        assertTrue(html.contains("<svg id=\"pareto\""));
    }

    private static ArrayNode criteria() {
        ArrayNode criteria = JSON.createArrayNode();
        criteria.addObject().put("name", "exact").put("id", "exact-1").put("type", "string_check");
        criteria.addObject().put("name", "scored").put("id", "scored-2").put("type", "score_model");
        return criteria;
    }

    private static EvalRun run(String id, String model) {
        return new EvalRun("eval.run", id, "eval_1", EvalRun.COMPLETED, model, model, 1, null,
                new EvalRun.ResultCounts(10, 0, 0, 0), List.of(), List.of(), JSON.createObjectNode(), null, null);
    }

    /** An output item; sample usage 10 + 20 tokens, each grader call 7 tokens; {@code scores} null: not graded. */
    private static JsonNode output(int index, String status, long latency, String sampleCost, String graderCost,
                                   double[] scores) {
        ObjectNode out = JSON.createObjectNode();
        out.put("datasource_item_id", index);
        out.put("status", status);
        ArrayNode input = out.putObject("sample").putArray("input");
        input.addObject().put("role", "user").put("content", "question " + index);
        ((ObjectNode) out.get("sample")).putArray("output").addObject().put("role", "assistant")
                .put("content", "answer " + index);
        ArrayNode results = out.putArray("results");
        ObjectNode moa = out.putObject("moa");
        moa.put("latency_ms", latency);
        moa.putObject("sample_usage").put("model", "m").put("prompt_tokens", 10).put("completion_tokens", 20)
                .put("total_tokens", 30).put("cost", new java.math.BigDecimal(sampleCost));
        ArrayNode graders = moa.putArray("grader_usage");
        if (scores != null) {
            results.addObject().put("name", "exact-1").put("score", scores[0]).put("passed", scores[0] == 1);
            results.addObject().put("name", "scored-2").put("score", scores[1]).put("passed", true);
            ObjectNode call = graders.addObject().put("model", "judge").put("total_tokens", 7);
            if (graderCost != null) {
                call.put("cost", new java.math.BigDecimal(graderCost));
            } else {
                call.putNull("cost");
            }
        }
        return out;
    }
}
