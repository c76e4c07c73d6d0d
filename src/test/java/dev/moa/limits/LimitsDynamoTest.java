package dev.moa.limits;

import dev.moa.testing.CapturedLog;
import dev.moa.testing.LimitsResource;
import dev.moa.testing.MotoDynamo;
import dev.moa.testing.MotoServer;
import dev.moa.testing.TestStore;
import dev.moa.testing.Upstream;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import static dev.moa.testing.AnthropicErrorShape.assertAnthropicError;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Client-key limits on DynamoDB (moto's server), and what a DynamoDB outage does to each kind of key: a 503 for a
 * budget key, in Anthropic's shape on {@code /v1/messages}.
 */
@QuarkusTest
@TestProfile(LimitsClockProfile.class)
@WithTestResource(value = LimitsResource.class, initArgs = @ResourceArg(name = "store", value = "dynamodb"))
class LimitsDynamoTest extends LimitsApiContract {

    @Upstream
    MotoServer moto;

    @Test
    void withoutDynamoDbBudgetKeysAreRefusedAndRateOnlyKeysPass() {
        moto.stop();
        try {
            Response refused = post("budget", body("duo"));
            assertEquals(503, refused.statusCode(), refused.asString());
            assertEquals("limits_unavailable", error(refused).path("code").asText());
            assertEquals(0, upstream.requests().size(), "fail closed: nothing was spent");
            Response message = given().header("x-api-key", LimitsResource.key("budget")).contentType(ContentType.JSON)
                    .body("{\"model\": \"duo\", \"max_tokens\": 50, \"messages\": [{\"role\": \"user\", "
                            + "\"content\": \"hi\"}]}").when().post("/v1/messages");
            assertEquals(503, message.statusCode(), message.asString());
            assertAnthropicError(message, "api_error");
            assertFalse(message.asString().contains(LimitsResource.key("budget")), message.asString());
            assertFalse(message.asString().contains(TestStore.SECRET_KEY), message.asString());
            assertEquals(0, upstream.requests().size(), "nor for the same key on /v1/messages");
            Response passed;
            try (CapturedLog log = CapturedLog.install()) {
                passed = post("rpm-only", body("duo"));
                assertEquals(1, log.records().stream().filter(r -> r.startsWith("WARN " + LimitsGuard.class.getName()
                        + " letting a request of client key rpm-only through without its rate limits")).count(),
                        "one warning says the key went through unlimited: " + log.records());
                assertFalse(log.text().contains(LimitsResource.key("rpm-only")), log.text());
            }
            assertEquals(200, passed.statusCode(), "fail open for a key with only rate limits");
        } finally {
            moto.startAgain();
            try (DynamoDbClient dynamo = MotoDynamo.client(moto.endpoint())) {
                MotoDynamo.createTable(dynamo, MotoDynamo.TABLE);
            }
        }
    }
}
