package dev.moa.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.moa.gateway.CallContext;
import dev.moa.limits.LimitStore;
import dev.moa.limits.LimitsGuard;
import dev.moa.limits.UsageReport;
import dev.moa.mix.KeyLimits;
import dev.moa.model.MoaError;
import dev.moa.store.ClientKeyHash;
import dev.moa.store.ClientKeys;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.common.annotation.Blocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import java.math.BigDecimal;
import java.util.List;

/**
 * {@code GET /v1/moa/usage}: the calling key's own spend, requests and tokens today and this month (UTC), and its
 * limits. Counted for keys with limits; a key without any has nothing counted ({@code limits} is null).
 */
@Path("/v1/moa/usage")
@Produces(MediaType.APPLICATION_JSON)
public class UsageResource {

    private final ClientKeys keys;
    private final LimitsGuard limits;

    public UsageResource(ClientKeys keys, LimitsGuard limits) {
        this.keys = keys;
        this.limits = limits;
    }

    @GET
    @Blocking
    public KeyUsage usage(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                          @HeaderParam("x-api-key") String apiKey) {
        ClientKeyHash key = CallContext.presentedKey(authorization, apiKey).flatMap(keys::identifyKey)
                .orElseThrow(() -> new MoaError(MoaError.Kind.AUTHENTICATION, null, "invalid_api_key",
                "Usage is counted per client key: send yours in an Authorization header (Bearer) or x-api-key."));
        if (!key.limits().any()) {
            limits.checkKey(key);
            return new KeyUsage("moa.usage", key.name(), null, null, null);
        }
        UsageReport report = limits.usage(key);
        return new KeyUsage("moa.usage", key.name(), Period.of(report.day(), null, report.today()),
                Period.of(null, report.month(), report.thisMonth()), Limits.of(report.limits()));
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record KeyUsage(String object, String key, Period today, Period month, Limits limits) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Period(String date, String month, @JsonProperty("spend_usd") BigDecimal spendUsd,
                         @JsonProperty("reserved_usd") BigDecimal reservedUsd, long requests, long tokens) {

        static Period of(String date, String month, LimitStore.Account account) {
            return new Period(date, month, account.spent(), account.held(), account.requests(), account.tokens());
        }
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Limits(Integer rpm, Long tpm, @JsonProperty("max_cost_per_request_usd") BigDecimal maxCost,
                         @JsonProperty("budget_usd") Budget budget, List<String> mixes) {

        static Limits of(KeyLimits limits) {
            Budget budget = limits.budgeted() ? new Budget(limits.dayBudgetUsd().orElse(null),
                    limits.monthBudgetUsd().orElse(null)) : null;
            return new Limits(limits.rpm().orElse(null), limits.tpm().orElse(null),
                    limits.maxCostPerRequestUsd().orElse(null), budget, limits.mixes().orElse(null));
        }
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Budget(BigDecimal day, BigDecimal month) {
    }
}
