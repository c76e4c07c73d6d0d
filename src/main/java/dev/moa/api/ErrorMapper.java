package dev.moa.api;

import dev.moa.LogText;
import dev.moa.engine.LayerFailedException;
import dev.moa.limits.LimitRefusal;
import dev.moa.limits.LimitStoreUnavailableException;
import dev.moa.mix.InvalidDocumentException;
import dev.moa.model.MoaError;
import dev.moa.store.StoreUnavailableException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every failure leaves as an OpenAI error object with a JSON content type; never HTML, never a stack trace. A
 * failure is first given its meaning ({@link #meaning}: a {@link MoaError}, logged where an operator should see it),
 * then written in OpenAI's words ({@link ErrorBody#of}); the Messages adapter writes the same meaning in Anthropic's.
 */
public class ErrorMapper {

    private static final Logger LOG = Logger.getLogger(ErrorMapper.class);

    /**
     * A client key's limits refused the request: its status, {@code Retry-After} when waiting helps, the key's limit
     * headers. A refusal that waiting cannot cure tells OpenAI's SDKs not to retry ({@code x-should-retry}).
     */
    @ServerExceptionMapper
    public Response limitRefused(LimitRefusal refusal) {
        if (refusal.kind() == LimitRefusal.Kind.MIX_NOT_ALLOWED) {
            return moaError(MoaError.unknownModel(refusal.getMessage()));
        }
        if (refusal.kind() == LimitRefusal.Kind.INVALID_KEY_DOCUMENT) {
            LOG.warn(LogText.escape(refusal.getMessage()));
        }
        Response.ResponseBuilder response = Response.status(refusal.kind().status())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(new ErrorBody.Detail(refusal.getMessage(), refusal.kind().type(), null,
                        refusal.kind().code())));
        return limitHeaders(refusal, response).build();
    }

    /**
     * A limit refusal's headers, on every protocol: the key's limit headers, and {@code Retry-After} when waiting
     * helps, else {@code x-should-retry: false}.
     */
    public static Response.ResponseBuilder limitHeaders(LimitRefusal refusal, Response.ResponseBuilder response) {
        refusal.headers().forEach(response::header);
        refusal.retryAfter().ifPresentOrElse(wait -> response.header("Retry-After", retryAfter(wait)),
                () -> response.header("x-should-retry", "false"));
        return response;
    }

    /** {@code Retry-After} in whole seconds, at least 1. */
    public static String retryAfter(java.time.Duration wait) {
        return Long.toString(Math.max(1, (wait.toMillis() + 999) / 1000));
    }

    /** A failure by meaning, in OpenAI's words. */
    @ServerExceptionMapper
    public Response moaError(MoaError error) {
        Response.ResponseBuilder response = Response.status(error.status()).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ErrorBody.of(error));
        error.retryAfter().ifPresent(after -> response.header("Retry-After", retryAfter(after)));
        return response.build();
    }

    /** Any failure as OpenAI's error response, as the mappers answer it (an adapter answering a failure itself). */
    public static Response response(Throwable failure) {
        return new ErrorMapper().of(failure);
    }

    /** Any failure as the mapper for its type answers it (a streamed answer's or a batch line's failure). */
    public Response of(Throwable failure) {
        if (failure instanceof LimitRefusal e) {
            return limitRefused(e);
        }
        if (failure instanceof WebApplicationException e) {
            return webError(e);
        }
        return moaError(meaning(failure));
    }

    /**
     * What a failure means to the client, whatever the protocol: the mix's and the stores' failures by kind, logged
     * (their messages name documents, agents and causes, never a value); anything unexpected as a bare server error.
     */
    public static MoaError meaning(Throwable failure) {
        if (failure instanceof MoaError e) {
            return e;
        }
        if (failure instanceof LimitRefusal e) {
            return refusalMeaning(e);
        }
        if (failure instanceof LayerFailedException e) {
            // 504 when time ran out with too few answers, 502 when the upstreams failed.
            LOG.warn(LogText.escape(e.getMessage()));
            return e.outOfTime()
                    ? new MoaError(MoaError.Kind.TIMEOUT, null, "deadline_exceeded", e.getMessage())
                    : new MoaError(MoaError.Kind.UPSTREAM, null, "upstream_failed", e.getMessage());
        }
        if (failure instanceof InvalidDocumentException e) {
            LOG.warn(LogText.escape(e.getMessage()));
            return new MoaError(MoaError.Kind.SERVER, "model", "invalid_mix_document", e.getMessage());
        }
        if (failure instanceof StoreUnavailableException e) {
            // SSM could not be read and no earlier copy exists; the message names what was read, never a value.
            LOG.warn(LogText.escape(e.getMessage()));
            return new MoaError(MoaError.Kind.UNAVAILABLE, null, "store_unavailable",
                    "The mix store is unavailable right now; please retry. " + e.getMessage());
        }
        if (failure instanceof LimitStoreUnavailableException e) {
            // The limit store failed where no refusal rule applies (reading a key's usage).
            LOG.warn(LogText.escape(e.getMessage()));
            return new MoaError(MoaError.Kind.UNAVAILABLE, null, "limits_unavailable",
                    "The limit store is unavailable right now; please retry.");
        }
        // The class only: a message could carry anything, and logs must never carry a key.
        LOG.errorf("unexpected %s while serving a request", failure.getClass().getName());
        return new MoaError(MoaError.Kind.SERVER, null, null, "The server had an error while processing your request.");
    }

    /** A client key's limits refused the request: what that means, whatever the protocol. */
    private static MoaError refusalMeaning(LimitRefusal refusal) {
        if (refusal.kind() == LimitRefusal.Kind.MIX_NOT_ALLOWED) {
            return MoaError.unknownModel(refusal.getMessage()); // a mix outside the key's is no mix at all
        }
        if (refusal.kind() == LimitRefusal.Kind.INVALID_KEY_DOCUMENT) {
            LOG.warn(LogText.escape(refusal.getMessage()));
        }
        MoaError.Kind kind = switch (refusal.kind()) {
            case MIX_NOT_ALLOWED -> MoaError.Kind.NOT_FOUND;
            case REQUESTS_PER_MINUTE, TOKENS_PER_MINUTE, BUDGET -> MoaError.Kind.RATE_LIMITED;
            case MAX_COST, UNPRICED_AGENT -> MoaError.Kind.INVALID_REQUEST;
            case UNAVAILABLE -> MoaError.Kind.UNAVAILABLE;
            case INVALID_KEY_DOCUMENT -> MoaError.Kind.SERVER;
        };
        return new MoaError(kind, null, refusal.kind().code(), refusal.getMessage(),
                refusal.retryAfter().orElse(null));
    }

    @ServerExceptionMapper
    public Response invalidDocument(InvalidDocumentException error) {
        return moaError(meaning(error));
    }

    @ServerExceptionMapper
    public Response storeUnavailable(StoreUnavailableException error) {
        return moaError(meaning(error));
    }

    @ServerExceptionMapper
    public Response limitsUnavailable(LimitStoreUnavailableException error) {
        return moaError(meaning(error));
    }

    @ServerExceptionMapper
    public Response layerFailed(LayerFailedException error) {
        return moaError(meaning(error));
    }

    /**
     * The framework's own refusals. A 404 is a sub-path of a real route ({@code /v1/chat/completions/x}), a 405 a
     * method a real path does not serve ({@code POST /v1/responses/x}): both are unknown URLs ({@link UnknownUrl}),
     * in Anthropic's shape under {@code /v1/messages}, whose resource-local mapper never sees a URL no method matched.
     */
    @ServerExceptionMapper
    public Response routeError(WebApplicationException error, jakarta.ws.rs.core.UriInfo uri,
                               jakarta.ws.rs.core.Request request) {
        int status = error.getResponse().getStatus();
        if (status == 404 || error instanceof NotAllowedException) {
            Response unknown = UnknownUrl.response(status, request.getMethod(), uri.getPath());
            String allow = error.getResponse().getHeaderString(HttpHeaders.ALLOW);
            return allow == null ? unknown : Response.fromResponse(unknown).header(HttpHeaders.ALLOW, allow).build();
        }
        Response openAi = webError(error);
        if (!MessagesPaths.matches("/" + uri.getPath().replaceFirst("^/", ""))) {
            return openAi;
        }
        return AnthropicErrorBody.response(status, AnthropicErrorBody.typeOf(status), webMessage(status));
    }

    public Response webError(WebApplicationException error) {
        int status = error.getResponse().getStatus();
        return json(status, new ErrorBody(new ErrorBody.Detail(webMessage(status),
                status >= 500 ? "server_error" : "invalid_request_error", null, null)));
    }

    /** What the framework's own refusal with this status says, on every protocol. */
    public static String webMessage(int status) {
        return switch (status) {
            case 404 -> "Not found.";
            case 405 -> "Method not allowed for this URL.";
            case 406 -> "Cannot produce a response in the requested media type.";
            case 413 -> "The request body is too large.";
            case 415 -> "Unsupported content type.";
            default -> status >= 500 ? "The server had an error while processing your request." : "Bad request.";
        };
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable error) {
        return moaError(meaning(error));
    }

    private static Response json(int status, ErrorBody body) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(body).build();
    }
}
