package dev.moa.mix;

import com.fasterxml.jackson.databind.JsonNode;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Turns mix and provider documents into validated records. Every error names the document and the JSON path.
 */
public final class MixDocuments {

    private static final Set<String> MIX_FIELDS = Set.of("description", "layers", "hedge");
    private static final Set<String> LAYER_FIELDS = Set.of("agents", "min_successes", "references",
            "straggler_grace_ms", "aggregate", "max_reference_tokens", "max_total_reference_tokens", "overflow",
            "keep_reasoning", "early_stop", "tools", "hedge");
    /** Layer fields about the references a layer receives: meaningless on the first layer, which receives none. */
    private static final List<String> RECEIVING_FIELDS = List.of("aggregate", "max_total_reference_tokens",
            "overflow", "keep_reasoning");
    private static final Set<String> AGGREGATE_FIELDS = Set.of("mode", "window");
    private static final Set<String> EARLY_STOP_FIELDS = Set.of("when", "min", "extract");
    private static final int MAX_WINDOW = 64;
    /** The OpenAI per-call fields a mix may set for an agent (its value wins over the client's). */
    private static final Set<String> CALL_FIELDS = Set.of("seed", "logit_bias", "presence_penalty",
            "frequency_penalty", "user", "metadata", "service_tier", "reasoning_effort");
    private static final Set<String> AGENT_FIELDS = union(CALL_FIELDS, Set.of("provider", "model", "temperature",
            "max_tokens", "top_p", "stop", "system_prompt", "samples", "weight", "timeout_ms", "retries", "fallbacks",
            "hedge"));
    /** A fallback stands in for its agent: it has no samples, weight or fallbacks of its own. */
    private static final Set<String> FALLBACK_FIELDS = union(CALL_FIELDS, Set.of("provider", "model", "temperature",
            "max_tokens", "top_p", "stop", "system_prompt", "timeout_ms", "retries"));
    private static final int MAX_TIMEOUT_MS = 15 * 60 * 1000;
    private static final int MAX_RETRIES = 5;
    private static final Set<String> REFERENCE_FIELDS = Set.of("prompt", "placement", "shuffle", "dropout");
    private static final Set<String> PROVIDER_FIELDS = Set.of("protocol", "base_url", "api_key", "headers", "timeout_ms",
            "pricing", "description", "max_response_bytes");
    private static final int MIN_RESPONSE_BYTES = 1024;
    private static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
    private static final int MAX_REFERENCE_TOKENS = 1_000_000;
    /** Per protocol, the fields beyond the common ones. */
    private static final Map<Protocol, Set<String>> PROTOCOL_FIELDS = Map.of(
            Protocol.OPENAI, Set.of(),
            Protocol.ANTHROPIC, Set.of("max_tokens"),
            Protocol.BEDROCK, Set.of("region", "max_tokens"));
    private static final URI ANTHROPIC_URL = URI.create("https://api.anthropic.com/v1");
    /** Anthropic requires max_tokens on every call; this is sent when no mix, client or document sets one. */
    public static final int DEFAULT_ANTHROPIC_MAX_TOKENS = 4096;
    private static final java.util.regex.Pattern REGION = java.util.regex.Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d+");
    private static final Set<String> PRICE_FIELDS = Set.of("input_per_mtok", "output_per_mtok", "cached_input_per_mtok",
            "cache_write_per_mtok");
    private static final Set<String> KEY_FIELDS = Set.of("env", "parameter");
    private static final int MAX_SAMPLES = 16;
    private static final Set<String> HEDGE_FIELDS = Set.of("after_ms", "min_ms", "max", "to");
    private static final Pattern PERCENTILE = Pattern.compile("p(\\d{2})");

