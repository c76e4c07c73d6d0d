package dev.moa.telemetry;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.spi.ConfigSource;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The standard OpenTelemetry environment variables, read as Quarkus's own {@code quarkus.otel.*} properties:
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT} (and {@code _TRACES_ENDPOINT}), {@code _PROTOCOL}, {@code _HEADERS},
 * {@code _COMPRESSION}, {@code OTEL_SERVICE_NAME}, {@code OTEL_RESOURCE_ATTRIBUTES}, {@code OTEL_SDK_DISABLED} and
 * {@code OTEL_TRACES_SAMPLER}/{@code _ARG}. Without an endpoint the SDK is disabled: nothing is exported, and no span
 * is made (no cost).
 *
 * <p>Above {@code application.properties} (ordinal 250), below Quarkus's own {@code QUARKUS_OTEL_*} variables (300),
 * which still win. The environment is read when a value is asked for, never when the class is built (a native
 * image is built where the function's variables are not).
 *
 * <p>The sampler is fixed when the application is built ({@code parentbased_traceidratio}, in
 * {@code application.properties}); {@code OTEL_TRACES_SAMPLER} picks its ratio: {@code always_off} and
 * {@code parentbased_always_off} 0, the {@code traceidratio} ones {@code OTEL_TRACES_SAMPLER_ARG}, the rest 1.
 * A sampled parent (an incoming {@code traceparent}) is always followed.
 */
public final class OtelEnvironment implements ConfigSource {

    static final String DISABLED = "quarkus.otel.sdk.disabled";

    private final Supplier<Map<String, String>> environment;

    public OtelEnvironment() {
        this(System::getenv);
    }

    OtelEnvironment(Supplier<Map<String, String>> environment) {
        this.environment = environment;
    }

    /**
     * Whether the OpenTelemetry SDK is on in the running configuration: the one place that reads
     * {@code quarkus.otel.sdk.disabled}. Ask when the answer is needed, not when a bean is made (a native image
     * makes some beans while it is built, where the function's variables are not).
     */
    public static boolean sdkEnabled() {
        return sdkEnabled(ConfigProvider.getConfig());
    }

    static boolean sdkEnabled(Config config) {
        return !config.getOptionalValue(DISABLED, Boolean.class).orElse(false);
    }

    /** What the environment says, as Quarkus properties. */
    Map<String, String> properties() {
        Map<String, String> env = environment.get();
        Map<String, String> properties = new HashMap<>();
        copy(env, "OTEL_EXPORTER_OTLP_ENDPOINT", properties, "quarkus.otel.exporter.otlp.endpoint");
        copy(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", properties, "quarkus.otel.exporter.otlp.traces.endpoint");
        copy(env, "OTEL_EXPORTER_OTLP_PROTOCOL", properties, "quarkus.otel.exporter.otlp.protocol");
        copy(env, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", properties, "quarkus.otel.exporter.otlp.traces.protocol");
        copy(env, "OTEL_EXPORTER_OTLP_HEADERS", properties, "quarkus.otel.exporter.otlp.headers");
        copy(env, "OTEL_EXPORTER_OTLP_TRACES_HEADERS", properties, "quarkus.otel.exporter.otlp.traces.headers");
        copy(env, "OTEL_EXPORTER_OTLP_COMPRESSION", properties, "quarkus.otel.exporter.otlp.compression");
        copy(env, "OTEL_SERVICE_NAME", properties, "quarkus.otel.service.name");
        copy(env, "OTEL_RESOURCE_ATTRIBUTES", properties, "quarkus.otel.resource.attributes");
        boolean endpoint = present(env, "OTEL_EXPORTER_OTLP_ENDPOINT")
                || present(env, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        boolean disabled = "true".equalsIgnoreCase(env.getOrDefault("OTEL_SDK_DISABLED", "").strip());
        properties.put(DISABLED, Boolean.toString(disabled || !endpoint));
        String sampler = env.getOrDefault("OTEL_TRACES_SAMPLER", "").strip().toLowerCase(Locale.ROOT);
        String ratio = switch (sampler) {
            case "always_off", "parentbased_always_off" -> "0.0";
            case "traceidratio", "parentbased_traceidratio" -> env.getOrDefault("OTEL_TRACES_SAMPLER_ARG", "1.0").strip();
            default -> null;
        };
        if (ratio != null) {
            properties.put("quarkus.otel.traces.sampler.arg", ratio);
        }
        return properties;
    }

    private static boolean present(Map<String, String> env, String name) {
        String value = env.get(name);
        return value != null && !value.isBlank();
    }

    private static void copy(Map<String, String> env, String name, Map<String, String> to, String property) {
        if (present(env, name)) {
            to.put(property, env.get(name).strip());
        }
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties().keySet();
    }

    @Override
    public String getValue(String propertyName) {
        if (!propertyName.startsWith("quarkus.otel.")) {
            return null; // most lookups: not ours, and no need to read the environment
        }
        return properties().get(propertyName);
    }

    @Override
    public String getName() {
        return "OTEL_* environment variables";
    }

    @Override
    public int getOrdinal() {
        return 275;
    }
}
