package dev.moa.playground;

import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.WaitForSelectorState;
import dev.moa.store.ClientKeys;
import dev.moa.testing.ChromiumTab;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The playground in a real headless Chromium (Debian's {@code chromium}, driven by Playwright) against the fake
 * upstream: with client keys required, the key typed into the page (kept in session storage only) lists the mixes;
 * a prompt run through a 2-layer mix shows a card per call, a proposer's retry and another's hedge on the timeline,
 * the aggregator's streamed answer and the totals; an answer that is HTML is shown as text; no console error, and
 * no request leaves the page's origin.
 */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
@TestProfile(PlaygroundPageTest.PlaygroundOn.class)
class PlaygroundPageTest extends UpstreamTest {

    static final String KEY = "moa-ck-playground-5b7c";
    static final String HOSTILE = "<img src=x onerror=alert(1)>";

    /** The Lambda build (which the tests run) serves the playground only when asked to; keys are required. */
    public static class PlaygroundOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("moa.playground", "true", "moa.auth.required", "true");
        }
    }

    @Test
    void aPromptRunsThroughATwoLayerMixAndEveryCallShowsUpAsItEnds() throws IOException {
        store.provider("priced", """
                {"protocol": "openai", "base_url": "%s",
                 "pricing": {"default": {"input_per_mtok": 2, "output_per_mtok": 10}}}"""
                .formatted(upstream.baseUrl()));
        store.mix("pg-mix", """
                {"layers": [
                   {"agents": [{"provider": "priced", "model": "pg-html"},
                               {"provider": "priced", "model": "pg-busy", "retries": 1},
                               {"provider": "fake", "model": "pg-slow", "hedge": {"after_ms": 50, "to": "fallback"},
                                "fallbacks": [{"provider": "priced", "model": "pg-spare"}]}]},
                   {"agents": [{"provider": "priced", "model": "pg-agg"}]}]}""");
        Path keys = store.dir().resolve("client-keys");
        Files.createDirectories(keys);
        Files.writeString(keys.resolve("playground"), ClientKeys.sha256Hex(KEY));
        upstream.script("pg-html", new FakeUpstream.Answer(HOSTILE, "stop"));
        upstream.script("pg-busy", new FakeUpstream.Status(503, "busy", Map.of()),
                new FakeUpstream.Answer("busy, then fine", "stop"));
        upstream.script("pg-slow", new FakeUpstream.Hang());
        upstream.script("pg-spare", new FakeUpstream.Answer("the hedge's answer", "stop"));
        upstream.script("pg-agg", FakeUpstream.Streamed.of("The ", "mixed ", "answer."));

        String origin = RestAssured.baseURI + ":" + RestAssured.port;
        String pageUrl = origin + "/playground";
        ChromiumTab chromium = ChromiumTab.open(origin);
        try (chromium) {
            Page tab = chromium.page();
            var response = tab.navigate(pageUrl);
            assertEquals(200, response.status());
            assertEquals("text/html;charset=utf-8", response.headerValue("content-type").replace(" ", ""));
            assertTrue(response.headerValue("content-security-policy").startsWith("default-src 'none'"),
                    response.headerValue("content-security-policy"));

            // Keys are required: the key field is shown; the mixes are listed once the key is given.
            assertTrue(tab.locator("#key").isVisible(), "the key field");
            tab.locator("#key").fill(KEY);
            tab.locator("#key").dispatchEvent("change");
            tab.locator("#mix option[value='pg-mix']").waitFor(new Locator.WaitForOptions()
                    .setState(WaitForSelectorState.ATTACHED));
            tab.locator("#mix").selectOption("pg-mix");
            tab.locator("#prompt").fill("Which is faster?");
            tab.locator("#prompt").press("Control+Enter");

            tab.locator("#totals-box").waitFor(new Locator.WaitForOptions().setState(WaitForSelectorState.VISIBLE));
            assertTrue(tab.locator("#status").innerText().startsWith("Done in"), tab.locator("#status").innerText());
            // What docs/playground.png shows (copied from here by hand when the page changes).
            tab.setViewportSize(1280, 900);
            tab.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target/playground.png")).setFullPage(true));

            // One column per layer, a card per call, each filled in with its model, figures and answer.
            assertEquals(2, tab.locator("#layers section.layer").count());
            assertEquals(List.of("Layer 1", "Aggregator (layer 2)"), tab.locator("#layers section.layer h2")
                    .allInnerTexts());
            assertEquals(0, tab.locator("article.card.waiting").count(), "every card drawn from the plan filled in");
            Locator proposers = tab.locator("section.layer[data-layer='0'] article.card");
            assertEquals(3, proposers.count());
            assertEquals(3, tab.locator("section.layer[data-layer='0'] article.card.answered").count());
            Locator html = tab.locator("article.card[data-layer='0'][data-index='0']");
            assertEquals("priced / pg-html", html.locator("h3").innerText());
            assertEquals(HOSTILE, html.locator("pre").innerText(), "an answer that is HTML is shown as text");
            assertTrue(html.locator(".facts").innerText().matches("\\d+ ms · \\d+ → \\d+ tokens · \\$0\\.\\d{6}"),
                    html.locator(".facts").innerText());
            assertEquals(0, tab.locator("#layers img").count(), "no element was made from an answer");
            Locator busy = tab.locator("article.card[data-layer='0'][data-index='1']");
            assertEquals("busy, then fine", busy.locator("pre").innerText());
            assertTrue(busy.locator(".facts").innerText().contains("2 requests"), busy.locator(".facts").innerText());
            Locator hedged = tab.locator("article.card[data-layer='0'][data-index='2']");
            assertEquals("priced / pg-spare", hedged.locator("h3").innerText(), "the copy that answered");
            assertEquals("the hedge's answer", hedged.locator("pre").innerText());
            assertEquals("3 answers", tab.locator("section.layer[data-layer='0'] .layer-summary").innerText());
            Locator aggregator = tab.locator("article.card[data-layer='1'][data-index='0']");
            assertEquals("priced / pg-agg", aggregator.locator("h3").innerText());
            assertTrue(aggregator.getAttribute("class").contains("answered"));

            // The aggregator's answer, as streamed.
            assertEquals("The mixed answer.", tab.locator("#answer").innerText());

            // The timeline: a bar per request; the retry and the hedge (its cancelled first copy too) visible.
            Locator bars = tab.locator("svg#gantt rect.bar");
            assertEquals(6, bars.count(), "pg-html, pg-busy twice, pg-slow and its hedge, pg-agg");
            String labels = tab.locator("svg#gantt").textContent();
            assertTrue(labels.contains("pg-busy (retry 1)"), labels);
            assertTrue(labels.contains("pg-spare (fallback, hedge 1)"), labels);
            assertEquals(1, tab.locator("svg#gantt rect.bar.failed").count(), "the 503");
            assertEquals(1, tab.locator("svg#gantt rect.bar.cancelled").count(), "the hedge's losing copy");

            // The totals agree with what the upstream was asked and answered.
            assertEquals("4", tab.locator("dd[data-total='calls']").innerText());
            assertEquals("6", tab.locator("dd[data-total='requests']").innerText());
            long input = 0;
            long output = 0;
            BigDecimal cost = BigDecimal.ZERO;
            for (FakeUpstream.Recorded call : upstream.requests()) {
                if (call.usage() != null) {
                    input += call.usage().path("prompt_tokens").asLong();
                    output += call.usage().path("completion_tokens").asLong();
                    cost = cost.add(BigDecimal.valueOf(call.usage().path("prompt_tokens").asLong() * 2
                            + call.usage().path("completion_tokens").asLong() * 10L).movePointLeft(6));
                }
            }
            assertEquals(Long.toString(input), tab.locator("dd[data-total='input-tokens']").innerText());
            assertEquals(Long.toString(output), tab.locator("dd[data-total='output-tokens']").innerText());
            // Every answer came from the priced provider (the hedge's cancelled first copy went to an unpriced one,
            // so no estimate of its input is added): the cost is what the upstream's usage costs.
            assertEquals("$" + cost.setScale(6, java.math.RoundingMode.HALF_UP).toPlainString(),
                    tab.locator("dd[data-total='cost']").innerText());

            // The key stays in this tab's session storage, nowhere else.
            assertEquals(KEY, tab.evaluate("() => sessionStorage.getItem('moa.playground.key')"));
            assertEquals(0, tab.evaluate("() => localStorage.length"));
            assertFalse(tab.url().contains(KEY));
        }
        List<String> requests = chromium.requests();
        assertEquals(List.of(), chromium.problems(), "no console errors, no dialog");
        List<String> elsewhere = requests.stream().filter(url -> !url.startsWith(origin + "/")).toList();
        assertEquals(List.of(), elsewhere, "no request leaves the page's origin");
        assertTrue(requests.contains(origin + "/v1/chat/completions"), requests.toString());
    }

    @Test
    void thePageAndItsFilesSayTheyLoadNothingFromElsewhere() {
        for (String path : List.of("/playground", "/playground/playground.js", "/playground/playground.css")) {
            String policy = given().when().get(path).then().statusCode(200).extract().header("Content-Security-Policy");
            assertEquals(PlaygroundResource.POLICY, policy, path);
        }
    }
}
