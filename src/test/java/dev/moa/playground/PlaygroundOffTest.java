package dev.moa.playground;

import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/** The Lambda build (which the tests run) without {@code MOA_PLAYGROUND=true}: no playground, an unknown URL. */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class PlaygroundOffTest extends UpstreamTest {

    @Test
    void thePlaygroundIsAnUnknownUrlUnlessTurnedOn() {
        for (String path : List.of("/playground", "/playground/playground.js", "/playground/playground.css")) {
            given().when().get(path).then().statusCode(404).contentType(ContentType.JSON)
                    .body("error.code", equalTo("unknown_url"));
        }
    }
}
