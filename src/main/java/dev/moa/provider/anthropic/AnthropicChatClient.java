package dev.moa.provider.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moa.mix.CallOptions;
import dev.moa.mix.Sampling;
import dev.moa.provider.AlternatingTurns;
import dev.moa.provider.ChatClient;
import dev.moa.provider.Completion;
import dev.moa.provider.CompletionCall;
import dev.moa.provider.CompletionEvent;
import dev.moa.provider.Message;
import dev.moa.provider.RetryAfter;
import dev.moa.provider.ToolCall;
import dev.moa.provider.Redactor;
import dev.moa.provider.UpstreamFailure;
import dev.moa.provider.Usage;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import dev.moa.provider.UpstreamHttp;
import io.vertx.core.buffer.Buffer;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.moa.provider.UpstreamHttp.describe;

/**
 * A provider that speaks Anthropic's Messages API: system messages lifted into {@code system}, same-role turns
 * merged so user and assistant alternate, {@code max_tokens} always sent, {@code stop} as {@code stop_sequences}.
 * Answers, stop reasons and usage (cache reads and writes included) come back in OpenAI's terms.
 */
public final class AnthropicChatClient implements ChatClient {

    /** The API version this client speaks; Anthropic keeps each version's behaviour stable. */
    public static final String VERSION = "2023-06-01";

    private final UpstreamHttp http;
    private final URI endpoint;
    private final Map<String, String> headers;
    private final ObjectMapper json;
    private final int defaultMaxTokens;
    private final long maxResponseBytes;
    private final Redactor redactor;
    private final Redactor ownKey;

