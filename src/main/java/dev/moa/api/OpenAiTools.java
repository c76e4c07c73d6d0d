package dev.moa.api;

import dev.moa.model.ToolListCheck;

/** How OpenAI's APIs (Chat Completions and Responses alike) name a tool list's fields and word its errors. */
public final class OpenAiTools {

    public static final ToolListCheck.Dialect DIALECT = new ToolListCheck.Dialect(i -> "tools[" + i + "]",
            "parameters", false, "'tools' must be a list of tools.", "Each tool must be an object.",
            "'%s' must be 1 to 64 letters, digits, underscores or dashes.",
            "Tool names must be unique: '%s' appears twice.", "'%s' must be a string.",
            "'%s' must be a JSON schema object.", "'%s' must be true or false.");

    private OpenAiTools() {
    }
}
