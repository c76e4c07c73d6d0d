package dev.moa.metrics;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.engine.AgentOutcome;
import dev.moa.engine.Attempt;
import dev.moa.engine.LayerTrace;
import dev.moa.provider.Usage;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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

    /** One refusal by a client key's limits: metric {@code LimitRefusals}, dimension {@code kind}. */
    public String refusal(String kind, String mix, java.time.Instant at) {
        Record record = new Record(at, List.of("kind"));
        record.put("kind", kind);
        record.put("mix", mix);
        record.metric("LimitRefusals", COUNT, 1);
        return write(record);
    }

    private Record request(RequestOutcome outcome) {
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
        record.put("mix", outcome.mix());
        record.put("status", outcome.status());
        record.metric("Latency", MS, outcome.latency().toMillis());
        outcome.timeToFirstToken().ifPresent(ttft -> record.metric("TimeToFirstToken", MS, ttft.toMillis()));
        tokens(record, usage);
        record.metric("Calls", COUNT, calls);
        record.metric("FailedCalls", COUNT, failed);
        record.metric("CutCalls", COUNT, cut);
        record.metric("Hedges", COUNT, hedges);
        record.metric("HedgeWins", COUNT, hedgeWins);
        record.metric("UnpricedCalls", COUNT, usage.unpricedCalls() == null ? 0 : usage.unpricedCalls());
        return record;
    }

    private Record agent(RequestOutcome outcome, int layer, AgentOutcome call) {
        // The model that answered (a fallback, perhaps), else the agent as the mix names it.
        Attempt last = call.attempts().isEmpty() ? null : call.attempts().get(call.attempts().size() - 1);
        boolean answered = call instanceof AgentOutcome.Answered;
        Record record = new Record(outcome, List.of("mix", "provider", "model"));
        record.put("mix", outcome.mix());
        record.put("provider", answered && last != null ? last.provider() : call.agent().provider());
        record.put("model", answered && last != null ? last.model() : call.agent().model());
        record.put("layer", layer);
        record.put("sample", call.sample());
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
        return record;
    }

    /** Hedges sent: every copy after a hedged call's first request. (Loops: twenty records a request.) */
    private static int hedges(AgentOutcome call) {
        int hedges = 0;
        for (Attempt attempt : call.attempts()) {
            if (attempt.hedge().isPresent() && attempt.hedge().get().copy() > 0) {
                hedges++;
            }
        }
        return hedges;
    }

    /** Hedged calls whose answer came from a hedge rather than the first request. */
    private static int hedgeWins(AgentOutcome call) {
        int wins = 0;
        for (Attempt attempt : call.attempts()) {
            if (attempt.hedge().isPresent() && attempt.hedge().get().copy() > 0 && attempt.hedge().get().won()) {
                wins++;
            }
        }
        return wins;
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

    private String write(Record record) {
        StringWriter out = new StringWriter(1024);
        try (JsonGenerator g = json.createGenerator(out)) {
            record.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /**
     * One EMF object: the {@code _aws} metadata naming the metrics, and their values as root members (in the order
     * they were put; a name put again keeps its place). Written with a generator rather than built as a tree: twenty
     * records a request for the paper mix.
     */
    private static final class Record {
        private final long timestamp;
        private final List<String> dimensions;
        private final List<String> metricNames = new ArrayList<>(16);
        private final List<String> metricUnits = new ArrayList<>(16);
        /** String, Integer, Long or Double. */
        private final Map<String, Object> members = new LinkedHashMap<>(32);

        Record(RequestOutcome outcome, List<String> dimensions) {
            this(outcome.at(), dimensions);
        }

        Record(java.time.Instant at, List<String> dimensions) {
            this.timestamp = at.toEpochMilli();
            this.dimensions = dimensions;
        }

        void put(String name, String value) {
            members.put(name, value);
        }

        void put(String name, int value) {
            members.put(name, value);
        }

        void metric(String name, String unit, double value) {
            metricNames.add(name);
            metricUnits.add(unit);
            if (value == Math.rint(value) && Math.abs(value) < 1e15) {
                members.put(name, (long) value);
            } else {
                members.put(name, value);
            }
        }

        void write(JsonGenerator g) throws IOException {
            g.writeStartObject();
            g.writeObjectFieldStart("_aws");
            g.writeNumberField("Timestamp", timestamp);
            g.writeArrayFieldStart("CloudWatchMetrics");
            g.writeStartObject();
            g.writeStringField("Namespace", NAMESPACE);
            g.writeArrayFieldStart("Dimensions");
            g.writeStartArray();
            for (String dimension : dimensions) {
                g.writeString(dimension);
            }
            g.writeEndArray();
            g.writeEndArray();
            g.writeArrayFieldStart("Metrics");
            for (int i = 0; i < metricNames.size(); i++) {
                g.writeStartObject();
                g.writeStringField("Name", metricNames.get(i));
                g.writeStringField("Unit", metricUnits.get(i));
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
            for (Map.Entry<String, Object> member : members.entrySet()) {
                g.writeFieldName(member.getKey());
                Object value = member.getValue();
                if (value == null) {
                    g.writeNull();
                } else if (value instanceof String text) {
                    g.writeString(text);
                } else if (value instanceof Integer number) {
                    g.writeNumber(number);
                } else if (value instanceof Long number) {
                    g.writeNumber(number);
                } else {
                    g.writeNumber((Double) value);
                }
            }
            g.writeEndObject();
        }
    }
}
