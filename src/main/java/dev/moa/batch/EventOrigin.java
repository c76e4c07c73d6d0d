package dev.moa.batch;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Optional;

/**
 * The {@code requestContext.apiId} of the Lambda event being served, if the request is one: what tells the state
 * machine's own events apart ({@link StateMachineResource}). The Lambda build reads it from the event
 * ({@code dev.moa.lambda}); elsewhere (the server build) no request is a Lambda event, so there is none.
 */
@DefaultBean
@ApplicationScoped
public class EventOrigin {

    public Optional<String> apiId() {
        return Optional.empty();
    }
}
