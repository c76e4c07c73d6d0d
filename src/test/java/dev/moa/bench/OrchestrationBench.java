package dev.moa.bench;

import dev.moa.testing.FakeUpstream;
import dev.moa.testing.TestStore;
import dev.moa.testing.lambda.HttpApiEvent;
import dev.moa.testing.lambda.HttpApiResponse;
import dev.moa.testing.lambda.LambdaRuntimeApi;
import dev.moa.testing.lambda.FunctionProcess;
import dev.moa.testing.lambda.PackagedFunction;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The orchestration benchmark (run by {@code bench/run.sh}, never by {@code ./mvnw verify}): the packaged
 * function under the Lambda runtime interface client against a simulated upstream, measuring end-to-end latency
 * against the critical path the upstream's own timestamps give, cold start, CPU per request and RSS over 1,000
 * requests. Writes Markdown tables to {@code target/bench/results.md}.
 *
 * <p>Shapes: "L×N×T" is a mix document of L layers, the first L−1 with N proposers each and the last the
 * aggregator (one agent, as the mix format requires), every call answering after T ms.
 */
class OrchestrationBench {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern MODEL = Pattern.compile("l(\\d+)-a(\\d+)");
    private static final int WARMUP = intProperty("moa.bench.warmup", 10);
    private static final int MEASURED = intProperty("moa.bench.requests", 30);
    /** Requests of the instant mix before anything is measured: the JIT's warm-up, as a busy instance has had. */
    private static final int JIT_WARMUP = intProperty("moa.bench.jit.warmup", 500);
    private static final int COLD_RUNS = intProperty("moa.bench.cold.runs", 5);
    /** Which parts to run, e.g. -Dmoa.bench.sections=warm for a quick look. */
    private static final List<String> SECTIONS = List.of(System.getProperty("moa.bench.sections",
            "warm,straggler,strategies,memory,hostile,hedging,cold").split(","));
    /** Which rows of the strategies section to run: synthesize, rank, sequential, early_stop. */
    private static final List<String> STRATEGIES = List.of(System.getProperty("moa.bench.strategies",
            "synthesize,rank,sequential,early_stop").split(","));
    private static final int STRATEGY_PROPOSERS = 6;
    private static final int STRATEGY_LATENCY_MS = 300;
    private static final int SEQUENTIAL_WINDOW = 2;
    /** Requests of the hostile-upstream row: each meets three endless 200 bodies. */
    private static final int HOSTILE_REQUESTS = intProperty("moa.bench.hostile.requests", 50);
    private static final int ENDLESS_PROPOSERS = 3;
    /** Which rows of the warm grid to run, e.g. -Dmoa.bench.mixes=3x6x300; all when empty. */
    private static final List<String> MIXES = List.of(System.getProperty("moa.bench.mixes", "").split(",")).stream()
            .filter(m -> !m.isBlank()).toList();
    /** Which cold-start variants to run: lambda, untuned, c2, appcds, jdk25. */
    private static final List<String> COLD_VARIANTS = List.of(System.getProperty("moa.bench.cold.variants",
            "lambda,untuned,c2,appcds,jdk25").split(","));
    /**
     * A native build's function.zip (issue 26, e.g. built with {@code -Dnative -Dmoa.build.directory=target/native}):
     * the section {@code native} measures it beside this build's JVM zip, same procedure, same run.
     */
    private static final String NATIVE_ZIP = System.getProperty("moa.bench.native.zip", "");
    /**
     * Another JVM build's function.zip (an earlier commit's, say): the section {@code compare} runs it beside this
     * build's, requests interleaved, so a change to the hot path is measured under the same load.
     */
    private static final String BASELINE_ZIP = System.getProperty("moa.bench.baseline.zip", "");
    private static final Shape PAPER = new Shape(3, 6, 300);
    private static final int NATIVE_RSS_REQUESTS = 200;
    private static final long CLOCK_TICKS = 100; // USER_HZ on Linux: the unit of utime/stime in /proc/<pid>/stat

    private record Shape(int layers, int agents, int latencyMs) {
        String name() {
            return layers + "x" + agents + "x" + latencyMs;
        }
    }

    private static final List<Shape> GRID = List.of(new Shape(2, 2, 100), new Shape(2, 6, 300),
            new Shape(3, 6, 100), new Shape(3, 6, 300), new Shape(3, 12, 1000));
    private static final Shape CHEAP = new Shape(2, 2, 5);
    private static final Shape INSTANT = new Shape(2, 2, 0);
    private static final int STRAGGLER_GRACE_MS = 200;
    /** The hedging section: normal latency T of mix 3×6×T, its requests per mix and warm-up, its tail patterns. */
    private static final int HEDGE_LATENCY_MS = intProperty("moa.bench.hedge.latency", 100);
    private static final int HEDGE_REQUESTS = intProperty("moa.bench.hedge.requests", 150);
    private static final int HEDGE_WARMUP = intProperty("moa.bench.hedge.warmup", 30);
    private static final List<String> HEDGE_TAILS = List.of(System.getProperty("moa.bench.hedge.tails",
            "aligned,staggered").split(","));

    private static FakeUpstream upstream;
    private static TestStore store;
    private static Path out;
    private static final StringBuilder report = new StringBuilder();

    @BeforeAll
    static void setUp() throws IOException {
        upstream = new FakeUpstream();
        store = new TestStore(Files.createTempDirectory("moa-bench-store"), upstream.baseUrl());
        for (Shape shape : GRID) {
            store.mix(shape.name(), mixDocument(shape, null));
        }
        store.mix(CHEAP.name(), mixDocument(CHEAP, null));
        store.mix(INSTANT.name(), mixDocument(INSTANT, null));
        store.mix("straggler", mixDocument(new Shape(2, 6, 300), STRAGGLER_GRACE_MS));
        for (String strategy : List.of("synthesize", "rank", "sequential", "early_stop")) {
            store.mix("strategy-" + strategy, strategyMix(strategy));
        }
        store.mix("hostile", hostileMix());
        // The hedging section's own provider: its latency window starts empty, apart from the JIT warm-up's calls.
        store.provider("tail", "{\"protocol\":\"openai\",\"base_url\":\"" + upstream.baseUrl() + "\"}");
        store.mix("tail", tailMix(null));
        store.mix("tail-hedged", tailMix("{\"after_ms\": \"p90\"}"));
        out = Path.of(System.getProperty("moa.bench.out", "target/bench"));
        Files.createDirectories(out);
    }

