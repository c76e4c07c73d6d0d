package dev.moa.mix;

/**
 * A mix or provider document that cannot be used. The message always names the document and the JSON
 * path, e.g. {@code mix "coding": layers[1].agents[0].provider: unknown provider "opneai"}.
 */
public final class InvalidDocumentException extends RuntimeException {
    public InvalidDocumentException(String message) {
        super(message, null, false, false);
    }
}
