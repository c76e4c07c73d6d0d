package dev.moa.provider.bedrock;

import dev.moa.provider.UpstreamFailure;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.async.AsyncExecuteRequest;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.async.SdkAsyncHttpResponseHandler;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * The SDK's HTTP client with the provider's {@code max_response_bytes}: each response body is counted as it arrives,
 * and one byte over the limit cancels it (the connection is dropped) and fails the call with
 * {@link UpstreamFailure.Kind#RESPONSE_TOO_LARGE}, before the SDK has buffered more than the limit. Converse bodies
 * and ConverseStream event streams alike: an endless body costs bounded memory, as on the other protocols.
 * A JSON body (Converse's answer, an error) has its invalid UTF-8 replaced with U+FFFD on the way, as the other
 * protocols' clients decode, so a stray byte costs a character instead of the whole answer (the SDK's parser would
 * refuse the body). Event streams are left alone: their frames carry checksums over the bytes.
 */
final class BoundedHttpClient implements SdkAsyncHttpClient {

    private final SdkAsyncHttpClient delegate;
    private final long maxBytes;

    BoundedHttpClient(SdkAsyncHttpClient delegate, long maxBytes) {
        this.delegate = delegate;
        this.maxBytes = maxBytes;
    }

    @Override
    public CompletableFuture<Void> execute(AsyncExecuteRequest request) {
        SdkAsyncHttpResponseHandler handler = request.responseHandler();
        return delegate.execute(AsyncExecuteRequest.builder().request(request.request())
                .requestContentPublisher(request.requestContentPublisher())
                .metricCollector(request.metricCollector().orElse(null))
                .fullDuplex(request.fullDuplex())
                .httpExecutionAttributes(request.httpExecutionAttributes())
                .responseHandler(new SdkAsyncHttpResponseHandler() {
            private boolean json;

            @Override
            public void onHeaders(SdkHttpResponse headers) {
                json = headers.firstMatchingHeader("Content-Type")
                        .map(type -> !type.startsWith("application/vnd.amazon.eventstream")).orElse(true);
                handler.onHeaders(headers);
            }

            @Override
            public void onStream(Publisher<ByteBuffer> stream) {
                handler.onStream(subscriber -> stream.subscribe(
                        new Counting(json ? new Utf8Repairing(subscriber) : subscriber)));
            }

            @Override
            public void onError(Throwable error) {
                handler.onError(error);
            }
        }).build());
    }

    @Override
    public String clientName() {
        return delegate.clientName();
    }

    /** The shared client is closed by its owner ({@link BedrockClients}), not by each SDK client using it. */
    @Override
    public void close() {
    }

    /** Passes the body on while it stays within the limit. */
    private final class Counting implements Subscriber<ByteBuffer> {
        private final Subscriber<? super ByteBuffer> downstream;
        private Subscription subscription;
        private long total;
        private boolean over;

        Counting(Subscriber<? super ByteBuffer> downstream) {
            this.downstream = downstream;
        }

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
            downstream.onSubscribe(s);
        }

        @Override
        public void onNext(ByteBuffer buffer) {
            if (over) {
                return;
            }
            total += buffer.remaining();
            if (total > maxBytes) {
                over = true;
                subscription.cancel();
                downstream.onError(UpstreamFailure.responseTooLarge(maxBytes));
                return;
            }
            downstream.onNext(buffer);
        }

        @Override
        public void onError(Throwable error) {
            if (!over) {
                downstream.onError(error);
            }
        }

        @Override
        public void onComplete() {
            if (!over) {
                downstream.onComplete();
            }
        }
    }

    /**
     * Re-encodes a body as UTF-8 with every malformed sequence replaced by U+FFFD; valid UTF-8 passes unchanged. A
     * sequence split between two buffers is carried to the next one. One buffer out for each buffer in, so demand
     * passes through as it is; a body cut inside a sequence adds its U+FFFD before completing (the SDK reads whole
     * bodies with unbounded demand).
     */
    static final class Utf8Repairing implements Subscriber<ByteBuffer> {
        private final Subscriber<? super ByteBuffer> downstream;
        private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        private ByteBuffer carried = ByteBuffer.allocate(0);

        Utf8Repairing(Subscriber<? super ByteBuffer> downstream) {
            this.downstream = downstream;
        }

        @Override
        public void onSubscribe(Subscription s) {
            downstream.onSubscribe(s);
        }

        @Override
        public void onNext(ByteBuffer buffer) {
            ByteBuffer in = ByteBuffer.allocate(carried.remaining() + buffer.remaining()).put(carried).put(buffer).flip();
            CharBuffer out = CharBuffer.allocate((int) (in.remaining() * (double) decoder.maxCharsPerByte()) + 1);
            decoder.decode(in, out, false);
            carried = in;
            downstream.onNext(StandardCharsets.UTF_8.encode(out.flip()));
        }

        @Override
        public void onError(Throwable error) {
            downstream.onError(error);
        }

        @Override
        public void onComplete() {
            if (carried.hasRemaining()) {
                try {
                    downstream.onNext(StandardCharsets.UTF_8.encode(decoder.decode(carried)));
                } catch (CharacterCodingException e) {
                    downstream.onError(e);
                    return;
                }
            }
            downstream.onComplete();
        }
    }
}
