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

/**
 * The DynamoDB store against moto's server: the same contract as the embedded store, and what an outage does.
 *
 * <p>moto is served one request at a time ({@link MotoServer#startSerial()}), so the contract's concurrent holds
 * (16 client threads) meet what DynamoDB guarantees: the writes to one item applied one at a time, each condition
 * checked against the item as the previous write left it. {@code moto_server} itself answers on many threads without
 * a lock in its DynamoDB backend and loses updates (it granted 11 and 12 holds against a ceiling of 10 while the
 * stored item showed committed = 3.0 — an acknowledged ADD lost, which no order of atomic writes can give); see
 * {@code src/test/resources/moto/serial_moto_server.py}. Our store reads nothing before it writes, so a serial
 * server still fails this test if a hold's condition did not cover the ceiling.
 */
class DynamoLimitStoreTest extends LimitStoreContract {

    private static MotoServer moto;
    private static DynamoDbClient dynamo;

    @BeforeAll
    static void start() {
        moto = MotoServer.startSerial();
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
