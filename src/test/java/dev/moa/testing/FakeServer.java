package dev.moa.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * What every in-test upstream shares, whatever wire protocol it speaks: a real HTTP server on loopback, replies
 * scripted per model (the last one repeats), every request recorded with the times it arrived and was answered, and
 * the replies that behave the same on every protocol — a request held open ({@link FakeUpstream.Hang}), an endless
 * body ({@link FakeUpstream.Endless}), a dropped connection. Subclasses read the protocol: which model a request is
 * for and how each reply is written.
 *
 * @param <R> the replies this upstream can be scripted with
 */
public abstract class FakeServer<R> implements AutoCloseable {

    /** One request as it arrived: its headers (names in lower case), its JSON body, and when it arrived. */
    /** {@code written}: when the whole reply had been written (0 until then; set by {@link #respond}). */
    protected record Exchange(HttpExchange http, Map<String, String> headers, JsonNode body, long startNanos,
                              CountDownLatch release, AtomicLong written) {

        public String path() {
            return http.getRequestURI().getRawPath();
        }
    }

    protected final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final Map<String, Deque<R>> scripts = new ConcurrentHashMap<>();
    private final List<FakeUpstream.Recorded> recorded = new ArrayList<>();
    /** Models whose {@link FakeUpstream.Hang} request has arrived and is being held open. */
    private final List<String> hanging = new ArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    /** The most requests in flight at once since the last reset. */
    private final AtomicInteger peakInFlight = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong arrivals = new java.util.concurrent.atomic.AtomicLong();
    private volatile CountDownLatch released = new CountDownLatch(1);

