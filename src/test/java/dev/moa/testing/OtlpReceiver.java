package dev.moa.testing;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP trace receiver on loopback: accepts {@code POST /v1/traces} with a protobuf
 * {@code ExportTraceServiceRequest} (gzipped or not), as a collector would, and keeps every span it decoded. The
 * decoding is the OTLP protobuf schema's own field numbers (opentelemetry-proto's trace.proto, common.proto), read
 * with a small wire-format reader: no generated classes needed.
 */
public final class OtlpReceiver implements AutoCloseable {

    /** One span as exported. {@code kind}: 1 internal, 2 server, 3 client; {@code statusCode}: 0 unset, 2 error. */
    public record Span(String traceId, String spanId, String parentSpanId, String name, int kind,
                       Map<String, Object> attributes, int statusCode, String statusMessage, List<String> events) {

        public Object attribute(String key) {
            return attributes.get(key);
        }
    }

    private final HttpServer server;
    private final List<Span> spans = new CopyOnWriteArrayList<>();
    private final List<String> paths = new CopyOnWriteArrayList<>();
    /** Closed while exports are held: a held export is received (its spans kept) but not answered until opened. */
    private volatile java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(0);
    private final java.util.concurrent.Semaphore held = new java.util.concurrent.Semaphore(0);

    public OtlpReceiver() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newFixedThreadPool(2));
        server.createContext("/", exchange -> {
            try (exchange) {
                paths.add(exchange.getRequestURI().getPath());
                InputStream body = exchange.getRequestBody();
                if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                    body = new GZIPInputStream(body);
                }
                byte[] bytes = body.readAllBytes();
                if (exchange.getRequestURI().getPath().endsWith("/v1/traces")) {
                    spans.addAll(decodeRequest(bytes));
                    java.util.concurrent.CountDownLatch closed = gate;
                    if (closed.getCount() > 0) {
                        held.release();
                        closed.await(2, java.util.concurrent.TimeUnit.MINUTES);
                    }
                }
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1);
            } catch (RuntimeException e) {
                exchange.sendResponseHeaders(400, -1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
    }

    /** Where an exporter sends traces (the base URL; OTLP/HTTP appends {@code /v1/traces}). */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<Span> spans() {
        return List.copyOf(spans);
    }

    public List<String> paths() {
        return List.copyOf(paths);
    }

    /** From now on, exports are received but not answered until {@link #release()}: a collector that is slow. */
    public void hold() {
        gate = new java.util.concurrent.CountDownLatch(1);
    }

    /** Answers the held exports, and the next ones at once. */
    public void release() {
        gate.countDown();
    }

    /** Waits (at most 60 s) until an export is being held; false if none came. */
    public boolean awaitHeld() throws InterruptedException {
        return held.tryAcquire(60, java.util.concurrent.TimeUnit.SECONDS);
    }

    public void reset() {
        spans.clear();
        paths.clear();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    // --- protobuf wire format ---

    private static List<Span> decodeRequest(byte[] bytes) {
        List<Span> out = new ArrayList<>();
        for (Field resourceSpans : fields(bytes)) {
            if (resourceSpans.number == 1) {
                for (Field scopeSpans : fields(resourceSpans.bytes)) {
                    if (scopeSpans.number == 2) {
                        for (Field span : fields(scopeSpans.bytes)) {
                            if (span.number == 2) {
                                out.add(span(span.bytes));
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private static Span span(byte[] bytes) {
        String traceId = "";
        String spanId = "";
        String parent = "";
        String name = "";
        int kind = 0;
        Map<String, Object> attributes = new LinkedHashMap<>();
        int code = 0;
        String message = "";
        List<String> events = new ArrayList<>();
        for (Field f : fields(bytes)) {
            switch (f.number) {
                case 1 -> traceId = HexFormat.of().formatHex(f.bytes);
                case 2 -> spanId = HexFormat.of().formatHex(f.bytes);
                case 4 -> parent = HexFormat.of().formatHex(f.bytes);
                case 5 -> name = new String(f.bytes, StandardCharsets.UTF_8);
                case 6 -> kind = (int) f.value;
                case 9 -> {
                    Map.Entry<String, Object> kv = keyValue(f.bytes);
                    attributes.put(kv.getKey(), kv.getValue());
                }
                case 11 -> {
                    for (Field e : fields(f.bytes)) {
                        if (e.number == 2) {
                            events.add(new String(e.bytes, StandardCharsets.UTF_8));
                        }
                    }
                }
                case 15 -> {
                    for (Field s : fields(f.bytes)) {
                        if (s.number == 2) {
                            message = new String(s.bytes, StandardCharsets.UTF_8);
                        } else if (s.number == 3) {
                            code = (int) s.value;
                        }
                    }
                }
                default -> { }
            }
        }
        return new Span(traceId, spanId, parent, name, kind, attributes, code, message, events);
    }

    private static Map.Entry<String, Object> keyValue(byte[] bytes) {
        String key = "";
        Object value = null;
        for (Field f : fields(bytes)) {
            if (f.number == 1) {
                key = new String(f.bytes, StandardCharsets.UTF_8);
            } else if (f.number == 2) {
                value = anyValue(f.bytes);
            }
        }
        return Map.entry(key, value == null ? "" : value);
    }

    private static Object anyValue(byte[] bytes) {
        for (Field f : fields(bytes)) {
            switch (f.number) {
                case 1: return new String(f.bytes, StandardCharsets.UTF_8);
                case 2: return f.value != 0;
                case 3: return f.value;
                case 4: return Double.longBitsToDouble(f.value);
                case 5: {
                    List<Object> values = new ArrayList<>();
                    for (Field v : fields(f.bytes)) {
                        if (v.number == 1) {
                            values.add(anyValue(v.bytes));
                        }
                    }
                    return values;
                }
                default: break;
            }
        }
        return "";
    }

    /** One field: its number, and its bytes (length-delimited) or its value (varint, fixed64, fixed32). */
    private record Field(int number, long value, byte[] bytes) {
    }

    private static List<Field> fields(byte[] bytes) {
        List<Field> fields = new ArrayList<>();
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        while (in.hasRemaining()) {
            long tag = varint(in);
            int number = (int) (tag >>> 3);
            int type = (int) (tag & 7);
            switch (type) {
                case 0 -> fields.add(new Field(number, varint(in), null));
                case 1 -> fields.add(new Field(number, in.getLong(), null));
                case 2 -> {
                    byte[] value = new byte[(int) varint(in)];
                    in.get(value);
                    fields.add(new Field(number, 0, value));
                }
                case 5 -> fields.add(new Field(number, in.getInt() & 0xffffffffL, null));
                default -> throw new IllegalArgumentException("wire type " + type);
            }
        }
        return fields;
    }

    private static long varint(ByteBuffer in) {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.get();
            result |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new IllegalArgumentException("varint too long");
    }
}
