package dev.moa.lambda;

import dev.moa.api.ResponseTransport;
import jakarta.enterprise.context.ApplicationScoped;

/** The Lambda build: the platform buffers every response, so streamed answers are collected first. */
@ApplicationScoped
public class BufferedTransport extends ResponseTransport {

    @Override
    public boolean streams() {
        return false;
    }
}
