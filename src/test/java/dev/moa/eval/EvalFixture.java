package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.batch.DirectoryBatchStore;
import io.smallrye.mutiny.Uni;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What the runner and step tests (no server) start from: eval records in a directory store, an eval whose one
 * grader fails "q2" and "q5", runs of numbered questions, and a model that answers each question with
 * "answer &lt;question&gt;" and records what it was asked.
 */
final class EvalFixture {

    static final ObjectMapper JSON = new ObjectMapper();
    static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_000_000), ZoneOffset.UTC);

    final EvalRecords records;
    /** The questions the model was asked, in the order they came. */
    final List<String> asked = new CopyOnWriteArrayList<>();
    final CompletionCalls calls = (request, owner) -> {
        String question = request.at("/messages/0/content").asText();
        asked.add(question);
        ObjectNode body = JSON.createObjectNode();
        body.putArray("choices").addObject().putObject("message").put("content", "answer " + question);
        body.putObject("usage").put("prompt_tokens", 3).put("completion_tokens", 2).put("total_tokens", 5);
        return Uni.createFrom().item(new CompletionCalls.Answer(200, body, 1));
    };

    EvalFixture(Path dir) {
        records = new EvalRecords(new DirectoryBatchStore(dir), JSON);
    }

    ItemEvaluator evaluator() {
        return new ItemEvaluator(calls, JSON, CLOCK);
    }

    /** One grader: the sample must not contain "q2" or "q5". */
    EvalObject eval() {
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

    /** A run in progress of {@code count} items, "q0" to "q&lt;count-1&gt;", stored with its items. */
    EvalRun run(EvalObject eval, long createdAt, int count) {
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
                new EvalRun.ResultCounts(count, 0, 0, 0), List.of(), List.of(), source, null, null, null);
        records.save(run);
        return run;
    }
}
