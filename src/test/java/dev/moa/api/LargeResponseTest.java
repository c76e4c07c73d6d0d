package dev.moa.api;

import dev.moa.testing.FakeUpstream;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * A response larger than Quarkus REST's default output buffer (8 KB) went out chunked; the Lambda HTTP adapter then
 * passed on an empty {@code Transfer-Encoding} header and no length, and the client waited for an end of body that
 * never came. Every response, large ones included, arrives whole with its length.
 */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class LargeResponseTest extends UpstreamTest {

    @BeforeEach
    void mix() {
        store.mix("two", """
                {"layers": [{"agents": [{"provider": "fake", "model": "p1"}, {"provider": "fake", "model": "p2"}]},
                            {"agents": [{"provider": "fake", "model": "agg"}]}]}""");
    }

    @Test
    void aLargeTracedAnswerArrivesWholeWithItsLength() {
        String big = "tokens ".repeat(10_000);
        upstream.script("p1", new FakeUpstream.Answer(big, "stop"));
        upstream.script("p2", new FakeUpstream.Answer(big, "stop"));
        upstream.script("agg", new FakeUpstream.Answer(big, "stop"));
        Response response = given().contentType(ContentType.JSON)
                .body("{\"model\": \"two\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"moa\": {\"trace\": true}}")
                .when().post("/v1/chat/completions");
        assertEquals(200, response.statusCode());
        assertNull(response.getHeader("Transfer-Encoding"));
        assertEquals(response.asByteArray().length, Integer.parseInt(response.getHeader("Content-Length")));
        assertEquals(big, response.jsonPath().getString("choices[0].message.content"));
    }
}
