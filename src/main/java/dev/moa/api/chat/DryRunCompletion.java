package dev.moa.api.chat;

import dev.moa.api.MixPlanView;
import dev.moa.engine.MixPlan;
import dev.moa.provider.Usage;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.util.List;

/**
 * Chat's answer to {@code "moa": {"dry_run": true}}: a {@code chat.completion} without choices (nothing was called,
 * so usage is zero) whose {@code moa} holds the plan.
 */
@RegisterForReflection
public record DryRunCompletion(String id, String object, long created, String model, List<Object> choices,
                               Usage usage, MixPlanView moa) {

    static DryRunCompletion of(String id, long created, String model, MixPlan plan) {
        return new DryRunCompletion(id, "chat.completion", created, model, List.of(), Usage.ZERO,
                MixPlanView.of(plan));
    }
}
