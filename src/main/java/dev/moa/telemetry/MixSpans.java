package dev.moa.telemetry;

import dev.moa.engine.AgentOutcome;
import dev.moa.engine.LayerTrace;
import dev.moa.engine.MixListener;
import dev.moa.engine.MixResult;
import dev.moa.engine.MixRun;
import dev.moa.engine.Upstream;
import dev.moa.mix.Agent;
import dev.moa.mix.Layer;
import dev.moa.mix.Protocol;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One run's spans: {@code moa.mix} under the caller's context, {@code moa.layer} under it, {@code moa.agent} per
 * call under its layer, and {@code chat {model}} (kind CLIENT) per upstream request under its agent: the first try,
 * each retry, each fallback and each hedged copy are siblings (a hedge that lost is ended as cancelled). Attribute names follow the OpenTelemetry GenAI semantic conventions;
 * ours are {@code moa.*}. No prompt or answer text unless asked for, and never a key: what is captured is redacted
 * with the request's {@link dev.moa.provider.Redactor} first.
 */
final class MixSpans implements MixListener {

    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
    static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
    static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> RESPONSE_MODEL = AttributeKey.stringKey("gen_ai.response.model");
    static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
    static final AttributeKey<Double> TEMPERATURE = AttributeKey.doubleKey("gen_ai.request.temperature");
    static final AttributeKey<Double> TOP_P = AttributeKey.doubleKey("gen_ai.request.top_p");
    static final AttributeKey<Long> MAX_TOKENS = AttributeKey.longKey("gen_ai.request.max_tokens");
    static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
    static final AttributeKey<Long> OUTPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.output_tokens");
    static final AttributeKey<List<String>> FINISH_REASONS = AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    static final AttributeKey<String> INPUT_MESSAGES = AttributeKey.stringKey("gen_ai.input.messages");
    static final AttributeKey<String> OUTPUT_MESSAGES = AttributeKey.stringKey("gen_ai.output.messages");
    static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

    static final AttributeKey<String> MIX = AttributeKey.stringKey("moa.mix.id");
    static final AttributeKey<String> MIX_VERSION = AttributeKey.stringKey("moa.mix.version");
    static final AttributeKey<String> STRATEGY = AttributeKey.stringKey("moa.mix.strategy");
    static final AttributeKey<Long> LAYERS = AttributeKey.longKey("moa.mix.layers");
    static final AttributeKey<Long> CALLS_PLANNED = AttributeKey.longKey("moa.calls.planned");
    static final AttributeKey<Long> CALLS_MADE = AttributeKey.longKey("moa.calls.made");
    static final AttributeKey<Double> COST = AttributeKey.doubleKey("moa.cost_usd");
    static final AttributeKey<Long> LAYER = AttributeKey.longKey("moa.layer");
    static final AttributeKey<Long> AGENT_INDEX = AttributeKey.longKey("moa.agent.index");
    static final AttributeKey<String> AGENT = AttributeKey.stringKey("moa.agent");
    static final AttributeKey<Boolean> CUT = AttributeKey.booleanKey("moa.cut");
    static final AttributeKey<Long> ANSWERS = AttributeKey.longKey("moa.layer.answers");
    static final AttributeKey<Long> LAYER_CUT = AttributeKey.longKey("moa.layer.cut");
    static final AttributeKey<Long> RETRY = AttributeKey.longKey("moa.attempt.retry");
    static final AttributeKey<Boolean> FALLBACK = AttributeKey.booleanKey("moa.attempt.fallback");
    static final AttributeKey<Long> HEDGE = AttributeKey.longKey("moa.attempt.hedge");
    static final AttributeKey<Boolean> PARTIAL = AttributeKey.booleanKey("moa.partial");

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final Context parent;
    private final MixRun run;
    private final boolean captureContent;
    private final SpanFlush flush;

    private volatile Span mix;
    private volatile Context mixContext;
    private final Map<Integer, Span> layers = new ConcurrentHashMap<>();
    private final Map<Integer, Context> layerContexts = new ConcurrentHashMap<>();
    private final Map<Long, Span> agents = new ConcurrentHashMap<>();
    private final Map<Long, Context> agentContexts = new ConcurrentHashMap<>();
    private final AtomicInteger attempts = new AtomicInteger();

    MixSpans(Tracer tracer, TextMapPropagator propagator, Context parent, MixRun run, boolean captureContent,
             SpanFlush flush) {
        this.tracer = tracer;
        this.propagator = propagator;
        this.parent = parent;
        this.run = run;
        this.captureContent = captureContent;
        this.flush = flush;
    }

