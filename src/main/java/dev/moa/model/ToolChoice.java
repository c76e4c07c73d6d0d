package dev.moa.model;

import java.util.Objects;

/** How the model may use the tools offered: OpenAI's none/auto/required/named, Anthropic's none/auto/any/tool. */
public sealed interface ToolChoice {

    record Auto() implements ToolChoice {
    }

    record None() implements ToolChoice {
    }

    /** Some tool must be called (OpenAI {@code required}, Anthropic {@code any}). */
    record Required() implements ToolChoice {
    }

    /** This tool must be called. */
    record Named(String name) implements ToolChoice {
        public Named {
            Objects.requireNonNull(name);
        }
    }
}
