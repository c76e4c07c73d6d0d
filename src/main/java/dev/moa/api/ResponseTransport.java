package dev.moa.api;

import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Whether this build's HTTP transport passes a response on as it is written. The server build's Vert.x server
 * does (this default); the Lambda build's does not ({@code dev.moa.lambda}): quarkus-amazon-lambda-http, the
 * runtime client and API Gateway's HTTP API all buffer, so there a streamed answer is collected and sent whole.
 */
@DefaultBean
@ApplicationScoped
public class ResponseTransport {

    public boolean streams() {
        return true;
    }
}
