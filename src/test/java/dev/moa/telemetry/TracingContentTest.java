package dev.moa.telemetry;

import dev.moa.testing.FakeUpstream;
import dev.moa.testing.OtlpReceiver;
import dev.moa.testing.OtlpReceiver.Span;
import dev.moa.testing.OtlpResource;
import dev.moa.testing.TestStore;
import dev.moa.testing.Upstream;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * With {@code OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true} the call spans carry the prompt and the answer
 * as the GenAI conventions' {@code gen_ai.input.messages}/{@code gen_ai.output.messages}, still without any key.
 */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
@WithTestResource(value = OtlpResource.class, initArgs = @ResourceArg(name = "capture-content", value = "true"))
class TracingContentTest extends UpstreamTest {

    @Upstream
    OtlpReceiver otlp;

    @Test
    void theFlagPutsPromptsAndAnswersOnTheCallSpansWithoutKeys() {
        otlp.reset();
        store.mix("traced", """
                {"layers": [
                  {"agents": [{"provider": "fake", "model": "tc-p1"}]},
                  {"agents": [{"provider": "fake", "model": "tc-agg"}]}]}""");
        // The answer echoes the prompt, which holds the client's own key: captured, but redacted.
        upstream.script("tc-p1", new FakeUpstream.Echo());
        given().contentType(ContentType.JSON)
                .header("traceparent", "00-" + TracingTest.TRACE_ID + "-" + TracingTest.CALLER_SPAN + "-01")
                .header("Authorization", "Bearer " + TracingTest.CLIENT_KEY)
                .body("""
                        {"model": "traced", "messages": [{"role": "user",
                         "content": "unladen swallow, my key is %s"}]}""".formatted(TracingTest.CLIENT_KEY))
                .when().post("/v1/chat/completions").then().statusCode(200);
        List<Span> spans = TracingTest.trace(otlp);

        Span p1 = TracingTest.only(spans, "chat tc-p1");
        String input = String.valueOf(p1.attribute("gen_ai.input.messages"));
        String output = String.valueOf(p1.attribute("gen_ai.output.messages"));
        assertTrue(input.contains("\"role\":\"user\"") && input.contains("unladen swallow"), input);
        assertTrue(output.contains("\"role\":\"assistant\"") && output.contains("unladen swallow"), output);
        Span aggregator = TracingTest.only(spans, "chat tc-agg");
        assertTrue(String.valueOf(aggregator.attribute("gen_ai.output.messages")).contains("answer from tc-agg"));
        for (Span span : spans) {
            String all = span.attributes() + " " + span.statusMessage();
            assertFalse(all.contains(TracingTest.CLIENT_KEY), "the client's key in " + span);
            assertFalse(all.contains(TestStore.SECRET_KEY), "a provider key in " + span);
        }
    }
}
