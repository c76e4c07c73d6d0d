package dev.moa.limits;

import dev.moa.mix.KeyLimits;

/** A key's own usage: today and this month (UTC), and its limits. */
public record UsageReport(String key, String day, LimitStore.Account today, String month,
                          LimitStore.Account thisMonth, KeyLimits limits) {
}