    protected FakeServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** {@code http://127.0.0.1:<port>}: where the server listens. */
    protected String origin() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Serves one request: the subclass reads the model, picks the reply ({@link #next}) and writes it. */
    protected abstract void serve(Exchange exchange) throws IOException, InterruptedException;

    /** Scripts a model: one reply per request, the last one repeating. */
    @SafeVarargs
    public final void script(String model, R... replies) {
        scripts.put(model, new ArrayDeque<>(List.of(replies)));
    }

    /** Forgets the scripts and the recorded requests, and releases every request still held open. */
    public void reset() {
        scripts.clear();
        CountDownLatch old = released;
        released = new CountDownLatch(1);
        old.countDown();
        peakInFlight.set(0);
        synchronized (recorded) {
            recorded.clear();
            hanging.clear();
        }
    }

    public List<FakeUpstream.Recorded> requests() {
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    public List<FakeUpstream.Recorded> requests(String model) {
        return requests().stream().filter(r -> r.model().equals(model)).toList();
    }

    public FakeUpstream.Recorded only(String model) {
        List<FakeUpstream.Recorded> matching = requests(model);
        if (matching.size() != 1) {
            throw new AssertionError("expected one request for " + model + ", got " + matching.size());
        }
        return matching.get(0);
    }

    /** Requests received and not yet answered (a {@link FakeUpstream.Hang} stays in flight until released). */
    public int inFlight() {
        return inFlight.get();
    }

    /**
     * The most requests that were in flight at the same moment since the last {@link #reset()} (requests of before
     * the reset still in flight count in it: wait until {@link #inFlight()} is 0 before the reset when that matters).
     */
    public int peakInFlight() {
        return peakInFlight.get();
    }

    /** Requests received since the upstream started (never reset): counts calls that are cancelled, too. */
    public long arrivals() {
        return arrivals.get();
    }

    /** Waits (at most 10 s) until {@code count} requests for {@code model} were closed by the client. */
    public boolean awaitDisconnects(String model, int count) throws InterruptedException {
        return await(() -> recorded.stream()
                .filter(r -> r.model().equals(model) && r.status() == FakeUpstream.DISCONNECTED).count() >= count);
    }

    /** Waits (at most 10 s) until a {@link FakeUpstream.Hang} request for {@code model} has arrived. */
    public boolean awaitHanging(String model) throws InterruptedException {
        return await(() -> hanging.contains(model));
    }

    private boolean await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        synchronized (recorded) {
            while (!condition.getAsBoolean()) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(recorded, left);
            }
        }
        return true;
    }

    /** The model's next reply, or {@code unscripted} when the test scripted none. */
    protected R next(String model, R unscripted) {
        Deque<R> script = scripts.get(model);
        if (script == null) {
            return unscripted;
        }
        synchronized (script) {
            return script.size() > 1 ? script.poll() : script.peek();
        }
    }

    private void handle(HttpExchange http) throws IOException {
        arrivals.incrementAndGet();
        peakInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
            long start = System.nanoTime();
            CountDownLatch releasedAtStart = released;
            Map<String, String> headers = new HashMap<>();
            http.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(), String.join(",", v)));
            JsonNode body;
            try {
                body = json.readTree(http.getRequestBody().readAllBytes());
            } catch (IOException e) {
                body = json.createObjectNode();
            }
            serve(new Exchange(http, headers, body == null ? json.createObjectNode() : body, start, releasedAtStart,
                    new AtomicLong()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    protected void record(String model, Exchange exchange, int status, JsonNode usage) {
        record(model, exchange, status, usage, 0);
    }

    /** {@code firstDeltaNanos}: when a streamed reply wrote its first delta. */
    protected void record(String model, Exchange exchange, int status, JsonNode usage, long firstDeltaNanos) {
        synchronized (recorded) {
            if (exchange.release() != released) {
                // A request from before the last reset (e.g. a previous test's call, closed late): not this test's.
                return;
            }
            recorded.add(new FakeUpstream.Recorded(model, exchange.body(), Map.copyOf(exchange.headers()),
                    exchange.startNanos(), System.nanoTime(), status, usage, firstDeltaNanos, exchange.written()));
            recorded.notifyAll();
        }
    }

    /** The client closed the request: recorded with status {@link FakeUpstream#DISCONNECTED}. */
    protected void disconnected(String model, Exchange exchange, long firstDeltaNanos) {
        record(model, exchange, FakeUpstream.DISCONNECTED, null, firstDeltaNanos);
    }

    /** A whole response with a JSON content type (unless {@code headers} set another). */
    protected static void respond(Exchange exchange, int status, byte[] body, Map<String, String> headers)
            throws IOException {
        HttpExchange http = exchange.http();
        http.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach((k, v) -> http.getResponseHeaders().set(k, v));
        http.sendResponseHeaders(status, body.length);
        try (OutputStream out = http.getResponseBody()) {
            out.write(body);
        }
        exchange.written().set(System.nanoTime());
    }

    protected static void respond(Exchange exchange, int status, String body, Map<String, String> headers)
            throws IOException {
        respond(exchange, status, body.getBytes(StandardCharsets.UTF_8), headers);
    }

    /**
     * Writes the replies every protocol writes alike — {@link FakeUpstream.Drop}, {@link FakeUpstream.Hang},
     * {@link FakeUpstream.RawBody}, {@link FakeUpstream.Bytes} — and says whether {@code reply} was one of them.
     */
    protected boolean servedAlike(String model, Exchange exchange, Object reply) throws IOException {
        if (reply instanceof FakeUpstream.Drop) {
            drop(model, exchange);
        } else if (reply instanceof FakeUpstream.Hang) {
            hang(model, exchange);
        } else if (reply instanceof FakeUpstream.RawBody raw) {
            record(model, exchange, raw.status(), null);
            respond(exchange, raw.status(), raw.body(), Map.of());
        } else if (reply instanceof FakeUpstream.Bytes raw) {
            record(model, exchange, raw.status(), null);
            respond(exchange, raw.status(), raw.body(), Map.of());
        } else {
            return false;
        }
        return true;
    }

    /** Closes the connection without any response. */
    protected void drop(String model, Exchange exchange) {
        record(model, exchange, 0, null);
        exchange.http().close();
    }

    /**
     * 200 headers, then a space every few milliseconds until the test releases it (or the client closes it: recorded
     * as {@link FakeUpstream#DISCONNECTED}).
     */
    protected void hang(String model, Exchange exchange) throws IOException {
        synchronized (recorded) {
            if (exchange.release() == released) {
                hanging.add(model);
            }
            recorded.notifyAll();
        }
        writeUntilReleased(model, exchange, "application/json", new byte[0], " ".getBytes(StandardCharsets.UTF_8), true);
    }

    /**
     * 200 headers, {@code head}, then {@code repeated} for ever, as fast as the client reads: until the client closes
     * the request (recorded as {@link FakeUpstream#DISCONNECTED}), or the test releases it.
     */
    protected void endless(String model, Exchange exchange, String contentType, byte[] head, byte[] repeated)
            throws IOException {
        writeUntilReleased(model, exchange, contentType, head, repeated, false);
    }

    /** {@code paced}: a piece every 20 ms (a held request), else as fast as the client reads (an endless body). */
    private void writeUntilReleased(String model, Exchange exchange, String contentType, byte[] head, byte[] piece,
                                    boolean paced) throws IOException {
        HttpExchange http = exchange.http();
        http.getResponseHeaders().set("Content-Type", contentType);
        http.sendResponseHeaders(200, 0);
        OutputStream out = http.getResponseBody();
        Predicate<CountDownLatch> open = paced ? latch -> !paced(latch) : latch -> latch.getCount() > 0;
        try {
            out.write(head);
            while (open.test(exchange.release())) {
                out.write(piece);
                out.flush();
            }
        } catch (IOException closedByClient) {
            disconnected(model, exchange, 0);
            return;
        }
        http.close();
    }

    /** Paces a held request: true once released, else after 20 ms. */
    protected static boolean paced(CountDownLatch latch) {
        try {
            return latch.await(20, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
