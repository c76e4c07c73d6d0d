package dev.moa.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Starts an {@link OtlpReceiver} and points the application's OTLP/HTTP exporter at it (inject it with
 * {@code @Upstream OtlpReceiver}). Spans are exported every 50 ms so a test waits little for them.
 */
public final class OtlpResource implements QuarkusTestResourceLifecycleManager {

    private OtlpReceiver receiver;
    private boolean captureContent;

    /** {@code capture-content=true}: as OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true would. */
    @Override
    public void init(Map<String, String> initArgs) {
        captureContent = Boolean.parseBoolean(initArgs.getOrDefault("capture-content", "false"));
    }

    @Override
    public Map<String, String> start() {
        receiver = new OtlpReceiver();
        return Map.of("quarkus.otel.sdk.disabled", "false",
                "quarkus.otel.exporter.otlp.endpoint", receiver.endpoint(),
                "quarkus.otel.exporter.otlp.protocol", "http/protobuf",
                "quarkus.otel.bsp.schedule.delay", "50ms",
                "otel.instrumentation.genai.capture-message-content", Boolean.toString(captureContent));
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(receiver, new TestInjector.AnnotatedAndMatchesType(Upstream.class, OtlpReceiver.class));
    }

    @Override
    public void stop() {
        if (receiver != null) {
            receiver.close();
        }
    }
}
