package dev.moa.provider;

/**
 * One model's answer.
 *
 * @param reasoning the provider's separate reasoning field ({@code reasoning_content} or {@code reasoning}), or
 *                  {@code null}; never part of {@code content}
 */
public record Completion(String content, String finishReason, Usage usage, String reasoning) {

    public Completion(String content, String finishReason, Usage usage) {
        this(content, finishReason, usage, null);
    }
}
