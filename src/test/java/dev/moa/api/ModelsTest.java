package dev.moa.api;

import dev.moa.testing.TestStore;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

@QuarkusTest
@WithTestResource(UpstreamResource.class)
class ModelsTest extends UpstreamTest {

    @Test
    void listsEveryMixAsAModel() throws Exception {
        store.mix("listed-a", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"x\"}]}]}");
        store.mix("listed-b", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"x\"}]}]}");
        Files.setLastModifiedTime(store.dir().resolve("mixes/listed-a.json"),
                FileTime.from(Instant.ofEpochSecond(1_700_000_000L)));
        given().when().get("/v1/models").then().statusCode(200).contentType(ContentType.JSON)
                .body("object", equalTo("list"))
                .body("data.id", hasItems("listed-a", "listed-b"))
                .body("data.find { it.id == 'listed-a' }.object", equalTo("model"))
                .body("data.find { it.id == 'listed-a' }.created", equalTo(1_700_000_000))
                .body("data.find { it.id == 'listed-a' }.owned_by", equalTo("moa"));
    }

    @Test
    void getsOneMixOr404() {
        store.mix("single", "{\"layers\": [{\"agents\": [{\"provider\": \"fake\", \"model\": \"x\"}]}]}");
        given().when().get("/v1/models/single").then().statusCode(200)
                .body("id", equalTo("single")).body("object", equalTo("model"));
        given().when().get("/v1/models/missing").then().statusCode(404).contentType(ContentType.JSON)
                .body("error.code", equalTo("model_not_found"));
    }
}