    @Override
    public void mixStarted(MixRun started) {
        List<Layer> all = run.mix().layers();
        long planned = all.stream().mapToLong(Layer::calls).sum();
        var builder = tracer.spanBuilder("moa.mix").setParent(parent).setSpanKind(SpanKind.INTERNAL)
                .setAttribute(MIX, run.mix().id())
                .setAttribute(STRATEGY, all.get(all.size() - 1).aggregate().toString())
                .setAttribute(LAYERS, (long) all.size())
                .setAttribute(CALLS_PLANNED, planned);
        if (run.mix().version() != null) {
            builder.setAttribute(MIX_VERSION, run.mix().version()); // a direct model has no document, so no version
        }
        Span span = builder.startSpan();
        mix = span;
        mixContext = parent.with(span);
    }

    @Override
    public void layerStarted(int layer, int calls) {
        Span span = tracer.spanBuilder("moa.layer").setParent(mixContext).setSpanKind(SpanKind.INTERNAL)
                .setAttribute(LAYER, (long) layer).startSpan();
        layers.put(layer, span);
        layerContexts.put(layer, mixContext.with(span));
    }

    @Override
    public void callStarted(int layer, int index, Agent agent) {
        Context layerContext = layerContexts.getOrDefault(layer, mixContext);
        Span span = tracer.spanBuilder("moa.agent " + agent.label()).setParent(layerContext)
                .setSpanKind(SpanKind.INTERNAL)
                .setAttribute(LAYER, (long) layer).setAttribute(AGENT_INDEX, (long) index)
                .setAttribute(AGENT, agent.label()).startSpan();
        agents.put(key(layer, index), span);
        agentContexts.put(key(layer, index), layerContext.with(span));
    }

    @Override
    public AttemptListener attemptStarted(int layer, int index, Agent candidate, boolean fallback, int retry,
                                          int hedge, CompletionCall request) {
        attempts.incrementAndGet();
        Context agentContext = agentContexts.getOrDefault(key(layer, index), mixContext);
        Upstream upstream = run.upstreams().get(candidate.provider());
        var builder = tracer.spanBuilder("chat " + request.model()).setParent(agentContext)
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute(OPERATION, "chat")
                .setAttribute(PROVIDER, providerName(upstream))
                .setAttribute(REQUEST_MODEL, request.model())
                .setAttribute(LAYER, (long) layer).setAttribute(AGENT_INDEX, (long) index)
                .setAttribute(RETRY, (long) retry);
        if (fallback) {
            builder.setAttribute(FALLBACK, true);
        }
        if (hedge > 0) {
            builder.setAttribute(HEDGE, (long) hedge);
        }
        if (request.sampling() != null) {
            if (request.sampling().temperature() != null) {
                builder.setAttribute(TEMPERATURE, request.sampling().temperature());
            }
            if (request.sampling().topP() != null) {
                builder.setAttribute(TOP_P, request.sampling().topP());
            }
            if (request.sampling().maxTokens() != null) {
                builder.setAttribute(MAX_TOKENS, request.sampling().maxTokens().longValue());
            }
        }
        if (upstream != null && upstream.baseUrl() != null && upstream.baseUrl().getHost() != null) {
            builder.setAttribute(SERVER_ADDRESS, upstream.baseUrl().getHost());
            int port = upstream.baseUrl().getPort();
            if (port > 0) {
                builder.setAttribute(SERVER_PORT, (long) port);
            }
        }
        Span span = builder.startSpan();
        if (captureContent) {
            span.setAttribute(INPUT_MESSAGES, GenAiMessages.input(request.messages(), run.redactor()));
        }
        Map<String, String> headers = new HashMap<>(2);
        propagator.inject(agentContext.with(span), headers, Map::put);
        return new AttemptSpan(span, headers);
    }

    /** One upstream request's span, ended with what came back. */
    private final class AttemptSpan implements AttemptListener {
        private final Span span;
        private final Map<String, String> headers;

        AttemptSpan(Span span, Map<String, String> headers) {
            this.span = span;
            this.headers = Map.copyOf(headers);
        }

        @Override
        public Map<String, String> headers() {
            return headers;
        }

        @Override
        public void answered(Completion completion) {
            Usage usage = completion.usage();
            if (usage != null) {
                span.setAttribute(INPUT_TOKENS, usage.promptTokens());
                span.setAttribute(OUTPUT_TOKENS, usage.completionTokens());
            }
            if (completion.finishReason() != null) {
                span.setAttribute(FINISH_REASONS, List.of(completion.finishReason()));
            }
            if (completion.responseId() != null) {
                span.setAttribute(RESPONSE_ID, completion.responseId());
            }
            if (completion.responseModel() != null) {
                span.setAttribute(RESPONSE_MODEL, completion.responseModel());
            }
            if (captureContent) {
                span.setAttribute(OUTPUT_MESSAGES, GenAiMessages.output(completion, run.redactor()));
            }
            span.end();
        }

