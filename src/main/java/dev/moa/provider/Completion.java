package dev.moa.provider;

/** One model's answer. */
public record Completion(String content, String finishReason, Usage usage) {

    public Completion withUsage(Usage priced) {
        return new Completion(content, finishReason, priced);
    }
}
