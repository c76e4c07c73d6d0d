package dev.moa.limits;

import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Supplier;

/**
 * The limit store on AWS: one DynamoDB table (partition key {@code id}, TTL attribute {@code expires_at}) shared by
 * every instance. Each change is one conditional {@code UpdateItem}, so no two instances race on a read, modify and
 * write. An account keeps {@code committed} (spend plus holds) beside {@code spent}, because a condition can compare
 * one attribute but cannot add two; each hold is its own attribute {@code h_<id>} holding its amount.
 */
public final class DynamoLimitStore implements LimitStore {

    static final String ID = "id";
    static final String EXPIRES = "expires_at";
    private static final String HOLD = "h_";

    private final DynamoDbClient dynamo;
    private final String table;
    private final Clock clock;

    public DynamoLimitStore(DynamoDbClient dynamo, String table, Clock clock) {
        this.dynamo = dynamo;
        this.table = table;
        this.clock = clock;
    }

    @Override
    public OptionalLong incrementBelow(String counter, long ceiling, Instant expires) {
        try {
            UpdateItemResponse response = call("count a request", () -> dynamo.updateItem(r -> r.tableName(table)
                    .key(key(counter))
                    .updateExpression("ADD n :one SET " + EXPIRES + " = :exp")
                    .conditionExpression("attribute_not_exists(n) OR n < :ceiling")
                    .expressionAttributeValues(Map.of(":one", number(1), ":exp", number(expires.getEpochSecond()),
                            ":ceiling", number(ceiling)))
                    .returnValues(ReturnValue.UPDATED_NEW)));
            return OptionalLong.of(Long.parseLong(response.attributes().get("n").n()));
        } catch (ConditionalCheckFailedException refused) {
            return OptionalLong.empty();
        }
    }

    @Override
    public void add(String counter, long amount, Instant expires) {
        call("count tokens", () -> dynamo.updateItem(r -> r.tableName(table).key(key(counter))
                .updateExpression("ADD n :amount SET " + EXPIRES + " = :exp")
                .expressionAttributeValues(Map.of(":amount", number(amount), ":exp", number(expires.getEpochSecond())))));
    }

    @Override
    public long read(String counter) {
        Map<String, AttributeValue> item = item(counter);
        AttributeValue n = item.get("n");
        return n == null || expired(item) ? 0 : Long.parseLong(n.n());
    }

    @Override
    public Optional<BigDecimal> hold(String account, HoldId hold, BigDecimal amount, BigDecimal ceiling,
                                     Instant expires) {
        BigDecimal room = ceiling.subtract(amount);
        if (room.signum() < 0) {
            return Optional.empty();
        }
        try {
            UpdateItemResponse response = call("reserve", () -> dynamo.updateItem(r -> r.tableName(table).key(key(account))
                    .updateExpression("ADD committed :amount SET #hold = :amount, " + EXPIRES + " = :exp")
                    .conditionExpression("attribute_not_exists(committed) OR committed <= :room")
                    .expressionAttributeNames(Map.of("#hold", HOLD + hold.value()))
                    .expressionAttributeValues(Map.of(":amount", number(amount), ":room", number(room),
                            ":exp", number(expires.getEpochSecond())))
                    .returnValues(ReturnValue.UPDATED_NEW)));
            return Optional.of(decimal(response.attributes().get("committed")));
        } catch (ConditionalCheckFailedException refused) {
            return Optional.empty();
        }
    }

