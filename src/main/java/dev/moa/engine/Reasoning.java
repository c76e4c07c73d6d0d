package dev.moa.engine;

import dev.moa.provider.Completion;

import java.util.regex.Pattern;

/**
 * Reasoning hygiene: reasoning models put their thinking into the answer ({@code <think>…</think>}) or into a
 * separate provider field. Neither belongs in a reference (it floods the next layer's prompt) nor in the answer a
 * client gets.
 */
final class Reasoning {

    private static final Pattern THINK_BLOCK = Pattern.compile("(?s)<think>.*?</think>");
    private static final String OPEN = "<think>";
    private static final String CLOSE = "</think>";

    private Reasoning() {
    }

    /** The answer without its thinking: closed blocks, a block cut off by the token limit, a leading orphan close. */
    static String strip(String content) {
        if (content == null || !content.contains("think>")) {
            return content;
        }
        String text = THINK_BLOCK.matcher(content).replaceAll("");
        int open = text.indexOf(OPEN);
        if (open >= 0) {
            text = text.substring(0, open); // never closed: the answer was cut off while thinking
        }
        int close = text.indexOf(CLOSE);
        if (close >= 0) {
            // Some servers drop the opening tag (the chat template adds it): everything before the close is thinking.
            text = text.substring(close + CLOSE.length());
        }
        return text.strip();
    }

    /** The answer with its thinking kept, a provider reasoning field shown as a leading think block. */
    static String inline(Completion completion) {
        String text = ToolRendering.asReference(completion);
        return completion.reasoning() == null ? text : OPEN + completion.reasoning() + CLOSE + "\n" + text;
    }

    /**
     * What an answer passes on as a reference, as the receiving layer's {@code keep_reasoning} says: its text and
     * its tool calls as lines of text ({@link ToolRendering#asReference}).
     */
    static String asReference(Completion completion, boolean keepReasoning) {
        return keepReasoning ? inline(completion) : strip(ToolRendering.asReference(completion));
    }

    /** The answer as a client gets it: no thinking in its content, no reasoning field; tool calls kept. */
    static Completion clean(Completion completion) {
        return new Completion(strip(completion.content()), completion.finishReason(), completion.usage(),
                completion.toolCalls(), null, completion.stopSequence());
    }
}
