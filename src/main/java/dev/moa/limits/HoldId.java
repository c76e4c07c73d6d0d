package dev.moa.limits;

import java.time.Instant;
import java.util.UUID;

/** A reservation's id, which carries when it goes stale: any instance can release it without asking its owner. */
public record HoldId(String value) {

    public static HoldId create(Instant staleAt) {
        return new HoldId(staleAt.getEpochSecond() + "_" + UUID.randomUUID().toString().replace("-", ""));
    }

    public Instant staleAt() {
        int cut = value.indexOf('_');
        try {
            return Instant.ofEpochSecond(Long.parseLong(cut < 0 ? value : value.substring(0, cut)));
        } catch (NumberFormatException e) {
            return Instant.EPOCH;
        }
    }
}
