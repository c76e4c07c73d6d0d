package dev.moa.api;

import jakarta.ws.rs.core.HttpHeaders;

import java.time.Duration;
import java.util.Optional;

/**
 * How much time the platform leaves the current request, where it says so: Lambda's invocation context in the
 * Lambda build ({@code dev.moa.lambda}), the Lambda Web Adapter's {@code x-amzn-lambda-context} header in the
 * server build. Empty when nothing says: {@code moa.deadline} alone applies.
 */
public interface InvocationTime {

    /** @param request the request's headers; {@code null} for work that is no HTTP request (a batch line) */
    Optional<Duration> remaining(HttpHeaders request);
}
