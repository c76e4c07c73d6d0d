package dev.moa.lambda;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.moa.batch.EventOrigin;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.ContextNotActiveException;
import jakarta.enterprise.inject.Instance;

import java.util.Optional;

/** The Lambda build: the API id of the API Gateway event being served (none outside an invocation). */
@ApplicationScoped
public class LambdaEventOrigin extends EventOrigin {

    private final Instance<APIGatewayV2HTTPEvent> event;

    public LambdaEventOrigin(Instance<APIGatewayV2HTTPEvent> event) {
        this.event = event;
    }

    @Override
    public Optional<String> apiId() {
        APIGatewayV2HTTPEvent request;
        try {
            request = event.isResolvable() ? event.get() : null;
        } catch (ContextNotActiveException | IllegalStateException notALambdaEvent) {
            request = null;
        }
        return request == null || request.getRequestContext() == null ? Optional.empty()
                : Optional.ofNullable(request.getRequestContext().getApiId());
    }
}
