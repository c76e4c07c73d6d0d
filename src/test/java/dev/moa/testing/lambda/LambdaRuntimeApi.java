package dev.moa.testing.lambda;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Lambda Runtime API (version 2018-06-01) served on loopback, the way Lambda serves it to one execution
 * environment: {@code GET /runtime/invocation/next} hands out queued events one at a time with their request id,
 * deadline and function ARN; {@code POST /runtime/invocation/{id}/response} and {@code .../error} complete the
 * invoker's future; {@code POST /runtime/init/error} completes {@link #initError()}.
 *
 * <p>Point a function at it with {@code AWS_LAMBDA_RUNTIME_API=}{@link #address()}.
 */
public final class LambdaRuntimeApi implements AutoCloseable {

    public static final String FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:moa-function";

    private static final String PREFIX = "/2018-06-01/runtime";
    private static final Pattern RESULT = Pattern.compile(PREFIX + "/invocation/([^/]+)/(response|error)");
    private static final String ERROR_TYPE = "Lambda-Runtime-Function-Error-Type";

    /** Nanosecond timestamps ({@link System#nanoTime()}) of one invocation: queued, handed to the function, answered. */
    public record Timing(long queuedNanos, long deliveredNanos, long answeredNanos) {

        /** From handing the event to the function until its answer: the function's own time. */
        public Duration inFunction() {
            return Duration.ofNanos(answeredNanos - deliveredNanos);
        }
    }

    /** How an invocation ended. */
    public sealed interface Outcome {
        String requestId();

        Timing timing();
    }

    /** The function answered: {@code body} is its response payload. */
    public record Response(String requestId, byte[] body, Timing timing) implements Outcome {
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** The function reported an error for this invocation. */
    public record FunctionError(String requestId, String errorType, String body, Timing timing) implements Outcome {
    }

    /** The function reported that it could not initialize. */
    public record InitError(String errorType, String body) {
    }

    private record Invocation(String requestId, byte[] event, Duration timeout, long queuedNanos,
                              CompletableFuture<Outcome> outcome) {
    }

    /** Wakes the handlers that wait for an event when the server closes. */
    private static final Invocation CLOSED = new Invocation("", new byte[0], Duration.ZERO, 0, null);

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "lambda-runtime-api");
        thread.setDaemon(true);
        return thread;
    });
    private final BlockingQueue<Invocation> queue = new LinkedBlockingQueue<>();
    private final Map<String, Invocation> delivered = new ConcurrentHashMap<>();
    private final Map<String, Long> deliveredAt = new ConcurrentHashMap<>();
    private final CompletableFuture<InitError> initError = new CompletableFuture<>();
    private final CompletableFuture<Long> firstPoll = new CompletableFuture<>();

    public LambdaRuntimeApi() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(executor);
        server.createContext(PREFIX + "/", this::handle);
        server.start();
    }

    /** The value for {@code AWS_LAMBDA_RUNTIME_API}: host and port, no scheme. */
    public String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * Queues an event for the function.
     *
     * @param timeout the function's timeout: {@code Lambda-Runtime-Deadline-Ms} is set from it when the event is handed out
     */
    public CompletableFuture<Outcome> invoke(byte[] event, Duration timeout) {
        Invocation invocation = new Invocation(UUID.randomUUID().toString(), event.clone(), timeout, System.nanoTime(),
                new CompletableFuture<>());
        queue.add(invocation);
        return invocation.outcome();
    }

    /** Completes when the function reports an init error. */
    public CompletableFuture<InitError> initError() {
        return initError;
    }

    /**
     * Completes, with its {@link System#nanoTime()}, when the function first asks for an event: its init phase is
     * over.
     */
    public CompletableFuture<Long> firstPoll() {
        return firstPoll;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            byte[] body = exchange.getRequestBody().readAllBytes();
            if ("GET".equals(method) && path.equals(PREFIX + "/invocation/next")) {
                next(exchange);
                return;
            }
            if ("POST".equals(method) && path.equals(PREFIX + "/init/error")) {
                initError.complete(new InitError(exchange.getRequestHeaders().getFirst(ERROR_TYPE),
                        new String(body, StandardCharsets.UTF_8)));
                accepted(exchange);
                return;
            }
            Matcher result = RESULT.matcher(path);
            if ("POST".equals(method) && result.matches()) {
                complete(exchange, result.group(1), "error".equals(result.group(2)), body);
                return;
            }
            send(exchange, 404, "{\"errorType\":\"NotFound\",\"errorMessage\":\"no such endpoint\"}");
        }
    }

    private void next(HttpExchange exchange) throws IOException {
        firstPoll.complete(System.nanoTime());
        Invocation invocation;
        try {
            invocation = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (invocation == CLOSED) {
            queue.add(CLOSED);
            return;
        }
        delivered.put(invocation.requestId(), invocation);
        deliveredAt.put(invocation.requestId(), System.nanoTime());
        long deadline = System.currentTimeMillis() + invocation.timeout().toMillis();
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Lambda-Runtime-Aws-Request-Id", invocation.requestId());
        exchange.getResponseHeaders().set("Lambda-Runtime-Deadline-Ms", Long.toString(deadline));
        exchange.getResponseHeaders().set("Lambda-Runtime-Invoked-Function-Arn", FUNCTION_ARN);
        exchange.getResponseHeaders().set("Lambda-Runtime-Trace-Id",
                "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0");
        exchange.sendResponseHeaders(200, invocation.event().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(invocation.event());
        }
    }

    private void complete(HttpExchange exchange, String requestId, boolean error, byte[] body) throws IOException {
        long answered = System.nanoTime();
        Invocation invocation = delivered.remove(requestId);
        if (invocation == null) {
            send(exchange, 400, "{\"errorType\":\"InvalidRequestID\",\"errorMessage\":\"unknown or already answered\"}");
            return;
        }
        Timing timing = new Timing(invocation.queuedNanos(), deliveredAt.remove(requestId), answered);
        invocation.outcome().complete(error
                ? new FunctionError(requestId, exchange.getRequestHeaders().getFirst(ERROR_TYPE),
                new String(body, StandardCharsets.UTF_8), timing)
                : new Response(requestId, body, timing));
        accepted(exchange);
    }

    private static void accepted(HttpExchange exchange) throws IOException {
        send(exchange, 202, "{\"status\":\"OK\"}");
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        queue.add(CLOSED);
        server.stop(0);
        executor.shutdownNow();
    }
}
