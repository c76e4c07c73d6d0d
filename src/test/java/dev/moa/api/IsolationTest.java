package dev.moa.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.TestStore;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Many concurrent requests to different mixes: each sees references from its own request only. */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class IsolationTest extends UpstreamTest {

    private static final int MIXES = 10;
    private static final int REQUESTS = 60;
    private static final Pattern REFERENCE = Pattern.compile("\n\n\\d+\\. (iso-\\d+-\\w+) heard (req-\\d+)");

    @Test
    void concurrentRequestsNeverSeeEachOthersReferences() throws Exception {
        for (int m = 0; m < MIXES; m++) {
            String p = "iso-" + m;
            store.mix(p, """
                    {"layers": [
                      {"agents": [{"provider": "fake", "model": "%1$s-a"}, {"provider": "fake", "model": "%1$s-b"}]},
                      {"agents": [{"provider": "fake", "model": "%1$s-c"}, {"provider": "fake", "model": "%1$s-d"}]},
                      {"agents": [{"provider": "fake", "model": "%1$s-agg"}]}]}""".formatted(p));
            for (String suffix : List.of("-a", "-b", "-c", "-d", "-agg")) {
                upstream.script(p + suffix, new FakeUpstream.Echo());
            }
        }
        HttpClient http = HttpClient.newHttpClient();
        ObjectMapper json = new ObjectMapper();
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            String body = "{\"model\": \"iso-" + (i % MIXES) + "\", \"messages\": [{\"role\": \"user\", \"content\": \"req-"
                    + i + "\"}]}";
            responses.add(http.sendAsync(HttpRequest.newBuilder(
                            URI.create("http://localhost:" + RestAssured.port + "/v1/chat/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < REQUESTS; i++) {
            HttpResponse<String> response = responses.get(i).join();
            assertEquals(200, response.statusCode(), response.body());
            assertEquals("iso-" + (i % MIXES) + "-agg heard req-" + i,
                    json.readTree(response.body()).path("choices").path(0).path("message").path("content").asText());
        }
        int referencesChecked = 0;
        for (FakeUpstream.Recorded call : upstream.requests()) {
            String mix = call.model().substring(0, call.model().lastIndexOf('-'));
            String ownRequest = null;
            for (JsonNode m : call.messages()) {
                if ("user".equals(m.path("role").asText())) {
                    ownRequest = m.path("content").asText();
                }
            }
            String system = call.system();
            if (system == null) {
                continue;
            }
            Matcher refs = REFERENCE.matcher(system);
            int count = 0;
            while (refs.find()) {
                count++;
                assertTrue(refs.group(1).startsWith(mix + "-"), "reference from another mix: " + system);
                assertEquals(ownRequest, refs.group(2), "reference from another request");
            }
            assertEquals(2, count, system);
            referencesChecked += count;
        }
        assertEquals(REQUESTS * 3 * 2, referencesChecked, "every later-layer call had two references, all checked");
    }
}
