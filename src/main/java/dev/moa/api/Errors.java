package dev.moa.api;

/** Errors the API raises in more than one place. */
final class Errors {

    private Errors() {
    }

    static ApiError unknownModel(String model) {
        return new ApiError(404, "invalid_request_error", "model", "model_not_found",
                "The model '" + model + "' does not exist: no mix of that name in this store.");
    }
}