    @AfterAll
    static void tearDown() {
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void benchmark() throws Exception {
        // e.g. -Dmoa.bench.jvm.options="-XX:StartFlightRecording=filename=target/bench/warm.jfr" to profile
        List<String> warmOptions = List.of(System.getProperty("moa.bench.jvm.options", "").split("\\s+")).stream()
                .filter(o -> !o.isBlank()).toList();
        line("# Orchestration benchmark results");
        line("");
        line("- date: " + Instant.now());
        line("- function JDK: " + javaVersion(functionJava()) + " (" + functionJava() + ")");
        line("- machine: " + Runtime.getRuntime().availableProcessors() + " cores (nproc), " + cpuModel()
                + ", load average at start: " + loadAverage());
        line("- extra JVM options of the warm function: " + (warmOptions.isEmpty() ? "none" : warmOptions));
        line("- warm instance: " + JIT_WARMUP + " requests of mix " + INSTANT.name() + " first (JIT warm-up), then per row "
                + WARMUP + " warm-up requests and " + MEASURED + " measured requests");
        line("");
        boolean warmInstance = SECTIONS.stream()
                .anyMatch(List.of("warm", "straggler", "strategies", "memory", "hostile", "hedging")::contains);
        if (warmInstance) try (PackagedFunction function = start(functionJava(), warmOptions)) {
            function.initDuration();
            upstream.reset();
            for (int i = 0; i < JIT_WARMUP; i++) {
                invoke(function, INSTANT.name());
            }
            if (SECTIONS.contains("warm")) {
                warmLatency(function);
            }
            if (SECTIONS.contains("straggler")) {
                straggler(function);
            }
            if (SECTIONS.contains("strategies")) {
                strategies(function);
            }
            if (SECTIONS.contains("memory")) {
                memory(function);
            }
            if (SECTIONS.contains("hostile")) {
                hostile(function);
            }
            if (SECTIONS.contains("hedging")) {
                hedging(function);
            }
        }
        if (SECTIONS.contains("cold")) {
            coldStarts();
        }
        if (SECTIONS.contains("native")) {
            nativeBesideJvm();
        }
        if (SECTIONS.contains("governance")) {
            governance();
        }
        if (SECTIONS.contains("compare")) {
            compare(warmOptions);
        }
        line("");
        line("- load average at end: " + loadAverage());
        Files.writeString(out.resolve("results.md"), report.toString());
        System.out.println(report);
    }

    // ---- warm latency: end-to-end vs. the critical path ----

    private void warmLatency(PackagedFunction function) throws Exception {
        line("## Warm latency (ms)");
        line("");
        line("| mix L×N×T | critical path p50 | end-to-end p50 | end-to-end p95 | overhead p50 | overhead p95"
                + " | overhead / critical path (p50) | CPU per request | overhead p50, the upstream's writing counted |");
        line("|---|---|---|---|---|---|---|---|---|");
        StringBuilder perLayer = new StringBuilder();
        for (Shape shape : GRID) {
            if (!MIXES.isEmpty() && !MIXES.contains(shape.name())) {
                continue;
            }
            WarmRun run = warm(function, shape);
            List<Sample> samples = run.samples();
            double cpuMs = run.cpuMs();
            Stats critical = Stats.of(samples, Sample::criticalMs);
            Stats endToEnd = Stats.of(samples, Sample::endToEndMs);
            Stats overhead = Stats.of(samples, Sample::overheadMs);
            line(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | **%.1f** | %.1f | %.2f %% | %.1f ms | %.1f |",
                    shape.name(), critical.p50, endToEnd.p50, endToEnd.p95, overhead.p50, overhead.p95,
                    100 * overhead.p50 / critical.p50, cpuMs, Stats.of(samples, Sample::overheadAtRecordMs).p50));
            for (int layer = 0; layer < shape.layers(); layer++) {
                int l = layer;
                Stats gap = Stats.of(samples, s -> s.gapMs[l]);
                Stats spread = Stats.of(samples, s -> s.spreadMs[l]);
                Stats layerOverhead = Stats.of(samples, s -> s.layerOverheadMs[l]);
                perLayer.append(String.format(Locale.ROOT, "| %s | %d | %.1f / %.1f | %.1f / %.1f | **%.1f** / %.1f |%n",
                        shape.name(), layer + 1, gap.p50, gap.p95, spread.p50, spread.p95, layerOverhead.p50,
                        layerOverhead.p95));
            }
            Stats tail = Stats.of(samples, Sample::tailMs);
            perLayer.append(String.format(Locale.ROOT, "| %s | answer | | | **%.1f** / %.1f |%n", shape.name(),
                    tail.p50, tail.p95));
        }
        line("");
        line("### Overhead per layer (ms, p50 / p95)");
        line("");
        line("| mix | layer | gap before first call | spread of starts | layer overhead |");
        line("|---|---|---|---|---|");
        perLayer.toString().lines().forEach(OrchestrationBench::line);
        line("");
    }

