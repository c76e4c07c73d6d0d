package dev.moa.limits;

/** The limit store cannot be reached or refused a call; the message names the operation, never a key. */
public final class LimitStoreUnavailableException extends RuntimeException {

    public LimitStoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
