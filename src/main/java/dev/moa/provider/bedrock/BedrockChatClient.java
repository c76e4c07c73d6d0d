package dev.moa.provider.bedrock;

import dev.moa.mix.Sampling;
import dev.moa.provider.AlternatingTurns;
import dev.moa.provider.ChatClient;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.CompletionEvent;
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
                .messages(whole.messages()).system(whole.system()).inferenceConfig(whole.inferenceConfig()).build();
        return Multi.createFrom().<CompletionEvent>emitter(emitter -> {
            AtomicReference<StopReason> stop = new AtomicReference<>();
            AtomicReference<TokenUsage> usage = new AtomicReference<>();
            ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                    .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                            .onContentBlockDelta(event -> {
                                // Text is the answer; reasoning deltas are not; tool-use deltas are #12's.
                                if (event.delta() != null && event.delta().text() != null) {
                                    emitter.emit(new CompletionEvent.Delta(event.delta().text()));
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
                    emitter.emit(new CompletionEvent.Finished(finishReason(stop.get()), usage(usage.get())));
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
                // Tool calls (#12) become toolUse / toolResult content blocks and a toolConfig here.
                .messages(turns.turns().stream().map(m -> Message.builder()
                        .role(m.isUser() ? ConversationRole.USER : ConversationRole.ASSISTANT)
                        .content(ContentBlock.fromText(m.content())).build()).toList())
                .inferenceConfig(inference.build());
        if (turns.system() != null) {
            request.system(List.of(SystemContentBlock.fromText(turns.system())));
        }
        return request.build();
    }

    private static Completion read(ConverseResponse response) {
        if (response.output() == null || response.output().message() == null) {
            throw UpstreamFailure.badResponse("no output message");
        }
        StringBuilder answer = new StringBuilder();
        for (ContentBlock block : response.output().message().content()) {
            if (block.text() != null) {
                answer.append(block.text());
            }
        }
        StopReason stop = response.stopReason();
        if (answer.isEmpty() && stop != StopReason.MAX_TOKENS && stop != StopReason.CONTENT_FILTERED
                && stop != StopReason.GUARDRAIL_INTERVENED) {
            throw UpstreamFailure.badResponse("no text in the output message");
        }
        return new Completion(answer.toString(), finishReason(stop), usage(response.usage()));
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
