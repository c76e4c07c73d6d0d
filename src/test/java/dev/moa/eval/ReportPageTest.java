package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.microsoft.playwright.Page;
import dev.moa.testing.ChromiumTab;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.Poll;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The comparison report of a priced mix and a priced direct model: its JSON figures against the upstream's own
 * counts, and its HTML page in a real headless Chromium (Debian's {@code chromium}, driven by Playwright): no console
 * error, no request leaving the page's origin, the plot and every run shown.
 */
@QuarkusTest
@WithTestResource(dev.moa.testing.UpstreamResource.class)
@WithTestResource(EvalDirResource.class)
class ReportPageTest extends UpstreamTest {

    @Test
    void theReportComparesAMixWithItsDirectModelAndItsPageLoadsCleanInChromium() {
        store.provider("priced", """
                {"protocol": "openai", "base_url": "%s",
                 "pricing": {"default": {"input_per_mtok": 2, "output_per_mtok": 10}}}"""
                .formatted(upstream.baseUrl()));
        store.mix("priced-mix", """
                {"layers": [
                   {"agents": [{"provider": "priced", "model": "p1"}, {"provider": "priced", "model": "p2"}]},
                   {"agents": [{"provider": "priced", "model": "qagg"}]}]}""");
        EvalsApiTest.scriptModels(upstream);
        String evalId = given().contentType(ContentType.JSON).body(EvalsApiTest.evalBody().toString())
                .post("/v1/evals").then().statusCode(201).extract().path("id");
        List<String> runIds = new ArrayList<>();
        for (String model : List.of("priced-mix", "priced/weak")) {
            ObjectNode body = EvalsApiTest.JSON.createObjectNode();
            ObjectNode source = body.putObject("data_source").put("type", "completions").put("model", model);
            source.putObject("source").put("type", "file_content").set("content", EvalsApiTest.items());
            source.set("input_messages", EvalsApiTest.template());
            runIds.add(given().contentType(ContentType.JSON).body(body.toString())
                    .post("/v1/evals/" + evalId + "/runs").then().statusCode(201).extract().path("id"));
        }
        for (String runId : runIds) {
            Poll.until("run " + runId + " completes", Duration.ofSeconds(120), () -> "completed".equals(
                    given().get("/v1/evals/" + evalId + "/runs/" + runId).then().extract().path("status")));
        }
        String reportUrl = given().get("/v1/evals/" + evalId + "/runs/" + runIds.get(0)).then().extract()
                .path("report_url");

        JsonNode report = EvalsApiTest.read(given().accept(ContentType.JSON).get(URI.create(reportUrl)).then()
                .statusCode(200).contentType(ContentType.JSON).extract().asString());
        JsonNode mix = report.at("/runs/0");
        JsonNode weak = report.at("/runs/1");
        assertEquals("priced-mix", mix.path("model").asText());
        assertEquals(1.0, mix.path("pass_rate").asDouble());
        assertEquals(0.5, weak.path("pass_rate").asDouble(), "3 of 6: one wrong, one too lower-case, one error");
        assertEquals(1, weak.path("errored").asInt());
        BigDecimal weakCost = cost(upstream.requests("weak"));
        assertEquals(0, weakCost.compareTo(weak.at("/cost_usd/samples").decimalValue()), weak.toString());
        assertEquals(0, weakCost.divide(BigDecimal.valueOf(3), java.math.MathContext.DECIMAL64)
                .compareTo(weak.at("/cost_usd/per_passed_item").decimalValue()));
        List<FakeUpstream.Recorded> mixCalls = new ArrayList<>(upstream.requests("p1"));
        mixCalls.addAll(upstream.requests("p2"));
        mixCalls.addAll(upstream.requests("qagg"));
        assertEquals(0, cost(mixCalls).compareTo(mix.at("/cost_usd/samples").decimalValue()));
        assertTrue(weak.at("/cost_usd/graders").isNull(), "the judge has no price");
        JsonNode pair = report.at("/pairs/0");
        assertEquals(List.of(3, 0, 3), List.of(pair.path("wins").asInt(), pair.path("losses").asInt(),
                pair.path("ties").asInt()));
        assertEquals(0.25, pair.path("p_value").asDouble(), 1e-15);
        List<Integer> order = new ArrayList<>();
        report.path("items").forEach(item -> order.add(item.path("index").asInt()));
        assertEquals(List.of(0, 3, 4, 1, 2, 5), order, "the items a run missed first");

        // The page, in a real browser.
        URI page = URI.create(reportUrl);
        ChromiumTab chromium = ChromiumTab.open(page.getScheme() + "://" + page.getHost() + ":" + page.getPort());
        try (chromium) {
            Page tab = chromium.page();
            var response = tab.navigate(reportUrl);
            assertEquals(200, response.status());
            assertEquals("text/html;charset=utf-8", response.headerValue("content-type").replace(" ", ""));
            assertTrue(tab.locator("svg#pareto").isVisible(), "the plot is shown");
            assertEquals(2, tab.locator("svg#pareto circle.point").count(), "one point per priced run");
            assertEquals(2, tab.locator("#runs tbody tr.run").count());
            String runs = tab.locator("#runs").innerText();
            assertTrue(runs.contains("priced-mix") && runs.contains("priced/weak"), runs);
            assertTrue(tab.locator("#pairs").innerText().contains("0.25"));
            String firstRow = tab.locator("#items tbody tr").first().innerText();
            assertTrue(firstRow.contains("Capital of France?") && firstRow.contains("paris"), firstRow);
            assertTrue(tab.locator("#items").innerText().contains("weak model down"));
            assertEquals(6, tab.locator("#items tbody tr").count());
        }
        assertEquals(List.of(), chromium.problems(), "no console errors");
        assertEquals(List.of(reportUrl),
                chromium.requests().stream().filter(url -> !url.startsWith("data:")).toList(),
                "the page asks for nothing but itself");
    }

    /** What the priced provider's calls cost at $2 and $10 per million tokens. */
    private static BigDecimal cost(List<FakeUpstream.Recorded> calls) {
        BigDecimal total = BigDecimal.ZERO;
        for (FakeUpstream.Recorded call : calls) {
            if (call.usage() != null) {
                total = total.add(BigDecimal.valueOf(call.usage().path("prompt_tokens").asLong() * 2
                        + call.usage().path("completion_tokens").asLong() * 10L).movePointLeft(6));
            }
        }
        return total;
    }
}
