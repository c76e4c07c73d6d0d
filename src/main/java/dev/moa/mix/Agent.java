package dev.moa.mix;

/**
 * One model in a layer.
 *
 * @param samples how many times the agent is called (repeated sampling); each answer is its own reference
 * @param weight  shown next to the agent's references so the next layer can weigh them; {@code null} = none
 */
public record Agent(String provider, String model, Sampling sampling, String systemPrompt, int samples, Double weight) {

    public String label() {
        return provider + "/" + model;
    }
}
