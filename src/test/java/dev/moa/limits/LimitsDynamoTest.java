package dev.moa.limits;

import dev.moa.testing.LimitsResource;
import dev.moa.testing.MotoDynamo;
import dev.moa.testing.MotoServer;
import dev.moa.testing.Upstream;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Client-key limits on DynamoDB (moto's server), and what a DynamoDB outage does to each kind of key. */
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
            Response passed = post("rpm-only", body("duo"));
            assertEquals(200, passed.statusCode(), "fail open for a key with only rate limits");
        } finally {
            moto.startAgain();
            try (DynamoDbClient dynamo = MotoDynamo.client(moto.endpoint())) {
                MotoDynamo.createTable(dynamo, MotoDynamo.TABLE);
            }
        }
    }
}
