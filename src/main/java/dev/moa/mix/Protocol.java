package dev.moa.mix;

/** The wire protocols a provider can speak. */
public enum Protocol {
    /** Chat completions as spoken by OpenAI, Together, Groq, Fireworks, OpenRouter, DeepSeek, Mistral, vLLM, Ollama. */
    OPENAI("openai"),
    /** Anthropic's Messages API ({@code POST /v1/messages}). */
    ANTHROPIC("anthropic"),
    /** Amazon Bedrock Runtime's Converse and ConverseStream APIs, signed with SigV4 from the AWS credential chain. */
    BEDROCK("bedrock");

    private final String id;

    Protocol(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    static Protocol byId(String id) {
        for (Protocol p : values()) {
            if (p.id.equals(id)) {
                return p;
            }
        }
        return null;
    }
}
