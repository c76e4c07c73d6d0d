package dev.moa.telemetry;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The standard OTEL_* variables as Quarkus properties; without an endpoint, the SDK is off. */
class OtelEnvironmentTest {

    private static Map<String, String> properties(Map<String, String> env) {
        return new OtelEnvironment(() -> env).properties();
    }

    @Test
    void withoutAnEndpointNothingIsOn() {
        assertEquals(Map.of("quarkus.otel.sdk.disabled", "true"), properties(Map.of()));
        assertEquals("true", properties(Map.of("OTEL_SERVICE_NAME", "x")).get("quarkus.otel.sdk.disabled"));
        assertEquals("true", properties(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", " ")).get("quarkus.otel.sdk.disabled"));
    }

    @Test
    void theStandardVariablesBecomeQuarkusProperties() {
        Map<String, String> p = properties(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
                "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf", "OTEL_EXPORTER_OTLP_HEADERS", "x-honeycomb-team=abc",
                "OTEL_SERVICE_NAME", "moa-prod", "OTEL_TRACES_SAMPLER", "parentbased_traceidratio",
                "OTEL_TRACES_SAMPLER_ARG", "0.25"));
        assertEquals("false", p.get("quarkus.otel.sdk.disabled"));
        assertEquals("http://collector:4318", p.get("quarkus.otel.exporter.otlp.endpoint"));
        assertEquals("http/protobuf", p.get("quarkus.otel.exporter.otlp.protocol"));
        assertEquals("x-honeycomb-team=abc", p.get("quarkus.otel.exporter.otlp.headers"));
        assertEquals("moa-prod", p.get("quarkus.otel.service.name"));
        assertEquals("0.25", p.get("quarkus.otel.traces.sampler.arg"));
    }

    @Test
    void aTracesEndpointAloneIsEnoughAndTheSdkCanBeSwitchedOff() {
        assertEquals("false", properties(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/v1/traces"))
                .get("quarkus.otel.sdk.disabled"));
        assertEquals("true", properties(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4317",
                "OTEL_SDK_DISABLED", "true")).get("quarkus.otel.sdk.disabled"));
    }

    @Test
    void samplersBecomeARatio() {
        assertEquals("0.0", properties(Map.of("OTEL_TRACES_SAMPLER", "always_off")).get("quarkus.otel.traces.sampler.arg"));
        assertNull(properties(Map.of("OTEL_TRACES_SAMPLER", "parentbased_always_on")).get("quarkus.otel.traces.sampler.arg"));
        assertEquals("1.0", properties(Map.of("OTEL_TRACES_SAMPLER", "traceidratio")).get("quarkus.otel.traces.sampler.arg"));
    }

    /** The SDK's switch as the running configuration has it: the environment's unless Quarkus's own variable says. */
    @Test
    void theSdkIsOnWhenTheRunningConfigurationSaysSo() {
        assertFalse(OtelEnvironment.sdkEnabled(config(Map.of(), Map.of())));
        assertTrue(OtelEnvironment.sdkEnabled(config(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
                Map.of())));
        assertFalse(OtelEnvironment.sdkEnabled(config(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
                Map.of("QUARKUS_OTEL_SDK_DISABLED", "true"))));
        assertTrue(OtelEnvironment.sdkEnabled(config(Map.of(), Map.of("QUARKUS_OTEL_SDK_DISABLED", "false"))));
    }

    private static SmallRyeConfig config(Map<String, String> otelVariables, Map<String, String> quarkusVariables) {
        return new SmallRyeConfigBuilder()
                .withSources(new OtelEnvironment(() -> otelVariables), new EnvConfigSource(quarkusVariables, 300))
                .build();
    }
}
