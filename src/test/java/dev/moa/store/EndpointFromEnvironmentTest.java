package dev.moa.store;

import dev.moa.testing.ListMixesFromEnvironment;
import dev.moa.testing.MotoServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The AWS SDK this build ships reads the SSM endpoint from {@code AWS_ENDPOINT_URL} and {@code
 * AWS_ENDPOINT_URL_SSM} by itself (the function sets no endpoint of its own): checked in a child JVM whose only
 * configuration is its environment.
 */
class EndpointFromEnvironmentTest {

    private static MotoServer moto;

    @TempDir
    static Path home;

    @BeforeAll
    static void start() {
        moto = MotoServer.start();
        try (SsmClient ssm = moto.client()) {
            ssm.putParameter(r -> r.name("/env/mixes/found-by-env").value("{}").type(ParameterType.STRING));
        }
    }

    @AfterAll
    static void stop() {
        moto.close();
    }

    private static String listWith(Map<String, String> endpoint) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ListMixesFromEnvironment.class.getName(), "/env");
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("AWS_"));
        env.put("AWS_REGION", MotoServer.REGION);
        env.put("AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY);
        env.put("AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_ACCESS_KEY);
        // No profile files from the machine running the tests.
        env.put("AWS_CONFIG_FILE", home.resolve("config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", home.resolve("credentials").toString());
        env.putAll(endpoint);
        Path errors = home.resolve("stderr.txt");
        Process process = builder.redirectError(errors.toFile()).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, process.exitValue(), () -> output + readString(errors));
        return output.strip();
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void awsEndpointUrlPointsTheClientAtMoto() throws Exception {
        assertEquals("found-by-env", listWith(Map.of("AWS_ENDPOINT_URL", moto.endpoint())));
    }

    @Test
    void theSsmSpecificVariableWinsOverTheGeneralOne() throws Exception {
        assertEquals("found-by-env", listWith(Map.of("AWS_ENDPOINT_URL_SSM", moto.endpoint(),
                "AWS_ENDPOINT_URL", "http://127.0.0.1:1")));
    }
}
