package dev.moa.engine;

/**
 * One answer from the previous layer, as the next layer sees it.
 *
 * @param finishReason why the answer ended (a ranked reference is returned with it)
 * @param number       its position among the previous layer's answers, from 1; 0 when it is none of them
 * @param source       the agent that wrote it ({@code provider/model}), or what it stands for
 */
public record Reference(String content, Double weight, String finishReason, int number, String source) {

    public Reference(String content, Double weight) {
        this(content, weight, "stop", 0, null);
    }

    Reference withContent(String newContent) {
        return new Reference(newContent, weight, finishReason, number, source);
    }
}
