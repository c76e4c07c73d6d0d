package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.testing.Poll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static dev.moa.eval.EvalFixture.CLOCK;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The runner on a directory store without a server: a restart resumes a run, a run past its time fails. */
class EvalRunnerTest {

    private final EvalFixture fixture;
    private final EvalRecords records;

    EvalRunnerTest(@TempDir Path dir) {
        fixture = new EvalFixture(dir);
        records = fixture.records;
    }

    @Test
    void aRestartEvaluatesOnlyTheItemsWithoutAnOutputAndCountsEachOnce() {
        EvalObject eval = fixture.eval();
        EvalRun run = fixture.run(eval, CLOCK.instant().getEpochSecond(), 6);
        // A previous process evaluated items 0-2 (0 and 1 passed, 2 failed), then stopped.
        ItemEvaluator evaluator = fixture.evaluator();
        List<Grader> graders = EvalDefinitions.graders(eval.testingCriteria());
        ItemEvaluator.RunContext context = new ItemEvaluator.RunContext(eval.id(), run.id(), run.model(),
                RunRequests.input(run.dataSource().get("input_messages"), null), Grader.Sampling.NONE, graders,
                java.util.Optional.empty());
        List<JsonNode> items = records.items(run.id());
        for (int i = 0; i < 3; i++) {
            ObjectNode output = evaluator.evaluate(context, i, items.get(i)).await().indefinitely();
            records.saveOutput(run.id(), i, output);
        }
        fixture.asked.clear();

        EmbeddedEvalRunner restarted = new EmbeddedEvalRunner(records, evaluator, 2, Duration.ofHours(24), CLOCK);
        restarted.resume();
        Poll.until("the run completes", Duration.ofSeconds(30),
                () -> records.run(eval.id(), run.id()).orElseThrow().finished());

        assertEquals(List.of("q3", "q4", "q5"), fixture.asked.stream().sorted().toList(), "only the items left");
        EvalRun done = records.run(eval.id(), run.id()).orElseThrow();
        assertEquals(EvalRun.COMPLETED, done.status());
        // Every item passes but q2 and q5; the three stored before the restart count as well.
        assertEquals(new EvalRun.ResultCounts(6, 0, 2, 4), done.resultCounts());
        assertEquals(6, done.perModelUsage().get(0).invocationCount(), "every item's sample counted once");
        assertEquals(6, records.outputs(run.id()).size());
        restarted.close();
    }

    @Test
    void aRunPastItsTimeEndsFailedWithTheItemsItHas() {
        EvalObject eval = fixture.eval();
        EvalRun run = fixture.run(eval, CLOCK.instant().getEpochSecond() - Duration.ofHours(25).toSeconds(), 3);
        EmbeddedEvalRunner runner = new EmbeddedEvalRunner(records, fixture.evaluator(), 2,
                Duration.ofHours(24), CLOCK);
        runner.start(run);
        Poll.until("the run ends", Duration.ofSeconds(30),
                () -> records.run(eval.id(), run.id()).orElseThrow().finished());
        EvalRun ended = records.run(eval.id(), run.id()).orElseThrow();
        assertEquals(EvalRun.FAILED, ended.status());
        assertEquals("run_expired", ended.error().code());
        assertEquals(List.of(), fixture.asked);
        runner.close();
    }
}
