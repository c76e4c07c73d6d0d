package dev.moa.testing.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The server build ({@code -Pserver}, packaged by {@code verify} into {@code target/server-build}) as its own
 * process, started the way the Lambda Web Adapter's environment starts it: {@code java -jar quarkus-run.jar}
 * with the port in {@code AWS_LWA_PORT} and the readiness path in {@code AWS_LWA_READINESS_CHECK_PATH}. Started
 * when its log says it listens; its output is kept for failure messages.
 */
public final class ServerProcess implements AutoCloseable {

    public static final String READINESS_PATH = "/lwa-ready";

    private final Process process;
    private final int port;
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());

    private ServerProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static ServerProcess start(Map<String, String> environment) throws IOException, InterruptedException {
        Path jar = Path.of(System.getProperty("moa.server.jar", "target/server-build/quarkus-app/quarkus-run.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: `./mvnw verify` packages it (pre-integration-test)");
        }
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-jar", jar.toString()).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("MOA_") || k.startsWith("QUARKUS_") || k.startsWith("AWS_"));
        env.put("AWS_LWA_PORT", Integer.toString(port));
        env.put("AWS_LWA_READINESS_CHECK_PATH", READINESS_PATH);
        env.putAll(new HashMap<>(environment));
        ServerProcess server = new ServerProcess(builder.start(), port);
        CountDownLatch listening = new CountDownLatch(1);
        Thread reader = new Thread(() -> server.read(listening), "server-build-log");
        reader.setDaemon(true);
        reader.start();
        if (!listening.await(90, TimeUnit.SECONDS) || !server.process.isAlive()) {
            server.close();
            throw new IllegalStateException("the server build did not start listening:\n" + server.log());
        }
        return server;
    }

    private void read(CountDownLatch listening) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                log.add(line);
                if (line.contains("Listening on") && line.contains(":" + port)) {
                    listening.countDown();
                }
            }
        } catch (IOException closed) {
            // the process ended (close()): nothing more to read
        } finally {
            listening.countDown();
        }
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public String log() {
        synchronized (log) {
            return String.join("\n", log);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
