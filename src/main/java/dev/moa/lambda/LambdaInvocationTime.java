package dev.moa.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import dev.moa.api.InvocationTime;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.ContextNotActiveException;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.core.HttpHeaders;

import java.time.Duration;
import java.util.Optional;

/**
 * The Lambda build (quarkus-amazon-lambda-http): the invocation's remaining time from Lambda's own context. The
 * only class that names the Lambda runtime's types; the server build leaves this package out.
 */
@ApplicationScoped
public class LambdaInvocationTime implements InvocationTime {

    private final Instance<Context> lambda;

    public LambdaInvocationTime(Instance<Context> lambda) {
        this.lambda = lambda;
    }

    @Override
    public Optional<Duration> remaining(HttpHeaders ignored) {
        long remaining;
        try {
            Context context = lambda.isResolvable() ? lambda.get() : null;
            remaining = context == null ? -1 : context.getRemainingTimeInMillis();
        } catch (ContextNotActiveException outsideARequest) {
            // the embedded batch runner works on its own threads, outside any Lambda request
            remaining = -1;
        }
        return remaining > 0 ? Optional.of(Duration.ofMillis(remaining)) : Optional.empty();
    }
}