    /**
     * @param baseUrl          the provider's {@code base_url}; we call {@code <base_url>/messages}
     * @param extraHeaders     the provider document's {@code headers}
     * @param redactor         the request's secrets; this provider's own key is always among them
     * @param maxResponseBytes the provider's {@code max_response_bytes}: the most one answer, whole or streamed, may
     *                         carry (read as it arrives, never buffered past it)
     */
    public AnthropicChatClient(UpstreamHttp http, URI baseUrl, Map<String, String> extraHeaders, Optional<String> apiKey,
                               ObjectMapper json, int defaultMaxTokens, long maxResponseBytes, Redactor redactor) {
        this.http = http;
        String base = baseUrl.toString();
        this.endpoint = URI.create((base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/messages");
        Optional<String> key = apiKey.filter(k -> !k.isBlank());
        Map<String, String> all = new HashMap<>(extraHeaders);
        all.put("Content-Type", "application/json");
        all.put("anthropic-version", VERSION);
        key.ifPresent(k -> all.put("x-api-key", k));
        this.headers = Map.copyOf(all);
        this.json = json;
        this.defaultMaxTokens = defaultMaxTokens;
        this.maxResponseBytes = maxResponseBytes;
        this.redactor = redactor;
        this.ownKey = Redactor.of(key);
    }

    @Override
    public Uni<Completion> complete(CompletionCall call) {
        AnthropicRequest body = request(call, null);
        return Uni.createFrom().deferred(() -> http.post(endpoint, with("application/json", call), payload(body),
                        maxResponseBytes))
                .onFailure(UpstreamFailure.class).transform(f -> redact((UpstreamFailure) f))
                .onFailure(f -> !(f instanceof UpstreamFailure))
                .transform(f -> UpstreamFailure.connection(redact(describe(f))))
                .map(this::read);
    }

    @Override
    public Multi<CompletionEvent> stream(CompletionCall call) {
        AnthropicRequest body = request(call, true);
        return Multi.createFrom().deferred(() -> {
            StreamState state = new StreamState();
            return http.events(endpoint, with("text/event-stream", call), payload(body), maxResponseBytes)
                    .onItem().transformToIterable(state::accept)
                    .onCompletion().switchTo(() -> state.finished ? Multi.createFrom().empty()
                            : Multi.createFrom().failure(UpstreamFailure.badResponse("the stream ended before message_stop")))
                    .onFailure().transform(this::streamFailure);
        });
    }

    /** The call's own headers (its trace context) beside the provider's, never over them; and what it accepts. */
    private Map<String, String> with(String accept, CompletionCall call) {
        Map<String, String> all = new HashMap<>(call.headers());
        all.putAll(headers);
        all.put("Accept", accept);
        return all;
    }

    private Buffer payload(AnthropicRequest body) {
        try {
            return Buffer.buffer(json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw UpstreamFailure.badResponse("could not write the request");
        }
    }

    AnthropicRequest request(CompletionCall call, Boolean stream) {
        Sampling s = call.sampling();
        AlternatingTurns turns = AlternatingTurns.of(call.messages());
        // Recent Claude models reject temperature and top_p together; the temperature wins. Anthropic's range is 0-1.
        Double temperature = s.temperature() == null ? null : Math.min(1.0, s.temperature());
        Double topP = temperature == null ? s.topP() : null;
        CallOptions options = call.options();
        return new AnthropicRequest(call.model(), s.maxTokens() != null ? s.maxTokens() : defaultMaxTokens,
                turns.system(), turns.turns().stream().map(this::turn).toList(),
                temperature, topP, s.stop(), stream, options.hasTools() ? tools(options.tools()) : null,
                options.hasTools() ? toolChoice(options) : null);
    }

    private AnthropicRequest.Turn turn(AlternatingTurns.Turn turn) {
        String text = turn.plainText();
        if (text != null) {
            return new AnthropicRequest.Turn(turn.role(), text);
        }
        ArrayNode blocks = json.createArrayNode();
        for (Message part : turn.parts()) {
            if (part.isToolResult()) {
                blocks.addObject().put("type", "tool_result").put("tool_use_id", part.toolCallId())
                        .put("content", part.content());
                continue;
            }
            if (!part.content().isEmpty()) {
                blocks.addObject().put("type", "text").put("text", part.content());
            }
            for (ToolCall toolCall : part.toolCalls()) {
                ObjectNode use = blocks.addObject().put("type", "tool_use").put("id", toolCall.id())
                        .put("name", toolCall.name());
                use.set("input", arguments(toolCall.arguments()));
            }
        }
        return new AnthropicRequest.Turn(turn.role(), blocks);
    }

    /** The model's arguments as the JSON object Anthropic wants; text that is no JSON object becomes {}. */
    private JsonNode arguments(String arguments) {
        try {
            JsonNode node = arguments.isBlank() ? null : json.readTree(arguments);
            return node != null && node.isObject() ? node : json.createObjectNode();
        } catch (JsonProcessingException e) {
            return json.createObjectNode();
        }
    }

    /** OpenAI's {@code {"type": "function", "function": {name, description, parameters}}} as Anthropic's tools. */
    private List<JsonNode> tools(List<JsonNode> openAiTools) {
        List<JsonNode> tools = new ArrayList<>();
        for (JsonNode tool : openAiTools) {
            JsonNode function = tool.path("function");
            ObjectNode out = json.createObjectNode().put("name", function.path("name").asText());
            if (function.path("description").isTextual()) {
                out.put("description", function.path("description").textValue());
            }
            out.set("input_schema", function.path("parameters").isObject() ? function.get("parameters")
                    : json.createObjectNode().put("type", "object"));
            tools.add(out);
        }
        return tools;
    }

    /** auto / required (Anthropic's any) / none / one named function; parallel_tool_calls false disables parallel use. */
    private JsonNode toolChoice(CallOptions options) {
        JsonNode choice = options.toolChoice();
        ObjectNode out = json.createObjectNode();
        if (choice != null && choice.isObject()) {
            out.put("type", "tool").put("name", choice.path("function").path("name").asText());
        } else {
            String mode = choice == null ? "auto" : choice.asText("auto");
            out.put("type", switch (mode) {
                case "required" -> "any";
                case "none" -> "none";
                default -> "auto";
            });
        }
        if (Boolean.FALSE.equals(options.parallelToolCalls()) && !"none".equals(out.path("type").asText())) {
            out.put("disable_parallel_tool_use", true);
        }
        return out;
    }

    private Completion read(UpstreamHttp.Reply reply) {
        // Decoded as HTTP clients do: invalid UTF-8 becomes U+FFFD and the answer is kept.
        String text = new String(reply.body().getBytes(), StandardCharsets.UTF_8);
        int status = reply.status();
        if (status < 200 || status >= 300) {
            throw UpstreamFailure.status(status, errorMessage(text), RetryAfter.parse(reply.header("retry-after")));
        }
        return parse(text);
    }

    private Completion parse(String text) {
        JsonNode root = readObject(text);
        JsonNode content = root.get("content");
        if (content == null || !content.isArray()) {
            throw UpstreamFailure.badResponse("no content blocks");
        }
        StringBuilder answer = new StringBuilder();
        List<ToolCall> toolCalls = new ArrayList<>();
        for (JsonNode block : content) {
            // Text blocks are the answer, tool_use blocks its tool calls; thinking blocks are neither.
            String type = block.path("type").asText();
            if ("text".equals(type) && block.path("text").isTextual()) {
                answer.append(block.path("text").textValue());
            } else if ("tool_use".equals(type)) {
                toolCalls.add(new ToolCall(block.path("id").asText(), block.path("name").asText(),
                        block.path("input").isMissingNode() ? "{}" : block.path("input").toString()));
            }
        }
        String stopReason = root.path("stop_reason").asText("");
        if (answer.isEmpty() && toolCalls.isEmpty() && !"refusal".equals(stopReason) && !"max_tokens".equals(stopReason)) {
            throw UpstreamFailure.badResponse("no text in the content blocks");
        }
        return new Completion(answer.toString(), finishReason(stopReason), usage(root.path("usage")), toolCalls,
                null, stopSequence(stopReason, root.path("stop_sequence")))
                .identified(root.path("id").textValue(), root.path("model").textValue());
    }

    /** The stop sequence that ended the answer ({@code ""} when Anthropic does not say which), else null. */
    static String stopSequence(String stopReason, JsonNode sequence) {
        if (!"stop_sequence".equals(stopReason)) {
            return null;
        }
        return sequence != null && sequence.isTextual() ? sequence.textValue() : "";
    }

    /** Anthropic's stop reasons in OpenAI's terms. */
    static String finishReason(String stopReason) {
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> "length";
            case "tool_use" -> "tool_calls";
            case "refusal" -> "content_filter";
            default -> "stop"; // end_turn, stop_sequence, pause_turn
        };
    }

    /** Anthropic's input_tokens leave out cache reads and writes; OpenAI's prompt_tokens counts them all. */
    static Usage usage(JsonNode node) {
        long input = node.path("input_tokens").asLong(0);
        long cacheRead = node.path("cache_read_input_tokens").asLong(0);
        long cacheWrite = node.path("cache_creation_input_tokens").asLong(0);
        long output = node.path("output_tokens").asLong(0);
        long prompt = input + cacheRead + cacheWrite;
        return Usage.of(prompt, output, prompt + output, cacheRead, cacheWrite);
    }

    /** One subscription's view of the event stream: the usage and stop reason arrive in pieces. */
    private final class StreamState {
        JsonNode startUsage;
        JsonNode finalUsage;
        String stopReason = "";
        JsonNode stopSequence;
        boolean finished;
        final java.util.Map<Integer, Integer> toolIndexes = new java.util.HashMap<>();

        List<CompletionEvent> accept(String data) {
            if (data == null || data.isBlank()) {
                return List.of();
            }
            JsonNode event = readObject(data);
            switch (event.path("type").asText()) {
                case "message_start" -> startUsage = event.path("message").path("usage");
                case "content_block_start" -> {
                    JsonNode block = event.path("content_block");
                    if ("tool_use".equals(block.path("type").asText())) {
                        // OpenAI numbers tool calls among themselves; Anthropic numbers every content block.
                        int index = toolIndexes.size();
                        toolIndexes.put(event.path("index").asInt(), index);
                        return List.of(new CompletionEvent.ToolCallDelta(index, block.path("id").asText(),
                                block.path("name").asText(), null));
                    }
                }
                case "content_block_delta" -> {
                    JsonNode delta = event.path("delta");
                    String type = delta.path("type").asText();
                    if ("text_delta".equals(type) && delta.path("text").isTextual()) {
                        return List.of(new CompletionEvent.Delta(delta.path("text").textValue()));
                    }
                    Integer tool = toolIndexes.get(event.path("index").asInt());
                    if ("input_json_delta".equals(type) && tool != null) {
                        return List.of(new CompletionEvent.ToolCallDelta(tool, null, null,
                                delta.path("partial_json").asText("")));
                    }
                    // thinking and signature deltas are not the answer
                }
                case "message_delta" -> {
                    stopReason = event.path("delta").path("stop_reason").asText(stopReason);
                    stopSequence = event.path("delta").get("stop_sequence");
                    finalUsage = event.path("usage");
                }
                case "message_stop" -> {
                    finished = true;
                    return List.of(new CompletionEvent.Finished(finishReason(stopReason), streamUsage(),
                            stopSequence(stopReason, stopSequence)));
                }
                case "error" -> throw eventError(event.path("error"));
                default -> {
                    // ping, content_block_stop, and event types added later
                }
            }
            return List.of();
        }

        /** message_delta's usage is cumulative and may repeat the input counts; message_start's has them first. */
        private Usage streamUsage() {
            com.fasterxml.jackson.databind.node.ObjectNode merged = json.createObjectNode();
            if (startUsage != null && startUsage.isObject()) {
                merged.setAll((com.fasterxml.jackson.databind.node.ObjectNode) startUsage);
            }
            if (finalUsage != null && finalUsage.isObject()) {
                finalUsage.fields().forEachRemaining(f -> {
                    if (!f.getValue().isNull()) {
                        merged.set(f.getKey(), f.getValue());
                    }
                });
            }
            return usage(merged);
        }
    }

    /** An {@code error} event inside a 200 stream, given the status Anthropic uses for its type. */
    private UpstreamFailure eventError(JsonNode error) {
        String type = error.path("type").asText("api_error");
        int status = switch (type) {
            case "overloaded_error" -> 529;
            case "rate_limit_error" -> 429;
            case "api_error" -> 500;
            case "request_too_large" -> 413;
            case "not_found_error" -> 404;
            case "permission_error" -> 403;
            case "authentication_error" -> 401;
            default -> 400;
        };
        return UpstreamFailure.status(status, clip(type + ": " + error.path("message").asText("")), null);
    }

    private UpstreamFailure streamFailure(Throwable failure) {
        if (failure instanceof UpstreamHttp.ErrorReply error) {
            UpstreamHttp.Reply reply = error.reply();
            return UpstreamFailure.status(reply.status(), errorMessage(new String(reply.body().getBytes(),
                    StandardCharsets.UTF_8)), RetryAfter.parse(reply.header("retry-after")));
        }
        if (failure instanceof UpstreamFailure upstream) {
            return redact(upstream);
        }
        return UpstreamFailure.connection(redact(describe(failure)));
    }

    private UpstreamFailure redact(UpstreamFailure failure) {
        return ownKey.redact(redactor.redact(failure));
    }

    private JsonNode readObject(String text) {
        JsonNode root;
        try {
            root = json.readTree(text);
        } catch (JsonProcessingException e) {
            throw UpstreamFailure.badResponse("body is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw UpstreamFailure.badResponse("body is not a JSON object");
        }
        return root;
    }

    /** {@code {"type": "error", "error": {"type": "rate_limit_error", "message": "..."}}}, else the start of the body. */
    private String errorMessage(String body) {
        String message = body;
        try {
            JsonNode node = json.readTree(body);
            JsonNode error = node == null ? null : node.path("error");
            if (error != null && error.path("message").isTextual()) {
                message = error.path("type").asText("error") + ": " + error.path("message").textValue();
            }
        } catch (JsonProcessingException ignored) {
            // not JSON: keep the raw text
        }
        return clip(message);
    }

    /** Redacted before it is shortened: a key cut by the shortening would no longer be recognised. */
    private String clip(String text) {
        return UpstreamFailure.shortened(redact(text));
    }

    /** Upstreams sometimes echo the key they were given. */
    private String redact(String text) {
        return text == null ? null : ownKey.redact(redactor.redact(text));
    }
}
