package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.Poll;
import dev.moa.testing.TestStore;
import dev.moa.testing.lambda.HttpApiEvent;
import dev.moa.testing.lambda.HttpApiResponse;
import dev.moa.testing.lambda.PackagedFunction;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The embedded eval runner survives a restart (issue 21: "a restart resumes unfinished runs"): the packaged function
 * is stopped (its process killed) with a run half done, a new process on the same data directory carries the run on
 * at start, grades every item exactly once, and never samples again an item whose output was stored.
 */
class EvalRestartIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int ITEMS = 6;

    @Test
    void anUnfinishedRunResumesAfterARestartWithEveryItemOnce() throws Exception {
        Path data = Files.createTempDirectory("moa-restart-evals");
        try (FakeUpstream upstream = new FakeUpstream()) {
            TestStore store = new TestStore(Files.createTempDirectory("moa-restart-eval-store"), upstream.baseUrl());
            store.mix("solo", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"solo\", \"retries\": 0}]}]}");
            // Two items answer; the next two (concurrency 2) hang until the process is gone.
            upstream.script("solo", new FakeUpstream.Echo(), new FakeUpstream.Echo(), new FakeUpstream.Hang());

            String evalId;
            String runId;
            try (PackagedFunction first = start(store, data)) {
                HttpApiResponse eval = first.call(HttpApiEvent.postJson("/v1/evals", evalBody().toString()));
                assertEquals(201, eval.statusCode(), eval.body());
                evalId = eval.json(JSON).path("id").asText();
                HttpApiResponse run = first.call(HttpApiEvent.route("POST /v1/evals/{proxy+}",
                        "/v1/evals/" + evalId + "/runs", Map.of("proxy", evalId + "/runs"))
                        .withHeader("content-type", "application/json").withBody(runBody().toString()));
                assertEquals(201, run.statusCode(), run.body());
                runId = run.json(JSON).path("id").asText();
                String id = runId;
                Poll.until("two items graded and two in flight", Duration.ofSeconds(60),
                        () -> graded(run(first, evalId, id)) == 2
                                && upstream.inFlight() == 2);
                assertEquals("in_progress", run(first, evalId, runId).path("status").asText());
            } // the process is killed here, two items in flight
            upstream.script("solo", new FakeUpstream.Echo());

            try (PackagedFunction second = start(store, data)) {
                String id = runId;
                Poll.until("the run completes after the restart", Duration.ofSeconds(60),
                        () -> "completed".equals(run(second, evalId, id).path("status").asText()));
                JsonNode done = run(second, evalId, runId);
                assertEquals(ITEMS, done.at("/result_counts/total").asInt(), done.toString());
                assertEquals(ITEMS, done.at("/result_counts/passed").asInt(), done.toString());
                assertEquals(0, done.at("/result_counts/errored").asInt(), done.toString());

                HttpApiResponse outputs = second.call(HttpApiEvent.route("GET /v1/evals/{proxy+}",
                        "/v1/evals/" + evalId + "/runs/" + runId + "/output_items",
                        Map.of("proxy", evalId + "/runs/" + runId + "/output_items")));
                assertEquals(200, outputs.statusCode(), outputs.body());
                List<Integer> items = new ArrayList<>();
                outputs.json(JSON).path("data").forEach(o -> items.add(o.path("datasource_item_id").asInt()));
                assertEquals(List.of(0, 1, 2, 3, 4, 5), items.stream().sorted().toList(), "every item exactly once");
            }

            Map<String, Integer> calls = new HashMap<>();
            for (FakeUpstream.Recorded request : upstream.requests("solo")) {
                calls.merge(request.messages().get(0).path("content").asText(), 1, Integer::sum);
            }
            assertEquals(2, calls.values().stream().filter(n -> n == 2).count(),
                    "only the two items in flight at the kill were sampled twice: " + calls);
            assertEquals(ITEMS, calls.size(), calls.toString());
        }
    }

    private static PackagedFunction start(TestStore store, Path data) {
        PackagedFunction function = PackagedFunction.fromMavenBuild()
                .store(store)
                .embeddedBatches(data, 2)
                .start();
        function.initDuration();
        return function;
    }

    private static JsonNode run(PackagedFunction function, String evalId, String runId) {
        HttpApiResponse read = function.call(HttpApiEvent.route("GET /v1/evals/{proxy+}",
                "/v1/evals/" + evalId + "/runs/" + runId, Map.of("proxy", evalId + "/runs/" + runId)));
        assertEquals(200, read.statusCode(), read.body());
        return read.json(JSON);
    }

    /** Items with an outcome so far ({@code total} is the run's item count from the start, as OpenAI's). */
    private static int graded(JsonNode run) {
        JsonNode counts = run.path("result_counts");
        return counts.path("passed").asInt() + counts.path("failed").asInt() + counts.path("errored").asInt();
    }

    private static ObjectNode evalBody() throws Exception {
        return (ObjectNode) JSON.readTree("""
                {"name": "restart", "data_source_config": {"type": "custom", "item_schema": {
                   "type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}},
                 "testing_criteria": [{"type": "string_check", "name": "heard", "input": "{{sample.output_text}}",
                   "reference": "{{item.q}}", "operation": "like"}]}""");
    }

    private static ObjectNode runBody() {
        ObjectNode body = JSON.createObjectNode().put("name", "solo");
        ObjectNode source = body.putObject("data_source").put("type", "completions").put("model", "solo");
        ArrayNode content = source.putObject("source").put("type", "file_content").putArray("content");
        for (int i = 0; i < ITEMS; i++) {
            content.addObject().putObject("item").put("q", "question-" + i);
        }
        ArrayNode template = source.putObject("input_messages").put("type", "template").putArray("template");
        template.addObject().put("role", "user").put("content", "{{item.q}}");
        return body;
    }
}
