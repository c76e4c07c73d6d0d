package dev.moa.api;

import dev.moa.testing.FakeUpstream;
import dev.moa.testing.TestStore;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@WithTestResource(UpstreamResource.class)
class StragglerTest extends UpstreamTest {

    @Test
    void aProposerThatNeverAnswersIsCutAfterTheGraceAndItsRequestClosed() throws Exception {
        store.mix("graceful", """
                {"layers": [
                  {"straggler_grace_ms": 200,
                   "agents": [{"provider": "fake", "model": "g1"}, {"provider": "fake", "model": "g2"},
                              {"provider": "fake", "model": "g3"}, {"provider": "fake", "model": "g4"},
                              {"provider": "fake", "model": "g5"}, {"provider": "fake", "model": "never"}]},
                  {"agents": [{"provider": "fake", "model": "gagg"}]}]}""");
        upstream.script("never", new FakeUpstream.Hang());
        given().contentType(ContentType.JSON)
                .body("{\"model\": \"graceful\", \"moa\": {\"trace\": true}, \"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}")
                .when().post("/v1/chat/completions").then().statusCode(200)
                .body("choices[0].message.content", equalTo("answer from gagg"))
                .body("moa.layers[0].agents[5].model", equalTo("never"))
                .body("moa.layers[0].agents[5].cut", equalTo(true))
                .body("moa.layers[0].agents[5].error", containsString("straggler grace of 200 ms"))
                .body("moa.layers[0].agents[0].cut", nullValue());
        String references = upstream.only("gagg").system();
        for (String model : new String[]{"g1", "g2", "g3", "g4", "g5"}) {
            assertTrue(references.contains("answer from " + model), references);
        }
        assertTrue(upstream.awaitDisconnects("never", 1), "the cut request was closed, not left running");
    }
}
