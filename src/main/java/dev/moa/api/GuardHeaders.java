package dev.moa.api;

import dev.moa.gateway.CallContext;
import jakarta.ws.rs.core.Response;

import java.util.Map;

/**
 * What the gateway's guards noted for an answer — a client key's {@code x-ratelimit-*} and
 * {@code x-moa-budget-remaining-usd} headers — put on any adapter's response, an error response after admission
 * too. Where the answer is sent whole, the request has settled by then, so the headers count it.
 */
public final class GuardHeaders {

    private GuardHeaders() {
    }

    public static Response added(Response response, CallContext context) {
        Map<String, String> headers = context.notes().headers();
        if (headers.isEmpty()) {
            return response;
        }
        Response.ResponseBuilder builder = Response.fromResponse(response);
        // Replaced, not added: a header of the same name on the response is not sent twice.
        headers.forEach((name, value) -> builder.header(name, null).header(name, value));
        return builder.build();
    }
}
