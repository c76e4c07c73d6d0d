package dev.moa.model;

/**
 * Why an answer ended, in the pipeline's own words; each adapter renders it in its protocol's word (chat:
 * {@code stop}/{@code length}/{@code tool_calls}/{@code content_filter}; messages: {@code end_turn},
 * {@code max_tokens}, {@code stop_sequence}, {@code tool_use}, {@code refusal}). {@link #STOP_SEQUENCE} stays
 * apart from {@link #END_TURN} even though chat says {@code stop} for both.
 */
public enum StopReason {
    END_TURN, MAX_TOKENS, STOP_SEQUENCE, TOOL_USE, CONTENT_FILTER;

    /**
     * From a provider's finish reason (OpenAI's words, as the providers report them) and the stop sequence that ended
     * the answer when the provider says which (Anthropic does; {@code ""} when it only says "a stop sequence").
     */
    public static StopReason of(String finishReason, String stopSequence) {
        if (finishReason == null) {
            return stopSequence != null ? STOP_SEQUENCE : END_TURN;
        }
        return switch (finishReason) {
            case "length" -> MAX_TOKENS;
            case "tool_calls", "function_call" -> TOOL_USE;
            case "content_filter" -> CONTENT_FILTER;
            default -> stopSequence != null ? STOP_SEQUENCE : END_TURN;
        };
    }

    /** Chat Completions' {@code finish_reason}. */
    public String openAiWord() {
        return switch (this) {
            case END_TURN, STOP_SEQUENCE -> "stop";
            case MAX_TOKENS -> "length";
            case TOOL_USE -> "tool_calls";
            case CONTENT_FILTER -> "content_filter";
        };
    }
}
