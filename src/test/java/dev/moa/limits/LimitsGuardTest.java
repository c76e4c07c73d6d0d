package dev.moa.limits;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.engine.LayerTrace;
import dev.moa.gateway.CallRecord;
import dev.moa.mix.KeyLimits;
import dev.moa.store.ClientKeyHash;
import dev.moa.model.TokenUsage;
import dev.moa.testing.ManualClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the guard settles requests that did not simply answer: a client that went away, a refusal, a dead instance. */
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

    private static CallRecord ended(int status, List<LayerTrace> layers, String cost) {
        return new CallRecord("m", Instant.EPOCH, Duration.ZERO, Optional.empty(), status, layers,
                new TokenUsage(10, 5, 0, 0, cost == null ? null : new BigDecimal(cost), 0));
    }

    @Test
    void aStreamTheClientLeftAfterTheProposersIsChargedTheirCostAndTheAggregatorsWorstCase() {
        Admission admission = admit("0.5", "0.3");
        assertEquals(0, new BigDecimal("0.5").compareTo(month().held()));
        LayerTrace proposers = new LayerTrace(List.of(), null, Optional.empty());
        guard.settle(admission, ended(CallRecord.CLIENT_CLOSED, List.of(proposers), "0.05"));

        LimitStore.Account after = month();
        assertEquals(0, BigDecimal.ZERO.compareTo(after.held()), after.toString());
        assertEquals(0, new BigDecimal("0.35").compareTo(after.spent()), after.toString());
        assertEquals(1, after.requests());
        assertEquals(15, after.tokens());
        assertEquals(0, new BigDecimal("0.35").compareTo(admission.settledUsd()));
    }

    @Test
    void aRequestTheClientLeftBeforeAnyLayerAnsweredIsChargedItsEstimate() {
        Admission admission = admit("0.4", "0.1");
        guard.settle(admission, ended(CallRecord.CLIENT_CLOSED, List.of(), null));
        assertEquals(0, new BigDecimal("0.4").compareTo(month().spent()));
        assertEquals(0, BigDecimal.ZERO.compareTo(month().held()));
    }

    @Test
    void aRequestAnotherGuardRefusedGivesItsReservationBack() {
        Admission admission = admit("0.4", "0.1");
        guard.settle(admission, ended(CallRecord.NOT_RUN, List.of(), null));
        assertEquals(0, BigDecimal.ZERO.compareTo(month().spent()));
        assertEquals(0, BigDecimal.ZERO.compareTo(month().held()));
        assertEquals(0, month().requests());
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
        guard.settle(admission, ended(200, List.of(), "0.2"));
        guard.settle(admission, ended(200, List.of(), "0.2"));
        assertEquals(0, new BigDecimal("0.2").compareTo(month().spent()));
        assertEquals(1, month().requests());
    }
}
