package dev.moa.provider.bedrock;

import dev.moa.provider.UpstreamFailure;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.bedrockruntime.model.AccessDeniedException;
import software.amazon.awssdk.services.bedrockruntime.model.BedrockRuntimeException;
import software.amazon.awssdk.services.bedrockruntime.model.InternalServerException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelNotReadyException;
import software.amazon.awssdk.services.bedrockruntime.model.ModelTimeoutException;
import software.amazon.awssdk.services.bedrockruntime.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrockruntime.model.ServiceUnavailableException;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Bedrock's exceptions as {@link UpstreamFailure}s. Each gets the HTTP status its type stands for, so that a failure
 * arriving inside a 200 event stream is classified like the same failure as a response: throttling, unavailability,
 * model timeouts and internal errors may be retried; validation and access errors may not.
 */
final class BedrockFailures {


    private BedrockFailures() {
    }

    static UpstreamFailure of(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        // Ours, raised inside the SDK's pipeline (a body over max_response_bytes) and wrapped by it.
        for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof UpstreamFailure upstream) {
                return upstream;
            }
        }
        if (cause instanceof BedrockRuntimeException bedrock) {
            int status = statusOf(bedrock);
            String code = bedrock.awsErrorDetails() != null && bedrock.awsErrorDetails().errorCode() != null
                    ? bedrock.awsErrorDetails().errorCode() : bedrock.getClass().getSimpleName();
            String message = bedrock.awsErrorDetails() != null && bedrock.awsErrorDetails().errorMessage() != null
                    ? bedrock.awsErrorDetails().errorMessage() : "";
            return UpstreamFailure.status(status, clip(code + (message.isEmpty() ? "" : ": " + message)), null);
        }
        if (cause instanceof SdkClientException client) {
            return UpstreamFailure.connection(clip(client.getMessage() == null ? "SdkClientException" : client.getMessage()));
        }
        if (cause instanceof CancellationException) {
            return UpstreamFailure.connection("the request was cancelled");
        }
        return UpstreamFailure.connection(clip(cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage())));
    }

    private static int statusOf(BedrockRuntimeException e) {
        if (e instanceof ThrottlingException || e instanceof ModelNotReadyException) {
            return 429;
        }
        if (e instanceof ServiceUnavailableException) {
            return 503;
        }
        if (e instanceof ModelTimeoutException) {
            return 408;
        }
        if (e instanceof InternalServerException) {
            return 500;
        }
        if (e instanceof ValidationException) {
            return 400;
        }
        if (e instanceof AccessDeniedException) {
            return 403;
        }
        if (e instanceof ResourceNotFoundException) {
            return 404;
        }
        // ModelErrorException (424), ModelStreamErrorException, ServiceQuotaExceededException (400)...: as sent.
        int status = e.statusCode();
        return status >= 400 ? status : 502;
    }

    /** Bedrock is signed, not keyed: its error texts carry no secret of ours to redact first. */
    private static String clip(String text) {
        return UpstreamFailure.shortened(text);
    }
}
