package dev.moa.mix;

/** The wire protocols a provider can speak. */
public enum Protocol {
    /** Chat completions as spoken by OpenAI, Together, Groq, Fireworks, OpenRouter, DeepSeek, Mistral, vLLM, Ollama. */
    OPENAI("openai");

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
