package dev.moa.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moa.store.ClientKeys;
import dev.moa.testing.FakeAnthropic;
import dev.moa.testing.FakeBedrock;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.FakeUpstream.Recorded;
import dev.moa.testing.OtlpReceiver;
import dev.moa.testing.OtlpReceiver.Span;
import dev.moa.testing.OtlpResource;
import dev.moa.testing.Poll;
import dev.moa.testing.ProtocolsResource;
import dev.moa.testing.TestStore;
import dev.moa.testing.Upstream;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spans reach a real OTLP/HTTP endpoint (an in-test receiver decoding the exporter's protobuf): the server span
 * continuing the caller's {@code traceparent}, {@code moa.mix}, a span per layer and per agent, and a GenAI
 * {@code chat {model}} CLIENT span per upstream request (retries and fallbacks as siblings under their agent), whose
 * {@code traceparent} each upstream request carries. No prompt or answer text, and never a key.
 */
@QuarkusTest
@WithTestResource(ProtocolsResource.class)
@WithTestResource(OtlpResource.class)
class TracingTest extends UpstreamTest {

    static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String CALLER_SPAN = "00f067aa0ba902b7";
    static final String CLIENT_KEY = "moa-client-key-7d1e-never-in-a-trace";
    static final String PROMPT = "What is the airspeed of an unladen swallow?";

    static final String TRACED = """
            {"layers": [
              {"agents": [{"provider": "fake", "model": "tr-p1"},
                          {"provider": "fake", "model": "tr-p2", "retries": 1},
                          {"provider": "fake", "model": "tr-p3", "retries": 0,
                           "fallbacks": [{"provider": "fake-open", "model": "tr-p3-fallback"}]}]},
              {"agents": [{"provider": "fake", "model": "tr-agg", "temperature": 0.3, "max_tokens": 200}]}]}""";
    static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    @Upstream
    OtlpReceiver otlp;
    @Upstream
    FakeAnthropic anthropic;
    @Upstream
    FakeBedrock bedrock;

    @BeforeEach
    void mix() {
        otlp.reset();
        anthropic.reset();
        bedrock.reset();
        store.mix("traced", TRACED);
    }

    static String request(boolean stream) {
        return request("traced", stream);
    }

    /** The test's prompt to {@code model}. */
    static String request(String model, boolean stream) {
        return """
                {"model": "%s", "stream": %s, "messages": [{"role": "user", "content": "%s"}]}"""
                .formatted(model, stream, PROMPT);
    }

    /** Every span of the trace once the server span (the last to end) has arrived. */
    static List<Span> trace(OtlpReceiver otlp) {
        Poll.until("the request's spans are exported", Duration.ofSeconds(20), () -> otlp.spans().stream()
                .anyMatch(s -> s.kind() == 2 && s.traceId().equals(TRACE_ID))
                && otlp.spans().stream().anyMatch(s -> s.name().equals("moa.mix")));
        return otlp.spans().stream().filter(s -> s.traceId().equals(TRACE_ID)).toList();
    }

    /** A JSON request under the caller's span ({@link #TRACE_ID}, {@link #CALLER_SPAN}), as a traced client sends it. */
    private static RequestSpecification traced() {
        return given().contentType(ContentType.JSON).header("traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01");
    }

    static Span only(List<Span> spans, String name) {
        List<Span> named = spans.stream().filter(s -> s.name().equals(name)).toList();
        assertEquals(1, named.size(), name + " in " + names(spans));
        return named.get(0);
    }

    static String names(List<Span> spans) {
        return spans.stream().map(Span::name).collect(Collectors.joining(", "));
    }

    @Test
    void aMixIsOneTraceUnderTheCallersSpanWithAGenAiSpanPerUpstreamRequest() {
        upstream.script("tr-p2", new FakeUpstream.Status(503, "busy", Map.of()),
                new FakeUpstream.Answer("p2 answers", "stop"));
        upstream.script("tr-p3", new FakeUpstream.Status(400, "no such model", Map.of()));

        traced()
                .header("Authorization", "Bearer " + CLIENT_KEY)
                .body(request(false)).when().post("/v1/chat/completions").then().statusCode(200);
        List<Span> spans = trace(otlp);

        Span server = spans.stream().filter(s -> s.kind() == 2).findFirst().orElseThrow();
        assertEquals(CALLER_SPAN, server.parentSpanId(), "the incoming traceparent is continued");

        Span mix = only(spans, "moa.mix");
        assertEquals(server.spanId(), mix.parentSpanId(), "the mix runs under the server span");
        assertEquals("traced", mix.attribute("moa.mix.id"));
        // A file store's version is its document's content digest: it changes exactly when the file does.
        assertEquals("sha256:" + ClientKeys.sha256Hex(TRACED).substring(0, 12), mix.attribute("moa.mix.version"));
        assertFalse(mix.attributes().containsKey("moa.cost_usd"), "no price, so the cost is unknown, never 0");
        assertEquals("synthesize", mix.attribute("moa.mix.strategy"));
        assertEquals(2L, mix.attribute("moa.mix.layers"));
        assertEquals(4L, mix.attribute("moa.calls.planned"));

        List<Span> layers = spans.stream().filter(s -> s.name().equals("moa.layer")).toList();
        assertEquals(2, layers.size(), names(spans));
        layers.forEach(layer -> assertEquals(mix.spanId(), layer.parentSpanId()));
        Span layer0 = layers.stream().filter(l -> l.attribute("moa.layer").equals(0L)).findFirst().orElseThrow();
        assertEquals(3L, layer0.attribute("moa.layer.answers"));

        List<Span> chats = spans.stream().filter(s -> s.name().startsWith("chat ")).toList();
        // p1, p2 twice (503, then its retry), p3 (400), p3's fallback, the aggregator
        assertEquals(6, chats.size(), names(spans));
        assertEquals((long) chats.size(), mix.attribute("moa.calls.made"));
        for (Span chat : chats) {
            assertEquals(3, chat.kind(), "CLIENT: " + chat);
            assertEquals("chat", chat.attribute("gen_ai.operation.name"));
            assertEquals("openai", chat.attribute("gen_ai.provider.name"));
            assertEquals("chat " + chat.attribute("gen_ai.request.model"), chat.name());
            assertEquals("127.0.0.1", chat.attribute("server.address"));
            Span agent = spans.stream().filter(s -> s.spanId().equals(chat.parentSpanId())).findFirst().orElseThrow();
            assertTrue(agent.name().startsWith("moa.agent "), "an upstream request is a child of its agent: " + agent);
            assertEquals(agent.attribute("moa.layer"), chat.attribute("moa.layer"));
            assertEquals(agent.attribute("moa.agent.index"), chat.attribute("moa.agent.index"));
            assertTrue(layers.stream().anyMatch(l -> l.spanId().equals(agent.parentSpanId())));
        }

        Span p1 = only(spans, "chat tr-p1");
        assertEquals("tr-p1", p1.attribute("gen_ai.response.model"));
        assertTrue(String.valueOf(p1.attribute("gen_ai.response.id")).startsWith("up-"), p1.toString());
        assertTrue((Long) p1.attribute("gen_ai.usage.input_tokens") > 0);
        assertTrue((Long) p1.attribute("gen_ai.usage.output_tokens") > 0);
        assertEquals(List.of("stop"), p1.attribute("gen_ai.response.finish_reasons"));
        assertEquals(0, p1.statusCode());

        List<Span> p2 = spans.stream().filter(s -> s.name().equals("chat tr-p2")).toList();
        assertEquals(2, p2.size());
        Span failed = p2.stream().filter(s -> s.attribute("moa.attempt.retry").equals(0L)).findFirst().orElseThrow();
        Span retry = p2.stream().filter(s -> s.attribute("moa.attempt.retry").equals(1L)).findFirst().orElseThrow();
        assertEquals(2, failed.statusCode(), "ERROR");
        assertEquals("503", failed.attribute("error.type"));
        assertEquals(0, retry.statusCode());
        assertEquals(failed.parentSpanId(), retry.parentSpanId(), "a retry is a sibling under the agent");

        Span fallback = only(spans, "chat tr-p3-fallback");
        Span p3 = only(spans, "chat tr-p3");
        assertEquals(true, fallback.attribute("moa.attempt.fallback"));
        assertEquals("400", p3.attribute("error.type"));
        assertEquals(p3.parentSpanId(), fallback.parentSpanId(), "a fallback is a sibling under the agent");

        Span aggregator = only(spans, "chat tr-agg");
        assertEquals(0.3, aggregator.attribute("gen_ai.request.temperature"));
        assertEquals(200L, aggregator.attribute("gen_ai.request.max_tokens"));
        assertEquals(1L, aggregator.attribute("moa.layer"));

        // Every upstream request carried its own span's traceparent.
        List<Recorded> requests = upstream.requests();
        assertEquals(6, requests.size());
        Set<String> chatIds = chats.stream().map(Span::spanId).collect(Collectors.toSet());
        for (Recorded recorded : requests) {
            String traceparent = recorded.headers().get("traceparent");
            assertNotNull(traceparent, "traceparent on the request for " + recorded.model());
            String[] parts = traceparent.split("-");
            assertEquals(TRACE_ID, parts[1]);
            assertTrue(chatIds.contains(parts[2]), "the call span's id: " + traceparent);
            Span chat = chats.stream().filter(c -> c.spanId().equals(parts[2])).findFirst().orElseThrow();
            assertEquals(recorded.model(), chat.attribute("gen_ai.request.model"));
            assertFalse(recorded.headers().containsKey("baggage"));
        }
        assertNoContentAndNoKeys(spans);
    }

    /**
     * Each protocol's calls name their provider as the GenAI conventions do, and the Anthropic and Bedrock requests
     * carry their own call span's {@code traceparent} as OpenAI's do; the mix span adds up what every call cost.
     */
    @Test
    void anthropicAndBedrockCallsNameTheirProviderCarryTheirSpanAndTheMixSpanHasTheCost() throws Exception {
        String three = """
                {"layers": [{"agents": [{"provider": "openai-priced", "model": "gpt-x"},
                                        {"provider": "claude-priced", "model": "claude-x"}]},
                            {"agents": [{"provider": "bedrock-priced", "model": "amazon.nova-pro-v1:0"}]}]}""";
        store.mix("traced-three", three);
        traced()
                .header("Authorization", "Bearer " + CLIENT_KEY)
                .body(request("traced-three", false))
                .when().post("/v1/chat/completions").then().statusCode(200);
        List<Span> spans = trace(otlp);

        Span gpt = only(spans, "chat gpt-x");
        Span claude = only(spans, "chat claude-x");
        Span nova = only(spans, "chat amazon.nova-pro-v1:0");
        assertEquals("openai", gpt.attribute("gen_ai.provider.name"));
        assertEquals("anthropic", claude.attribute("gen_ai.provider.name"));
        assertEquals("aws.bedrock", nova.attribute("gen_ai.provider.name"));
        for (Span chat : List.of(gpt, claude, nova)) {
            assertEquals(3, chat.kind(), "CLIENT: " + chat);
            assertEquals("chat", chat.attribute("gen_ai.operation.name"));
            assertEquals("127.0.0.1", chat.attribute("server.address"), chat.toString());
            assertEquals(0, chat.statusCode(), chat.toString());
        }
        assertEquals("00-" + TRACE_ID + "-" + gpt.spanId() + "-01", upstream.only("gpt-x").header("traceparent"));
        assertEquals("00-" + TRACE_ID + "-" + claude.spanId() + "-01", anthropic.only("claude-x").header("traceparent"),
                "the Anthropic request carries its call span");
        assertEquals("00-" + TRACE_ID + "-" + nova.spanId() + "-01",
                bedrock.only("amazon.nova-pro-v1:0").header("traceparent"), "the Bedrock request carries its call span");

        // The cost by hand, from the tokens each peer reported and the prices above.
        JsonNode gptUsage = upstream.only("gpt-x").usage();
        JsonNode claudeUsage = anthropic.only("claude-x").usage();
        JsonNode novaUsage = bedrock.only("amazon.nova-pro-v1:0").usage();
        BigDecimal claudeCost = cost(claudeUsage.path("input_tokens").asLong(), "3",
                claudeUsage.path("output_tokens").asLong(), "15").add(cost(FakeAnthropic.CACHE_READ_TOKENS, "0.3", 0, "0"));
        BigDecimal total = cost(gptUsage.path("prompt_tokens").asLong(), "2.5",
                gptUsage.path("completion_tokens").asLong(), "10")
                .add(claudeCost)
                .add(cost(novaUsage.path("inputTokens").asLong(), "0.8", novaUsage.path("outputTokens").asLong(), "4"));
        assertTrue(total.signum() > 0);
        Span mix = only(spans, "moa.mix");
        assertNotNull(mix.attribute("moa.cost_usd"), "every call had a price: " + mix);
        assertEquals(total.doubleValue(), (Double) mix.attribute("moa.cost_usd"), 1e-12, mix.toString());
        Span claudeAgent = spans.stream().filter(s -> s.spanId().equals(claude.parentSpanId())).findFirst().orElseThrow();
        assertNotNull(claudeAgent.attribute("moa.cost_usd"), claudeAgent.toString());
        assertEquals(claudeCost.doubleValue(), (Double) claudeAgent.attribute("moa.cost_usd"), 1e-12,
                claudeAgent.toString());
        assertEquals("traced-three", mix.attribute("moa.mix.id"));
        assertEquals("sha256:" + ClientKeys.sha256Hex(three).substring(0, 12), mix.attribute("moa.mix.version"));
        assertEquals(3L, mix.attribute("moa.calls.made"));
        assertNoContentAndNoKeys(spans);
        for (Span span : spans) {
            String all = span.attributes() + " " + span.statusMessage() + " " + span.events();
            assertFalse(all.contains(ProtocolsResource.ANTHROPIC_KEY) || all.contains(ProtocolsResource.SECRET_ACCESS_KEY),
                    "a provider key in " + span);
        }
    }

    /** A direct model has no document, so no version: the mix span names the model and says nothing more. */
    @Test
    void aDirectModelsMixSpanHasItsNameAndNoVersion() {
        traced()
                .body(request("fake/tr-direct", false))
                .when().post("/v1/chat/completions").then().statusCode(200);
        Span mix = only(trace(otlp), "moa.mix");
        assertEquals("fake/tr-direct", mix.attribute("moa.mix.id"));
        assertFalse(mix.attributes().containsKey("moa.mix.version"), mix.toString());
        assertEquals(1L, mix.attribute("moa.calls.planned"));
    }

    private static BigDecimal cost(long input, String inputPrice, long output, String outputPrice) {
        return new BigDecimal(inputPrice).multiply(BigDecimal.valueOf(input))
                .add(new BigDecimal(outputPrice).multiply(BigDecimal.valueOf(output)))
                .divide(MILLION, MathContext.DECIMAL64);
    }

    @Test
    void aStreamedAnswerIsTracedTheSameWay() {
        upstream.script("tr-agg", FakeUpstream.Streamed.of("streamed ", "answer"));
        String body = given().contentType(ContentType.JSON)
                .header("traceparent", "00-" + TRACE_ID + "-" + CALLER_SPAN + "-01")
                .body(request(true)).when().post("/v1/chat/completions").then().statusCode(200).extract().asString();
        assertTrue(body.contains("streamed "), body);
        List<Span> spans = trace(otlp);
        Span mix = only(spans, "moa.mix");
        Span aggregator = only(spans, "chat tr-agg");
        Span agent = spans.stream().filter(s -> s.spanId().equals(aggregator.parentSpanId())).findFirst().orElseThrow();
        Span layer = spans.stream().filter(s -> s.spanId().equals(agent.parentSpanId())).findFirst().orElseThrow();
        assertEquals(mix.spanId(), layer.parentSpanId());
        assertEquals(1L, layer.attribute("moa.layer"));
        assertTrue((Long) aggregator.attribute("gen_ai.usage.output_tokens") > 0, aggregator.toString());
        String traceparent = upstream.only("tr-agg").headers().get("traceparent");
        assertEquals("00-" + TRACE_ID + "-" + aggregator.spanId() + "-01", traceparent);
        assertNoContentAndNoKeys(spans);
    }

    @Test
    void aHedgedCallsCopiesAreSiblingSpansTheLoserCancelled() {
        store.mix("traced-hedge", """
                {"layers": [{"agents": [{"provider": "fake", "model": "th-slow",
                                         "hedge": {"after_ms": 50, "to": "fallback"},
                                         "fallbacks": [{"provider": "fake", "model": "th-spare"}]}]},
                            {"agents": [{"provider": "fake", "model": "th-agg"}]}]}""");
        // The first request never answers; the hedge sent to the fallback after 50 ms does.
        upstream.script("th-slow", new FakeUpstream.Hang());
        traced()
                .body(request("traced-hedge", false))
                .when().post("/v1/chat/completions").then().statusCode(200);
        List<Span> spans = trace(otlp);
        Span slow = only(spans, "chat th-slow");
        Span spare = only(spans, "chat th-spare");
        assertEquals(slow.parentSpanId(), spare.parentSpanId(), "both copies are children of the agent's span");
        Span agent = spans.stream().filter(s -> s.spanId().equals(slow.parentSpanId())).findFirst().orElseThrow();
        assertEquals("moa.agent", agent.name().split(" ")[0], agent.toString());
        assertEquals(1L, spare.attribute("moa.attempt.hedge"));
        assertEquals(true, spare.attribute("moa.attempt.fallback"));
        assertEquals(0, spare.statusCode());
        assertFalse(slow.attributes().containsKey("moa.attempt.hedge"), "the first copy is the try itself");
        assertEquals(true, slow.attribute("moa.cut"), "the losing copy was cancelled: " + slow);
        assertEquals("cancelled", slow.attribute("error.type"));
        String spareParent = upstream.only("th-spare").headers().get("traceparent");
        assertEquals("00-" + TRACE_ID + "-" + spare.spanId() + "-01", spareParent, "the hedge carries its own span");
        assertNoContentAndNoKeys(spans);
    }

    @Test
    void aFailedMixIsAnErrorSpan() {
        upstream.script("tr-agg", new FakeUpstream.Status(400, "bad " + TestStore.SECRET_KEY, Map.of()));
        traced()
                .body(request(false)).when().post("/v1/chat/completions").then().statusCode(502);
        List<Span> spans = trace(otlp);
        Span mix = only(spans, "moa.mix");
        assertEquals(2, mix.statusCode());
        Span aggregator = only(spans, "chat tr-agg");
        assertEquals(2, aggregator.statusCode());
        assertEquals("400", aggregator.attribute("error.type"));
        assertNoContentAndNoKeys(spans);
    }

    /** No prompt or answer text anywhere; no key, even one an upstream echoed in an error. */
    static void assertNoContentAndNoKeys(List<Span> spans) {
        for (Span span : spans) {
            String all = span.attributes() + " " + span.statusMessage() + " " + span.events();
            assertFalse(all.contains(TestStore.SECRET_KEY), "a provider key in " + span);
            assertFalse(all.contains(CLIENT_KEY), "the client's key in " + span);
            assertFalse(all.contains("unladen swallow"), "the prompt in " + span);
            assertFalse(all.contains("answer from") || all.contains("p2 answers"), "an answer in " + span);
            assertFalse(span.attributes().containsKey("gen_ai.input.messages"));
            assertFalse(span.attributes().containsKey("gen_ai.output.messages"));
        }
    }
}
