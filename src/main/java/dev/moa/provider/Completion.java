package dev.moa.provider;

/** One model's answer. */
public record Completion(String content, String finishReason, Usage usage) {
}
