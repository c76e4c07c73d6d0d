package dev.moa.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.engine.AgentOutcome;
import dev.moa.engine.Attempt;
import dev.moa.engine.LayerTrace;
import dev.moa.provider.Usage;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A request's figures as CloudWatch Embedded Metric Format records, one JSON object per line: one record for the
 * request (dimension {@code mix}) and one per call of an agent (dimensions {@code mix}, {@code provider},
 * {@code model}). CloudWatch Logs turns them into metrics in namespace {@code MoA}; the other members stay
 * searchable with Logs Insights. Only names, numbers and statuses go in: never a prompt, an answer or a key.
 */
public final class EmfRecords {

    public static final String NAMESPACE = "MoA";
    static final String MS = "Milliseconds";
    static final String COUNT = "Count";
    static final String NONE = "None";

    private final ObjectMapper json;

    public EmfRecords(ObjectMapper json) {
        this.json = json;
    }

    public List<String> lines(RequestOutcome outcome) {
        List<String> lines = new ArrayList<>();
        lines.add(write(request(outcome)));
        for (int layer = 0; layer < outcome.layers().size(); layer++) {
            for (AgentOutcome call : outcome.layers().get(layer).outcomes()) {
                lines.add(write(agent(outcome, layer, call)));
            }
        }
        return lines;
    }

    private ObjectNode request(RequestOutcome outcome) {
        Usage usage = Usage.ZERO;
        int calls = 0;
        int failed = 0;
        int cut = 0;
        int hedges = 0;
        int hedgeWins = 0;
        for (LayerTrace layer : outcome.layers()) {
            usage = usage.plus(layer.usage());
            for (AgentOutcome call : layer.outcomes()) {
                calls++;
                failed += call instanceof AgentOutcome.Failed ? 1 : 0;
                cut += call instanceof AgentOutcome.Cut ? 1 : 0;
                hedges += hedges(call);
                hedgeWins += hedgeWins(call);
            }
        }
        Record record = new Record(outcome, List.of("mix"));
        record.node.put("mix", outcome.mix());
        record.node.put("status", outcome.status());
        record.metric("Latency", MS, outcome.latency().toMillis());
        outcome.timeToFirstToken().ifPresent(ttft -> record.metric("TimeToFirstToken", MS, ttft.toMillis()));
        tokens(record, usage);
        record.metric("Calls", COUNT, calls);
        record.metric("FailedCalls", COUNT, failed);
        record.metric("CutCalls", COUNT, cut);
        record.metric("Hedges", COUNT, hedges);
        record.metric("HedgeWins", COUNT, hedgeWins);
        record.metric("UnpricedCalls", COUNT, usage.unpricedCalls() == null ? 0 : usage.unpricedCalls());
        return record.done();
    }

    private ObjectNode agent(RequestOutcome outcome, int layer, AgentOutcome call) {
        // The model that answered (a fallback, perhaps), else the agent as the mix names it.
        Attempt last = call.attempts().isEmpty() ? null : call.attempts().get(call.attempts().size() - 1);
        boolean answered = call instanceof AgentOutcome.Answered;
        Record record = new Record(outcome, List.of("mix", "provider", "model"));
        record.node.put("mix", outcome.mix());
        record.node.put("provider", answered && last != null ? last.provider() : call.agent().provider());
        record.node.put("model", answered && last != null ? last.model() : call.agent().model());
        record.node.put("layer", layer);
        record.node.put("sample", call.sample());
        record.metric("Latency", MS, call.latency().toMillis());
        record.metric("Attempts", COUNT, call.attempts().size());
        record.metric("Failed", COUNT, call instanceof AgentOutcome.Failed ? 1 : 0);
        record.metric("Cut", COUNT, call instanceof AgentOutcome.Cut ? 1 : 0);
        record.metric("Hedges", COUNT, hedges(call));
        record.metric("HedgeWins", COUNT, hedgeWins(call));
        if (call instanceof AgentOutcome.Answered a) {
            Usage usage = a.completion().usage();
            tokens(record, usage);
            record.metric("UnpricedCalls", COUNT, usage.unpricedCalls() == null ? 0 : usage.unpricedCalls());
        }
        return record.done();
    }

    /** Hedges sent: every copy after a hedged call's first request. */
    private static int hedges(AgentOutcome call) {
        return (int) call.attempts().stream().filter(a -> a.hedge().filter(h -> h.copy() > 0).isPresent()).count();
    }

    /** Hedged calls whose answer came from a hedge rather than the first request. */
    private static int hedgeWins(AgentOutcome call) {
        return (int) call.attempts().stream()
                .filter(a -> a.hedge().filter(h -> h.copy() > 0 && h.won()).isPresent()).count();
    }

    private static void tokens(Record record, Usage usage) {
        record.metric("PromptTokens", COUNT, usage.promptTokens());
        record.metric("CompletionTokens", COUNT, usage.completionTokens());
        record.metric("TotalTokens", COUNT, usage.totalTokens());
        if (usage.cost() != null) {
            // Known cost only: an unpriced call is counted in UnpricedCalls, never as zero dollars.
            record.metric("CostUSD", NONE, usage.cost().doubleValue());
        }
    }

    private String write(ObjectNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One EMF object: the {@code _aws} metadata naming the metrics, and their values as root members. */
    private final class Record {
        final ObjectNode node = json.createObjectNode();
        final ArrayNode metrics;

        Record(RequestOutcome outcome, List<String> dimensions) {
            ObjectNode aws = node.putObject("_aws");
            aws.put("Timestamp", outcome.at().toEpochMilli());
            ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
            directive.put("Namespace", NAMESPACE);
            ArrayNode set = directive.putArray("Dimensions").addArray();
            dimensions.forEach(set::add);
            metrics = directive.putArray("Metrics");
        }

        void metric(String name, String unit, double value) {
            metrics.addObject().put("Name", name).put("Unit", unit);
            if (value == Math.rint(value) && Math.abs(value) < 1e15) {
                node.put(name, (long) value);
            } else {
                node.put(name, value);
            }
        }

        ObjectNode done() {
            return node;
        }
    }
}
