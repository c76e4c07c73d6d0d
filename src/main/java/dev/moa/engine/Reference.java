package dev.moa.engine;

/** One answer from the previous layer, as the next layer sees it. */
public record Reference(String content, Double weight) {
}
