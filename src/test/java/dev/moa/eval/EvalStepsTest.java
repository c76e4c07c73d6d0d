package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.moa.eval.EvalFixture.CLOCK;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The state machine's steps on a directory store, as the function runs them for each invocation: in any order,
 * repeated (retries, redrives), with items whose steps never came.
 */
class EvalStepsTest {

    private final EvalFixture fixture;
    private final EvalRecords records;
    private final List<String> asked;

    EvalStepsTest(@TempDir Path dir) {
        fixture = new EvalFixture(dir);
        records = fixture.records;
        asked = fixture.asked;
    }

    private EvalSteps steps() {
        return new EvalSteps(records, fixture.evaluator(), Duration.ofHours(24), CLOCK);
    }

    @Test
    void repeatedStepsEvaluateEachItemOnceAndFinishCountsEveryOutputOnce() {
        EvalObject eval = fixture.eval();
        EvalRun created = fixture.run(eval, CLOCK.instant().getEpochSecond(), 6);
        records.save(created.withStatus(EvalRun.QUEUED, null));
        EvalSteps steps = steps();
        List<JsonNode> items = records.items(created.id());

        assertEquals(EvalRun.IN_PROGRESS, steps.open(eval.id(), created.id()).orElseThrow().status());
        assertEquals(EvalRun.IN_PROGRESS, steps.open(eval.id(), created.id()).orElseThrow().status(), "retried");
        assertEquals(EvalSteps.ItemResult.EVALUATED, steps.item(eval.id(), created.id(), 3, items.get(3)));
        assertEquals(EvalSteps.ItemResult.EVALUATED, steps.item(eval.id(), created.id(), 0, items.get(0)));
        assertEquals(EvalSteps.ItemResult.STORED_BEFORE, steps.item(eval.id(), created.id(), 3, items.get(3)));
        assertEquals(new EvalRun.ResultCounts(6, 0, 0, 2),
                records.run(eval.id(), created.id()).orElseThrow().resultCounts(), "counted while it runs");
        for (int index : new int[] {1, 2, 4}) {
            steps.item(eval.id(), created.id(), index, items.get(index));
        }
        assertEquals(List.of("q0", "q1", "q2", "q3", "q4"), asked.stream().sorted().toList());

        // Item 5's step failed after its retries: finish makes it an errored output item.
        EvalRun done = steps.finish(eval.id(), created.id()).orElseThrow();
        assertEquals(EvalRun.COMPLETED, done.status());
        assertEquals(new EvalRun.ResultCounts(6, 1, 1, 4), done.resultCounts());
        assertEquals("item_not_run", records.output(created.id(), 5).orElseThrow().at("/sample/error/code").asText());
        assertEquals(5, done.perModelUsage().get(0).invocationCount(), "five samples were taken");
        assertEquals(List.of(new EvalRun.CriterionResult("not 2-1", 4, 1), new EvalRun.CriterionResult("not 5-1", 5,
                0)), done.perTestingCriteriaResults());

        EvalRun again = steps.finish(eval.id(), created.id()).orElseThrow();
        assertEquals(done.resultCounts(), again.resultCounts(), "a retried finish counts nothing twice");
        assertEquals(5, asked.size());
    }

    @Test
    void aCanceledRunStartsNoItemAndFinishLeavesItCanceled() {
        EvalObject eval = fixture.eval();
        EvalRun run = fixture.run(eval, CLOCK.instant().getEpochSecond(), 3);
        EvalSteps steps = steps();
        steps.item(eval.id(), run.id(), 0, records.items(run.id()).get(0));
        records.update(eval.id(), run.id(), r -> r.withStatus(EvalRun.CANCELED, null));

        assertEquals(EvalSteps.ItemResult.SKIPPED, steps.item(eval.id(), run.id(), 1, records.items(run.id()).get(1)));
        EvalRun ended = steps.finish(eval.id(), run.id()).orElseThrow();
        assertEquals(EvalRun.CANCELED, ended.status());
        assertEquals(new EvalRun.ResultCounts(3, 0, 0, 1), ended.resultCounts(), "what ran before the cancel");
        assertEquals(List.of("q0"), asked);
    }

    @Test
    void aRunPastItsTimeStartsNoItemAndFinishFailsIt() {
        EvalObject eval = fixture.eval();
        EvalRun run = fixture.run(eval,
                CLOCK.instant().getEpochSecond() - Duration.ofHours(25).toSeconds(), 2);
        EvalSteps steps = steps();

        assertEquals(EvalSteps.ItemResult.SKIPPED, steps.item(eval.id(), run.id(), 0, records.items(run.id()).get(0)));
        EvalRun ended = steps.finish(eval.id(), run.id()).orElseThrow();
        assertEquals(EvalRun.FAILED, ended.status());
        assertEquals("run_expired", ended.error().code());
        assertEquals(List.of(), records.outputs(run.id()), "no item is made up for a run that ran out of time");
        assertEquals(List.of(), asked);
    }
}
