package dev.moa.limits;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.gateway.Guard;
import dev.moa.metrics.RequestMetrics;
import dev.moa.store.ClientKeys;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.nio.file.Path;
import java.time.Clock;

/** Wires the limits room: the store ({@code moa.limits.table}, else embedded) and the guard. */
public class LimitsBeans {

    /** The limits' time: windows, days, months, stale reservations. A test may select another. */
    @Produces
    @Singleton
    @Named("limits")
    Clock limitsClock() {
        return Clock.systemUTC();
    }

    /** The DynamoDB client is asked for only with a table, so the embedded store needs no AWS settings. */
    @Produces
    @Singleton
    LimitStore limitStore(LimitsConfig config, Instance<DynamoDbClient> dynamo, ObjectMapper json,
                          @Named("limits") Clock clock) {
        if (config.table().isPresent()) {
            return new DynamoLimitStore(dynamo.get(), config.table().get(), clock);
        }
        return new EmbeddedLimitStore(Path.of(config.dir()), json, clock);
    }

    /** The gateway's guard for client-key limits (composed there with any others). */
    @Produces
    @Singleton
    Guard limitsGate(ClientKeys keys, LimitsGuard limits) {
        return new LimitsGate(keys, limits);
    }

    @Produces
    @Singleton
    LimitsGuard limitsGuard(LimitStore store, LimitsConfig config, @Named("limits") Clock clock,
                            RequestMetrics metrics) {
        return new LimitsGuard(store, new CostEstimator(config.assumedMaxTokens()), clock, config.holdTimeout(),
                (kind, mix) -> metrics.refused(kind.name().toLowerCase(java.util.Locale.ROOT), mix));
    }
}
