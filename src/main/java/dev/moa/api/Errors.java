package dev.moa.api;

import dev.moa.model.MoaError;

/** Errors the API raises in more than one place. */
final class Errors {

    private Errors() {
    }

    static MoaError unknownModel(String model) {
        return MoaError.unknownModel(model);
    }
}
