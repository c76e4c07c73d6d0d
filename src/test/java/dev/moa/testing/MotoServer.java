package dev.moa.testing;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ssm.SsmClient;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * moto's server, a real emulator of the SSM and DynamoDB APIs, on a free loopback port. It can be stopped and started
 * again on the same port (with empty state), to play an outage.
 */
public final class MotoServer implements AutoCloseable {

    public static final String REGION = "us-east-1";
    public static final String ACCESS_KEY = "testing";
    public static final String SECRET_ACCESS_KEY = "testing";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final List<String> command;
    private final int port;
    private Process process;

    private MotoServer(List<String> command, int port) {
        this.command = command;
        this.port = port;
    }

    public static MotoServer start() {
        int port = freePort();
        MotoServer server = new MotoServer(List.of(PythonTools.motoServer().toString(), "-H", "127.0.0.1", "-p",
                Integer.toString(port)), port);
        server.startAgain();
        return server;
    }

    /**
     * moto's server application answering one request at a time, for DynamoDB conditional writes under concurrent
     * clients. {@code moto_server} answers each request on its own thread and moto's DynamoDB backend takes no lock,
     * so concurrent UpdateItems on one item lose updates there (see {@code moto/serial_moto_server.py}); DynamoDB
     * applies writes to one item one at a time, and so does this server.
     */
    public static MotoServer startSerial() {
        int port = freePort();
        Path script = Path.of(System.getProperty("user.dir"), "target", "python-tools", "serial_moto_server.py");
        try (InputStream source = MotoServer.class.getResourceAsStream("/moto/serial_moto_server.py")) {
            if (source == null) {
                throw new IllegalStateException("moto/serial_moto_server.py is not on the test classpath");
            }
            Files.createDirectories(script.getParent());
            Files.copy(source, script, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + script, e);
        }
        MotoServer server = new MotoServer(List.of(PythonTools.pythonWithMotoServer().toString(), script.toString(),
                "127.0.0.1", Integer.toString(port)), port);
        server.startAgain();
        return server;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** A client that talks to this server with test credentials. */
    public SsmClient client() {
        return client(SsmClient.builder()).build();
    }

    /** {@code builder} (any AWS service's) pointed at this server, with the test credentials and region. */
    public <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B client(B builder) {
        return client(endpoint(), builder);
    }

    /** {@code builder} pointed at the moto server at {@code endpoint}, with the test credentials and region. */
    public static <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B client(String endpoint,
                                                                                          B builder) {
        return builder.endpointOverride(URI.create(endpoint))
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY,
                        SECRET_ACCESS_KEY)))
                .httpClient(UrlConnectionHttpClient.create());
    }

    public synchronized void startAgain() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            Path log = Path.of(System.getProperty("user.dir"), "target", "moto-" + port + ".log");
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            awaitReady(log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
        }
    }

    /** Polls until the server answers (bounded), since it takes a moment to import and bind. */
    private void awaitReady(Path log) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("moto_server exited with " + process.exitValue() + "; see " + log);
            }
            try {
                HttpURLConnection connection = (HttpURLConnection) URI.create(endpoint() + "/moto-api/").toURL()
                        .openConnection();
                connection.setConnectTimeout(1000);
                connection.setReadTimeout(5000);
                if (connection.getResponseCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            try {
                process.waitFor(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        stop();
        throw new IllegalStateException("moto_server did not answer within " + START_TIMEOUT + "; see " + log);
    }

    /** Stops the server and waits until it is gone: from then on, SSM calls are refused. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    @Override
    public void close() {
        stop();
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
