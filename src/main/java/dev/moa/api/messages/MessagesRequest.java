package dev.moa.api.messages;

import dev.moa.gateway.MixRequest;

/**
 * A validated Messages API request: the neutral request, and what only this protocol's answer needs.
 *
 * @param topK accepted as Anthropic documents it; the mix's models are sampled as the mix says (not sent on)
 */
record MessagesRequest(MixRequest mix, boolean stream, Integer topK) {

    String model() {
        return mix.model();
    }
}
