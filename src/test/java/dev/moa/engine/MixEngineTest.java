package dev.moa.engine;

import dev.moa.mix.Agent;
import dev.moa.mix.Layer;
import dev.moa.mix.Mix;
import dev.moa.mix.References;
import dev.moa.mix.Sampling;
import dev.moa.provider.ChatClient;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.Message;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine on its own: plain Java and Mutiny, with in-memory clients standing in for providers. */
class MixEngineTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private final MixEngine engine = new MixEngine(
            new RetryPolicy(2, Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofSeconds(5)),
            new ReferenceInjector(() -> new SplittableRandom(1)));

    /** Answers "answer from <model>" at once, except for models told to hang or fail. */
    private static final class ScriptedClient implements ChatClient {
        final Map<String, Integer> failuresLeft = new ConcurrentHashMap<>();
        final List<String> hanging = new CopyOnWriteArrayList<>();
        final List<String> cancelled = new CopyOnWriteArrayList<>();
        final List<CompletionCall> calls = new CopyOnWriteArrayList<>();

        @Override
        public Uni<Completion> complete(CompletionCall call) {
            calls.add(call);
            if (hanging.contains(call.model())) {
                return Uni.createFrom().<Completion>nothing().onCancellation().invoke(() -> cancelled.add(call.model()));
            }
            if (failuresLeft.merge(call.model(), -1, Integer::sum) >= 0) {
                return Uni.createFrom().failure(UpstreamFailure.status(503, "busy", null));
            }
            return Uni.createFrom().item(new Completion("answer from " + call.model(), "stop", new Usage(1, 2, 3)));
        }
    }

    private static Agent agent(String model) {
        return Agent.of("p", model, Sampling.NONE, null, 1, null);
    }

    private static Layer layer(int min, Optional<Duration> grace, Agent... agents) {
        return new Layer(List.of(agents), min, References.DEFAULT, grace);
    }

    private static MixRun run(ScriptedClient client, Duration budget, Layer... layers) {
        return new MixRun(new Mix("m", "", List.of(layers)), List.of(new Message("user", "q")), Sampling.NONE,
                Map.of("p", new Upstream(client, Optional.empty())), budget);
    }

    @Test
    void graceCutsAndCancelsTheStraggler() {
        ScriptedClient client = new ScriptedClient();
        client.hanging.add("slow");
        MixResult result = engine.run(run(client, Duration.ofSeconds(30),
                layer(1, Optional.of(Duration.ofMillis(10)), agent("a"), agent("slow")),
                layer(1, Optional.empty(), agent("agg")))).await().atMost(WAIT);
        assertEquals("answer from agg", result.answer().content());
        assertInstanceOf(AgentOutcome.Cut.class, result.layers().get(0).outcomes().get(1));
        assertEquals(List.of("slow"), client.cancelled);
        assertEquals(new Usage(2, 4, 6, null, null, 2), result.usage(),
                "usage of the answered calls only; neither has a price");
    }

    @Test
    void everyAnsweredCallIsPricedAndTheTotalSaysWhatIsUnpriced() {
        ChatClient cachedClient = call -> Uni.createFrom().item(new Completion("answer from " + call.model(), "stop",
                Usage.of(1000, 100, 1100, 400, 0)));
        dev.moa.mix.Pricing prices = new dev.moa.mix.Pricing(java.util.Map.of("priced", new dev.moa.mix.Price(
                new java.math.BigDecimal("2"), new java.math.BigDecimal("8"), Optional.of(new java.math.BigDecimal("0.5")),
                Optional.empty())), Optional.empty());
        MixRun run = new MixRun(new Mix("m", "", List.of(layer(1, Optional.empty(), agent("priced"), agent("free")),
                layer(1, Optional.empty(), agent("priced")))), List.of(new Message("user", "q")), Sampling.NONE,
                Map.of("p", new Upstream(cachedClient, Optional.empty(), prices)), Duration.ofSeconds(30));
        MixResult result = engine.run(run).await().atMost(WAIT);
        // per priced call: 600 uncached x 2 + 400 cached x 0.5 + 100 out x 8 = 2200 micro-dollars
        assertEquals(new java.math.BigDecimal("0.0022"), result.layers().get(1).outcomes().get(0) instanceof AgentOutcome.Answered a
                ? a.completion().usage().cost() : null);
        assertEquals(0, new java.math.BigDecimal("0.0044").compareTo(result.usage().cost()), "two priced calls");
        assertEquals(1, result.usage().unpricedCalls(), "the model without a price is not counted as zero");
        assertEquals(1200, result.usage().cachedTokens());
    }

    @Test
    void withoutTimeEveryCallIsCutAndTheFailureSaysSo() {
        ScriptedClient client = new ScriptedClient();
        client.hanging.add("a");
        LayerFailedException failure = assertThrows(LayerFailedException.class, () -> engine.run(run(client,
                Duration.ofSeconds(2), layer(1, Optional.empty(), agent("a")),
                layer(1, Optional.empty(), agent("agg")))).await().atMost(WAIT));
        assertTrue(failure.outOfTime());
        assertTrue(!client.calls.isEmpty());
        assertEquals(client.calls.size(), client.cancelled.size(), "every started call was cancelled");
    }

    @Test
    void theFirstLayerGetsAShareOfTheBudgetNotAllOfIt() {
        ScriptedClient client = new ScriptedClient();
        client.hanging.add("a");
        MixResult result = engine.run(run(client, Duration.ofSeconds(2),
                layer(1, Optional.empty(), agent("a"), agent("b")),
                layer(1, Optional.empty(), agent("agg")))).await().atMost(WAIT);
        AgentOutcome cut = result.layers().get(0).outcomes().get(0);
        assertInstanceOf(AgentOutcome.Cut.class, cut);
        assertTrue(cut.latency().compareTo(Duration.ofSeconds(2)) < 0,
                "layer 1 of 2 stops at its share, leaving time for the aggregator");
    }

    @Test
    void retriesThenFallbacksInOrder() {
        ScriptedClient client = new ScriptedClient();
        client.failuresLeft.put("primary", 99);
        client.failuresLeft.put("second", 1);
        Agent withFallbacks = new Agent("p", "primary", Sampling.NONE, null, 1, null, Optional.empty(), 1,
                List.of(new Agent("p", "second", Sampling.NONE, null, 1, null, Optional.empty(), 0, List.of()),
                        agent("third")));
        MixResult result = engine.run(run(client, Duration.ofSeconds(30), layer(1, Optional.empty(), withFallbacks)))
                .await().atMost(WAIT);
        assertEquals("answer from third", result.answer().content());
        assertEquals(List.of("primary", "primary", "second", "third"),
                client.calls.stream().map(CompletionCall::model).toList());
        assertEquals(4, result.layers().get(0).outcomes().get(0).attempts().size());
    }

    @Test
    void concurrentRunsShareNothing() {
        ScriptedClient client = new ScriptedClient();
        AtomicInteger done = new AtomicInteger();
        List<Uni<MixResult>> runs = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 50; i++) {
            runs.add(engine.run(new MixRun(new Mix("m", "", List.of(layer(1, Optional.empty(), agent("a"), agent("b")),
                    layer(1, Optional.empty(), agent("agg")))), List.of(new Message("user", "q" + i)), Sampling.NONE,
                    Map.of("p", new Upstream(client, Optional.empty())), Duration.ofSeconds(30)))
                    .invoke(done::incrementAndGet));
        }
        Uni.join().all(runs).andFailFast().await().atMost(WAIT);
        assertEquals(50, done.get());
        for (CompletionCall call : client.calls) {
            if (call.model().equals("agg")) {
                String user = call.messages().get(call.messages().size() - 1).content();
                assertTrue(call.messages().get(0).content().endsWith("1. answer from a\n\n2. answer from b"));
                assertTrue(user.startsWith("q"));
            }
        }
    }
}
