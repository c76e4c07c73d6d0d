package dev.moa.api.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.store.ResponseStore;
import dev.moa.testing.UpstreamResource;
import dev.moa.testing.UpstreamTest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET}/{@code DELETE /v1/responses/{id}} and {@code GET /v1/responses/{id}/input_items} over the embedded
 * store: a stored response comes back as it was answered, its input items page as OpenAI pages them, and an unknown
 * or deleted id is OpenAI's 404.
 */
@QuarkusTest
@WithTestResource(UpstreamResource.class)
class StoredResponsesApiTest extends UpstreamTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    ResponseStore store;

    @Inject
    ObjectMapper json;

    private String storeOne(int items) throws Exception {
        ResponsesRequest request = ResponsesRequestCodec.parse(JSON.readTree("{\"model\": \"mix\", \"input\": \"hi\"}"));
        String id = ResponseIds.next("resp");
        List<Item> input = java.util.stream.IntStream.range(0, items)
                .<Item>mapToObj(i -> Item.Message.of("msg_" + i, "user", "item " + i)).toList();
        List<Item> output = ResponseEvents.output(new dev.moa.provider.Completion("hello", "stop", null),
                ResponseObject.COMPLETED);
        ResponseObject response = ResponseObject.of(id, 1700000000, request, ResponseObject.COMPLETED, output,
                null, null, null);
        new StoredResponses(store, json).save(new StoredResponse(response, input, input));
        return id;
    }

    private static JsonNode body(Response response) throws Exception {
        return JSON.readTree(response.asString());
    }

    @Test
    void aStoredResponseIsRetrievedListedAndDeleted() throws Exception {
        String id = storeOne(3);
        JsonNode response = body(given().when().get("/v1/responses/" + id).then().statusCode(200).extract().response());
        assertEquals(id, response.path("id").asText());
        assertEquals("hello", response.at("/output/0/content/0/text").asText());
        ResponsesSchemas.assertValidResponse(response);

        JsonNode page = body(given().when().get("/v1/responses/" + id + "/input_items").then().statusCode(200)
                .extract().response());
        ResponsesSchemas.assertValid(ResponsesSchemas.named("ResponseItemList"), page);
        assertEquals(List.of("msg_2", "msg_1", "msg_0"), ids(page), "newest first by default");
        assertFalse(page.path("has_more").asBoolean());
        page = body(given().queryParam("order", "asc").queryParam("limit", 2).when()
                .get("/v1/responses/" + id + "/input_items").then().statusCode(200).extract().response());
        assertEquals(List.of("msg_0", "msg_1"), ids(page));
        assertTrue(page.path("has_more").asBoolean());
        assertEquals("msg_1", page.path("last_id").asText());
        page = body(given().queryParam("order", "asc").queryParam("after", "msg_1").when()
                .get("/v1/responses/" + id + "/input_items").then().statusCode(200).extract().response());
        assertEquals(List.of("msg_2"), ids(page));

        JsonNode deleted = body(given().when().delete("/v1/responses/" + id).then().statusCode(200).extract()
                .response());
        assertEquals(id, deleted.path("id").asText());
        assertTrue(deleted.path("deleted").asBoolean());
        for (String path : List.of("/v1/responses/" + id, "/v1/responses/" + id + "/input_items")) {
            assertNotFound(given().when().get(path).then().extract().response(), id);
        }
        assertNotFound(given().when().delete("/v1/responses/" + id).then().extract().response(), id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"resp_doesnotexist", "resp_..%2F..%2Fetc", "anything"})
    void anUnknownIdIsOpenAisNotFound(String id) throws Exception {
        Response response = given().urlEncodingEnabled(false).when().get("/v1/responses/" + id).then().extract()
                .response();
        assertEquals(404, response.statusCode(), response.asString());
        assertEquals("invalid_request_error", body(response).at("/error/type").asText());
    }

    @Test
    void badPagingIsA400NamingTheParameter() throws Exception {
        String id = storeOne(1);
        for (String[] query : List.of(new String[]{"limit", "0"}, new String[]{"limit", "x"},
                new String[]{"order", "sideways"}, new String[]{"after", "msg_nope"})) {
            Response response = given().queryParam(query[0], query[1]).when()
                    .get("/v1/responses/" + id + "/input_items").then().extract().response();
            assertEquals(400, response.statusCode(), response.asString());
            assertEquals(query[0], body(response).at("/error/param").asText());
        }
    }

    private static List<String> ids(JsonNode page) {
        List<String> ids = new java.util.ArrayList<>();
        page.path("data").forEach(item -> ids.add(item.path("id").asText()));
        return ids;
    }

    private static void assertNotFound(Response response, String id) throws Exception {
        assertEquals(404, response.statusCode(), response.asString());
        JsonNode error = body(response).path("error");
        assertEquals("Response with id '" + id + "' not found.", error.path("message").asText());
        assertEquals("invalid_request_error", error.path("type").asText());
    }
}
