package dev.moa.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.metrics.EmfRecords;
import dev.moa.metrics.RequestOutcome;
import dev.moa.mix.Mix;
import dev.moa.mix.MixDocuments;
import dev.moa.mix.Price;
import dev.moa.mix.Pricing;
import dev.moa.mix.Sampling;
import dev.moa.provider.ChatClient;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.CompletionEvent;
import dev.moa.provider.Message;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.OpenAiLoopback;
import dev.moa.testing.Poll;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hedged calls through the engine against a real OpenAI-speaking upstream on loopback. The hedge's wait is a
 * {@link ManualDelays}: a test decides when it is over, so nothing here depends on how fast the machine is.
 */
class HedgingTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Price PRICE = new Price(new BigDecimal("2"), new BigDecimal("8"), Optional.empty(),
            Optional.empty());
    @AutoClose
    private static OpenAiLoopback loopback;
    private static FakeUpstream upstream;
    private static ChatClient openAi;

    private final ManualDelays delays = new ManualDelays();
    private final LatencyWindow window = new LatencyWindow(200, 5);
    private final MixEngine engine = new MixEngine(
            new RetryPolicy(1, Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofSeconds(30)),
            new ReferenceInjector(() -> new SplittableRandom(1)), new Hedging(window, delays));
    /** Requests the engine started, per model: counted as they are made, before they reach the upstream. */
    private final Map<String, AtomicInteger> sent = new java.util.concurrent.ConcurrentHashMap<>();

    @BeforeAll
    static void start() {
        loopback = OpenAiLoopback.start(Map.of(), Optional.empty(), 1 << 20);
        upstream = loopback.upstream();
        openAi = loopback.client();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
    }

    /** Waits a hedge asks for, which end only when the test fires them. */
    static final class ManualDelays implements Hedging.Delays {
        final List<Duration> asked = new CopyOnWriteArrayList<>();
        private final List<UniEmitter<? super Void>> pending = new CopyOnWriteArrayList<>();

        @Override
        public Uni<Void> after(Duration wait) {
            return Uni.createFrom().emitter(e -> {
                asked.add(wait);
                pending.add(e);
            });
        }

        /** Ends every wait asked for so far (a cancelled one does nothing). */
        void fire() {
            List<UniEmitter<? super Void>> due = List.copyOf(pending);
            pending.removeAll(due);
            due.forEach(e -> e.complete(null));
        }

        void awaitAsked(int count) {
            Poll.until(count + " hedge waits", WAIT, () -> asked.size() >= count);
        }
    }

    /** The upstream's client, counting the requests the engine makes. */
    private ChatClient counting() {
        return new ChatClient() {
            @Override
            public Uni<Completion> complete(CompletionCall call) {
                sent.computeIfAbsent(call.model(), m -> new AtomicInteger()).incrementAndGet();
                return openAi.complete(call);
            }

            @Override
            public Multi<CompletionEvent> stream(CompletionCall call) {
                sent.computeIfAbsent(call.model(), m -> new AtomicInteger()).incrementAndGet();
                return openAi.stream(call);
            }
        };
    }

    private int sent(String model) {
        AtomicInteger count = sent.get(model);
        return count == null ? 0 : count.get();
    }

    private MixRun run(String mixJson, Duration budget) throws Exception {
        Mix mix = MixDocuments.parseMix("m", "mix \"m\"", JSON.readTree(mixJson), "fake"::equals);
        return new MixRun(mix, List.of(new Message("user", "what is the answer?")), Sampling.NONE,
                Map.of("fake", new Upstream(counting(), Optional.empty(),
                        new Pricing(Map.of(), Optional.of(PRICE)))), budget);
    }

    private static String twoLayers(String agent) {
        return """
                {"layers": [{"agents": [%s]}, {"agents": [{"provider": "fake", "model": "agg"}]}]}""".formatted(agent);
    }

    private static AgentOutcome.Answered firstAnswer(MixResult result) {
        return assertInstanceOf(AgentOutcome.Answered.class, result.layers().get(0).outcomes().get(0));
    }

    @Test
    void aSlowFirstCopyIsBeatenByTheHedgeAndItsConnectionClosed() throws Exception {
        upstream.script("slow", new FakeUpstream.Hang(), new FakeUpstream.Answer(null, "stop"));
        CompletableFuture<MixResult> running = engine.run(run(twoLayers("""
                {"provider": "fake", "model": "slow", "hedge": {"after_ms": 1200}}"""), Duration.ofSeconds(60)))
                .subscribeAsCompletionStage();
        delays.awaitAsked(1);
        assertTrue(upstream.awaitHanging("slow"), "the first copy is held at the upstream");
        delays.fire();
        MixResult result = running.get(10, TimeUnit.SECONDS);

        assertEquals(List.of(Duration.ofMillis(1200)), delays.asked);
        AgentOutcome.Answered answered = firstAnswer(result);
        assertEquals("answer from slow", answered.completion().content());
        assertTrue(upstream.awaitDisconnects("slow", 1), "the losing copy's request was closed");
        assertEquals(List.of(FakeUpstream.DISCONNECTED, 200), upstream.requests("slow").stream()
                .map(FakeUpstream.Recorded::status).sorted().toList());
        List<Attempt> attempts = answered.attempts();
        assertEquals(2, attempts.size());
        HedgeCopy first = attempts.stream().map(a -> a.hedge().orElseThrow()).filter(h -> h.copy() == 0)
                .findFirst().orElseThrow();
        HedgeCopy hedge = attempts.stream().map(a -> a.hedge().orElseThrow()).filter(h -> h.copy() == 1)
                .findFirst().orElseThrow();
        assertTrue(first.cancelled() && !first.won());
        assertTrue(hedge.won() && !hedge.cancelled());
        assertEquals(Hedging.estimatedPromptTokens(call("slow")), first.estimatedPromptTokens(),
                "the cancelled copy's input, characters / 4");
        assertEquals(0, hedge.estimatedPromptTokens());
        assertTrue(hedge.startedAfter().compareTo(Duration.ZERO) >= 0);
        assertEquals(2, sent("slow"), "the cancelled copy is not retried");
    }

    /** The proposer's request as the engine sends it (no references in the first layer). */
    private static CompletionCall call(String model) {
        return new CompletionCall(model, List.of(new Message("user", "what is the answer?")), Sampling.NONE);
    }

    @Test
    void usageAndCostCountTheWinnerAndEstimateTheCancelledCopy() throws Exception {
        upstream.script("slow", new FakeUpstream.Hang(), new FakeUpstream.Answer(null, "stop"));
        CompletableFuture<MixResult> running = engine.run(run(twoLayers("""
                {"provider": "fake", "model": "slow", "hedge": {"after_ms": 50}}"""), Duration.ofSeconds(60)))
                .subscribeAsCompletionStage();
        delays.awaitAsked(1);
        assertTrue(upstream.awaitHanging("slow"), "the first copy is held at the upstream");
        delays.fire();
        MixResult result = running.get(10, TimeUnit.SECONDS);

        AgentOutcome.Answered answered = firstAnswer(result);
        FakeUpstream.Recorded winner = upstream.requests("slow").stream().filter(r -> r.status() == 200)
                .findFirst().orElseThrow();
        long prompt = winner.usage().path("prompt_tokens").asLong();
        long completion = winner.usage().path("completion_tokens").asLong();
        long estimated = answered.attempts().stream().flatMap(a -> a.hedge().stream()).filter(HedgeCopy::cancelled)
                .findFirst().orElseThrow().estimatedPromptTokens();
        assertEquals(prompt, answered.completion().usage().promptTokens(), "tokens as reported, not estimated");
        assertEquals(completion, answered.completion().usage().completionTokens());
        BigDecimal expected = PRICE.cost(prompt, 0, 0, completion).add(PRICE.cost(estimated, 0, 0, 0));
        assertEquals(0, expected.compareTo(answered.completion().usage().cost()),
                "the winner's cost plus the cancelled copy's estimated input: " + answered.completion().usage());

        List<String> lines = new EmfRecords(JSON).lines(new RequestOutcome("m", Instant.now(), result.latency(),
                Optional.empty(), 200, result.layers()));
        com.fasterxml.jackson.databind.JsonNode request = JSON.readTree(lines.get(0));
        assertEquals(1, request.path("Hedges").asInt());
        assertEquals(1, request.path("HedgeWins").asInt());
        com.fasterxml.jackson.databind.JsonNode slow = JSON.readTree(lines.get(1));
        assertEquals(1, slow.path("Hedges").asInt());
        assertEquals(1, slow.path("HedgeWins").asInt());
        com.fasterxml.jackson.databind.JsonNode agg = JSON.readTree(lines.get(2));
        assertEquals(0, agg.path("Hedges").asInt());
        assertTrue(lines.stream().allMatch(l -> dev.moa.testing.EmfRules.violations(readTree(l)).isEmpty()));
    }

    private static com.fasterxml.jackson.databind.JsonNode readTree(String line) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aFastCallNeverHedges() throws Exception {
        MixResult result = engine.run(run(twoLayers("""
                {"provider": "fake", "model": "fast", "hedge": {"after_ms": 1200}}"""), Duration.ofSeconds(60)))
                .await().atMost(WAIT);
        assertEquals(List.of(Duration.ofMillis(1200)), delays.asked, "the hedge was armed");
        delays.fire(); // too late: the call has answered, its wait was cancelled
        assertEquals(1, sent("fast"));
        assertEquals(1, upstream.requests("fast").size());
        assertTrue(firstAnswer(result).attempts().stream().allMatch(a -> a.hedge().isEmpty()));
        List<String> lines = new EmfRecords(JSON).lines(new RequestOutcome("m", Instant.now(), result.latency(),
                Optional.empty(), 200, result.layers()));
        assertEquals(0, JSON.readTree(lines.get(0)).path("Hedges").asInt());
    }

    @Test
    void aCallThatFailedIsRetriedNotHedged() throws Exception {
        upstream.script("flaky", new FakeUpstream.Status(503, "busy", Map.of()), new FakeUpstream.Answer(null, "stop"));
        MixResult result = engine.run(run(twoLayers("""
                {"provider": "fake", "model": "flaky", "hedge": {"after_ms": 1200}}"""), Duration.ofSeconds(60)))
                .await().atMost(WAIT);
        delays.fire();
        assertEquals(1, delays.asked.size(), "only the first try armed a hedge");
        assertEquals(2, sent("flaky"), "the first try and its retry; no hedge");
        List<Attempt> attempts = firstAnswer(result).attempts();
        assertEquals(2, attempts.size());
        assertTrue(attempts.get(0).failure().isPresent());
        assertTrue(attempts.stream().allMatch(a -> a.hedge().isEmpty()));
    }

    @Test
    void toFallbackSendsTheCopyToTheFirstFallback() throws Exception {
        upstream.script("slow", new FakeUpstream.Hang());
        CompletableFuture<MixResult> running = engine.run(run(twoLayers("""
                {"provider": "fake", "model": "slow", "hedge": {"after_ms": 300, "to": "fallback"},
                 "fallbacks": [{"provider": "fake", "model": "spare"}, {"provider": "fake", "model": "other"}]}"""),
                Duration.ofSeconds(60))).subscribeAsCompletionStage();
        delays.awaitAsked(1);
        assertTrue(upstream.awaitHanging("slow"), "the first copy is held at the upstream");
        delays.fire();
        MixResult result = running.get(10, TimeUnit.SECONDS);

        AgentOutcome.Answered answered = firstAnswer(result);
        assertEquals("answer from spare", answered.completion().content());
        assertTrue(upstream.awaitDisconnects("slow", 1));
        assertEquals(0, sent("other"));
        Map<String, HedgeCopy> byModel = answered.attempts().stream()
                .collect(Collectors.toMap(Attempt::model, a -> a.hedge().orElseThrow()));
        assertTrue(byModel.get("slow").cancelled());
        assertTrue(byModel.get("spare").won());
        assertTrue(upstream.only("agg").system().contains("answer from spare"), "the winner is the reference");
    }

    @Test
    void aPercentileHedgeWaitsForItsSamplesThenAdapts() throws Exception {
        String mix = twoLayers("""
                {"provider": "fake", "model": "m", "hedge": {"after_ms": "p90", "min_ms": 1}}""");
        for (int i = 0; i < 5; i++) {
            engine.run(run(mix, Duration.ofSeconds(60))).await().atMost(WAIT);
            assertEquals(List.of(), delays.asked, "no hedge before 5 samples of the model");
        }
        engine.run(run(mix, Duration.ofSeconds(60))).await().atMost(WAIT);
        assertEquals(1, delays.asked.size(), "the window has its samples: the call hedges");
        // The wait was the percentile of the five answers before it (the sixth is recorded after it asked).
        assertTrue(delays.asked.get(0).compareTo(Duration.ofMillis(1)) >= 0);

        window.record("fake", "m2", LatencyWindow.Measure.ANSWER, Duration.ofMillis(1));
        for (int ms = 10; ms <= 100; ms += 10) {
            window.record("fake", "m2", LatencyWindow.Measure.ANSWER, Duration.ofMillis(ms));
        }
        // 11 samples: 1, 10 … 100; nearest rank of p90 is the 10th, 90 ms.
        engine.run(run(twoLayers("""
                {"provider": "fake", "model": "m2", "hedge": {"after_ms": "p90"}}"""), Duration.ofSeconds(60)))
                .await().atMost(WAIT);
        assertEquals(Duration.ofMillis(90), delays.asked.get(1));
        // min_ms is the floor.
        engine.run(run(twoLayers("""
                {"provider": "fake", "model": "m2", "hedge": {"after_ms": "p90", "min_ms": 250}}"""),
                Duration.ofSeconds(60))).await().atMost(WAIT);
        assertEquals(Duration.ofMillis(250), delays.asked.get(2));
    }

    @Test
    void aHedgeWhoseWaitEndsAfterTheLayersDeadlineIsNeverArmed() throws Exception {
        upstream.script("slow", new FakeUpstream.Hang());
        // 2 layers in 1.2 s: the first has 600 ms; a hedge after 5 s could never be sent.
        MixResult result = engine.run(run("""
                {"layers": [{"agents": [{"provider": "fake", "model": "slow", "hedge": {"after_ms": 5000}},
                                        {"provider": "fake", "model": "fast"}]},
                            {"agents": [{"provider": "fake", "model": "agg"}]}]}""", Duration.ofMillis(1200)))
                .await().atMost(WAIT);
        assertEquals(List.of(), delays.asked);
        assertInstanceOf(AgentOutcome.Cut.class, result.layers().get(0).outcomes().get(0));
        assertEquals(1, sent("slow"));
        assertTrue(upstream.awaitDisconnects("slow", 1));
    }

    @Test
    void noHedgeStartsAfterTheStragglerCut() throws Exception {
        upstream.script("slow", new FakeUpstream.Hang());
        MixResult result = engine.run(run("""
                {"layers": [{"straggler_grace_ms": 0,
                             "agents": [{"provider": "fake", "model": "slow", "hedge": {"after_ms": 200}},
                                        {"provider": "fake", "model": "fast"}]},
                            {"agents": [{"provider": "fake", "model": "agg"}]}]}""", Duration.ofSeconds(60)))
                .await().atMost(WAIT);
        assertEquals(1, delays.asked.size(), "the hedge was armed");
        delays.fire(); // after the cut: its race is over
        assertInstanceOf(AgentOutcome.Cut.class, result.layers().get(0).outcomes().get(0));
        assertEquals(1, sent("slow"));
        assertTrue(upstream.awaitDisconnects("slow", 1));
    }

    @Test
    void aStreamedAggregatorHedgesOnItsFirstToken() throws Exception {
        upstream.script("agg", new FakeUpstream.Hang(), FakeUpstream.Streamed.of("fast ", "answer"));
        MixRun run = run("""
                {"layers": [{"agents": [{"provider": "fake", "model": "p"}]},
                            {"agents": [{"provider": "fake", "model": "agg", "hedge": {"after_ms": 700}}]}]}""",
                Duration.ofSeconds(60));
        CompletableFuture<List<AnswerEvent>> events = engine.stream(run).toMulti()
                .onItem().transformToMultiAndConcatenate(StreamedMix::answer).collect().asList()
                .subscribeAsCompletionStage();
        delays.awaitAsked(1);
        assertTrue(upstream.awaitHanging("agg"), "the aggregator's first copy is held at the upstream");
        delays.fire();
        List<AnswerEvent> answer = events.get(10, TimeUnit.SECONDS);
        assertEquals("fast answer", answer.stream().filter(e -> e instanceof AnswerEvent.Delta)
                .map(e -> ((AnswerEvent.Delta) e).content()).collect(Collectors.joining()));
        assertTrue(upstream.awaitDisconnects("agg", 1));
        AnswerEvent.Completed completed = (AnswerEvent.Completed) answer.get(answer.size() - 1);
        List<Attempt> attempts = completed.result().layers().get(1).outcomes().get(0).attempts();
        assertEquals(2, attempts.size());
        assertTrue(attempts.stream().anyMatch(a -> a.hedge().orElseThrow().won() && a.hedge().get().copy() == 1));
        assertTrue(attempts.stream().anyMatch(a -> a.hedge().orElseThrow().cancelled()));
    }

    @Test
    void aStreamedAggregatorNeverSwitchesAfterItsFirstToken() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        upstream.script("agg", FakeUpstream.Streamed.of("first ", "second").gated(gate));
        MixRun run = run("""
                {"layers": [{"agents": [{"provider": "fake", "model": "p"}]},
                            {"agents": [{"provider": "fake", "model": "agg", "hedge": {"after_ms": 700}}]}]}""",
                Duration.ofSeconds(60));
        List<AnswerEvent> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> done = engine.stream(run).toMulti()
                .onItem().transformToMultiAndConcatenate(StreamedMix::answer)
                .onItem().invoke(seen::add).collect().asList().replaceWithVoid().subscribeAsCompletionStage();
        Poll.until("the first token passed on", WAIT, () -> seen.stream().anyMatch(e -> e instanceof AnswerEvent.Delta));
        delays.fire(); // the first token is out: the race is decided
        gate.countDown();
        done.get(10, TimeUnit.SECONDS);
        assertEquals(1, sent("agg"));
        assertFalse(seen.stream().filter(e -> e instanceof AnswerEvent.Completed).findFirst().map(e ->
                ((AnswerEvent.Completed) e).result().layers().get(1).outcomes().get(0).attempts().stream()
                        .anyMatch(a -> a.hedge().isPresent())).orElseThrow());
    }
}
