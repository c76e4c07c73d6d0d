package dev.moa.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.Poll;
import dev.moa.testing.TestStore;
import dev.moa.testing.lambda.HttpApiResponse;
import dev.moa.testing.lambda.PackagedFunction;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The embedded runner survives a restart: the packaged function is stopped (its process killed) in the middle of a
 * batch, a new one starts on the same batch directory and finishes it, every line exactly once, and no line that
 * had finished runs again.
 */
class BatchRestartIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void anUnfinishedBatchResumesAfterARestartWithoutDuplicates() throws Exception {
        Path batches = Files.createTempDirectory("moa-restart-batches");
        try (FakeUpstream upstream = new FakeUpstream()) {
            TestStore store = new TestStore(Files.createTempDirectory("moa-restart-store"), upstream.baseUrl());
            store.mix("solo", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"solo\", \"retries\": 0}]}]}");
            // Two lines answer; the next two (concurrency 2) hang until the process is gone.
            upstream.script("solo", new FakeUpstream.Echo(), new FakeUpstream.Echo(), new FakeUpstream.Hang());
            String input = String.join("\n", IntStream.range(0, 6)
                    .mapToObj(i -> BatchEvents.line("r" + i, "solo", "n" + i)).toList()) + "\n";

            String batchId;
            try (PackagedFunction first = start(store, batches)) {
                HttpApiResponse uploaded = first.call(BatchEvents.upload("restart.jsonl", input));
                assertEquals(200, uploaded.statusCode(), uploaded.body());
                HttpApiResponse created = first.call(BatchEvents.createBatch(uploaded.json(JSON).path("id").asText()));
                assertEquals(200, created.statusCode(), created.body());
                batchId = created.json(JSON).path("id").asText();
                Poll.until("two lines stored and two in flight", Duration.ofSeconds(60),
                        () -> storedLines(batches, batchId) == 2 && upstream.inFlight() == 2);
            } // the process is killed here, two lines in flight
            upstream.script("solo", new FakeUpstream.Echo());

            try (PackagedFunction second = start(store, batches)) {
                Poll.until("the batch completes after the restart", Duration.ofSeconds(60), () -> "completed".equals(
                        second.call(BatchEvents.get("GET /v1/batches/{id}", "/v1/batches/" + batchId, batchId))
                                .json(JSON).path("status").asText()));
                JsonNode batch = second.call(BatchEvents.get("GET /v1/batches/{id}", "/v1/batches/" + batchId, batchId))
                        .json(JSON);
                assertEquals(6, batch.at("/request_counts/total").asInt());
                assertEquals(6, batch.at("/request_counts/completed").asInt(), batch.toString());
                String outputId = batch.path("output_file_id").asText();
                List<String> output = second.call(BatchEvents.get("GET /v1/files/{id}/content",
                        "/v1/files/" + outputId + "/content", outputId)).body().lines().toList();
                List<String> ids = new ArrayList<>();
                for (String line : output) {
                    ids.add(JSON.readTree(line).path("custom_id").asText());
                }
                assertEquals(List.of("r0", "r1", "r2", "r3", "r4", "r5"), ids.stream().sorted().toList(),
                        "every line exactly once");
            }

            Map<String, Integer> calls = new HashMap<>();
            for (FakeUpstream.Recorded request : upstream.requests("solo")) {
                calls.merge(request.messages().get(0).path("content").asText(), 1, Integer::sum);
            }
            assertEquals(1, calls.get("n0"), "a finished line never runs again");
            assertEquals(1, calls.get("n1"));
            assertEquals(1, calls.get("n4"));
            assertEquals(1, calls.get("n5"));
        }
    }

    private static PackagedFunction start(TestStore store, Path batches) {
        PackagedFunction function = PackagedFunction.fromMavenBuild()
                .store(store)
                .embeddedBatches(batches, 2)
                .start();
        function.initDuration();
        return function;
    }

    private static long storedLines(Path batches, String batchId) {
        Path lines = batches.resolve("lines").resolve(batchId);
        if (!Files.isDirectory(lines)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(lines)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".json")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
