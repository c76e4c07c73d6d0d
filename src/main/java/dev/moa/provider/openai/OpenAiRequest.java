package dev.moa.provider.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.mix.CallOptions;
import dev.moa.mix.Sampling;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.Message;
import dev.moa.provider.ToolCall;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A chat-completions request body as the OpenAI protocol defines it. Unset fields are left out. */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.NON_NULL)
public record OpenAiRequest(
        String model,
        List<WireMessage> messages,
        Double temperature,
        @JsonProperty("max_tokens") Integer maxTokens,
        @JsonProperty("top_p") Double topP,
        List<String> stop,
        boolean stream,
        List<JsonNode> tools,
        @JsonProperty("tool_choice") JsonNode toolChoice,
        @JsonProperty("parallel_tool_calls") Boolean parallelToolCalls,
        @JsonProperty("response_format") JsonNode responseFormat,
        Long seed,
        @JsonProperty("logit_bias") JsonNode logitBias,
        @JsonProperty("presence_penalty") Double presencePenalty,
        @JsonProperty("frequency_penalty") Double frequencyPenalty,
        String user,
        JsonNode metadata,
        @JsonProperty("service_tier") String serviceTier,
        @JsonProperty("reasoning_effort") String reasoningEffort,
        @JsonProperty("stream_options") StreamOptions streamOptions) {

    /** The body for one call; the per-call options exactly as the client or the mix set them. */
    static OpenAiRequest of(CompletionCall call, boolean stream) {
        Sampling s = call.sampling();
        CallOptions o = call.options();
        List<WireMessage> messages = new ArrayList<>(call.messages().size());
        for (Message message : call.messages()) {
            messages.add(WireMessage.of(message));
        }
        return new OpenAiRequest(call.model(), Collections.unmodifiableList(messages),
                s.temperature(), s.maxTokens(), s.topP(), s.stop(), stream,
                o.tools(), o.toolChoice(), o.parallelToolCalls(), o.responseFormat(), o.seed(), o.logitBias(),
                o.presencePenalty(), o.frequencyPenalty(), o.user(), o.metadata(), o.serviceTier(),
                o.reasoningEffort(), stream ? new StreamOptions(true) : null);
    }

    /**
     * The body as Jackson writes this record (same members, order and values), written member by member: every
     * upstream call writes one, and databind's reflective accessors cost more than the writing itself on a JVM that
     * only runs C1 code (Lambda's options).
     */
    byte[] toJson(ObjectMapper json) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            string(g, "model", model);
            if (messages != null) {
                g.writeArrayFieldStart("messages");
                for (WireMessage message : messages) {
                    message.write(g);
                }
                g.writeEndArray();
            }
            if (temperature != null) {
                g.writeNumberField("temperature", temperature);
            }
            if (maxTokens != null) {
                g.writeNumberField("max_tokens", maxTokens);
            }
            if (topP != null) {
                g.writeNumberField("top_p", topP);
            }
            if (stop != null) {
                g.writeArrayFieldStart("stop");
                for (String s : stop) {
                    g.writeString(s);
                }
                g.writeEndArray();
            }
            g.writeBooleanField("stream", stream);
            if (tools != null) {
                g.writeArrayFieldStart("tools");
                for (JsonNode tool : tools) {
                    g.writeTree(tool);
                }
                g.writeEndArray();
            }
            tree(g, "tool_choice", toolChoice);
            if (parallelToolCalls != null) {
                g.writeBooleanField("parallel_tool_calls", parallelToolCalls);
            }
            tree(g, "response_format", responseFormat);
            if (seed != null) {
                g.writeNumberField("seed", seed);
            }
            tree(g, "logit_bias", logitBias);
            if (presencePenalty != null) {
                g.writeNumberField("presence_penalty", presencePenalty);
            }
            if (frequencyPenalty != null) {
                g.writeNumberField("frequency_penalty", frequencyPenalty);
            }
            string(g, "user", user);
            tree(g, "metadata", metadata);
            string(g, "service_tier", serviceTier);
            string(g, "reasoning_effort", reasoningEffort);
            if (streamOptions != null) {
                g.writeObjectFieldStart("stream_options");
                g.writeBooleanField("include_usage", streamOptions.includeUsage());
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    private static void string(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    private static void tree(JsonGenerator g, String name, JsonNode value) throws IOException {
        if (value != null) {
            g.writeFieldName(name);
            g.writeTree(value);
        }
    }

    /** Asks a streaming upstream for a last chunk with the call's usage. */
    @RegisterForReflection
    public record StreamOptions(@JsonProperty("include_usage") boolean includeUsage) {
    }

    /** {@code content} is left out of an assistant turn that only called tools, as OpenAI allows. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record WireMessage(String role, String content, @JsonProperty("tool_calls") List<WireToolCall> toolCalls,
                              @JsonProperty("tool_call_id") String toolCallId) {

        static WireMessage of(Message m) {
            if (!m.hasToolCalls()) {
                return new WireMessage(m.role(), m.content(), null, m.toolCallId());
            }
            return new WireMessage(m.role(), m.content().isEmpty() ? null : m.content(),
                    m.toolCalls().stream().map(WireToolCall::of).toList(), m.toolCallId());
        }

        void write(JsonGenerator g) throws IOException {
            g.writeStartObject();
            string(g, "role", role);
            string(g, "content", content);
            if (toolCalls != null) {
                g.writeArrayFieldStart("tool_calls");
                for (WireToolCall call : toolCalls) {
                    call.write(g);
                }
                g.writeEndArray();
            }
            string(g, "tool_call_id", toolCallId);
            g.writeEndObject();
        }
    }

    @RegisterForReflection
    public record WireToolCall(String id, String type, WireFunction function) {

        static WireToolCall of(ToolCall call) {
            return new WireToolCall(call.id(), "function", new WireFunction(call.name(), call.arguments()));
        }

        /** Nulls included, as Jackson writes this record (it has no {@code NON_NULL}). */
        void write(JsonGenerator g) throws IOException {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("type", type);
            if (function == null) {
                g.writeNullField("function");
            } else {
                g.writeObjectFieldStart("function");
                g.writeStringField("name", function.name());
                g.writeStringField("arguments", function.arguments());
                g.writeEndObject();
            }
            g.writeEndObject();
        }
    }

    @RegisterForReflection
    public record WireFunction(String name, String arguments) {
    }
}
