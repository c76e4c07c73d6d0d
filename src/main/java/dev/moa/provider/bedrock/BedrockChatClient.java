package dev.moa.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moa.mix.CallOptions;
import dev.moa.mix.Sampling;
import dev.moa.provider.AlternatingTurns;
import dev.moa.provider.ChatClient;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.CompletionEvent;
import dev.moa.provider.ToolCall;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.StopReason;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.TokenUsage;
import software.amazon.awssdk.services.bedrockruntime.model.AnyToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.SpecificToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.Tool;
import software.amazon.awssdk.services.bedrockruntime.model.ToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ToolInputSchema;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolSpecification;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A provider on Amazon Bedrock: the Converse API for whole answers, ConverseStream for streamed ones. Model ids and
 * inference-profile ids ({@code us.anthropic...}) are both a {@code modelId}. The SDK signs every call (SigV4,
 * service {@code bedrock}) and does not retry: retries, timeouts and fallbacks stay the engine's.
 */
public final class BedrockChatClient implements ChatClient {

    private final BedrockRuntimeAsyncClient client;
    private final Optional<Integer> defaultMaxTokens;

    public BedrockChatClient(BedrockRuntimeAsyncClient client, Optional<Integer> defaultMaxTokens) {
        this.client = client;
        this.defaultMaxTokens = defaultMaxTokens;
    }

    @Override
    public Uni<Completion> complete(CompletionCall call) {
        ConverseRequest request = converse(call);
        // Cancelling the Uni cancels the SDK's future, which closes the HTTP request.
        return Uni.createFrom().completionStage(() -> client.converse(request))
                .onFailure().transform(BedrockFailures::of)
                .map(BedrockChatClient::read);
    }

