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
import java.util.concurrent.CompletableFuture;

/**
 * The SDK's HTTP client with the provider's {@code max_response_bytes}: each response body is counted as it arrives,
 * and one byte over the limit cancels it (the connection is dropped) and fails the call with
 * {@link UpstreamFailure.Kind#RESPONSE_TOO_LARGE}, before the SDK has buffered more than the limit. Converse bodies
 * and ConverseStream event streams alike: an endless body costs bounded memory, as on the other protocols.
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
            @Override
            public void onHeaders(SdkHttpResponse headers) {
                handler.onHeaders(headers);
            }

            @Override
            public void onStream(Publisher<ByteBuffer> stream) {
                handler.onStream(subscriber -> stream.subscribe(new Counting(subscriber)));
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
}