    @Override
    public BigDecimal settle(String account, HoldId hold, BigDecimal held, BigDecimal spent, long tokens,
                             Instant expires) {
        if (hold != null) {
            try {
                UpdateItemResponse response = call("settle", () -> dynamo.updateItem(r -> r.tableName(table).key(key(account))
                        .updateExpression("REMOVE #hold ADD committed :delta, spent :spent, requests :one, tokens :tokens"
                                + " SET " + EXPIRES + " = :exp")
                        .conditionExpression("attribute_exists(#hold)")
                        .expressionAttributeNames(Map.of("#hold", HOLD + hold.value()))
                        .expressionAttributeValues(Map.of(":delta", number(spent.subtract(held)), ":spent",
                                number(spent), ":one", number(1), ":tokens", number(tokens),
                                ":exp", number(expires.getEpochSecond())))
                        .returnValues(ReturnValue.UPDATED_NEW)));
                return decimal(response.attributes().get("committed"));
            } catch (ConditionalCheckFailedException releasedAsStale) {
                // Its hold is gone already: the spend still counts, once.
            }
        }
        UpdateItemResponse response = call("settle", () -> dynamo.updateItem(r -> r.tableName(table).key(key(account))
                .updateExpression("ADD committed :spent, spent :spent, requests :one, tokens :tokens SET "
                        + EXPIRES + " = :exp")
                .expressionAttributeValues(Map.of(":spent", number(spent), ":one", number(1),
                        ":tokens", number(tokens), ":exp", number(expires.getEpochSecond())))
                .returnValues(ReturnValue.UPDATED_NEW)));
        return decimal(response.attributes().get("committed"));
    }

    @Override
    public void release(String account, HoldId hold, BigDecimal amount) {
        release(account, HOLD + hold.value(), amount);
    }

    private boolean release(String account, String attribute, BigDecimal amount) {
        try {
            call("release a reservation", () -> dynamo.updateItem(r -> r.tableName(table).key(key(account))
                    .updateExpression("REMOVE #hold ADD committed :release")
                    .conditionExpression("attribute_exists(#hold)")
                    .expressionAttributeNames(Map.of("#hold", attribute))
                    .expressionAttributeValues(Map.of(":release", number(amount.negate())))));
            return true;
        } catch (ConditionalCheckFailedException settledMeanwhile) {
            // Its request settled it, or another instance released it.
            return false;
        }
    }

    @Override
    public int releaseStale(String account, Instant now) {
        int released = 0;
        for (Map.Entry<String, AttributeValue> attribute : item(account).entrySet()) {
            if (!attribute.getKey().startsWith(HOLD)
                    || !new HoldId(attribute.getKey().substring(HOLD.length())).staleAt().isBefore(now)) {
                continue;
            }
            if (release(account, attribute.getKey(), new BigDecimal(attribute.getValue().n()))) {
                released++;
            }
        }
        return released;
    }

    @Override
    public Account account(String account) {
        Map<String, AttributeValue> item = item(account);
        if (item.isEmpty() || expired(item)) {
            return Account.EMPTY;
        }
        BigDecimal spent = decimal(item.get("spent"));
        return new Account(spent, decimal(item.get("committed")).subtract(spent), whole(item.get("requests")),
                whole(item.get("tokens")));
    }

    /** A strongly consistent read, so a count just written is seen. */
    private Map<String, AttributeValue> item(String id) {
        return call("read", () -> dynamo.getItem(r -> r.tableName(table).key(key(id)).consistentRead(true))).item();
    }

    /** DynamoDB deletes expired items within days, not at once. */
    private boolean expired(Map<String, AttributeValue> item) {
        AttributeValue expires = item.get(EXPIRES);
        return expires != null && Long.parseLong(expires.n()) <= clock.instant().getEpochSecond();
    }

    private static <T> T call(String what, Supplier<T> request) {
        try {
            return request.get();
        } catch (ConditionalCheckFailedException refused) {
            throw refused;
        } catch (SdkException e) {
            throw new LimitStoreUnavailableException("DynamoDB could not " + what + ": " + describe(e), e);
        }
    }

    private static String describe(SdkException failure) {
        if (failure instanceof software.amazon.awssdk.awscore.exception.AwsServiceException service
                && service.awsErrorDetails() != null) {
            return service.awsErrorDetails().errorCode() + " (HTTP " + service.statusCode() + ")";
        }
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getClass().getSimpleName();
    }

    private static Map<String, AttributeValue> key(String id) {
        return Map.of(ID, AttributeValue.fromS(id));
    }

    private static AttributeValue number(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    private static AttributeValue number(BigDecimal value) {
        return AttributeValue.fromN(value.toPlainString());
    }

    private static BigDecimal decimal(AttributeValue value) {
        return value == null ? BigDecimal.ZERO : new BigDecimal(value.n());
    }

    private static long whole(AttributeValue value) {
        return value == null ? 0 : Long.parseLong(value.n());
    }
}
