package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's figures added up from its output items: result counts, passes and failures per criterion, and usage per
 * model, the sample's model apart from the graders'. Built from the stored outputs when a run (re)starts, then fed
 * each new one, so a restart counts every item once.
 */
final class RunTally {

    private int errored;
    private int failed;
    private int passed;
    private final Map<String, int[]> criteria = new LinkedHashMap<>();
    private final Map<String, Usage> usage = new LinkedHashMap<>();

    private static final class Usage {
        final String model;
        final String usedFor;
        long calls;
        long prompt;
        long completion;
        long total;
        long cached;
        BigDecimal cost;

        Usage(String model, String usedFor) {
            this.model = model;
            this.usedFor = usedFor;
        }
    }

    RunTally(List<Grader> graders) {
        graders.forEach(g -> criteria.put(g.id(), new int[2]));
    }

    /**
     * The figures a run object holds so far, to add one more output to: how an item step on the state machine
     * counts without reading every stored output.
     */
    static RunTally of(EvalRun run, List<Grader> graders) {
        RunTally tally = new RunTally(graders);
        EvalRun.ResultCounts counts = run.resultCounts();
        if (counts != null) {
            tally.errored = counts.errored();
            tally.failed = counts.failed();
            tally.passed = counts.passed();
        }
        for (EvalRun.CriterionResult result : run.perTestingCriteriaResults()) {
            int[] known = tally.criteria.get(result.testingCriteria());
            if (known != null) {
                known[0] = result.passed();
                known[1] = result.failed();
            }
        }
        for (EvalRun.ModelUsage used : run.perModelUsage()) {
            Usage u = tally.usage.computeIfAbsent(used.usedFor() + "\u0000" + used.modelName(),
                    k -> new Usage(used.modelName(), used.usedFor()));
            u.calls = used.invocationCount();
            u.prompt = used.promptTokens();
            u.completion = used.completionTokens();
            u.total = used.totalTokens();
            u.cached = used.cachedTokens();
            u.cost = used.cost();
        }
        return tally;
    }

    synchronized void add(JsonNode output) {
        switch (output.path("status").asText()) {
            case "pass" -> passed++;
            case "fail" -> failed++;
            default -> errored++;
        }
        for (JsonNode result : output.path("results")) {
            int[] counts = criteria.get(result.path("name").asText());
            if (counts != null && !result.has("error")) {
                counts[result.path("passed").asBoolean() ? 0 : 1]++;
            }
        }
        JsonNode moa = output.path("moa");
        if (moa.has("sample_usage")) {
            count(moa.get("sample_usage"), "sample");
        }
        for (JsonNode call : moa.path("grader_usage")) {
            count(call, "grader");
        }
    }

    private void count(JsonNode call, String usedFor) {
        String model = call.path("model").asText();
        Usage u = usage.computeIfAbsent(usedFor + "\u0000" + model, k -> new Usage(model, usedFor));
        u.calls++;
        u.prompt += call.path("prompt_tokens").asLong();
        u.completion += call.path("completion_tokens").asLong();
        u.total += call.path("total_tokens").asLong();
        u.cached += call.path("cached_tokens").asLong();
        if (call.hasNonNull("cost")) {
            u.cost = (u.cost == null ? BigDecimal.ZERO : u.cost).add(call.get("cost").decimalValue());
        }
    }

    synchronized EvalRun.ResultCounts counts(int total) {
        return new EvalRun.ResultCounts(total, errored, failed, passed);
    }

    synchronized List<EvalRun.ModelUsage> usage() {
        List<EvalRun.ModelUsage> out = new ArrayList<>();
        for (Usage u : usage.values()) {
            out.add(new EvalRun.ModelUsage(u.model, u.usedFor, u.calls, u.prompt, u.completion, u.total, u.cached,
                    u.cost));
        }
        return out;
    }

    synchronized List<EvalRun.CriterionResult> criteria() {
        List<EvalRun.CriterionResult> out = new ArrayList<>();
        criteria.forEach((id, counts) -> out.add(new EvalRun.CriterionResult(id, counts[0], counts[1])));
        return out;
    }
}
