package dev.moa;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.engine.Hedging;
import dev.moa.engine.LatencyWindow;
import dev.moa.engine.MixEngine;
import dev.moa.engine.MixListener;
import dev.moa.engine.MixPlanner;
import dev.moa.engine.ReferenceInjector;
import dev.moa.engine.RetryPolicy;
import dev.moa.metrics.EmfLog;
import dev.moa.metrics.EmfRecords;
import dev.moa.metrics.MetricsListener;
import dev.moa.gateway.CallListener;
import dev.moa.gateway.Guard;
import dev.moa.gateway.MixGateway;
import dev.moa.provider.ChatClients;
import io.quarkus.arc.All;
import java.util.List;
import dev.moa.metrics.RequestMetrics;
import dev.moa.store.CachingDocumentStore;
import dev.moa.store.ClientKeys;
import dev.moa.store.ConfigSecretResolver;
import dev.moa.store.DocumentStore;
import dev.moa.store.FileDocumentStore;
import dev.moa.store.MixCatalog;
import dev.moa.store.ParameterSecretResolver;
import dev.moa.store.SecretResolver;
import dev.moa.store.SecretSources;
import dev.moa.store.SsmDocumentStore;
import dev.moa.telemetry.GenAiTracing;
import dev.moa.telemetry.OtelEnvironment;
import dev.moa.telemetry.SpanExportExtension;
import dev.moa.telemetry.SpanFlush;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.quarkus.arc.ClientProxy;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.eclipse.microprofile.config.Config;
import software.amazon.awssdk.services.ssm.SsmClient;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ThreadLocalRandom;

/** Wires the plain-Java core (store, catalog, keys, engine) from configuration. */
public class MoaBeans {

    private static final String FILE = "file:";
    private static final String SSM = "ssm:";
    /** OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, as a property (the variable is its environment form). */
    static final String CAPTURE_CONTENT = "otel.instrumentation.genai.capture-message-content";

    /**
     * The SSM client is asked for only when it is needed (an {@code ssm:} store, or a parameter key), so a file
     * store runs without any AWS region or credentials. Made at startup, so a bad {@code moa.store} fails the
     * function's init rather than its first request.
     */
    @Produces
    @Singleton
    @Startup
    DocumentStore documentStore(MoaConfig config, Instance<SsmClient> ssm) {
        String store = config.store();
        if (store.startsWith(FILE)) {
            return new FileDocumentStore(Path.of(store.substring(FILE.length())));
        }
        if (store.startsWith(SSM)) {
            return new CachingDocumentStore(new SsmDocumentStore(ssm.get(), store.substring(SSM.length())),
                    config.storeTtl(), Clock.systemUTC());
        }
        throw new IllegalArgumentException("moa.store must be file:<dir> or ssm:<prefix>, found \"" + store + "\"");
    }

    @Produces
    @Singleton
    MixCatalog mixCatalog(DocumentStore store, ObjectMapper json) {
        return new MixCatalog(store, json);
    }

    @Produces
    @Singleton
    SecretResolver secretResolver(Config config, MoaConfig moa, Instance<SsmClient> ssm) {
        return new SecretSources(new ConfigSecretResolver(config),
                new ParameterSecretResolver(ssm::get, moa.storeTtl(), Clock.systemUTC()));
    }

    @Produces
    @Singleton
    ClientKeys clientKeys(DocumentStore store, MoaConfig config) {
        return new ClientKeys(store, config.auth().required().orElse(config.store().startsWith(SSM)));
    }

    /** Lambda sets AWS_LAMBDA_FUNCTION_NAME for every function; dev mode and tests are never "on Lambda". */
    @Produces
    @Singleton
    RequestMetrics requestMetrics(MoaConfig config, ObjectMapper json) {
        boolean onLambda = System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null && LaunchMode.current() == LaunchMode.NORMAL;
        return config.metrics().emf().orElse(onLambda) ? new EmfLog(new EmfRecords(json), System.out) : RequestMetrics.NONE;
    }

