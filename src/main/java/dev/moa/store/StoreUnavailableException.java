package dev.moa.store;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * The store could not be read (unreachable, throttled, refused). The message names what was being read and
 * the kind of failure, never a value.
 */
public final class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(String message) {
        super(message, null, false, false);
    }

    /** Built from the SDK's error code or the root cause, since AWS messages are not ours to vouch for. */
    static StoreUnavailableException reading(String what, SdkException failure) {
        return new StoreUnavailableException("SSM could not be read (" + what + "): " + describe(failure));
    }

    private static String describe(SdkException failure) {
        if (failure instanceof AwsServiceException service && service.awsErrorDetails() != null) {
            return service.awsErrorDetails().errorCode() + " (HTTP " + service.statusCode() + ")";
        }
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
