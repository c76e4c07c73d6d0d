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
 * <p>With the Extensions API (version 2020-01-01, unless built without it): an extension registers for
 * {@code INVOKE} events during init only (after the runtime's first {@code next} it is refused with 403, as Lambda
 * refuses it); each invocation handed to the runtime is also handed to every registered extension, and the
 * invocation is over ({@link #extensionsDone}) only once every extension has asked for its next event — the moment
 * Lambda may freeze the instance. The runtime's next event waits for that, as on Lambda.
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
                              CompletableFuture<Outcome> outcome, CompletableFuture<Long> extensionsDone,
                              java.util.concurrent.atomic.AtomicInteger extensionsLeft) {
    }

    /** A registered extension: the invocations handed to it, and the one it is working on. */
    private record Extension(String name, BlockingQueue<Invocation> events,
                             java.util.concurrent.atomic.AtomicReference<Invocation> current) {
    }

    /** Wakes the handlers that wait for an event when the server closes. */
    private static final Invocation CLOSED = new Invocation("", new byte[0], Duration.ZERO, 0, null,
            new CompletableFuture<>(), new java.util.concurrent.atomic.AtomicInteger());
    private static final String EXTENSIONS = "/2020-01-01/extension";

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
    private final Map<String, Extension> extensions = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Long>> extensionsDone = new ConcurrentHashMap<>();
    private volatile CompletableFuture<Long> previousDone = CompletableFuture.completedFuture(0L);
    private final CompletableFuture<Long> closed = new CompletableFuture<>();
    private final java.util.concurrent.atomic.AtomicInteger extensionEventRequests =
            new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger extensionEventFailures =
            new java.util.concurrent.atomic.AtomicInteger();

    public LambdaRuntimeApi() {
        this(true);
    }

    /** @param extensionsApi whether the Extensions API is served (else its paths answer 404) */
    public LambdaRuntimeApi(boolean extensionsApi) {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(executor);
        server.createContext(PREFIX + "/", this::handle);
        if (extensionsApi) {
            server.createContext(EXTENSIONS + "/", this::extension);
        }
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
                new CompletableFuture<>(), new CompletableFuture<>(), new java.util.concurrent.atomic.AtomicInteger());
        extensionsDone.put(invocation.requestId(), invocation.extensionsDone());
        queue.add(invocation);
        return invocation.outcome();
    }

    /**
     * Completes, with its {@link System#nanoTime()}, when every registered extension has asked for its next event
     * after invocation {@code requestId} (at once when there is none): Lambda may freeze the instance from then on.
     */
    public CompletableFuture<Long> extensionsDone(String requestId) {
        CompletableFuture<Long> done = extensionsDone.get(requestId);
        if (done == null) {
            throw new IllegalArgumentException("no invocation " + requestId);
        }
        return done;
    }

    /** The names of the extensions that registered. */
    public java.util.List<String> extensions() {
        return extensions.values().stream().map(Extension::name).sorted().toList();
    }

    /**
     * The next {@code count} requests for an extension's next event are answered with HTTP 500, as when the
     * Extensions API fails.
     */
    public void failExtensionEvents(int count) {
        extensionEventFailures.set(count);
    }

    /** How many times an extension asked for its next event, answered or not. */
    public int extensionEventRequests() {
        return extensionEventRequests.get();
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
            // As on Lambda: the next invocation starts only when the last one is over for every extension too.
            CompletableFuture.anyOf(previousDone, closed).get();
            invocation = queue.take();
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (invocation == CLOSED) {
            queue.add(CLOSED);
            return;
        }
        previousDone = invocation.extensionsDone();
        synchronized (extensions) {
            invocation.extensionsLeft().set(extensions.size());
            if (extensions.isEmpty()) {
                invocation.extensionsDone().complete(System.nanoTime());
            }
            extensions.values().forEach(extension -> extension.events().add(invocation));
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

    /** {@code POST /register} (during init only) and {@code GET /event/next}. */
    private void extension(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            exchange.getRequestBody().readAllBytes();
            if ("POST".equals(method) && path.equals(EXTENSIONS + "/register")) {
                String name = exchange.getRequestHeaders().getFirst("Lambda-Extension-Name");
                synchronized (extensions) {
                    if (firstPoll.isDone() || name == null) {
                        send(exchange, 403, "{\"errorType\":\"Extension.InvalidState\",\"errorMessage\":"
                                + "\"extensions register during init only\"}");
                        return;
                    }
                    String id = UUID.randomUUID().toString();
                    extensions.put(id, new Extension(name, new LinkedBlockingQueue<>(),
                            new java.util.concurrent.atomic.AtomicReference<>()));
                    exchange.getResponseHeaders().set("Lambda-Extension-Identifier", id);
                }
                send(exchange, 200, "{\"functionName\":\"moa-function\",\"functionVersion\":\"$LATEST\"}");
                return;
            }
            Extension extension = extensions.get(String.valueOf(
                    exchange.getRequestHeaders().getFirst("Lambda-Extension-Identifier")));
            if ("GET".equals(method) && path.equals(EXTENSIONS + "/event/next") && extension != null) {
                extensionEventRequests.incrementAndGet();
                if (extensionEventFailures.getAndUpdate(left -> Math.max(0, left - 1)) > 0) {
                    send(exchange, 500, "{\"errorType\":\"ServiceException\",\"errorMessage\":\"failing\"}");
                    return;
                }
                Invocation finished = extension.current().getAndSet(null);
                if (finished != null && finished.extensionsLeft().decrementAndGet() == 0) {
                    finished.extensionsDone().complete(System.nanoTime());
                }
                Invocation invocation;
                try {
                    invocation = extension.events().take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                if (invocation == CLOSED) {
                    extension.events().add(CLOSED);
                    return;
                }
                extension.current().set(invocation);
                long deadline = System.currentTimeMillis() + invocation.timeout().toMillis();
                exchange.getResponseHeaders().set("Lambda-Extension-Event-Identifier", UUID.randomUUID().toString());
                send(exchange, 200, "{\"eventType\":\"INVOKE\",\"deadlineMs\":" + deadline + ",\"requestId\":\""
                        + invocation.requestId() + "\",\"invokedFunctionArn\":\"" + FUNCTION_ARN + "\"}");
                return;
            }
            send(exchange, 403, "{\"errorType\":\"Extension.UnknownExtensionIdentifier\",\"errorMessage\":"
                    + "\"unknown extension or endpoint\"}");
        }
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
        closed.complete(0L);
        extensions.values().forEach(extension -> extension.events().add(CLOSED));
        queue.add(CLOSED);
        server.stop(0);
        executor.shutdownNow();
    }
}