        @Override
        public void failed(UpstreamFailure failure) {
            span.setAttribute(ERROR_TYPE, errorType(failure));
            // The failure's message is already redacted (MixEngine), and says no more than the trace does.
            span.setStatus(StatusCode.ERROR, run.redactor().redact(failure.getMessage()));
            span.end();
        }

        @Override
        public void cancelled() {
            span.setAttribute(CUT, true);
            span.setAttribute(ERROR_TYPE, "cancelled");
            span.end();
        }
    }

    @Override
    public void callDone(int layer, int index, AgentOutcome outcome) {
        Span span = agents.remove(key(layer, index));
        agentContexts.remove(key(layer, index));
        if (span == null) {
            return;
        }
        if (outcome instanceof AgentOutcome.Cut) {
            span.setAttribute(CUT, true);
        } else if (outcome instanceof AgentOutcome.Failed failed) {
            span.setAttribute(ERROR_TYPE, errorType(failed.failure()));
            span.setStatus(StatusCode.ERROR, run.redactor().redact(failed.failure().getMessage()));
        } else if (outcome instanceof AgentOutcome.Answered answered) {
            Usage usage = answered.completion().usage();
            span.setAttribute(INPUT_TOKENS, usage.promptTokens());
            span.setAttribute(OUTPUT_TOKENS, usage.completionTokens());
            if (usage.cost() != null) {
                span.setAttribute(COST, usage.cost().doubleValue());
            }
        }
        span.end();
    }

    @Override
    public void layerDone(int layer, LayerTrace trace) {
        Span span = layers.remove(layer);
        layerContexts.remove(layer);
        if (span == null) {
            return;
        }
        long cut = trace.outcomes().stream().filter(o -> o instanceof AgentOutcome.Cut).count();
        span.setAttribute(ANSWERS, (long) trace.answers().size());
        span.setAttribute(LAYER_CUT, cut);
        span.end();
    }

    @Override
    public void mixDone(MixResult result, boolean partial) {
        Span span = mix;
        if (span == null) {
            return;
        }
        Usage usage = result.usage();
        span.setAttribute(CALLS_MADE, (long) attempts.get());
        span.setAttribute(INPUT_TOKENS, usage.promptTokens());
        span.setAttribute(OUTPUT_TOKENS, usage.completionTokens());
        if (usage.cost() != null) {
            span.setAttribute(COST, usage.cost().doubleValue());
        }
        if (partial) {
            span.setAttribute(PARTIAL, true);
            span.setStatus(StatusCode.ERROR, "the answer was interrupted");
        }
        span.end();
        if (flush.needed()) {
            flush.flush(); // not awaited: the engine's thread must not block; the response filter awaits its own
        }
    }

    @Override
    public void mixFailed(Throwable failure) {
        Span span = mix;
        if (span == null) {
            return;
        }
        // Whatever is still open ended with the mix: a cancelled request leaves no span behind unended.
        agents.values().forEach(Span::end);
        layers.values().forEach(Span::end);
        span.setAttribute(CALLS_MADE, (long) attempts.get());
        span.setAttribute(ERROR_TYPE, failure.getClass().getSimpleName());
        span.setStatus(StatusCode.ERROR, run.redactor().redact(String.valueOf(failure.getMessage())));
        span.end();
        if (flush.needed()) {
            flush.flush(); // not awaited: the engine's thread must not block; the response filter awaits its own
        }
    }

    /** The GenAI conventions' provider names. */
    static String providerName(Upstream upstream) {
        Protocol protocol = upstream == null ? null : upstream.protocol();
        if (protocol == null) {
            return "unknown";
        }
        return switch (protocol) {
            case OPENAI -> "openai";
            case ANTHROPIC -> "anthropic";
            case BEDROCK -> "aws.bedrock";
        };
    }

    /** Low-cardinality, as the conventions want: the HTTP status when there is one, else the kind of failure. */
    static String errorType(UpstreamFailure failure) {
        return failure.status() > 0 ? Integer.toString(failure.status())
                : failure.kind().name().toLowerCase(Locale.ROOT);
    }

    private static long key(int layer, int index) {
        return ((long) layer << 32) | (index & 0xffffffffL);
    }
}
