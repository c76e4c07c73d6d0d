package dev.moa.limits;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moa.engine.MixPlan;
import dev.moa.engine.MixRun;
import dev.moa.engine.Upstream;
import dev.moa.mix.Agent;
import dev.moa.mix.Layer;
import dev.moa.mix.Price;
import dev.moa.mix.ProviderConfig;
import dev.moa.provider.Message;
import dev.moa.provider.ToolCall;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The worst case of a planned run, in USD, from the dry-run plan and the providers' prices. Every planned call
 * counts (the most a layer may make: sequential steps and overflow included), at the dearer of its agent and its
 * fallbacks. Output is each call's {@code max_tokens} (the mix's, the client's for the aggregator, the provider
 * document's, else {@code assumedMaxTokens}). Input is the plan's messages plus, in place of each reference, the
 * {@code max_tokens} of the call it comes from; text is counted as one token per byte of its JSON form, which no
 * tokenizer exceeds. Retries are not counted: a failed attempt is not billed.
 */
public final class CostEstimator {

    /** Per message: the role and the JSON around it. */
    private static final int MESSAGE_OVERHEAD = 32;

    private final int assumedMaxTokens;

    public CostEstimator(int assumedMaxTokens) {
        this.assumedMaxTokens = assumedMaxTokens;
    }

    public CostEstimate estimate(MixRun run, MixPlan plan, Map<String, ProviderConfig> providers) {
        BigDecimal total = BigDecimal.ZERO;
        BigDecimal layerTotal = BigDecimal.ZERO;
        String unpriced = null;
        int calls = 0;
        long references = 0;
        long tools = tools(run);
        List<Layer> layers = run.mix().layers();
        for (int i = 0; i < plan.layers().size(); i++) {
            MixPlan.LayerPlan layerPlan = plan.layers().get(i);
            Layer layer = layers.get(i);
            int samples = layer.agents().stream().mapToInt(Agent::samples).sum();
            int steps = Math.max(1, layerPlan.maxCalls() / Math.max(1, samples));
            long produced = 0;
            layerTotal = BigDecimal.ZERO;
            for (int a = 0; a < layerPlan.agents().size(); a++) {
                MixPlan.AgentPlan agentPlan = layerPlan.agents().get(a);
                Agent agent = layer.agents().get(a);
                long output = maxTokens(agentPlan.sampling().maxTokens(), agent.provider(), providers);
                // A sequential step also reads the synthesis so far: at most its own output.
                long input = tokens(agentPlan.messages()) + references + tools + (steps > 1 ? output : 0);
                int agentCalls = agentPlan.samples() * steps;
                calls += agentCalls;
                produced += output * agentPlan.samples();
                BigDecimal dearest = null;
                for (Agent candidate : candidates(agent)) {
                    Optional<Price> price = price(run, candidate);
                    if (price.isEmpty()) {
                        unpriced = unpriced != null ? unpriced : candidate.label();
                        continue;
                    }
                    long out = candidate == agent ? output
                            : maxTokens(candidate.sampling().maxTokens() != null ? candidate.sampling().maxTokens()
                                    : agentPlan.sampling().maxTokens(), candidate.provider(), providers);
                    BigDecimal cost = price.get().cost(input, 0, 0, out);
                    dearest = dearest == null || cost.compareTo(dearest) > 0 ? cost : dearest;
                }
                if (dearest != null) {
                    layerTotal = layerTotal.add(dearest.multiply(BigDecimal.valueOf(agentCalls)));
                }
            }
            references = produced;
            total = total.add(layerTotal);
        }
        return new CostEstimate(total, calls, unpriced, layerTotal);
    }

    private static List<Agent> candidates(Agent agent) {
        if (agent.fallbacks().isEmpty()) {
            return List.of(agent);
        }
        List<Agent> all = new java.util.ArrayList<>(agent.fallbacks().size() + 1);
        all.add(agent);
        all.addAll(agent.fallbacks());
        return all;
    }

    private static Optional<Price> price(MixRun run, Agent agent) {
        Upstream upstream = run.upstreams().get(agent.provider());
        return upstream == null ? Optional.empty() : upstream.pricing().priceOf(agent.model());
    }

    private long maxTokens(Integer planned, String provider, Map<String, ProviderConfig> providers) {
        if (planned != null) {
            return planned;
        }
        ProviderConfig config = providers.get(provider);
        return config != null && config.maxTokens().isPresent() ? config.maxTokens().get() : assumedMaxTokens;
    }

    private static long tools(MixRun run) {
        List<JsonNode> tools = run.clientOptions().tools();
        return tools == null ? 0 : jsonBytes(tools.toString());
    }

    static long tokens(List<Message> messages) {
        long total = 2;
        for (Message message : messages) {
            total += MESSAGE_OVERHEAD + jsonBytes(message.content());
            if (message.toolCalls() != null) {
                for (ToolCall call : message.toolCalls()) {
                    total += MESSAGE_OVERHEAD + jsonBytes(call.name()) + jsonBytes(call.arguments());
                }
            }
        }
        return total;
    }

    /** The UTF-8 length of the text as a JSON string's content: escapes only add. */
    static long jsonBytes(String text) {
        if (text == null) {
            return 0;
        }
        long escapes = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                escapes++;
            } else if (c < 0x20) {
                escapes += 5;
            }
        }
        return text.getBytes(StandardCharsets.UTF_8).length + escapes;
    }
}
