package dev.moa;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The settings as a deployment sets them: environment variables. */
class MoaConfigTest {

    private static MoaConfig config(Map<String, String> environment) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new EnvConfigSource(environment, 300))
                .withMapping(MoaConfig.class)
                .build();
        return config.getConfigMapping(MoaConfig.class);
    }

    @Test
    void environmentVariablesSetStoreTtlAuthAndDeadline() {
        MoaConfig config = config(Map.of("MOA_STORE", "ssm:/moa/prod", "MOA_STORE_TTL", "5m",
                "MOA_AUTH_REQUIRED", "false", "MOA_DEADLINE", "20s", "MOA_DEADLINE_MARGIN", "500ms"));
        assertEquals("ssm:/moa/prod", config.store());
        assertEquals(Duration.ofSeconds(20), config.deadline());
        assertEquals(Duration.ofMillis(500), config.deadlineMargin());
        assertEquals(Duration.ofMinutes(5), config.storeTtl());
        assertEquals(Optional.of(false), config.auth().required());
    }

    @Test
    void defaults() {
        MoaConfig config = config(Map.of());
        assertEquals("file:infra", config.store());
        assertEquals(Duration.ofSeconds(60), config.storeTtl());
        assertEquals(Duration.ofSeconds(28), config.deadline());
        assertEquals(Duration.ofSeconds(1), config.deadlineMargin());
        assertEquals(Optional.empty(), config.auth().required(), "then it follows the store");
    }
}
