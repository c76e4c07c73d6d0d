package dev.moa.api;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** {@code {"error": {"message", "type", "param", "code"}}}, as OpenAI sends it (absent values as null). */
@RegisterForReflection
public record ErrorBody(Detail error) {

    @RegisterForReflection
    public record Detail(String message, String type, String param, String code) {
    }
}