    /** {@value #WARMUP} requests not measured, then {@value #MEASURED} measured, with the function's CPU per request. */
    private WarmRun warm(PackagedFunction function, Shape shape) throws Exception {
        scriptSlow(shape);
        for (int i = 0; i < WARMUP; i++) {
            measureOne(function, shape);
        }
        long cpuBefore = cpuTicks(function);
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < MEASURED; i++) {
            samples.add(measureOne(function, shape));
        }
        return new WarmRun(samples, (cpuTicks(function) - cpuBefore) * 1000.0 / CLOCK_TICKS / MEASURED);
    }

    private record WarmRun(List<Sample> samples, double cpuMs) {
    }

    /**
     * One request's timings, all from the same clock (the Runtime API and the upstream share this JVM).
     * {@code criticalMs}: the sum over the layers of the longest call, each call from its arrival at the upstream
     * to the last byte of its reply written — the provider's own time. {@code criticalAtRecordMs}: the same with
     * each call ending when the upstream decided its reply, before writing it (this benchmark's definition until
     * 2026-12-07, which counted the upstream's own writing, ~0.2 ms a call, as the function's overhead).
     * {@code response}: the function's answer as the Runtime API saw it (its request id and times).
     */
    private record Sample(double endToEndMs, double criticalMs, double criticalAtRecordMs, double[] gapMs,
                          double[] spreadMs, double[] layerOverheadMs, double tailMs,
                          LambdaRuntimeApi.Response response) {
        double overheadMs() {
            return endToEndMs - criticalMs;
        }

        double overheadAtRecordMs() {
            return endToEndMs - criticalAtRecordMs;
        }
    }

    private Sample measureOne(PackagedFunction function, Shape shape) throws Exception {
        return measureOne(function, shape, null);
    }

    /** @param key the client key the request carries, or null for none */
    private Sample measureOne(PackagedFunction function, Shape shape, String key) throws Exception {
        upstream.reset();
        scriptSlow(shape);
        LambdaRuntimeApi.Response response = invoke(function, shape.name(), key);
        List<FakeUpstream.Recorded> calls = upstream.requests();
        assertEquals((shape.layers() - 1) * shape.agents() + 1, calls.size(), "calls per request");
        long delivered = response.timing().deliveredNanos();
        long answered = response.timing().answeredNanos();
        double[] gap = new double[shape.layers()];
        double[] spread = new double[shape.layers()];
        double[] layerOverhead = new double[shape.layers()];
        long previousEnd = delivered;
        long critical = 0;
        long criticalAtRecord = 0;
        for (int layer = 0; layer < shape.layers(); layer++) {
            List<FakeUpstream.Recorded> inLayer = inLayer(calls, layer + 1);
            long firstStart = inLayer.stream().mapToLong(FakeUpstream.Recorded::startNanos).min().orElseThrow();
            long lastStart = inLayer.stream().mapToLong(FakeUpstream.Recorded::startNanos).max().orElseThrow();
            long end = inLayer.stream().mapToLong(FakeUpstream.Recorded::writtenNanos).max().orElseThrow();
            long longest = inLayer.stream().mapToLong(c -> c.writtenNanos() - c.startNanos()).max().orElseThrow();
            critical += longest;
            criticalAtRecord += inLayer.stream().mapToLong(c -> c.endNanos() - c.startNanos()).max().orElseThrow();
            gap[layer] = ms(firstStart - previousEnd);
            spread[layer] = ms(lastStart - firstStart);
            layerOverhead[layer] = ms(end - previousEnd - longest);
            previousEnd = end;
        }
        return new Sample(ms(answered - delivered), ms(critical), ms(criticalAtRecord), gap, spread, layerOverhead,
                ms(answered - previousEnd), response);
    }

    private static List<FakeUpstream.Recorded> inLayer(List<FakeUpstream.Recorded> calls, int layer) {
        List<FakeUpstream.Recorded> result = new ArrayList<>();
        for (FakeUpstream.Recorded call : calls) {
            Matcher m = MODEL.matcher(call.model());
            if (m.matches() && Integer.parseInt(m.group(1)) == layer) {
                result.add(call);
            }
        }
        assertTrue(!result.isEmpty(), "no calls recorded for layer " + layer);
        return result;
    }

    // ---- straggler ----

    private void straggler(PackagedFunction function) throws Exception {
        Shape shape = new Shape(2, 6, 300);
        List<double[]> samples = new ArrayList<>();
        for (int i = 0; i < WARMUP + MEASURED; i++) {
            upstream.reset();
            scriptSlow(shape);
            upstream.script("l1-a6", new FakeUpstream.Hang());
            LambdaRuntimeApi.Response response = invoke(function, "straggler");
            List<FakeUpstream.Recorded> answeredCalls = upstream.requests().stream().filter(c -> c.status() == 200)
                    .toList();
            long critical = 0;
            for (int layer = 1; layer <= 2; layer++) {
                critical += inLayer(answeredCalls, layer).stream().mapToLong(c -> c.endNanos() - c.startNanos())
                        .max().orElseThrow();
            }
            if (i >= WARMUP) {
                double endToEnd = ms(response.timing().answeredNanos() - response.timing().deliveredNanos());
                samples.add(new double[]{endToEnd, ms(critical)});
            }
        }
        Stats endToEnd = Stats.ofValues(samples.stream().mapToDouble(s -> s[0]).toArray());
        Stats critical = Stats.ofValues(samples.stream().mapToDouble(s -> s[1]).toArray());
        Stats excess = Stats.ofValues(samples.stream().mapToDouble(s -> s[0] - s[1] - STRAGGLER_GRACE_MS).toArray());
        line("## Straggler: one of six proposers never answers (2×6×300, straggler_grace_ms " + STRAGGLER_GRACE_MS + ")");
        line("");
        line("| critical path of the answered calls p50 | end-to-end p50 | end-to-end p95"
                + " | end-to-end − critical path − grace p50 | p95 |");
        line("|---|---|---|---|---|");
        line(String.format(Locale.ROOT, "| %.1f | %.1f | %.1f | **%.1f** | %.1f |", critical.p50, endToEnd.p50,
                endToEnd.p95, excess.p50, excess.p95));
        line("");
    }

    // ---- strategies: the same simulated mix, combined four ways ----

    /**
     * Mix 2×6×300 (six proposers, one aggregating agent, every call 300 ms) as {@code synthesize}, {@code rank}
     * (the agent answers "3"), {@code sequential} (window 2: three steps) and {@code early_stop} (unanimous; the
     * six proposers give the same answer, so the aggregating layer never runs).
     */
    private static String strategyMix(String strategy) {
        StringBuilder json = new StringBuilder("{\"layers\": [{");
        if (strategy.equals("early_stop")) {
            json.append("\"early_stop\": {\"when\": \"unanimous\"}, ");
        }
        json.append("\"agents\": [");
        for (int agent = 1; agent <= STRATEGY_PROPOSERS; agent++) {
            json.append(agent > 1 ? "," : "").append("{\"provider\": \"fake\", \"model\": \"").append(model(1, agent))
                    .append("\"}");
        }
        json.append("]}, {");
        if (strategy.equals("rank")) {
            json.append("\"aggregate\": \"rank\", ");
        } else if (strategy.equals("sequential")) {
            json.append("\"aggregate\": {\"mode\": \"sequential\", \"window\": ").append(SEQUENTIAL_WINDOW).append("}, ");
        }
        return json.append("\"agents\": [{\"provider\": \"fake\", \"model\": \"").append(model(2, 1))
                .append("\"}]}]}").toString();
    }

    private static void scriptStrategy(String strategy) {
        Duration latency = Duration.ofMillis(STRATEGY_LATENCY_MS);
        for (int agent = 1; agent <= STRATEGY_PROPOSERS; agent++) {
            upstream.script(model(1, agent), strategy.equals("early_stop")
                    ? new FakeUpstream.After(latency, new FakeUpstream.Answer("answer from l1, agreed", "stop"))
                    : new FakeUpstream.Slow(latency));
        }
        upstream.script(model(2, 1), strategy.equals("rank")
                ? new FakeUpstream.After(latency, new FakeUpstream.Answer("3", "stop"))
                : new FakeUpstream.Slow(latency));
    }

    /** calls, prompt tokens, completion tokens, end-to-end ms, model time on the critical path ms */
    private double[] strategyRequest(PackagedFunction function, String strategy) throws Exception {
        upstream.reset();
        scriptStrategy(strategy);
        LambdaRuntimeApi.Response response = invoke(function, "strategy-" + strategy);
        com.fasterxml.jackson.databind.JsonNode usage = HttpApiResponse.parse(JSON, response.body()).json(JSON)
                .path("usage");
        List<FakeUpstream.Recorded> calls = upstream.requests();
        // Layer 1's calls run together (its longest counts); the aggregating agent's calls run one after another.
        long critical = calls.stream().filter(c -> c.model().startsWith("l1-")).mapToLong(c -> c.endNanos() - c.startNanos())
                .max().orElse(0) + calls.stream().filter(c -> c.model().startsWith("l2-"))
                .mapToLong(c -> c.endNanos() - c.startNanos()).sum();
        return new double[]{calls.size(), usage.path("prompt_tokens").asDouble(), usage.path("completion_tokens").asDouble(),
                ms(response.timing().answeredNanos() - response.timing().deliveredNanos()), ms(critical)};
    }

    private void strategies(PackagedFunction function) throws Exception {
        line("## Strategies on one simulated mix (2×" + STRATEGY_PROPOSERS + "×" + STRATEGY_LATENCY_MS
                + ": six proposers, one aggregating agent, every call " + STRATEGY_LATENCY_MS + " ms)");
        line("");
        line("| strategy | upstream calls | prompt tokens | completion tokens | total tokens | end-to-end p50 (ms)"
                + " | end-to-end p95 (ms) | model time on the critical path p50 (ms) | overhead p50 (ms) |");
        line("|---|---|---|---|---|---|---|---|---|");
        for (String strategy : STRATEGIES) {
            for (int i = 0; i < WARMUP; i++) {
                strategyRequest(function, strategy);
            }
            List<double[]> samples = new ArrayList<>();
            for (int i = 0; i < MEASURED; i++) {
                samples.add(strategyRequest(function, strategy));
            }
            Stats calls = Stats.ofValues(samples.stream().mapToDouble(v -> v[0]).toArray());
            Stats prompt = Stats.ofValues(samples.stream().mapToDouble(v -> v[1]).toArray());
            Stats completion = Stats.ofValues(samples.stream().mapToDouble(v -> v[2]).toArray());
            Stats endToEnd = Stats.ofValues(samples.stream().mapToDouble(v -> v[3]).toArray());
            Stats critical = Stats.ofValues(samples.stream().mapToDouble(v -> v[4]).toArray());
            Stats overhead = Stats.ofValues(samples.stream().mapToDouble(v -> v[3] - v[4]).toArray());
            line(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %.0f | **%.1f** | %.1f | %.1f | %.1f |", strategy,
                    calls.p50, prompt.p50, completion.p50, prompt.p50 + completion.p50, endToEnd.p50, endToEnd.p95,
                    critical.p50, overhead.p50));
        }
        line("");
    }

    // ---- memory ----

    private void memory(PackagedFunction function) throws Exception {
        line("## Memory over 1,000 requests (mix " + CHEAP.name() + ", on the instance that served the rows above)");
        line("");
        line("| requests | RSS (MB) | heap used after a full GC (MB) | CPU per request over the interval |");
        line("|---|---|---|---|");
        upstream.reset();
        scriptSlow(CHEAP);
        long cpuBefore = cpuTicks(function);
        int done = 0;
        for (int checkpoint : new int[]{100, 250, 500, 750, 1000}) {
            int interval = checkpoint - done;
            for (; done < checkpoint; done++) {
                invoke(function, CHEAP.name());
                if (done % 50 == 0) {
                    upstream.reset();
                    scriptSlow(CHEAP);
                }
            }
            long cpuNow = cpuTicks(function);
            double cpuMs = (cpuNow - cpuBefore) * 1000.0 / CLOCK_TICKS / interval;
            cpuBefore = cpuNow;
            double rss = rssMb(function);
            line(String.format(Locale.ROOT, "| %d | %.1f | %s | %.1f ms |", checkpoint, rss,
                    heapAfterGcMb(function), cpuMs));
        }
        line("");
    }

    // ---- hostile upstream: endless 200 bodies ----

    /**
     * Three proposers whose upstream sends 200 headers and then a body that never ends ({@link FakeUpstream.Endless},
     * as fast as the function reads), beside one that answers: each endless call must stop at the provider's
     * max_response_bytes (default 4 MB) with response_too_large and its connection closed, and the process must not
     * grow with the bytes sent. RSS is sampled after every request.
     */
    private void hostile(PackagedFunction function) throws Exception {
        line("## Hostile upstream: " + ENDLESS_PROPOSERS + " endless 200 bodies per request (max_response_bytes 4 MB, "
                + HOSTILE_REQUESTS + " requests)");
        line("");
        line("| RSS before (MB) | RSS max during (MB) | RSS after (MB) | **growth: max − before (MB)** | heap after a full GC (MB)"
                + " | closed endless calls | end-to-end p50 (ms) |");
        line("|---|---|---|---|---|---|---|");
        upstream.reset();
        scriptHostile();
        invoke(function, "hostile"); // the first one, outside the figures: classes of the failure path load
        heapAfterGcMb(function);
        double before = rssMb(function);
        double max = before;
        List<Double> latencies = new ArrayList<>();
        int closed = 0;
        for (int i = 0; i < HOSTILE_REQUESTS; i++) {
            upstream.reset();
            scriptHostile();
            LambdaRuntimeApi.Response response = invoke(function, "hostile");
            latencies.add(ms(response.timing().answeredNanos() - response.timing().deliveredNanos()));
            for (int e = 1; e <= ENDLESS_PROPOSERS; e++) {
                assertTrue(upstream.awaitDisconnects("endless-" + e, 1), "an endless call was not closed");
            }
            closed += ENDLESS_PROPOSERS;
            max = Math.max(max, rssMb(function));
        }
        double after = rssMb(function);
        line(String.format(Locale.ROOT, "| %.1f | %.1f | %.1f | **%.1f** | %s | %d | %.1f |", before, max, after,
                max - before, heapAfterGcMb(function), closed,
                Stats.ofValues(latencies.stream().mapToDouble(d -> d).toArray()).p50));
        line("");
    }

    private static void scriptHostile() {
        for (int e = 1; e <= ENDLESS_PROPOSERS; e++) {
            upstream.script("endless-" + e, new FakeUpstream.Endless());
        }
        upstream.script(model(1, 1), FakeUpstream.Slow.millis(0));
        upstream.script(model(2, 1), FakeUpstream.Slow.millis(0));
    }

    private static String hostileMix() {
        StringBuilder agents = new StringBuilder();
        for (int e = 1; e <= ENDLESS_PROPOSERS; e++) {
            agents.append("{\"provider\": \"fake\", \"model\": \"endless-").append(e).append("\", \"retries\": 0}, ");
        }
        return "{\"layers\": [{\"agents\": [" + agents + "{\"provider\": \"fake\", \"model\": \"" + model(1, 1)
                + "\"}]}, {\"agents\": [{\"provider\": \"fake\", \"model\": \"" + model(2, 1) + "\"}]}]}";
    }

    // ---- cold start ----

    private void coldStarts() throws Exception {
        line("## Cold start (ms, median of " + COLD_RUNS + " runs; first request: mix " + INSTANT.name() + ")");
        line("");
        line("| JVM | options | process start → init done | process start → first answer p50 | min | max |"
                + " first request in function p50 |");
        line("|---|---|---|---|---|---|---|");
        Path jdk17 = functionJava();
        if (COLD_VARIANTS.contains("lambda")) {
            coldRow(jdk17, "Lambda's (C1 only, SerialGC) + the stack's JAVA_TOOL_OPTIONS ("
                    + FunctionProcess.deployedJavaToolOptions() + ")", List.of());
        }
        if (COLD_VARIANTS.contains("untuned")) {
            coldRow(jdk17, "Lambda's (C1 only, SerialGC), no JAVA_TOOL_OPTIONS", List.of(),
                    Map.of("JAVA_TOOL_OPTIONS", ""));
        }
        if (COLD_VARIANTS.contains("c2")) {
            coldRow(jdk17, "Lambda's, but C2 on (-XX:TieredStopAtLevel=4)", List.of("-XX:TieredStopAtLevel=4"));
        }
        if (COLD_VARIANTS.contains("appcds")) {
            Path archive = out.resolve("function-" + javaFeature(jdk17) + ".jsa").toAbsolutePath();
            train(jdk17, archive, List.of());
            coldRow(jdk17, "Lambda's + AppCDS (dynamic archive of a training run)",
                    List.of("-XX:SharedArchiveFile=" + archive));
        }
        Path temurin25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
        if (COLD_VARIANTS.contains("jdk25") && Files.isExecutable(temurin25) && !temurin25.equals(jdk17)) {
            // JBoss Threads needs java.lang opened on Java 24+ (not on Lambda's 21).
            String opens = "--add-opens=java.base/java.lang=ALL-UNNAMED";
            coldRow(temurin25, "Lambda's (C1 only, SerialGC)", List.of(opens));
            Path archive25 = out.resolve("function-25.jsa").toAbsolutePath();
            train(temurin25, archive25, List.of(opens));
            coldRow(temurin25, "Lambda's + AppCDS (dynamic archive of a training run)",
                    List.of(opens, "-XX:SharedArchiveFile=" + archive25));
        }
        line("");
    }

    private void coldRow(Path java, String options, List<String> jvmOptions) throws Exception {
        coldRow(java, options, jvmOptions, Map.of());
    }

    private void coldRow(Path java, String options, List<String> jvmOptions, Map<String, String> environment)
            throws Exception {
        ColdRuns runs = cold(functionZip(), java, jvmOptions, environment);
        line(String.format(Locale.ROOT, "| %s | %s | %.0f | **%.0f** | %.0f | %.0f | %.0f |", javaVersion(java), options,
                runs.init().p50, runs.firstAnswer().p50, runs.firstAnswer().min, runs.firstAnswer().max,
                runs.firstRequest().p50));
    }

    /** {@value #COLD_RUNS} fresh starts of the zip, each answering one request queued at once. */
    private ColdRuns cold(Path zip, Path java, List<String> jvmOptions) throws Exception {
        return cold(zip, java, jvmOptions, Map.of());
    }

    private ColdRuns cold(Path zip, Path java, List<String> jvmOptions, Map<String, String> environment)
            throws Exception {
        upstream.reset();
        double[] init = new double[COLD_RUNS];
        double[] firstAnswer = new double[COLD_RUNS];
        double[] firstRequest = new double[COLD_RUNS];
        for (int run = 0; run < COLD_RUNS; run++) {
            try (PackagedFunction function = start(zip, java, jvmOptions, environment)) {
                // Queued at once, as the event that caused the cold start is.
                LambdaRuntimeApi.Response response = invoke(function, INSTANT.name());
                init[run] = ms(function.initDuration().toNanos());
                firstAnswer[run] = ms(response.timing().answeredNanos() - function.process().startNanos());
                firstRequest[run] = ms(response.timing().answeredNanos() - response.timing().deliveredNanos());
            }
        }
        return new ColdRuns(Stats.ofValues(init), Stats.ofValues(firstAnswer), Stats.ofValues(firstRequest));
    }

    /** Process start → init done, process start → first answer, and the first request inside the function. */
    private record ColdRuns(Stats init, Stats firstAnswer, Stats firstRequest) {
    }

    /** A training run: starts the function, serves a few requests, and dumps the loaded classes at exit. */
    private void train(Path java, Path archive, List<String> jvmOptions) throws Exception {
        Files.deleteIfExists(archive);
        List<String> options = new ArrayList<>(jvmOptions);
        options.add("-XX:ArchiveClassesAtExit=" + archive);
        try (PackagedFunction function = start(java, options)) {
            for (int i = 0; i < 5; i++) {
                invoke(function, INSTANT.name());
            }
        }
        // The archive is written while the JVM exits on SIGTERM; close() has waited for that exit.
        assertTrue(Files.isRegularFile(archive), "no CDS archive written at " + archive);
    }

    // ---- hedging: every agent's every 10th call takes 10x its normal latency ----

    /**
     * Mix 3×6×T (two layers of six proposers, an aggregator) where each agent's every 10th call takes 10 T, with
     * and without {@code "hedge": {"after_ms": "p90"}}, one request of each in turn, both seeing the same slow calls.
     * {@code aligned}: every agent's 10th call falls in the same request; {@code staggered}: agent k's phase is
     * k mod 10, so the slow calls are spread over the requests. A hedge copy (a later call to the model in the same
     * request) takes T. Calls per request are counted as they arrive at the upstream, cancelled copies included.
     */
    private void hedging(PackagedFunction function) throws Exception {
        Shape shape = new Shape(3, 6, HEDGE_LATENCY_MS);
        line("## Hedged calls: mix 3×6×" + HEDGE_LATENCY_MS + ", every agent's every 10th call takes "
                + 10 * HEDGE_LATENCY_MS + " ms");
        line("");
        line(HEDGE_WARMUP + " warm-up and " + HEDGE_REQUESTS + " measured requests per row, the two mixes in turn.");
        line("");
        line("| slow calls | hedge | end-to-end p50 | p95 | p99 | max | calls per request | extra calls |");
        line("|---|---|---|---|---|---|---|---|");
        for (String tail : HEDGE_TAILS) {
            Map<String, List<double[]>> samples = new java.util.LinkedHashMap<>();
            samples.put("tail", new ArrayList<>());
            samples.put("tail-hedged", new ArrayList<>());
            for (int i = 0; i < HEDGE_WARMUP + HEDGE_REQUESTS; i++) {
                for (String mix : samples.keySet()) {
                    double[] sample = tailRequest(function, shape, mix, i, tail.equals("staggered"));
                    if (i >= HEDGE_WARMUP) {
                        samples.get(mix).add(sample);
                    }
                }
            }
            double plainCalls = samples.get("tail").stream().mapToDouble(s -> s[1]).average().orElseThrow();
            for (Map.Entry<String, List<double[]>> row : samples.entrySet()) {
                double[] endToEnd = row.getValue().stream().mapToDouble(s -> s[0]).toArray();
                double calls = row.getValue().stream().mapToDouble(s -> s[1]).average().orElseThrow();
                Stats stats = Stats.ofValues(endToEnd);
                line(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f | **%.1f** | %.1f | %.2f | %+.1f %% |",
                        tail, row.getKey().equals("tail") ? "none" : "`{\"after_ms\": \"p90\"}`", stats.p50,
                        stats.p95, stats.p99, stats.max, calls, 100 * (calls / plainCalls - 1)));
            }
        }
        line("");
    }

    // ---- native beside JVM (issue 26) ----

    /**
     * The same measurements of the JVM zip and the native zip, one after the other on the same upstream: warm
     * overhead over the critical path of the paper mix (after the JIT warm-up for both, though the native build has
     * no JIT), cold start to the first answer, and RSS after {@value #NATIVE_RSS_REQUESTS} requests.
     */
    private void nativeBesideJvm() throws Exception {
        if (NATIVE_ZIP.isBlank()) {
            throw new IllegalStateException("section native needs -Dmoa.bench.native.zip=<a native function.zip>");
        }
        Path nativeZip = Path.of(NATIVE_ZIP);
        if (!PackagedFunction.isNative(nativeZip)) {
            throw new IllegalStateException(nativeZip + " holds no native bootstrap");
        }
        line("## Native beside JVM (mix " + PAPER.name() + " warm; cold start with mix " + INSTANT.name() + ")");
        line("");
        line("| build | critical path p50 | overhead p50 | overhead p95 | overhead / critical path (p50) | CPU per request"
                + " | cold start → first answer p50 (min–max, " + COLD_RUNS + " runs) | RSS after "
                + NATIVE_RSS_REQUESTS + " requests (MB) | overhead p50, the upstream's writing counted |");
        line("|---|---|---|---|---|---|---|---|---|");
        Path jvmZip = functionZip();
        // The JVM build as the stack runs it, then without the stack's JAVA_TOOL_OPTIONS (Lambda's own options only).
        List<Map<String, String>> environments = List.of(Map.of(), Map.of("JAVA_TOOL_OPTIONS", ""), Map.of());
        List<Path> zips = List.of(jvmZip, jvmZip, nativeZip);
        for (int b = 0; b < zips.size(); b++) {
            Path zip = zips.get(b);
            Map<String, String> environment = environments.get(b);
            String build = PackagedFunction.isNative(zip) ? "native" : "JVM (" + javaVersion(functionJava()) + ", "
                    + (environment.isEmpty() ? "the stack's JAVA_TOOL_OPTIONS " + FunctionProcess.deployedJavaToolOptions()
                    : "Lambda's options only") + ")";
            double rss;
            Stats critical;
            Stats overhead;
            Stats overheadAtRecord;
            double cpuMs;
            try (PackagedFunction function = start(zip, functionJava(), List.of(), environment)) {
                function.initDuration();
                upstream.reset();
                for (int i = 0; i < JIT_WARMUP; i++) {
                    invoke(function, INSTANT.name());
                }
                WarmRun run = warm(function, PAPER);
                cpuMs = run.cpuMs();
                critical = Stats.of(run.samples(), Sample::criticalMs);
                overhead = Stats.of(run.samples(), Sample::overheadMs);
                overheadAtRecord = Stats.of(run.samples(), Sample::overheadAtRecordMs);
            }
            try (PackagedFunction function = start(zip, functionJava(), List.of(), environment)) {
                upstream.reset();
                scriptSlow(CHEAP);
                for (int i = 0; i < NATIVE_RSS_REQUESTS; i++) {
                    invoke(function, CHEAP.name());
                    if (i % 50 == 0) {
                        upstream.reset();
                        scriptSlow(CHEAP);
                    }
                }
                rss = rssMb(function);
            }
            Stats cold = cold(zip, functionJava(), List.of(), environment).firstAnswer();
            line(String.format(Locale.ROOT,
                    "| %s | %.1f | **%.1f** | %.1f | %.2f %% | %.1f ms | **%.0f** ms (%.0f–%.0f) | %.1f | %.1f |", build,
                    critical.p50, overhead.p50, overhead.p95, 100 * overhead.p50 / critical.p50, cpuMs, cold.p50,
                    cold.min, cold.max, rss, overheadAtRecord.p50));
        }
        line("");
    }

    // ---- governance: what tracing (issue 24) and client-key limits (issue 22) add per request ----

    /**
     * One configuration of the function: its build, environment and JVM options, and the client key its requests
     * carry; {@code id} selects it ({@code -Dmoa.bench.governance.variants=plain,tracing}).
     */
    private record Variant(String id, String name, Path zip, Map<String, String> environment, List<String> jvmOptions,
                           String key, boolean extensionsApi) {
        Variant(String id, String name, Map<String, String> environment, String key) {
            this(id, name, functionZip(), environment, List.of(), key, true);
        }
    }

    /**
     * The paper mix on four instances started side by side — plain; exporting every span to an OTLP/HTTP receiver;
     * a key with rpm, tpm and a month's budget in the embedded limit store; the same key in DynamoDB on moto's
     * server — with their requests interleaved (one at a time, round robin), so the shared machine's load falls on
     * every variant alike. Overhead as in the warm table.
     */
    private void governance() throws Exception {
        String keyName = "bench";
        String key = "moa-bench-key-0123456789";
        Path keys = Files.createDirectories(store.dir().resolve("client-keys"));
        Files.writeString(keys.resolve(keyName), "{\"sha256\": \"" + dev.moa.store.ClientKeys.sha256Hex(key)
                + "\", \"rpm\": 100000, \"tpm\": 1000000000, \"budget_usd\": {\"month\": 1000000}}");
        // A budget needs every planned call priced: the bench's provider gets a price (it changes no other figure).
        store.provider("fake", "{\"protocol\":\"openai\",\"base_url\":\"" + upstream.baseUrl()
                + "\",\"api_key\":{\"env\":\"" + TestStore.KEY_VARIABLE + "\"},"
                + "\"pricing\": {\"default\": {\"input_per_mtok\": 1, \"output_per_mtok\": 2}}}");
        try (dev.moa.testing.OtlpReceiver otlp = new dev.moa.testing.OtlpReceiver();
             dev.moa.testing.MotoServer moto = dev.moa.testing.MotoServer.startSerial()) {
            try (var dynamo = dev.moa.testing.MotoDynamo.client(moto.endpoint())) {
                dev.moa.testing.MotoDynamo.createTable(dynamo, dev.moa.testing.MotoDynamo.TABLE);
            }
            Map<String, String> tracing = Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.endpoint(),
                    "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf");
            List<Variant> all = new ArrayList<>(List.of(
                    new Variant("plain", "plain", Map.of(), null),
                    new Variant("tracing", "tracing on (OTLP/HTTP, every span), exported after the answer", tracing,
                            null),
                    new Variant("tracing-before", "tracing on, no Extensions API: exported before the answer",
                            functionZip(), tracing, List.of(), null, false),
                    new Variant("limits", "limits, embedded store", Map.of("MOA_AUTH_REQUIRED", "true",
                            "MOA_LIMITS_DIR", Files.createTempDirectory("moa-bench-limits").toString()), key),
                    // The extension's endpoint override: the SDK's own aws.endpointUrlDynamodb does not reach it.
                    new Variant("limits-dynamo", "limits, DynamoDB on moto", Map.of("MOA_AUTH_REQUIRED", "true",
                            "MOA_LIMITS_TABLE", dev.moa.testing.MotoDynamo.TABLE,
                            "QUARKUS_DYNAMODB_ENDPOINT_OVERRIDE", moto.endpoint(),
                            "AWS_REGION", dev.moa.testing.MotoServer.REGION,
                            "AWS_ACCESS_KEY_ID", dev.moa.testing.MotoServer.ACCESS_KEY,
                            "AWS_SECRET_ACCESS_KEY", dev.moa.testing.MotoServer.SECRET_ACCESS_KEY), key)));
            if (!BASELINE_ZIP.isEmpty()) {
                all.add(new Variant("baseline-tracing", "tracing on, the baseline build (" + BASELINE_ZIP + ")",
                        Path.of(BASELINE_ZIP), tracing, List.of(), null, true));
            }
            List<String> chosen = List.of(System.getProperty("moa.bench.governance.variants", "").split(",")).stream()
                    .filter(id -> !id.isBlank()).toList();
            List<Variant> variants = all.stream().filter(v -> chosen.isEmpty() || chosen.contains(v.id())).toList();
            if (!variants.get(0).id().equals("plain")) {
                throw new IllegalStateException("the governance section compares with 'plain': choose it first");
            }
            List<PackagedFunction> functions = new ArrayList<>();
            try {
                for (Variant variant : variants) {
                    functions.add(start(variant.zip(), functionJava(), variant.jvmOptions(), variant.environment(),
                            variant.extensionsApi()));
                }
                for (PackagedFunction function : functions) {
                    function.initDuration();
                }
                upstream.reset();
                for (int i = 0; i < JIT_WARMUP; i++) {
                    for (int v = 0; v < variants.size(); v++) {
                        invoke(functions.get(v), INSTANT.name(), variants.get(v).key());
                    }
                }
                List<List<Sample>> samples = new ArrayList<>();
                variants.forEach(v -> samples.add(new ArrayList<>()));
                for (int i = 0; i < WARMUP + MEASURED; i++) {
                    for (int v = 0; v < variants.size(); v++) {
                        Sample sample = measureOne(functions.get(v), PAPER, variants.get(v).key());
                        if (i >= WARMUP) {
                            samples.get(v).add(sample);
                        }
                    }
                }
                line("## Tracing and limits (mix " + PAPER.name() + ", " + variants.size()
                        + " instances side by side, requests interleaved; " + JIT_WARMUP + " JIT warm-up requests each)");
                line("");
                line("| variant | critical path p50 | overhead p50 | overhead p95 | overhead p99 | added p50 vs plain "
                        + "| instance busy after the answer p50 | before the first layer p50 | between layers p50 "
                        + "| after the last reply p50 |");
                line("|---|---|---|---|---|---|---|---|---|---|");
                double plain = Stats.of(samples.get(0), Sample::overheadMs).p50;
                for (int v = 0; v < variants.size(); v++) {
                    List<Sample> rows = samples.get(v);
                    Stats overhead = Stats.of(rows, Sample::overheadMs);
                    // Until every extension asked for its next event: Lambda bills it, the caller does not wait.
                    PackagedFunction function = functions.get(v);
                    List<Double> busy = new ArrayList<>();
                    for (Sample row : rows) {
                        long over = function.runtimeApi().extensionsDone(row.response().requestId())
                                .get(60, TimeUnit.SECONDS);
                        busy.add(ms(Math.max(0, over - row.response().timing().answeredNanos())));
                    }
                    // Where the overhead falls: before the first layer's calls, between layers, after the last reply.
                    line(String.format(Locale.ROOT, "| %s | %.1f | **%.1f** | %.1f | %.1f | %+.1f | %.1f | %.1f | %.1f "
                                    + "| %.1f |",
                            variants.get(v).name(), Stats.of(rows, Sample::criticalMs).p50, overhead.p50, overhead.p95,
                            overhead.p99, overhead.p50 - plain, Stats.of(busy, d -> d).p50,
                            Stats.of(rows, r -> r.layerOverheadMs()[0]).p50,
                            Stats.of(rows, r -> java.util.Arrays.stream(r.layerOverheadMs()).skip(1).sum()).p50,
                            Stats.of(rows, Sample::tailMs).p50));
                }
                line("");
                line("- spans received by the OTLP receiver: " + otlp.spans().size());
                line("");
            } finally {
                for (PackagedFunction function : functions) {
                    function.close();
                }
            }
        }
    }

    /**
     * The paper mix on two JVM instances side by side, a baseline build's zip and this build's, with their requests
     * interleaved (one at a time, alternating), so the shared machine's load falls on both alike: overhead and CPU
     * per request of each, and their ratio.
     */
    private void compare(List<String> jvmOptions) throws Exception {
        if (BASELINE_ZIP.isBlank()) {
            throw new IllegalStateException("section compare needs -Dmoa.bench.baseline.zip=<a JVM function.zip>");
        }
        List<String> names = List.of("baseline (" + BASELINE_ZIP + ")", "this build");
        List<Path> zips = List.of(Path.of(BASELINE_ZIP), functionZip());
        List<PackagedFunction> functions = new ArrayList<>();
        try {
            for (Path zip : zips) {
                functions.add(start(zip, functionJava(), jvmOptions));
            }
            for (PackagedFunction function : functions) {
                function.initDuration();
            }
            upstream.reset();
            for (int i = 0; i < JIT_WARMUP; i++) {
                for (PackagedFunction function : functions) {
                    invoke(function, INSTANT.name());
                }
            }
            List<List<Sample>> samples = List.of(new ArrayList<>(), new ArrayList<>());
            long[] cpuBefore = new long[functions.size()];
            for (int i = 0; i < WARMUP + MEASURED; i++) {
                if (i == WARMUP) {
                    for (int f = 0; f < functions.size(); f++) {
                        cpuBefore[f] = cpuTicks(functions.get(f));
                    }
                }
                for (int f = 0; f < functions.size(); f++) {
                    Sample sample = measureOne(functions.get(f), PAPER);
                    if (i >= WARMUP) {
                        samples.get(f).add(sample);
                    }
                }
            }
            double[] cpuMs = new double[functions.size()];
            for (int f = 0; f < functions.size(); f++) {
                cpuMs[f] = (cpuTicks(functions.get(f)) - cpuBefore[f]) * 1000.0 / CLOCK_TICKS / MEASURED;
            }
            line("## Baseline beside this build (mix " + PAPER.name() + ", requests interleaved; " + JIT_WARMUP
                    + " JIT warm-up requests each, " + WARMUP + " warm-up and " + MEASURED + " measured)");
            line("");
            line("| build | critical path p50 | overhead p50 | overhead p95 | overhead / critical path (p50)"
                    + " | answer p50 | CPU per request |");
            line("|---|---|---|---|---|---|---|");
            for (int f = 0; f < functions.size(); f++) {
                List<Sample> rows = samples.get(f);
                Stats critical = Stats.of(rows, Sample::criticalMs);
                Stats overhead = Stats.of(rows, Sample::overheadMs);
                line(String.format(Locale.ROOT, "| %s | %.1f | **%.1f** | %.1f | %.2f %% | %.1f | %.1f ms |",
                        names.get(f), critical.p50, overhead.p50, overhead.p95, 100 * overhead.p50 / critical.p50,
                        Stats.of(rows, Sample::tailMs).p50, cpuMs[f]));
            }
            line("");
            line(String.format(Locale.ROOT, "- this build / baseline: overhead p50 %.2f, CPU per request %.2f",
                    Stats.of(samples.get(1), Sample::overheadMs).p50 / Stats.of(samples.get(0), Sample::overheadMs).p50,
                    cpuMs[1] / cpuMs[0]));
            line("");
        } finally {
            for (PackagedFunction function : functions) {
                function.close();
            }
        }
    }

    /** One request of request sequence {@code i}: its end-to-end time (ms) and the calls it made. */
    private static double[] tailRequest(PackagedFunction function, Shape shape, String mix, int i, boolean staggered)
            throws Exception {
        upstream.reset();
        for (int layer = 1; layer <= shape.layers(); layer++) {
            int agents = layer == shape.layers() ? 1 : shape.agents();
            for (int agent = 1; agent <= agents; agent++) {
                int phase = staggered ? ((layer - 1) * shape.agents() + agent - 1) % 10 : 0;
                boolean slow = (i + phase) % 10 == 9;
                upstream.script(model(layer, agent),
                        FakeUpstream.Slow.millis(slow ? 10L * shape.latencyMs() : shape.latencyMs()),
                        FakeUpstream.Slow.millis(shape.latencyMs()));
            }
        }
        long before = upstream.arrivals();
        LambdaRuntimeApi.Response response = invoke(function, mix);
        long calls = upstream.arrivals() - before;
        return new double[]{ms(response.timing().answeredNanos() - response.timing().deliveredNanos()), calls};
    }

    private static String tailMix(String hedge) {
        String document = mixDocument(new Shape(3, 6, HEDGE_LATENCY_MS), null).replace("\"fake\"", "\"tail\"");
        return hedge == null ? document : "{\"hedge\": " + hedge + ", " + document.substring(1);
    }

    // ---- plumbing ----

    /** The JVM function.zip of this build (Maven's package phase). */
    private static Path functionZip() {
        return Path.of(System.getProperty("moa.function.zip"));
    }

    private static PackagedFunction start(Path java, List<String> jvmOptions) {
        return start(functionZip(), java, jvmOptions);
    }

    private static PackagedFunction start(Path zip, Path java, List<String> jvmOptions) {
        return start(zip, java, jvmOptions, Map.of());
    }

    private static PackagedFunction start(Path zip, Path java, List<String> jvmOptions, Map<String, String> environment) {
        return start(zip, java, jvmOptions, environment, true);
    }

    private static PackagedFunction start(Path zip, Path java, List<String> jvmOptions, Map<String, String> environment,
                                          boolean extensionsApi) {
        PackagedFunction.Builder builder = PackagedFunction.builder(zip,
                        System.getProperty("moa.lambda.runtime.classpath"),
                        Path.of(System.getProperty("moa.lambda.work.dir")))
                .java(java)
                .store(store);
        jvmOptions.forEach(builder::jvmOption);
        environment.forEach(builder::environment);
        if (!extensionsApi) {
            builder.withoutExtensionsApi();
        }
        return builder.start();
    }

    private static LambdaRuntimeApi.Response invoke(PackagedFunction function, String mix) throws Exception {
        return invoke(function, mix, null);
    }

    private static LambdaRuntimeApi.Response invoke(PackagedFunction function, String mix, String key)
            throws Exception {
        HttpApiEvent event = HttpApiEvent.postJson("/v1/chat/completions", "{\"model\": \"" + mix
                + "\", \"messages\": [{\"role\": \"user\", \"content\": \"What is a mixture of agents?\"}]}");
        if (key != null) {
            event = event.withHeader("Authorization", "Bearer " + key);
        }
        LambdaRuntimeApi.Outcome outcome = function.invoke(event.toJson(JSON))
                .get(PackagedFunction.CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        if (!(outcome instanceof LambdaRuntimeApi.Response response)) {
            throw new AssertionError("the function failed: " + outcome + "\n" + function.process().logTail(40));
        }
        HttpApiResponse http = HttpApiResponse.parse(JSON, response.body());
        assertEquals(200, http.statusCode(), http.body());
        String content = http.json(JSON).at("/choices/0/message/content").asText();
        assertTrue(content.startsWith("answer from l"), http.body());
        return response;
    }

    private static void scriptSlow(Shape shape) {
        for (int layer = 1; layer <= shape.layers(); layer++) {
            int agents = layer == shape.layers() ? 1 : shape.agents();
            for (int agent = 1; agent <= agents; agent++) {
                upstream.script(model(layer, agent), FakeUpstream.Slow.millis(shape.latencyMs()));
            }
        }
    }

    private static String model(int layer, int agent) {
        return "l" + layer + "-a" + agent;
    }

    private static String mixDocument(Shape shape, Integer graceMs) {
        StringBuilder json = new StringBuilder("{\"layers\": [");
        for (int layer = 1; layer <= shape.layers(); layer++) {
            boolean aggregator = layer == shape.layers();
            json.append(layer > 1 ? "," : "").append("{");
            if (graceMs != null && !aggregator) {
                json.append("\"straggler_grace_ms\": ").append(graceMs).append(", ");
            }
            json.append("\"agents\": [");
            for (int agent = 1; agent <= (aggregator ? 1 : shape.agents()); agent++) {
                json.append(agent > 1 ? "," : "").append("{\"provider\": \"fake\", \"model\": \"")
                        .append(model(layer, agent)).append("\"}");
            }
            json.append("]}");
        }
        return json.append("]}").toString();
    }

    private static Path functionJava() {
        String configured = System.getProperty("moa.bench.java");
        return configured != null && !configured.isBlank() ? Path.of(configured)
                : Path.of(System.getProperty("java.home"), "bin", "java");
    }

    private static long cpuTicks(PackagedFunction function) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(function.process().process().pid()), "stat"));
        // Fields after the parenthesized command name; utime and stime are fields 14 and 15.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private static double rssMb(PackagedFunction function) throws IOException {
        for (String row : Files.readAllLines(Path.of("/proc", Long.toString(function.process().process().pid()),
                "status"))) {
            if (row.startsWith("VmRSS:")) {
                return Long.parseLong(row.replaceAll("\\D", "")) / 1024.0;
            }
        }
        return Double.NaN;
    }

    /** {@code jcmd GC.run}, then the heap in use as {@code GC.heap_info} reports it: what survives = what is kept. */
    private static String heapAfterGcMb(PackagedFunction function) {
        Path jcmd = functionJava().resolveSibling("jcmd");
        if (!Files.isExecutable(jcmd)) {
            return "n/a";
        }
        String pid = Long.toString(function.process().process().pid());
        run(jcmd.toString(), pid, "GC.run");
        String info = run(jcmd.toString(), pid, "GC.heap_info");
        Matcher used = Pattern.compile("(?m)^\\s+\\S.*generation\\s+total \\d+K, used (\\d+)K").matcher(info);
        long kb = 0;
        boolean found = false;
        while (used.find()) {
            kb += Long.parseLong(used.group(1));
            found = true;
        }
        return found ? String.format(Locale.ROOT, "%.1f", kb / 1024.0) : "n/a";
    }

    private static String run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            process.waitFor(30, TimeUnit.SECONDS);
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String javaVersion(Path java) {
        String text = run(java.toString(), "-version");
        return text.lines().filter(l -> l.contains("Runtime Environment")).findFirst().orElse(text.strip())
                .replace("Runtime Environment", "").strip();
    }

    private static int javaFeature(Path java) {
        Matcher m = Pattern.compile("version \"(\\d+)").matcher(run(java.toString(), "-version"));
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static String cpuModel() throws IOException {
        return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown CPU");
    }

    private static String loadAverage() throws IOException {
        String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return parts[0] + " " + parts[1] + " " + parts[2];
    }

    private static double ms(long nanos) {
        return nanos / 1_000_000.0;
    }

    private static int intProperty(String name, int fallback) {
        return Integer.parseInt(System.getProperty(name, Integer.toString(fallback)));
    }

    private static void line(String text) {
        report.append(text).append('\n');
        System.out.println(text);
    }

    /** Median (p50), nearest-rank p95 and p99, min and max. */
    private record Stats(double p50, double p95, double p99, double min, double max) {

        static <T> Stats of(List<T> samples, java.util.function.ToDoubleFunction<T> value) {
            return ofValues(samples.stream().mapToDouble(value).toArray());
        }

        static Stats ofValues(double[] values) {
            double[] sorted = values.clone();
            java.util.Arrays.sort(sorted);
            int n = sorted.length;
            double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
            return new Stats(median, nearestRank(sorted, 0.95), nearestRank(sorted, 0.99), sorted[0], sorted[n - 1]);
        }

        private static double nearestRank(double[] sorted, double quantile) {
            return sorted[Math.max(0, (int) Math.ceil(quantile * sorted.length) - 1)];
        }
    }
}