    @Override
    public Multi<CompletionEvent> stream(CompletionCall call) {
        ConverseRequest whole = converse(call);
        ConverseStreamRequest request = ConverseStreamRequest.builder().modelId(whole.modelId())
                .messages(whole.messages()).system(whole.system()).inferenceConfig(whole.inferenceConfig())
                .toolConfig(whole.toolConfig()).overrideConfiguration(whole.overrideConfiguration().orElse(null))
                .build();
        return Multi.createFrom().<CompletionEvent>emitter(emitter -> {
            AtomicReference<StopReason> stop = new AtomicReference<>();
            AtomicReference<TokenUsage> usage = new AtomicReference<>();
            java.util.Map<Integer, Integer> toolIndexes = new java.util.concurrent.ConcurrentHashMap<>();
            ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                    .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                            .onContentBlockStart(event -> {
                                if (event.start() != null && event.start().toolUse() != null) {
                                    // OpenAI numbers tool calls among themselves; Bedrock numbers every block.
                                    int index = toolIndexes.size();
                                    toolIndexes.put(event.contentBlockIndex(), index);
                                    emitter.emit(new CompletionEvent.ToolCallDelta(index, event.start().toolUse().toolUseId(),
                                            event.start().toolUse().name(), null));
                                }
                            })
                            .onContentBlockDelta(event -> {
                                // Text is the answer, tool-use input its calls' arguments; reasoning deltas neither.
                                if (event.delta() != null && event.delta().text() != null) {
                                    emitter.emit(new CompletionEvent.Delta(event.delta().text()));
                                } else if (event.delta() != null && event.delta().toolUse() != null
                                        && toolIndexes.containsKey(event.contentBlockIndex())) {
                                    emitter.emit(new CompletionEvent.ToolCallDelta(toolIndexes.get(event.contentBlockIndex()),
                                            null, null, event.delta().toolUse().input()));
                                }
                            })
                            .onMessageStop(event -> stop.set(event.stopReason()))
                            .onMetadata(event -> usage.set(event.usage()))
                            .build())
                    .build();
            CompletableFuture<Void> done = client.converseStream(request, handler);
            emitter.onTermination(() -> done.cancel(true));
            done.whenComplete((ignored, failure) -> {
                if (failure != null) {
                    emitter.fail(BedrockFailures.of(failure));
                } else if (stop.get() == null) {
                    emitter.fail(UpstreamFailure.badResponse("the stream ended before messageStop"));
                } else {
                    emitter.emit(new CompletionEvent.Finished(finishReason(stop.get()), usage(usage.get()),
                            stop.get() == StopReason.STOP_SEQUENCE ? "" : null));
                    emitter.complete();
                }
            });
        });
    }

    ConverseRequest converse(CompletionCall call) {
        Sampling s = call.sampling();
        AlternatingTurns turns = AlternatingTurns.of(call.messages());
        InferenceConfiguration.Builder inference = InferenceConfiguration.builder();
        Integer maxTokens = s.maxTokens() != null ? s.maxTokens() : defaultMaxTokens.orElse(null);
        if (maxTokens != null) {
            inference.maxTokens(maxTokens);
        }
        if (s.temperature() != null) {
            inference.temperature(s.temperature().floatValue());
        }
        if (s.topP() != null) {
            inference.topP(s.topP().floatValue());
        }
        if (s.stop() != null) {
            inference.stopSequences(s.stop());
        }
        ConverseRequest.Builder request = ConverseRequest.builder().modelId(call.model())
                // The call's trace context travels as an HTTP header like any other (signed with the rest).
                .overrideConfiguration(o -> call.headers().forEach(o::putHeader))
                .messages(turns.turns().stream().map(BedrockChatClient::message).toList())
                .inferenceConfig(inference.build());
        if (turns.system() != null) {
            request.system(List.of(SystemContentBlock.fromText(turns.system())));
        }
        // Bedrock wants the tools declared whenever the conversation holds tool blocks, even with tool_choice none.
        boolean toolTurns = call.messages().stream().anyMatch(m -> m.hasToolCalls() || m.isToolResult());
        if (call.options().hasTools() || toolTurns) {
            request.toolConfig(toolConfig(call.options()));
        }
        return request.build();
    }

    private static Message message(AlternatingTurns.Turn turn) {
        List<ContentBlock> blocks = new ArrayList<>();
        for (dev.moa.provider.Message part : turn.parts()) {
            if (part.isToolResult()) {
                blocks.add(ContentBlock.fromToolResult(ToolResultBlock.builder().toolUseId(part.toolCallId())
                        .content(ToolResultContentBlock.fromText(part.content())).build()));
                continue;
            }
            if (!part.content().isEmpty()) {
                blocks.add(ContentBlock.fromText(part.content()));
            }
            for (ToolCall toolCall : part.toolCalls()) {
                blocks.add(ContentBlock.fromToolUse(ToolUseBlock.builder().toolUseId(toolCall.id()).name(toolCall.name())
                        .input(JsonDocuments.toDocument(arguments(toolCall.arguments()))).build()));
            }
        }
        return Message.builder().role(dev.moa.provider.Message.ASSISTANT.equals(turn.role()) ? ConversationRole.ASSISTANT
                : ConversationRole.USER).content(blocks).build();
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    /** The model's arguments as a JSON object; text that is no JSON object becomes {}. */
    private static JsonNode arguments(String arguments) {
        try {
            JsonNode node = arguments.isBlank() ? null : JSON.readTree(arguments);
            return node != null && node.isObject() ? node : JSON.createObjectNode();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return JSON.createObjectNode();
        }
    }

    /** OpenAI's tools and tool_choice as Bedrock's toolConfig; "none" has no Bedrock form and is left as auto. */
    private static ToolConfiguration toolConfig(CallOptions options) {
        List<Tool> tools = new ArrayList<>();
        for (JsonNode tool : options.hasTools() ? options.tools() : List.<JsonNode>of()) {
            JsonNode function = tool.path("function");
            ToolSpecification.Builder spec = ToolSpecification.builder().name(function.path("name").asText())
                    .inputSchema(ToolInputSchema.fromJson(JsonDocuments.toDocument(function.path("parameters").isObject()
                            ? function.get("parameters") : JSON.createObjectNode().put("type", "object"))));
            if (function.path("description").isTextual()) {
                spec.description(function.path("description").textValue());
            }
            tools.add(Tool.fromToolSpec(spec.build()));
        }
        ToolConfiguration.Builder config = ToolConfiguration.builder().tools(tools);
        JsonNode choice = options.toolChoice();
        if (choice != null && choice.isObject()) {
            config.toolChoice(ToolChoice.fromTool(SpecificToolChoice.builder()
                    .name(choice.path("function").path("name").asText()).build()));
        } else if (choice != null && "required".equals(choice.asText())) {
            config.toolChoice(ToolChoice.fromAny(AnyToolChoice.builder().build()));
        }
        return config.build();
    }

    private static Completion read(ConverseResponse response) {
        if (response.output() == null || response.output().message() == null) {
            throw UpstreamFailure.badResponse("no output message");
        }
        StringBuilder answer = new StringBuilder();
        List<ToolCall> toolCalls = new ArrayList<>();
        for (ContentBlock block : response.output().message().content()) {
            if (block.text() != null) {
                answer.append(block.text());
            } else if (block.toolUse() != null) {
                toolCalls.add(new ToolCall(block.toolUse().toolUseId(), block.toolUse().name(),
                        JsonDocuments.toJson(block.toolUse().input()).toString()));
            }
        }
        StopReason stop = response.stopReason();
        if (answer.isEmpty() && toolCalls.isEmpty() && stop != StopReason.MAX_TOKENS
                && stop != StopReason.CONTENT_FILTERED && stop != StopReason.GUARDRAIL_INTERVENED) {
            throw UpstreamFailure.badResponse("no text in the output message");
        }
        // Converse says a stop sequence ended the answer, not which one.
        return new Completion(answer.toString(), finishReason(stop), usage(response.usage()), toolCalls, null,
                stop == StopReason.STOP_SEQUENCE ? "" : null);
    }

    /** Bedrock's stop reasons in OpenAI's terms. */
    static String finishReason(StopReason stop) {
        if (stop == null) {
            return "stop";
        }
        return switch (stop) {
            case MAX_TOKENS, MODEL_CONTEXT_WINDOW_EXCEEDED -> "length";
            case TOOL_USE -> "tool_calls";
            case GUARDRAIL_INTERVENED, CONTENT_FILTERED -> "content_filter";
            default -> "stop";
        };
    }

    /** Bedrock's inputTokens leave out cache reads and writes; OpenAI's prompt_tokens counts them all. */
    static Usage usage(TokenUsage usage) {
        if (usage == null) {
            return Usage.ZERO;
        }
        long input = value(usage.inputTokens());
        long cacheRead = value(usage.cacheReadInputTokens());
        long cacheWrite = value(usage.cacheWriteInputTokens());
        long output = value(usage.outputTokens());
        long prompt = input + cacheRead + cacheWrite;
        return Usage.of(prompt, output, prompt + output, cacheRead, cacheWrite);
    }

    private static long value(Integer count) {
        return count == null ? 0 : count;
    }
}
