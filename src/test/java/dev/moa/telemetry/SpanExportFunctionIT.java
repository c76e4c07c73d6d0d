package dev.moa.telemetry;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.OtlpReceiver;
import dev.moa.testing.TestStore;
import dev.moa.testing.lambda.HttpApiEvent;
import dev.moa.testing.lambda.HttpApiResponse;
import dev.moa.testing.lambda.LambdaRuntimeApi;
import dev.moa.testing.lambda.PackagedFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When the packaged function's spans leave on Lambda, seen from the Runtime API and a collector that holds its
 * answer: with the Extensions API, after the response (the caller never waits for the collector) and before the
 * instance may be frozen; without it, before the response.
 */
class SpanExportFunctionIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] CHAT = HttpApiEvent.postJson("/v1/chat/completions",
            "{\"model\": \"duo\", \"messages\": [{\"role\": \"user\", \"content\": \"Hello?\"}]}").toJson(JSON);
    private static FakeUpstream upstream;
    private static TestStore store;
    private static OtlpReceiver collector;

    @BeforeAll
    static void start() throws Exception {
        upstream = new FakeUpstream();
        store = new TestStore(Files.createTempDirectory("moa-span-export-store"), upstream.baseUrl());
        store.mix("duo", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"proposer-a\"},"
                + " {\"provider\": \"fake\", \"model\": \"proposer-b\"}]},"
                + " {\"agents\": [{\"provider\": \"fake\", \"model\": \"aggregator\"}]}]}");
        collector = new OtlpReceiver();
    }

    @AfterAll
    static void stop() {
        collector.close();
        upstream.close();
    }

    @AfterEach
    void answerHeldExports() {
        collector.release();
    }

    /** Exporting every span to the collector; the waits long enough that only the collector ends them. */
    private static PackagedFunction function(boolean extensionsApi) {
        PackagedFunction.Builder builder = PackagedFunction.fromMavenBuild()
                .store(store)
                .environment("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint())
                .environment("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
                .environment("QUARKUS_OTEL_BSP_EXPORT_TIMEOUT", "120s")
                .environment("QUARKUS_OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "120s");
        if (!extensionsApi) {
            builder.withoutExtensionsApi();
        }
        PackagedFunction function = builder.start();
        function.initDuration();
        return function;
    }

    private static Set<String> spanNames() {
        return collector.spans().stream().map(OtlpReceiver.Span::name).collect(Collectors.toSet());
    }

    @Test
    void withTheExtensionTheAnswerLeavesFirstAndTheInstanceWaitsForTheExport() throws Exception {
        try (PackagedFunction function = function(true)) {
            assertEquals(List.of(SpanExportExtension.NAME), function.runtimeApi().extensions(),
                    "the function registered its internal extension during init");
            collector.reset();
            collector.hold();

            // The answer arrives although the collector has not answered any export.
            LambdaRuntimeApi.Response answer = assertInstanceOf(LambdaRuntimeApi.Response.class,
                    function.invoke(CHAT).get(60, TimeUnit.SECONDS));
            assertEquals(200, HttpApiResponse.parse(JSON, answer.body()).statusCode());
            assertTrue(collector.awaitHeld(), "the invocation's spans were exported");
            CompletableFuture<Long> over = function.runtimeApi().extensionsDone(answer.requestId());
            assertFalse(over.isDone(), "the instance may not be frozen while its spans are still being exported");

            long released = System.nanoTime();
            collector.release();
            assertTrue(over.get(60, TimeUnit.SECONDS) > released, "the extension was done once the export was");
            assertTrue(spanNames().containsAll(List.of("moa.mix", "chat aggregator", "chat proposer-a")),
                    spanNames().toString());
            assertEquals(1, collector.spans().stream().filter(s -> s.name().equals("moa.mix")).count());
            // The invocation's own server span too, though it ends after the response: nothing is left behind for a
            // frozen instance to hold (or for the next invocation to export).
            String trace = collector.spans().stream().filter(s -> s.name().equals("moa.mix")).findFirst()
                    .orElseThrow().traceId();
            assertEquals(1, collector.spans().stream().filter(s -> s.kind() == 2 && s.traceId().equals(trace))
                    .count(), "the invocation's server span was exported before the instance could be frozen");

            // The next invocation works as well (its own export after its own answer).
            LambdaRuntimeApi.Response second = assertInstanceOf(LambdaRuntimeApi.Response.class,
                    function.invoke(CHAT).get(60, TimeUnit.SECONDS));
            function.runtimeApi().extensionsDone(second.requestId()).get(60, TimeUnit.SECONDS);
            assertEquals(2, collector.spans().stream().filter(s -> s.name().equals("moa.mix")).count());
        }
    }

    @Test
    void withoutTheExtensionsApiTheAnswerWaitsForTheExport() throws Exception {
        try (PackagedFunction function = function(false)) {
            assertEquals(List.of(), function.runtimeApi().extensions());
            collector.reset();
            collector.hold();

            CompletableFuture<LambdaRuntimeApi.Outcome> answer = function.invoke(CHAT);
            assertTrue(collector.awaitHeld(), "the mix's spans were exported");
            long released = System.nanoTime();
            collector.release();
            LambdaRuntimeApi.Response response = assertInstanceOf(LambdaRuntimeApi.Response.class,
                    answer.get(60, TimeUnit.SECONDS));
            assertEquals(200, HttpApiResponse.parse(JSON, response.body()).statusCode());
            assertTrue(response.timing().answeredNanos() > released, "the answer waited for the collector");
            assertTrue(spanNames().containsAll(List.of("moa.mix", "chat aggregator")), spanNames().toString());
        }
    }
}
