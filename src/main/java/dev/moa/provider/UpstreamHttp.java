package dev.moa.provider;

import io.smallrye.mutiny.Uni;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * HTTP for provider clients, on Vert.x' client (pooled, keep-alive, non-blocking): a POST whose answer is read
 * with a size limit, whole ({@link #post}) or as server-sent events ({@link #events}). The body is collected chunk by chunk as it arrives; one byte over the limit and the request
 * is reset (its connection closed) and the call fails with {@link UpstreamFailure.Kind#RESPONSE_TOO_LARGE} — a
 * hostile or broken upstream never makes us buffer more than the limit. Cancelling the returned {@link Uni}
 * also resets the request.
 */
public final class UpstreamHttp {

    private static final int CONNECT_TIMEOUT_MS = 5_000;

    /**
     * A complete answer: status, headers and the whole body. The headers are Vert.x' own (names matched in any
     * case), not copied: an answer's are rarely read (a failure's {@code retry-after}).
     */
    public record Reply(int status, MultiMap headers, Buffer body) {

        /** The first value of the header, whatever the case of its name; null when absent. */
        public String header(String name) {
            return headers.get(name);
        }
    }

    private final HttpClient client;

    public UpstreamHttp(Vertx vertx) {
        // Not traced by Vert.x: each call's span is the engine's GenAI span, whose traceparent the call carries.
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MS)
                .setKeepAlive(true).setMaxPoolSize(64).setTryUseCompression(false)
                .setTracingPolicy(io.vertx.core.tracing.TracingPolicy.IGNORE));
    }

    /**
     * @param headers  request headers (the caller's auth header among them: never logged here)
     * @param maxBytes the most body bytes to accept
     */
    public Uni<Reply> post(URI url, Map<String, String> headers, Buffer body, long maxBytes) {
        return Uni.createFrom().emitter(emitter -> {
            InFlight call = new InFlight();
            emitter.onTermination(call::cancel);
            client.request(postOptions(url, headers))
                    .onFailure(f -> emitter.fail(UpstreamFailure.connection(describe(f))))
                    .onSuccess(request -> {
                        call.sent.set(request);
                        quiet(request);
                        request.send(body).onFailure(f -> emitter.fail(UpstreamFailure.connection(describe(f))))
                                .onSuccess(response -> read(response, request, maxBytes, call.settled, emitter));
                    });
        });
    }

    /** One SSE line (one event) may not exceed this; real events are well under 1 KB. */
    public static final int MAX_EVENT_BYTES = 256 * 1024;
    /** The most of an error body (non-2xx answer to a streamed call) that is kept for its message. */
    private static final int MAX_ERROR_BODY_BYTES = 64 * 1024;

    /** A non-2xx answer to a streamed call: its status, headers and the start of its body. */
    public static final class ErrorReply extends RuntimeException {
        private final Reply reply;

        ErrorReply(Reply reply) {
            super("HTTP " + reply.status(), null, false, false);
            this.reply = reply;
        }

        public Reply reply() {
            return reply;
        }
    }

    /**
     * A POST whose answer is a {@code text/event-stream}: each event's {@code data} as it arrives, bounded as
     * {@link SseDecoder} bounds it (an event over {@link #MAX_EVENT_BYTES}, a body over {@code maxBytes}). A non-2xx
     * answer fails with {@link ErrorReply}; a broken connection with {@link UpstreamFailure.Kind#CONNECTION}.
     * Cancelling the subscription resets the request (its connection closed), so the upstream stops generating.
     */
    public io.smallrye.mutiny.Multi<String> events(URI url, Map<String, String> headers, Buffer body, long maxBytes) {
        return io.smallrye.mutiny.Multi.createFrom().emitter(emitter -> {
            InFlight call = new InFlight();
            AtomicBoolean settled = call.settled;
            emitter.onTermination(call::cancel);
            java.util.function.Consumer<Throwable> fail = f -> {
                if (settled.compareAndSet(false, true)) {
                    emitter.fail(f);
                }
            };
            client.request(postOptions(url, headers))
                    .onFailure(f -> fail.accept(UpstreamFailure.connection(describe(f))))
                    .onSuccess(request -> {
                        call.sent.set(request);
                        quiet(request);
                        request.send(body).onFailure(f -> fail.accept(UpstreamFailure.connection(describe(f))))
                                .onSuccess(response -> {
                                    response.exceptionHandler(f -> fail.accept(UpstreamFailure.connection(
                                            "the stream broke: " + describe(f))));
                                    if (response.statusCode() < 200 || response.statusCode() >= 300) {
                                        Buffer start = Buffer.buffer();
                                        response.handler(chunk -> start.appendBuffer(chunk, 0,
                                                Math.min(chunk.length(), MAX_ERROR_BODY_BYTES - start.length())));
                                        response.endHandler(done -> fail.accept(new ErrorReply(
                                                new Reply(response.statusCode(), response.headers(), start))));
                                        return;
                                    }
                                    SseDecoder decoder = new SseDecoder(MAX_EVENT_BYTES, maxBytes, emitter::emit);
                                    response.handler(chunk -> {
                                        if (settled.get()) {
                                            return;
                                        }
                                        try {
                                            decoder.feed(chunk.getBytes());
                                        } catch (UpstreamFailure | IllegalStateException failure) {
                                            fail.accept(failure); // first: the reset below also ends the response
                                            request.reset();
                                        }
                                    });
                                    response.endHandler(done -> {
                                        try {
                                            decoder.end();
                                        } catch (UpstreamFailure | IllegalStateException failure) {
                                            fail.accept(failure);
                                            return;
                                        }
                                        if (settled.compareAndSet(false, true)) {
                                            emitter.complete();
                                        }
                                    });
                                });
                    });
        });
    }

    /**
     * A call's request once sent, and whether the call has settled (answered, failed or cancelled). Cancelled while
     * running (timeout, straggler, layer end, a hedge that lost, a client gone), the call resets its request: the
     * connection closes and the upstream stops generating.
     */
    private static final class InFlight {
        final AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        final AtomicBoolean settled = new AtomicBoolean();

        void cancel() {
            HttpClientRequest request = sent.get();
            if (request != null && settled.compareAndSet(false, true)) {
                request.reset();
            }
        }
    }

    private static RequestOptions postOptions(URI url, Map<String, String> headers) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url.toString());
        headers.forEach(options::putHeader);
        return options;
    }

    /**
     * A request's own failures reach the caller through {@code send}'s future; without a handler Vert.x would also
     * log each at ERROR — among them the reset of a call we cancelled ourselves (a client that went away, a straggler,
     * a hedge that lost), which is no error.
     */
    public static void quiet(HttpClientRequest request) {
        request.exceptionHandler(ignored -> {
        });
    }

    private static void read(HttpClientResponse response, HttpClientRequest request, long maxBytes, AtomicBoolean over,
                             io.smallrye.mutiny.subscription.UniEmitter<? super Reply> emitter) {
        String declared = response.getHeader("content-length");
        if (declared != null && parseLong(declared) > maxBytes) {
            tooLarge(request, maxBytes, over, emitter);
            return;
        }
        Buffer collected = Buffer.buffer();
        response.handler(chunk -> {
            if (over.get()) {
                return; // settled: too large, failed or cancelled
            }
            if ((long) collected.length() + chunk.length() > maxBytes) {
                tooLarge(request, maxBytes, over, emitter);
                return;
            }
            collected.appendBuffer(chunk);
        });
        response.exceptionHandler(f -> {
            if (over.compareAndSet(false, true)) {
                emitter.fail(UpstreamFailure.connection(describe(f)));
            }
        });
        response.endHandler(done -> {
            if (over.compareAndSet(false, true)) {
                emitter.complete(new Reply(response.statusCode(), response.headers(), collected));
            }
        });
    }

    private static void tooLarge(HttpClientRequest request, long maxBytes, AtomicBoolean over,
                                 io.smallrye.mutiny.subscription.UniEmitter<? super Reply> emitter) {
        if (over.compareAndSet(false, true)) {
            request.reset();
            emitter.fail(UpstreamFailure.responseTooLarge(maxBytes));
        }
    }

    private static long parseLong(String value) {
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The root cause's class and message; callers redact it before it goes anywhere. */
    public static String describe(Throwable failure) {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
