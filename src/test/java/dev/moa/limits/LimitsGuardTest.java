package dev.moa.limits;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.engine.AnswerEvent;
import dev.moa.engine.StreamedMix;
import dev.moa.mix.KeyLimits;
import dev.moa.store.ClientKeyHash;
import dev.moa.testing.ManualClock;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The guard around requests whose end it does not see: a client that goes away, an instance that dies. */
class LimitsGuardTest {

    private static final String HEX = "a".repeat(64);

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock();
    private LimitStore store;
    private LimitsGuard guard;
    private final ClientKeyHash key = new ClientKeyHash("keys/client-keys/k", HEX, new KeyLimits(Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(BigDecimal.ONE), Optional.empty()),
            Optional.empty());

    @BeforeEach
    void guard() {
        store = new EmbeddedLimitStore(dir, new ObjectMapper(), clock);
        guard = new LimitsGuard(store, new CostEstimator(4096), clock, Duration.ofMinutes(20), RefusalListener.NONE);
    }

    private Admission admit(String usd, String lastLayerUsd) {
        return guard.admit(key, "m", () -> new CostEstimate(new BigDecimal(usd), 3, null, new BigDecimal(lastLayerUsd)),
                true);
    }

    private LimitStore.Account month() {
        return store.account("k#month#2025-01");
    }

    @Test
    void aStreamTheClientLeavesSettlesAtTheAggregatorsWorstCase() throws Exception {
        Admission admission = admit("0.5", "0.3");
        assertEquals(0, new BigDecimal("0.5").compareTo(month().held()));
        CountDownLatch firstDelta = new CountDownLatch(1);
        // The aggregator said one word and would go on forever.
        Multi<AnswerEvent> endless = Multi.createFrom().emitter(emitter -> emitter.emit(new AnswerEvent.Delta("Hi")));
        StreamedMix streamed = guard.watchStream(admission, Uni.createFrom().item(new StreamedMix(List.of(), endless)))
                .await().atMost(Duration.ofSeconds(5));
        Cancellable subscription = streamed.answer().subscribe().with(event -> firstDelta.countDown());
        assertTrue(firstDelta.await(5, TimeUnit.SECONDS));
        subscription.cancel();

        LimitStore.Account after = month();
        assertEquals(0, BigDecimal.ZERO.compareTo(after.held()), after.toString());
        assertEquals(0, new BigDecimal("0.3").compareTo(after.spent()), after.toString());
        assertEquals(1, after.requests());
        assertEquals(0, new BigDecimal("0.3").compareTo(admission.settledUsd()));
    }

    @Test
    void aWholeAnswerTheClientLeavesSettlesAtItsEstimate() {
        Admission admission = admit("0.4", "0.1");
        guard.watch(admission, Uni.createFrom().nothing()).subscribe().with(result -> { }).cancel();
        assertEquals(0, new BigDecimal("0.4").compareTo(month().spent()));
        assertEquals(0, BigDecimal.ZERO.compareTo(month().held()));
    }

    @Test
    void aReservationWhoseRequestDiedIsReleasedAfterTheTimeout() {
        admit("0.7", "0.1");
        LimitRefusal refused = assertThrows(LimitRefusal.class, () -> admit("0.5", "0.1"));
        assertEquals(LimitRefusal.Kind.BUDGET, refused.kind());
        assertTrue(refused.getMessage().contains("$0.7 reserved"), refused.getMessage());

        clock.advance(Duration.ofMinutes(21));
        Admission later = admit("0.5", "0.1");
        assertEquals("0.5", later.headers().get("x-moa-budget-remaining-usd"));
        assertEquals(0, new BigDecimal("0.5").compareTo(month().held()));
    }

    @Test
    void settlingTwiceCountsOnce() {
        Admission admission = admit("0.5", "0.1");
        guard.settle(admission, dev.moa.provider.Usage.ZERO.withCost(new BigDecimal("0.2")));
        guard.settle(admission, dev.moa.provider.Usage.ZERO.withCost(new BigDecimal("0.2")));
        assertEquals(0, new BigDecimal("0.2").compareTo(month().spent()));
        assertEquals(1, month().requests());
    }
}
