package dev.moa.api;

import dev.moa.LogText;
import io.smallrye.mutiny.subscription.MultiSubscriber;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.Provider;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.core.ResteasyReactiveRequestContext;
import org.jboss.resteasy.reactive.server.spi.ResteasyReactiveResourceInfo;
import org.jboss.resteasy.reactive.server.spi.ServerHttpResponse;
import org.jboss.resteasy.reactive.server.spi.ServerMessageBodyWriter;
import org.jboss.resteasy.reactive.server.spi.ServerRequestContext;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Flow;

/**
 * Writes an {@link EventStreamBody} as it is produced: each frame is one write (one HTTP chunk), the next is
 * asked for when the previous one is written. The client going away cancels the frames, and with them the
 * upstream call. On Lambda behind API Gateway the platform still buffers the whole body; the code is the same.
 */
@Provider
@Produces(MediaType.SERVER_SENT_EVENTS)
public class EventStreamWriter implements ServerMessageBodyWriter<EventStreamBody> {

    private static final Logger LOG = Logger.getLogger(EventStreamWriter.class);

    @Override
    public boolean isWriteable(Class<?> type, Type genericType, ResteasyReactiveResourceInfo target,
                               MediaType mediaType) {
        return EventStreamBody.class.isAssignableFrom(type);
    }

    @Override
    public boolean isWriteable(Class<?> type, Type genericType, Annotation[] annotations, MediaType mediaType) {
        return EventStreamBody.class.isAssignableFrom(type);
    }

    @Override
    public void writeResponse(EventStreamBody body, Type genericType, ServerRequestContext context) {
        ResteasyReactiveRequestContext request = (ResteasyReactiveRequestContext) context;
        // Like RESTEasy's own streaming: the request stays open until the last frame, then we close it.
        request.suspend();
        ServerHttpResponse response = context.serverResponse();
        response.setChunked(true);
        body.frames().subscribe().withSubscriber(new FrameWriter(request, response, body));
    }

    /** Used only where RESTEasy wants a blocking writer (writer interceptors): frames are written in turn. */
    @Override
    public void writeTo(EventStreamBody body, Class<?> type, Type genericType, Annotation[] annotations,
                        MediaType mediaType, MultivaluedMap<String, Object> headers, OutputStream out)
            throws IOException {
        for (String frame : body.frames().subscribe().asIterable()) {
            out.write(frame.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private static final class FrameWriter implements MultiSubscriber<String> {
        private final ResteasyReactiveRequestContext request;
        private final ServerHttpResponse response;
        private final EventStreamBody body;
        private volatile Flow.Subscription subscription;
        private volatile boolean finished;

        FrameWriter(ResteasyReactiveRequestContext request, ServerHttpResponse response, EventStreamBody body) {
            this.request = request;
            this.response = response;
            this.body = body;
            response.addCloseHandler(() -> {
                Flow.Subscription s = subscription;
                if (!finished && s != null) {
                    finished = true;
                    disconnected();
                    s.cancel();
                    request.close();
                }
            });
        }

        /** Once per request (the {@code finished} flag): a client leaving mid-stream is an event, not an error. */
        private void disconnected() {
            LOG.infof("client_disconnected: the client closed the connection mid-stream (%s %s); the answer's calls "
                    + "are cancelled", request.getMethod(), LogText.escape(request.getPath()));
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onItem(String frame) {
            response.write(frame.getBytes(StandardCharsets.UTF_8)).whenComplete((ignored, failure) -> {
                if (failure == null) {
                    subscription.request(1);
                } else if (!finished) {
                    finished = true;
                    disconnected();
                    subscription.cancel();
                    request.close();
                }
            });
        }

        @Override
        public void onFailure(Throwable failure) {
            if (finished) {
                return;
            }
            finished = true;
            if (!response.headWritten()) {
                EventStreamBody.ErrorReply reply = body.failed().apply(failure);
                // Headers of the streaming Response must not be applied to the error reply: it names its own.
                response.setPreCommitListener(null);
                response.setStatusCode(reply.status());
                response.setResponseHeader("Content-Type", MediaType.APPLICATION_JSON);
                reply.headers().forEach(response::setResponseHeader);
                response.end(reply.json());
            } else {
                response.end();
            }
            request.close();
        }

        @Override
        public void onCompletion() {
            if (finished) {
                return;
            }
            finished = true;
            response.end();
            request.close();
        }
    }
}
