package dev.moa.limits;

import dev.moa.testing.MotoDynamo;
import dev.moa.testing.MotoServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.math.BigDecimal;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertThrows;

/** The DynamoDB store against moto's server: the same contract as the embedded store, and what an outage does. */
class DynamoLimitStoreTest extends LimitStoreContract {

    private static MotoServer moto;
    private static DynamoDbClient dynamo;

    @BeforeAll
    static void start() {
        moto = MotoServer.start();
        dynamo = MotoDynamo.client(moto.endpoint());
        MotoDynamo.createTable(dynamo, MotoDynamo.TABLE);
    }

    @AfterAll
    static void stop() {
        dynamo.close();
        moto.close();
    }

    @Override
    LimitStore store() {
        return new DynamoLimitStore(dynamo, MotoDynamo.TABLE, clock);
    }

    @Test
    void anUnreachableTableIsAnOutageNotAnAnswer() {
        LimitStore missing = new DynamoLimitStore(dynamo, "no-such-table", clock);
        assertThrows(LimitStoreUnavailableException.class, () -> missing.read("x"));
        assertThrows(LimitStoreUnavailableException.class, () -> missing.hold("x", HoldId.create(clock.instant()),
                BigDecimal.ONE, BigDecimal.TEN, clock.instant().plus(Duration.ofDays(1))));
    }
}