    private MixDocuments() {
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        HashSet<String> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    /**
     * @param name          the mix name clients use as {@code model}
     * @param label         how errors name the document, e.g. {@code mix "coding"}
     * @param knownProvider whether a provider document of that name exists
     */
    public static Mix parseMix(String name, String label, JsonNode json, Predicate<String> knownProvider) {
        DocumentNode root = DocumentNode.root(label, json);
        root.allowOnly(MIX_FIELDS);
        String description = root.field("description").optionalText();
        List<DocumentNode> layerNodes = root.field("layers").nonEmptyArray();
        Optional<Hedge> mixHedge = parseHedge(root.field("hedge"));
        List<Layer> layers = new ArrayList<>(layerNodes.size());
        for (int i = 0; i < layerNodes.size(); i++) {
            layers.add(parseLayer(layerNodes.get(i), i == 0, i == layerNodes.size() - 1, knownProvider,
                    mixHedge == null ? Optional.empty() : mixHedge, mixHedge == null ? null : "the mix's"));
        }
        return new Mix(name, description == null ? "" : description, layers);
    }

    /**
     * @param defaultHedge the mix's hedge, if any
     * @param hedgeSource  how an error names where an inherited hedge comes from ({@code null}: none set)
     */
    private static Layer parseLayer(DocumentNode node, boolean first, boolean last, Predicate<String> knownProvider,
                                    Optional<Hedge> defaultHedge, String hedgeSource) {
        node.object().allowOnly(LAYER_FIELDS);
        List<DocumentNode> agentNodes = node.field("agents").nonEmptyArray();
        if (last && agentNodes.size() != 1) {
            throw node.field("agents").invalid("the last layer is the aggregator and must have exactly one agent, found "
                    + agentNodes.size());
        }
        Optional<Hedge> layerHedge = parseHedge(node.field("hedge"));
        Optional<Hedge> inherited = layerHedge != null ? layerHedge : defaultHedge;
        String source = layerHedge != null ? "the layer's" : hedgeSource;
        List<Agent> agents = agentNodes.stream().map(a -> parseAgent(a, knownProvider, inherited, source)).toList();
        int calls = agents.stream().mapToInt(Agent::samples).sum();
        Integer minSuccesses = node.field("min_successes").optionalInt(1, Integer.MAX_VALUE);
        if (minSuccesses != null && minSuccesses > calls) {
            throw node.field("min_successes").invalid("is " + minSuccesses + " but the layer makes only " + calls + " calls");
        }
        DocumentNode refs = node.field("references");
        References references = refs.present() ? parseReferences(refs) : References.DEFAULT;
        Integer grace = node.field("straggler_grace_ms").optionalInt(0, MAX_TIMEOUT_MS);
        if (first) {
            for (String field : RECEIVING_FIELDS) {
                if (node.field(field).present()) {
                    throw node.field(field).invalid("the first layer receives no references (it answers the "
                            + "client's conversation); set it on a later layer");
                }
            }
        }
        DocumentNode aggregateNode = node.field("aggregate");
        Aggregate aggregate = aggregateNode.present() ? parseAggregate(aggregateNode) : Aggregate.SYNTHESIZE;
        ReferenceBudget budget = parseBudget(node, aggregate);
        Boolean keepReasoning = node.field("keep_reasoning").optionalBoolean();
        DocumentNode earlyStopNode = node.field("early_stop");
        Optional<EarlyStop> earlyStop = Optional.empty();
        if (earlyStopNode.present()) {
            if (last) {
                throw earlyStopNode.invalid("the last layer's answer is the response already; set early_stop on an "
                        + "earlier layer");
            }
            earlyStop = Optional.of(parseEarlyStop(earlyStopNode, calls));
        }
        return new Layer(agents, minSuccesses == null ? 1 : minSuccesses, references,
                Optional.ofNullable(grace).map(Duration::ofMillis), parseToolMode(node.field("tools"), last), aggregate,
                budget, keepReasoning != null && keepReasoning, earlyStop);
    }

    /** {@code "synthesize"}, {@code "rank"}, or {@code {"mode": "sequential", "window": k}}. */
    private static Aggregate parseAggregate(DocumentNode node) {
        String mode;
        DocumentNode modeNode = node;
        if (node.node().isTextual()) {
            mode = node.text();
        } else if (node.node().isObject()) {
            node.allowOnly(AGGREGATE_FIELDS);
            modeNode = node.field("mode");
            mode = modeNode.requiredText();
        } else {
            throw node.invalid("must be \"synthesize\", \"rank\" or {\"mode\": \"sequential\", \"window\": k}");
        }
        DocumentNode window = node.node().isObject() ? node.field("window") : null;
        switch (mode) {
            case "synthesize", "rank" -> {
                if (window != null && window.present()) {
                    throw window.invalid("applies only to mode \"sequential\"");
                }
                return mode.equals("rank") ? new Aggregate.Rank() : Aggregate.SYNTHESIZE;
            }
            case "sequential" -> {
                if (window == null) {
                    throw node.invalid("sequential aggregation needs a window: {\"mode\": \"sequential\", \"window\": k}");
                }
                if (!window.present()) {
                    throw window.invalid("is required");
                }
                return new Aggregate.Sequential(window.optionalInt(1, MAX_WINDOW));
            }
            default -> throw modeNode.invalid("must be \"synthesize\", \"rank\" or \"sequential\", found \"" + mode + "\"");
        }
    }

    private static ReferenceBudget parseBudget(DocumentNode layer, Aggregate aggregate) {
        Integer perReference = layer.field("max_reference_tokens").optionalInt(1, MAX_REFERENCE_TOKENS);
        DocumentNode totalNode = layer.field("max_total_reference_tokens");
        Integer total = totalNode.optionalInt(1, MAX_REFERENCE_TOKENS);
        DocumentNode overflowNode = layer.field("overflow");
        ReferenceBudget.Overflow overflow = ReferenceBudget.Overflow.TRUNCATE;
        if (overflowNode.present()) {
            String value = overflowNode.text();
            overflow = switch (value) {
                case "truncate" -> ReferenceBudget.Overflow.TRUNCATE;
                case "drop_longest" -> ReferenceBudget.Overflow.DROP_LONGEST;
                case "sequential" -> ReferenceBudget.Overflow.SEQUENTIAL;
                default -> throw overflowNode.invalid("must be \"truncate\", \"drop_longest\" or \"sequential\", found \""
                        + value + "\"");
            };
            if (total == null) {
                throw overflowNode.invalid("applies only with max_total_reference_tokens");
            }
            if (overflow == ReferenceBudget.Overflow.SEQUENTIAL && aggregate instanceof Aggregate.Rank) {
                throw overflowNode.invalid("\"sequential\" synthesizes; it cannot be combined with aggregate \"rank\"");
            }
        }
        if (perReference == null && total == null) {
            return ReferenceBudget.DEFAULT;
        }
        return new ReferenceBudget(perReference == null ? ReferenceBudget.DEFAULT_MAX_REFERENCE_TOKENS : perReference,
                total, overflow);
    }

    private static EarlyStop parseEarlyStop(DocumentNode node, int calls) {
        node.object().allowOnly(EARLY_STOP_FIELDS);
        DocumentNode whenNode = node.field("when");
        String when = whenNode.requiredText();
        DocumentNode minNode = node.field("min");
        int min;
        EarlyStop.When kind;
        switch (when) {
            case "unanimous" -> {
                if (minNode.present()) {
                    throw minNode.invalid("applies only to \"majority\" (unanimous means every answer)");
                }
                if (calls < 2) {
                    throw whenNode.invalid("needs a layer of at least 2 calls to agree, the layer makes " + calls);
                }
                kind = EarlyStop.When.UNANIMOUS;
                min = 2; // every answer that came back, and at least two of them
            }
            case "majority" -> {
                if (!minNode.present()) {
                    throw minNode.invalid("is required for \"majority\": how many equal answers stop the mix");
                }
                Integer value = minNode.optionalInt(2, Integer.MAX_VALUE);
                if (value > calls) {
                    throw minNode.invalid("is " + value + " but the layer makes only " + calls + " calls");
                }
                kind = EarlyStop.When.MAJORITY;
                min = value;
            }
            default -> throw whenNode.invalid("must be \"unanimous\" or \"majority\", found \"" + when + "\"");
        }
        DocumentNode extractNode = node.field("extract");
        Optional<Pattern> extract = Optional.empty();
        if (extractNode.present()) {
            String regex = extractNode.requiredText();
            try {
                extract = Optional.of(Pattern.compile(regex));
            } catch (PatternSyntaxException e) {
                throw extractNode.invalid("is not a valid regular expression: " + e.getDescription());
            }
        }
        return new EarlyStop(kind, min, extract);
    }

    private static ToolMode parseToolMode(DocumentNode node, boolean last) {
        if (!node.present()) {
            return last ? ToolMode.PASS : ToolMode.DESCRIBE;
        }
        String value = node.text();
        for (ToolMode mode : ToolMode.values()) {
            if (mode.id().equals(value)) {
                if (last && mode != ToolMode.PASS) {
                    throw node.invalid("the aggregator always receives the client's tools; only \"pass\" is allowed "
                            + "on the last layer, found \"" + value + "\"");
                }
                return mode;
            }
        }
        throw node.invalid("must be \"describe\", \"pass\" or \"omit\", found \"" + value + "\"");
    }

    private static Agent parseAgent(DocumentNode node, Predicate<String> knownProvider, Optional<Hedge> inheritedHedge,
                                    String hedgeSource) {
        node.object().allowOnly(AGENT_FIELDS);
        Agent agent = parseCandidate(node, knownProvider);
        Integer samples = node.field("samples").optionalInt(1, MAX_SAMPLES);
        Double weight = node.field("weight").optionalNumber(0, Double.MAX_VALUE);
        List<Agent> fallbacks = new ArrayList<>();
        DocumentNode fallbackNodes = node.field("fallbacks");
        if (fallbackNodes.present()) {
            for (DocumentNode fallbackNode : fallbackNodes.nonEmptyArray()) {
                fallbackNode.object().allowOnly(FALLBACK_FIELDS);
                fallbacks.add(inherit(parseCandidate(fallbackNode, knownProvider), agent));
            }
        }
        DocumentNode hedgeNode = node.field("hedge");
        Optional<Hedge> own = parseHedge(hedgeNode);
        Optional<Hedge> hedge = own != null ? own : inheritedHedge;
        if (hedge.isPresent() && hedge.get().to() == Hedge.Target.FALLBACK && fallbacks.isEmpty()) {
            throw own != null ? hedgeNode.field("to").invalid("\"fallback\" needs an agent with fallbacks")
                    : node.invalid("inherits " + hedgeSource + " hedge with \"to\": \"fallback\" but has no fallbacks; "
                    + "give it fallbacks or its own \"hedge\" (false for none)");
        }
        return new Agent(agent.provider(), agent.model(), agent.sampling(), agent.systemPrompt(),
                samples == null ? 1 : samples, weight, agent.timeout(), agent.retries(), fallbacks, agent.options(),
                hedge);
    }

    /**
     * {@code {"after_ms": 1200 | "p50".."p99", "min_ms": N, "max": 1..3, "to": "same" | "fallback"}}, or
     * {@code false} to turn an inherited hedge off. Returns {@code null} when the field is absent (inherit).
     */
    private static Optional<Hedge> parseHedge(DocumentNode node) {
        if (!node.present()) {
            return null;
        }
        if (node.node().isBoolean()) {
            if (node.node().booleanValue()) {
                throw node.invalid("must be an object such as {\"after_ms\": 1200}, or false for no hedging");
            }
            return Optional.empty();
        }
        node.object().allowOnly(HEDGE_FIELDS);
        DocumentNode afterNode = node.field("after_ms");
        String afterProblem = "must be milliseconds (1 to " + MAX_TIMEOUT_MS + ") or a percentile \"p50\" to \"p99\"";
        if (!afterNode.present()) {
            throw afterNode.invalid("is required: " + afterProblem.substring("must be ".length()));
        }
        Hedge.After after;
        if (afterNode.node().isTextual()) {
            java.util.regex.Matcher percentile = PERCENTILE.matcher(afterNode.text());
            int p = percentile.matches() ? Integer.parseInt(percentile.group(1)) : 0;
            if (p < 50 || p > 99) {
                throw afterNode.invalid(afterProblem + ", found \"" + afterNode.text() + "\"");
            }
            after = new Hedge.After.Percentile(p);
        } else {
            if (!afterNode.node().isIntegralNumber() || !afterNode.node().canConvertToInt()
                    || afterNode.node().intValue() < 1 || afterNode.node().intValue() > MAX_TIMEOUT_MS) {
                throw afterNode.invalid(afterProblem + ", found " + afterNode.node());
            }
            after = new Hedge.After.Fixed(Duration.ofMillis(afterNode.node().intValue()));
        }
        DocumentNode minNode = node.field("min_ms");
        Integer min = minNode.optionalInt(0, MAX_TIMEOUT_MS);
        if (min != null && after instanceof Hedge.After.Fixed) {
            throw minNode.invalid("is the floor of a percentile after_ms; a fixed after_ms needs none");
        }
        Integer max = node.field("max").optionalInt(1, Hedge.MAX_COPIES);
        Hedge.Target to = Hedge.Target.SAME;
        DocumentNode toNode = node.field("to");
        if (toNode.present()) {
            String value = toNode.text();
            to = switch (value) {
                case "same" -> Hedge.Target.SAME;
                case "fallback" -> Hedge.Target.FALLBACK;
                default -> throw toNode.invalid("must be \"same\" or \"fallback\", found \"" + value + "\"");
            };
        }
        return Optional.of(new Hedge(after, min == null ? Duration.ZERO : Duration.ofMillis(min), max == null ? 1 : max,
                to));
    }

    /** Fields a fallback leaves unset are the primary agent's. */
    private static Agent inherit(Agent fallback, Agent primary) {
        return new Agent(fallback.provider(), fallback.model(), fallback.sampling().orElse(primary.sampling()),
                fallback.systemPrompt() != null ? fallback.systemPrompt() : primary.systemPrompt(), 1, null,
                fallback.timeout().isPresent() ? fallback.timeout() : primary.timeout(),
                fallback.retries() != null ? fallback.retries() : primary.retries(), List.of(),
                fallback.options().orElse(primary.options()));
    }

    /** The fields an agent and a fallback share. */
    private static Agent parseCandidate(DocumentNode node, Predicate<String> knownProvider) {
        DocumentNode providerNode = node.field("provider");
        String provider = providerNode.requiredText();
        if (!knownProvider.test(provider)) {
            throw providerNode.invalid("unknown provider \"" + provider + "\"");
        }
        String model = node.field("model").requiredText();
        Sampling sampling = new Sampling(
                node.field("temperature").optionalNumber(0, 2),
                node.field("max_tokens").optionalInt(1, Integer.MAX_VALUE),
                node.field("top_p").optionalNumber(0, 1),
                parseStop(node.field("stop")));
        Integer timeoutMs = node.field("timeout_ms").optionalInt(1, MAX_TIMEOUT_MS);
        Integer retries = node.field("retries").optionalInt(0, MAX_RETRIES);
        return new Agent(provider, model, sampling, node.field("system_prompt").optionalText(), 1, null,
                Optional.ofNullable(timeoutMs).map(Duration::ofMillis), retries, List.of(), parseCallOptions(node));
    }

    /** The per-call fields, checked as OpenAI checks them, kept as written. */
    private static CallOptions parseCallOptions(DocumentNode node) {
        DocumentNode logitBias = node.field("logit_bias");
        DocumentNode metadata = node.field("metadata");
        return new CallOptions(null, null, null, null,
                node.field("seed").optionalLong(),
                logitBias.present() ? logitBias.object().node() : null,
                node.field("presence_penalty").optionalNumber(-2, 2),
                node.field("frequency_penalty").optionalNumber(-2, 2),
                node.field("user").optionalText(),
                metadata.present() ? metadata.object().node() : null,
                node.field("service_tier").optionalText(),
                node.field("reasoning_effort").optionalText());
    }

    private static List<String> parseStop(DocumentNode node) {
        if (!node.present()) {
            return null;
        }
        if (node.node().isTextual()) {
            return List.of(node.text());
        }
        List<DocumentNode> items = node.nonEmptyArray();
        return items.stream().map(DocumentNode::text).toList();
    }

    private static References parseReferences(DocumentNode node) {
        node.object().allowOnly(REFERENCE_FIELDS);
        String prompt = node.field("prompt").optionalText();
        if (prompt != null && prompt.isBlank()) {
            throw node.field("prompt").invalid("must not be empty");
        }
        References.Placement placement = References.Placement.SYSTEM;
        DocumentNode placementNode = node.field("placement");
        if (placementNode.present()) {
            String value = placementNode.text();
            placement = switch (value) {
                case "system" -> References.Placement.SYSTEM;
                case "user" -> References.Placement.USER;
                default -> throw placementNode.invalid("must be \"system\" or \"user\", found \"" + value + "\"");
            };
        }
        Boolean shuffle = node.field("shuffle").optionalBoolean();
        Double dropout = node.field("dropout").optionalNumber(0, 0.99);
        return new References(prompt, placement, shuffle != null && shuffle, dropout == null ? 0.0 : dropout);
    }

    /** @param label how errors name the document, e.g. {@code provider "together"} */
    public static ProviderConfig parseProvider(String name, String label, JsonNode json) {
        DocumentNode root = DocumentNode.root(label, json);
        DocumentNode protocolNode = root.field("protocol");
        String protocolId = protocolNode.requiredText();
        Protocol protocol = Protocol.byId(protocolId.toLowerCase(Locale.ROOT));
        if (protocol == null) {
            throw protocolNode.invalid("unknown protocol \"" + protocolId + "\" (supported: openai, anthropic, bedrock)");
        }
        Set<String> allowed = new java.util.HashSet<>(PROVIDER_FIELDS);
        allowed.addAll(PROTOCOL_FIELDS.get(protocol));
        root.allowOnly(allowed);
        DocumentNode urlNode = root.field("base_url");
        URI baseUrl = switch (protocol) {
            case OPENAI -> parseUrl(urlNode);
            case ANTHROPIC -> urlNode.present() ? parseUrl(urlNode) : ANTHROPIC_URL;
            case BEDROCK -> urlNode.present() ? parseUrl(urlNode) : null;
        };
        Optional<ApiKey> apiKey = Optional.empty();
        DocumentNode keyNode = root.field("api_key");
        if (keyNode.present()) {
            if (protocol == Protocol.BEDROCK) {
                throw keyNode.invalid("bedrock signs its calls with the AWS credential chain (on Lambda the function's "
                        + "role); a provider document names no key");
            }
            apiKey = Optional.of(parseKey(keyNode));
        }
        Map<String, String> headers = new LinkedHashMap<>();
        DocumentNode headersNode = root.field("headers");
        if (headersNode.present()) {
            if (protocol == Protocol.BEDROCK) {
                throw headersNode.invalid("bedrock calls are signed; extra headers are not supported");
            }
            for (Map.Entry<String, DocumentNode> header : headersNode.object().entries()) {
                if (header.getKey().equalsIgnoreCase("authorization") || header.getKey().equalsIgnoreCase("x-api-key")) {
                    throw header.getValue().invalid("set the key with api_key, not as a header, so it can stay secret");
                }
                headers.put(header.getKey(), header.getValue().text());
            }
        }
        Integer timeoutMs = root.field("timeout_ms").optionalInt(1, MAX_TIMEOUT_MS);
        root.field("description").optionalText(); // free text, e.g. where the prices come from
        Optional<String> region = Optional.empty();
        DocumentNode regionNode = root.field("region");
        if (regionNode.present()) {
            String value = regionNode.requiredText();
            if (!REGION.matcher(value).matches()) {
                throw regionNode.invalid("must be an AWS region such as \"us-east-1\", found \"" + value + "\"");
            }
            region = Optional.of(value);
        }
        Integer maxTokens = root.field("max_tokens").optionalInt(1, Integer.MAX_VALUE);
        if (maxTokens == null && protocol == Protocol.ANTHROPIC) {
            maxTokens = DEFAULT_ANTHROPIC_MAX_TOKENS;
        }
        DocumentNode pricingNode = root.field("pricing");
        Pricing pricing = pricingNode.present() ? parsePricing(pricingNode) : Pricing.NONE;
        Integer maxResponseBytes = root.field("max_response_bytes").optionalInt(MIN_RESPONSE_BYTES, MAX_RESPONSE_BYTES);
        return new ProviderConfig(name, protocol, baseUrl, apiKey, headers,
                Optional.ofNullable(timeoutMs).map(Duration::ofMillis), region, Optional.ofNullable(maxTokens), pricing,
                maxResponseBytes == null ? ProviderConfig.DEFAULT_MAX_RESPONSE_BYTES : maxResponseBytes);
    }

    /** {@code {"<model>": {"input_per_mtok": 3, "output_per_mtok": 15, ...}, "default": {...}}}, USD per million tokens. */
    private static Pricing parsePricing(DocumentNode node) {
        Map<String, Price> models = new LinkedHashMap<>();
        Price fallback = null;
        for (Map.Entry<String, DocumentNode> entry : node.object().entries()) {
            Price price = parsePrice(entry.getValue());
            if (entry.getKey().equals("default")) {
                fallback = price;
            } else {
                models.put(entry.getKey(), price);
            }
        }
        return new Pricing(models, Optional.ofNullable(fallback));
    }

    private static Price parsePrice(DocumentNode node) {
        node.object().allowOnly(PRICE_FIELDS);
        return new Price(requiredPrice(node.field("input_per_mtok")), requiredPrice(node.field("output_per_mtok")),
                optionalPrice(node.field("cached_input_per_mtok")), optionalPrice(node.field("cache_write_per_mtok")));
    }

    private static java.math.BigDecimal requiredPrice(DocumentNode node) {
        if (!node.present()) {
            throw node.invalid("is required (USD per million tokens)");
        }
        return optionalPrice(node).orElseThrow();
    }

    private static Optional<java.math.BigDecimal> optionalPrice(DocumentNode node) {
        Double value = node.optionalNumber(0, 1_000_000);
        return value == null ? Optional.empty() : Optional.of(node.node().decimalValue());
    }

    private static URI parseUrl(DocumentNode node) {
        String text = node.requiredText();
        try {
            URI uri = new URI(text);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw node.invalid("must be an http or https URL, found \"" + text + "\"");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw node.invalid("is not a valid URL: \"" + text + "\"");
        }
    }

    private static ApiKey parseKey(DocumentNode node) {
        node.object().allowOnly(KEY_FIELDS);
        DocumentNode env = node.field("env");
        DocumentNode parameter = node.field("parameter");
        if (env.present() == parameter.present()) {
            throw node.invalid("needs exactly one of \"env\" or \"parameter\"");
        }
        return env.present()
                ? new ApiKey.FromEnv(env.requiredText())
                : new ApiKey.FromParameter(parameter.requiredText());
    }
}