    /** The one pipeline behind every inbound protocol; guards and listeners are composed here and nowhere else. */
    @Produces
    @Singleton
    MixGateway mixGateway(MixCatalog catalog, MixEngine engine, MixPlanner planner, ChatClients clients,
                          SecretResolver secrets, MoaConfig config, @All List<Guard> guards,
                          @All List<CallListener> listeners) {
        return new MixGateway(catalog, engine, planner, clients, secrets, config.deadlineMargin(), guards, listeners);
    }

    @Produces
    @Singleton
    CallListener metricsListener(RequestMetrics metrics) {
        return new MetricsListener(metrics);
    }

    @Produces
    @Singleton
    MixEngine mixEngine(ReferenceInjector injector, MixListener.Factory observers) {
        // One latency window per instance: percentile hedges learn from this instance's own calls.
        return new MixEngine(RetryPolicy.DEFAULT, injector, new Hedging(new LatencyWindow()), observers);
    }

    /**
     * What observes every run: OpenTelemetry spans when the SDK is on (an OTLP endpoint is configured, see
     * {@code telemetry/OtelEnvironment}), else nothing at all. Only W3C trace context goes to providers (no baggage).
     */
    @Produces
    @Singleton
    MixListener.Factory mixObservers(Instance<OpenTelemetry> otel, SpanFlush flush, SpanExportExtension extension) {
        // A mix's spans start out as soon as it ends, while its response is written; not when the extension exports
        // after the response anyway (that export would only compete with the response for the CPU).
        SpanFlush early = new SpanFlush() {
            @Override
            public io.opentelemetry.sdk.common.CompletableResultCode flush() {
                return extension.active() ? io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess()
                        : flush.flush();
            }

            @Override
            public boolean needed() {
                return flush.needed();
            }
        };
        // The SDK is asked for at the first run: it is set up after the engine is made. The settings too are read
        // then, from the running configuration (a native image makes some beans while it is built).
        return new GenAiTracing(() -> otel.get().getTracer("dev.moa"), W3CTraceContextPropagator.getInstance(),
                OtelEnvironment::sdkEnabled,
                () -> runtimeConfig().getOptionalValue(CAPTURE_CONTENT, Boolean.class).orElse(false), early);
    }

    private static Config runtimeConfig() {
        return org.eclipse.microprofile.config.ConfigProvider.getConfig();
    }

    /**
     * On Lambda, spans are exported before the instance may be frozen; elsewhere the batch processor's pace is fine.
     * Whether that is needed is decided at the first use, not when the bean is made: a native image makes some beans
     * (response filters among them) while it is built, where neither the function's variables nor its runtime
     * configuration exist.
     */
    @Produces
    @Singleton
    SpanFlush spanFlush(Instance<OpenTelemetry> otel) {
        return new SpanFlush() {
            private volatile Boolean needed;

            @Override
            public boolean needed() {
                Boolean known = needed;
                if (known == null) {
                    known = System.getenv("AWS_LAMBDA_FUNCTION_NAME") != null
                            && LaunchMode.current() == LaunchMode.NORMAL
                            && OtelEnvironment.sdkEnabled();
                    needed = known;
                }
                return known;
            }

            @Override
            public io.opentelemetry.sdk.common.CompletableResultCode flush() {
                if (!needed()) {
                    return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
                }
                OpenTelemetry bean = otel.get();
                Object sdk = bean instanceof ClientProxy proxy ? proxy.arc_contextualInstance() : bean;
                return sdk instanceof OpenTelemetrySdk open ? open.getSdkTracerProvider().forceFlush()
                        : io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
            }
        };
    }

    @Produces
    @Singleton
    MixPlanner mixPlanner(ReferenceInjector injector) {
        return new MixPlanner(RetryPolicy.DEFAULT, injector);
    }

    @Produces
    @Singleton
    ReferenceInjector referenceInjector() {
        return new ReferenceInjector(ThreadLocalRandom::current);
    }
}
