package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.batch.DirectoryBatchStore;
import dev.moa.testing.Poll;
import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The runner on a directory store without a server: a restart resumes a run, a run past its time fails. */
class EvalRunnerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_000_000), ZoneOffset.UTC);

    @TempDir
    Path dir;

    /** Answers each question with its number spelled "answer N"; records what it was asked. */
    private final List<String> asked = new CopyOnWriteArrayList<>();
    private final CompletionCalls calls = request -> {
        String question = request.at("/messages/0/content").asText();
        asked.add(question);
        ObjectNode body = JSON.createObjectNode();
        body.putArray("choices").addObject().putObject("message").put("content", "answer " + question);
        body.putObject("usage").put("prompt_tokens", 3).put("completion_tokens", 2).put("total_tokens", 5);
        return Uni.createFrom().item(new CompletionCalls.Answer(200, body, 1));
    };

    @Test
    void aRestartEvaluatesOnlyTheItemsWithoutAnOutputAndCountsEachOnce() {
        EvalRecords records = new EvalRecords(new DirectoryBatchStore(dir), JSON);
        EvalObject eval = eval(records);
        EvalRun run = run(records, eval, CLOCK.instant().getEpochSecond(), 6);
        // A previous process evaluated items 0-2 (0 and 1 passed, 2 failed), then stopped.
        ItemEvaluator evaluator = new ItemEvaluator(calls, JSON, CLOCK);
        List<Grader> graders = EvalDefinitions.graders(eval.testingCriteria());
        ItemEvaluator.RunContext context = new ItemEvaluator.RunContext(eval.id(), run.id(), run.model(),
                RunRequests.input(run.dataSource().get("input_messages"), null), Grader.Sampling.NONE, graders);
        List<JsonNode> items = records.items(run.id());
        for (int i = 0; i < 3; i++) {
            ObjectNode output = evaluator.evaluate(context, i, items.get(i)).await().indefinitely();
            records.saveOutput(run.id(), i, output);
        }
        asked.clear();

        EmbeddedEvalRunner restarted = new EmbeddedEvalRunner(records, evaluator, 2, Duration.ofHours(24), CLOCK);
        restarted.resume();
        Poll.until("the run completes", Duration.ofSeconds(30),
                () -> records.run(eval.id(), run.id()).orElseThrow().finished());

        assertEquals(List.of("q3", "q4", "q5"), asked.stream().sorted().toList(), "only the items left");
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
        EvalRecords records = new EvalRecords(new DirectoryBatchStore(dir), JSON);
        EvalObject eval = eval(records);
        EvalRun run = run(records, eval, CLOCK.instant().getEpochSecond() - Duration.ofHours(25).toSeconds(), 3);
        EmbeddedEvalRunner runner = new EmbeddedEvalRunner(records, new ItemEvaluator(calls, JSON, CLOCK), 2,
                Duration.ofHours(24), CLOCK);
        runner.start(run);
        Poll.until("the run ends", Duration.ofSeconds(30),
                () -> records.run(eval.id(), run.id()).orElseThrow().finished());
        EvalRun ended = records.run(eval.id(), run.id()).orElseThrow();
        assertEquals(EvalRun.FAILED, ended.status());
        assertEquals("run_expired", ended.error().code());
        assertEquals(List.of(), asked);
        runner.close();
    }

    /** One grader: the sample must not contain "q2" or "q5". */
    static EvalObject eval(EvalRecords records) {
        ArrayNode criteria = JSON.createArrayNode();
        criteria.addObject().put("name", "not 2").put("id", "not 2-1").put("type", "string_check")
                .put("input", "{{sample.output_text}}").put("reference", "answer q2").put("operation", "ne");
        criteria.addObject().put("name", "not 5").put("id", "not 5-1").put("type", "string_check")
                .put("input", "{{sample.output_text}}").put("reference", "answer q5").put("operation", "ne");
        EvalObject eval = new EvalObject("eval", "eval_" + "a".repeat(24), "resume", JSON.createObjectNode(),
                criteria, 1, null);
        records.save(eval);
        return eval;
    }

    static EvalRun run(EvalRecords records, EvalObject eval, long createdAt, int count) {
        ObjectNode source = JSON.createObjectNode().put("type", "completions").put("model", "m");
        source.set("input_messages", JSON.createObjectNode().put("type", "template").set("template",
                JSON.createArrayNode().add(JSON.createObjectNode().put("role", "user").put("content", "{{item.q}}"))));
        String runId = "evalrun_" + "b".repeat(24);
        List<JsonNode> items = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            items.add(JSON.createObjectNode().put("q", "q" + i));
        }
        records.saveItems(runId, items);
        EvalRun run = new EvalRun("eval.run", runId, eval.id(), EvalRun.IN_PROGRESS, "m", "m", createdAt, null,
                new EvalRun.ResultCounts(count, 0, 0, 0), List.of(), List.of(), source, null, null);
        records.save(run);
        return run;
    }
}
