package dev.moa.mix;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MixDocumentsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> PROVIDERS = Set.of("openai", "together");

    private static Mix mix(String json) throws Exception {
        return MixDocuments.parseMix("coding", "mix \"coding\"", JSON.readTree(json), PROVIDERS::contains);
    }

    private static String error(String json) {
        return assertThrows(InvalidDocumentException.class, () -> mix(json)).getMessage();
    }

    @Test
    void parsesEveryField() throws Exception {
        Mix mix = mix("""
                {"description": "d", "layers": [
                  {"min_successes": 2, "references": {"prompt": "P", "placement": "user", "shuffle": true, "dropout": 0.2},
                   "agents": [{"provider": "together", "model": "m1", "temperature": 0.7, "max_tokens": 512, "top_p": 0.9,
                               "system_prompt": "S", "samples": 2, "weight": 1.5},
                              {"provider": "openai", "model": "m2"}]},
                  {"agents": [{"provider": "openai", "model": "gpt-4o", "stop": "END"}]}]}""");
        assertEquals("d", mix.description());
        Layer first = mix.layers().get(0);
        assertEquals(2, first.minSuccesses());
        assertEquals(3, first.calls());
        assertEquals(new References("P", References.Placement.USER, true, 0.2), first.references());
        assertEquals(Agent.of("together", "m1", new Sampling(0.7, 512, 0.9, null), "S", 2, 1.5), first.agents().get(0));
        assertEquals(References.DEFAULT, mix.layers().get(1).references());
        assertEquals(java.util.List.of("END"), mix.aggregator().sampling().stop());
    }

    @Test
    void hedgeOnAnAgentALayerOrTheMixTheClosestWins() throws Exception {
        Mix mix = mix("""
                {"hedge": {"after_ms": 1200},
                 "layers": [
                  {"hedge": {"after_ms": "p90", "min_ms": 300, "max": 2},
                   "agents": [{"provider": "openai", "model": "a"},
                              {"provider": "openai", "model": "b", "hedge": {"after_ms": "p99", "to": "fallback"},
                               "fallbacks": [{"provider": "together", "model": "fb"}]},
                              {"provider": "openai", "model": "c", "hedge": false}]},
                  {"agents": [{"provider": "openai", "model": "agg"}]}]}""");
        java.util.List<Agent> first = mix.layers().get(0).agents();
        assertEquals(java.util.Optional.of(new Hedge(new Hedge.After.Percentile(90), java.time.Duration.ofMillis(300),
                2, Hedge.Target.SAME)), first.get(0).hedge(), "the layer's default");
        assertEquals(java.util.Optional.of(new Hedge(new Hedge.After.Percentile(99), java.time.Duration.ZERO, 1,
                Hedge.Target.FALLBACK)), first.get(1).hedge(), "the agent's own");
        assertEquals(java.util.Optional.empty(), first.get(2).hedge(), "false turns an inherited hedge off");
        assertEquals(java.util.Optional.of(new Hedge(new Hedge.After.Fixed(java.time.Duration.ofMillis(1200)),
                java.time.Duration.ZERO, 1, Hedge.Target.SAME)), mix.aggregator().hedge(), "the mix's default");
        assertTrue(mix("""
                {"layers": [{"agents": [{"provider": "openai", "model": "a"}]}]}""").aggregator().hedge().isEmpty());
    }

    @Test
    void hedgeIsValidatedWithItsPath() {
        String agent = """
                {"layers": [{"agents": [{"provider": "openai", "model": "a", "hedge": %s}]}]}""";
        assertEquals("mix \"coding\": layers[0].agents[0].hedge.after_ms: must be milliseconds (1 to 900000) or a "
                + "percentile \"p50\" to \"p99\", found 0", error(agent.formatted("{\"after_ms\": 0}")));
        assertEquals("mix \"coding\": layers[0].agents[0].hedge.after_ms: must be milliseconds (1 to 900000) or a "
                + "percentile \"p50\" to \"p99\", found \"p100\"", error(agent.formatted("{\"after_ms\": \"p100\"}")));
        assertTrue(error(agent.formatted("{\"after_ms\": \"p49\"}")).endsWith("found \"p49\""));
        assertTrue(error(agent.formatted("{\"after_ms\": \"90\"}")).endsWith("found \"90\""));
        assertTrue(error(agent.formatted("{\"after_ms\": 1.5}")).endsWith("found 1.5"));
        assertEquals("mix \"coding\": layers[0].agents[0].hedge.after_ms: is required: milliseconds (1 to 900000) or "
                + "a percentile \"p50\" to \"p99\"", error(agent.formatted("{\"max\": 1}")));
        assertEquals("mix \"coding\": layers[0].agents[0].hedge.max: must be between 1 and 3",
                error(agent.formatted("{\"after_ms\": 100, \"max\": 4}")));
        assertEquals("mix \"coding\": layers[0].agents[0].hedge.max: must be between 1 and 3",
                error(agent.formatted("{\"after_ms\": 100, \"max\": 0}")));
        assertEquals("mix \"coding\": layers[0].agents[0].hedge.after: unknown field (allowed: after_ms, max, "
                + "min_ms, to)", error(agent.formatted("{\"after\": 100}")));
        assertEquals("mix \"coding\": layers[0].agents[0].hedge.to: must be \"same\" or \"fallback\", found "
                + "\"other\"", error(agent.formatted("{\"after_ms\": 100, \"to\": \"other\"}")));
        assertEquals("mix \"coding\": layers[0].agents[0].hedge.to: \"fallback\" needs an agent with fallbacks",
                error(agent.formatted("{\"after_ms\": 100, \"to\": \"fallback\"}")));
        assertEquals("mix \"coding\": layers[0].agents[0].hedge.min_ms: is the floor of a percentile after_ms; a "
                + "fixed after_ms needs none", error(agent.formatted("{\"after_ms\": 100, \"min_ms\": 5}")));
        assertEquals("mix \"coding\": layers[0].agents[0].hedge: must be an object such as {\"after_ms\": 1200}, or "
                + "false for no hedging", error(agent.formatted("true")));
        assertEquals("mix \"coding\": layers[0].agents[0]: inherits the mix's hedge with \"to\": \"fallback\" but "
                + "has no fallbacks; give it fallbacks or its own \"hedge\" (false for none)", error("""
                {"hedge": {"after_ms": 100, "to": "fallback"},
                 "layers": [{"agents": [{"provider": "openai", "model": "a"}]}]}"""));
        assertTrue(error("""
                {"layers": [{"agents": [{"provider": "openai", "model": "a",
                  "fallbacks": [{"provider": "openai", "model": "b", "hedge": {"after_ms": 1}}]}]}]}""")
                .contains("fallbacks[0].hedge: unknown field"), "a fallback has no hedge of its own");
        assertTrue(error("""
                {"layers": [{"hedge": {"after_ms": 1, "typo": 2}, "agents": [{"provider": "openai", "model": "a"}]}]}""")
                .startsWith("mix \"coding\": layers[0].hedge.typo: unknown field"));
    }

    @Test
    void errorsNameTheDocumentAndTheJsonPath() {
        assertEquals("mix \"coding\": layers[1].agents[0].provider: unknown provider \"opneai\"", error("""
                {"layers": [{"agents": [{"provider": "openai", "model": "a"}]},
                            {"agents": [{"provider": "opneai", "model": "b"}]}]}"""));
        assertEquals("mix \"coding\": layers[0].agents[0].temprature: unknown field (allowed: fallbacks, "
                + "frequency_penalty, hedge, logit_bias, max_tokens, metadata, model, presence_penalty, provider, "
                + "reasoning_effort, retries, samples, seed, service_tier, stop, system_prompt, temperature, "
                + "timeout_ms, top_p, user, weight)", error("""
                {"layers": [{"agents": [{"provider": "openai", "model": "a", "temprature": 1}]}]}"""));
        assertEquals("mix \"coding\": layers[0].agents[0].temperature: must be between 0.0 and 2.0", error("""
                {"layers": [{"agents": [{"provider": "openai", "model": "a", "temperature": 3}]}]}"""));
        assertEquals("mix \"coding\": layers[0].agents[0].model: is required", error("""
                {"layers": [{"agents": [{"provider": "openai"}]}]}"""));
        assertEquals("mix \"coding\": layers: must not be empty", error("{\"layers\": []}"));
        assertEquals("mix \"coding\": layers: is required", error("{}"));
        assertEquals("mix \"coding\": must be a JSON object", error("[]"));
        assertEquals("mix \"coding\": layers[0].references.placement: must be \"system\" or \"user\", found \"middle\"",
                error("""
                {"layers": [{"references": {"placement": "middle"}, "agents": [{"provider": "openai", "model": "a"}]}]}"""));
    }

    /** A proposer layer of two agents, then {@code secondLayer}'s fields on an aggregator. */
    private static String withAggregatorFields(String secondLayer) {
        return """
                {"layers": [{"agents": [{"provider": "openai", "model": "a"}, {"provider": "openai", "model": "b"}]},
                            {%s "agents": [{"provider": "openai", "model": "c"}]}]}""".formatted(secondLayer);
    }

    private static String withProposerFields(String firstLayer) {
        return """
                {"layers": [{%s "agents": [{"provider": "openai", "model": "a", "samples": 3}]},
                            {"agents": [{"provider": "openai", "model": "c"}]}]}""".formatted(firstLayer);
    }

    @Test
    void parsesTheStrategyFields() throws Exception {
        Mix mix = mix("""
                {"layers": [
                  {"early_stop": {"when": "majority", "min": 2, "extract": "(\\\\d+)$"},
                   "agents": [{"provider": "openai", "model": "a", "samples": 3}]},
                  {"aggregate": {"mode": "sequential", "window": 2}, "max_reference_tokens": 500,
                   "max_total_reference_tokens": 2000, "overflow": "drop_longest", "keep_reasoning": true,
                   "agents": [{"provider": "openai", "model": "b"}]},
                  {"aggregate": "rank", "agents": [{"provider": "openai", "model": "c"}]}]}""");
        Layer first = mix.layers().get(0);
        assertEquals(EarlyStop.When.MAJORITY, first.earlyStop().orElseThrow().when());
        assertEquals(2, first.earlyStop().orElseThrow().min());
        assertEquals("(\\d+)$", first.earlyStop().orElseThrow().extract().orElseThrow().pattern());
        assertEquals(Aggregate.SYNTHESIZE, first.aggregate());
        assertEquals(ReferenceBudget.DEFAULT, first.budget());
        assertEquals(8192, first.budget().maxReferenceTokens(), "a hard cap by default");
        Layer second = mix.layers().get(1);
        assertEquals(new Aggregate.Sequential(2), second.aggregate());
        assertEquals(new ReferenceBudget(500, 2000, ReferenceBudget.Overflow.DROP_LONGEST), second.budget());
        assertTrue(second.keepReasoning());
        assertEquals(new Aggregate.Rank(), mix.layers().get(2).aggregate());
        assertEquals(false, mix.layers().get(2).keepReasoning());
        assertEquals(new Aggregate.Rank(), mix(withAggregatorFields("\"aggregate\": {\"mode\": \"rank\"},"))
                .layers().get(1).aggregate());
        assertEquals(EarlyStop.When.UNANIMOUS, mix(withProposerFields("\"early_stop\": {\"when\": \"unanimous\"},"))
                .layers().get(0).earlyStop().orElseThrow().when());
    }

    @Test
    void strategyFieldsAreValidatedWithTheirPath() {
        String p = "mix \"coding\": ";
        assertEquals(p + "layers[1].aggregate: must be \"synthesize\", \"rank\" or \"sequential\", found \"vote\"",
                error(withAggregatorFields("\"aggregate\": \"vote\",")));
        assertEquals(p + "layers[1].aggregate: must be \"synthesize\", \"rank\" or {\"mode\": \"sequential\", \"window\": k}",
                error(withAggregatorFields("\"aggregate\": 3,")));
        assertEquals(p + "layers[1].aggregate: sequential aggregation needs a window: {\"mode\": \"sequential\", \"window\": k}",
                error(withAggregatorFields("\"aggregate\": \"sequential\",")));
        assertEquals(p + "layers[1].aggregate.window: is required",
                error(withAggregatorFields("\"aggregate\": {\"mode\": \"sequential\"},")));
        assertEquals(p + "layers[1].aggregate.window: must be between 1 and 64",
                error(withAggregatorFields("\"aggregate\": {\"mode\": \"sequential\", \"window\": 0},")));
        assertEquals(p + "layers[1].aggregate.window: applies only to mode \"sequential\"",
                error(withAggregatorFields("\"aggregate\": {\"mode\": \"rank\", \"window\": 2},")));
        assertEquals(p + "layers[1].aggregate.windw: unknown field (allowed: mode, window)",
                error(withAggregatorFields("\"aggregate\": {\"mode\": \"sequential\", \"windw\": 2},")));
        assertEquals(p + "layers[0].aggregate: the first layer receives no references (it answers the client's "
                + "conversation); set it on a later layer", error(withProposerFields("\"aggregate\": \"rank\",")));
        assertEquals(p + "layers[0].keep_reasoning: the first layer receives no references (it answers the client's "
                + "conversation); set it on a later layer", error(withProposerFields("\"keep_reasoning\": true,")));
        assertEquals(p + "layers[1].keep_reasoning: must be true or false",
                error(withAggregatorFields("\"keep_reasoning\": \"yes\",")));
        assertEquals(p + "layers[1].max_reference_tokens: must be between 1 and 1000000",
                error(withAggregatorFields("\"max_reference_tokens\": 0,")));
        assertEquals(p + "layers[1].max_total_reference_tokens: must be between 1 and 1000000",
                error(withAggregatorFields("\"max_total_reference_tokens\": 0,")));
        assertEquals(p + "layers[1].max_total_reference_tokens: must be an integer",
                error(withAggregatorFields("\"max_total_reference_tokens\": \"lots\",")));
        assertEquals(p + "layers[1].overflow: must be \"truncate\", \"drop_longest\" or \"sequential\", found \"spill\"",
                error(withAggregatorFields("\"max_total_reference_tokens\": 10, \"overflow\": \"spill\",")));
        assertEquals(p + "layers[1].overflow: applies only with max_total_reference_tokens",
                error(withAggregatorFields("\"overflow\": \"truncate\",")));
        assertEquals(p + "layers[1].overflow: \"sequential\" synthesizes; it cannot be combined with aggregate \"rank\"",
                error(withAggregatorFields("\"aggregate\": \"rank\", \"max_total_reference_tokens\": 10, "
                        + "\"overflow\": \"sequential\",")));
        assertEquals(p + "layers[1].early_stop: the last layer's answer is the response already; set early_stop on an "
                + "earlier layer", error(withAggregatorFields("\"early_stop\": {\"when\": \"unanimous\"},")));
        assertEquals(p + "layers[0].early_stop.when: must be \"unanimous\" or \"majority\", found \"all\"",
                error(withProposerFields("\"early_stop\": {\"when\": \"all\"},")));
        assertEquals(p + "layers[0].early_stop.when: is required", error(withProposerFields("\"early_stop\": {},")));
        assertEquals(p + "layers[0].early_stop: must be a JSON object",
                error(withProposerFields("\"early_stop\": \"unanimous\",")));
        assertEquals(p + "layers[0].early_stop.min: is required for \"majority\": how many equal answers stop the mix",
                error(withProposerFields("\"early_stop\": {\"when\": \"majority\"},")));
        assertEquals(p + "layers[0].early_stop.min: is 4 but the layer makes only 3 calls",
                error(withProposerFields("\"early_stop\": {\"when\": \"majority\", \"min\": 4},")));
        assertEquals(p + "layers[0].early_stop.min: must be between 2 and 2147483647",
                error(withProposerFields("\"early_stop\": {\"when\": \"majority\", \"min\": 1},")));
        assertEquals(p + "layers[0].early_stop.min: applies only to \"majority\" (unanimous means every answer)",
                error(withProposerFields("\"early_stop\": {\"when\": \"unanimous\", \"min\": 2},")));
        assertTrue(error(withProposerFields("\"early_stop\": {\"when\": \"unanimous\", \"extract\": \"(\\\\d+\"},"))
                .startsWith(p + "layers[0].early_stop.extract: is not a valid regular expression: "));
        assertEquals(p + "layers[0].early_stop.stop: unknown field (allowed: extract, min, when)",
                error(withProposerFields("\"early_stop\": {\"when\": \"unanimous\", \"stop\": 1},")));
        assertEquals(p + "layers[0].early_stop.when: needs a layer of at least 2 calls to agree, the layer makes 1",
                error("""
                {"layers": [{"early_stop": {"when": "unanimous"}, "agents": [{"provider": "openai", "model": "a"}]},
                            {"agents": [{"provider": "openai", "model": "c"}]}]}"""));
    }

    @Test
    void theLastLayerHasExactlyOneAgent() {
        assertEquals("mix \"coding\": layers[0].agents: the last layer is the aggregator and must have exactly one "
                + "agent, found 2", error("""
                {"layers": [{"agents": [{"provider": "openai", "model": "a"}, {"provider": "openai", "model": "b"}]}]}"""));
    }

    @Test
    void minSuccessesCannotExceedTheCallsOfTheLayer() {
        assertTrue(error("""
                {"layers": [{"min_successes": 3, "agents": [{"provider": "openai", "model": "a", "samples": 2}]},
                            {"agents": [{"provider": "openai", "model": "b"}]}]}""")
                .endsWith("layers[0].min_successes: is 3 but the layer makes only 2 calls"));
    }

    @Test
    void providerDocuments() throws Exception {
        ProviderConfig p = MixDocuments.parseProvider("together", "provider \"together\"", JSON.readTree("""
                {"protocol": "openai", "base_url": "https://api.together.xyz/v1", "api_key": {"env": "TOGETHER_API_KEY"},
                 "headers": {"X-Title": "moa"}, "timeout_ms": 20000}"""));
        assertEquals(Protocol.OPENAI, p.protocol());
        assertEquals("https://api.together.xyz/v1", p.baseUrl().toString());
        assertEquals(new ApiKey.FromEnv("TOGETHER_API_KEY"), p.apiKey().orElseThrow());
        assertEquals("moa", p.headers().get("X-Title"));
        assertEquals(20_000, p.timeout().orElseThrow().toMillis());

        assertEquals("provider \"x\": base_url: must be an http or https URL, found \"ftp://x\"", providerError("""
                {"protocol": "openai", "base_url": "ftp://x"}"""));
        assertEquals("provider \"x\": api_key: must be a JSON object", providerError("""
                {"protocol": "openai", "base_url": "https://x", "api_key": "sk-live-secret"}"""));
        assertEquals("provider \"x\": headers.Authorization: set the key with api_key, not as a header, so it can "
                + "stay secret", providerError("""
                {"protocol": "openai", "base_url": "https://x", "headers": {"Authorization": "Bearer sk-live-secret"}}"""));
    }

    @Test
    void anthropicAndBedrockProviderDocuments() throws Exception {
        ProviderConfig claude = MixDocuments.parseProvider("claude", "provider \"claude\"", JSON.readTree("""
                {"protocol": "anthropic", "api_key": {"env": "ANTHROPIC_API_KEY"}}"""));
        assertEquals(Protocol.ANTHROPIC, claude.protocol());
        assertEquals("https://api.anthropic.com/v1", claude.baseUrl().toString(), "Anthropic's own API by default");
        assertEquals(MixDocuments.DEFAULT_ANTHROPIC_MAX_TOKENS, claude.maxTokens().orElseThrow());
        assertEquals(1000, MixDocuments.parseProvider("c", "c", JSON.readTree("""
                {"protocol": "anthropic", "max_tokens": 1000}""")).maxTokens().orElseThrow());

        ProviderConfig bedrock = MixDocuments.parseProvider("bedrock", "provider \"bedrock\"", JSON.readTree("""
                {"protocol": "bedrock", "region": "eu-west-3", "timeout_ms": 60000}"""));
        assertEquals(Protocol.BEDROCK, bedrock.protocol());
        assertEquals("eu-west-3", bedrock.region().orElseThrow());
        assertEquals(null, bedrock.baseUrl(), "the SDK resolves the regional endpoint");
        assertTrue(bedrock.apiKey().isEmpty() && bedrock.maxTokens().isEmpty());

        assertEquals("provider \"x\": region: must be an AWS region such as \"us-east-1\", found \"Frankfurt\"",
                providerError("""
                {"protocol": "bedrock", "region": "Frankfurt"}"""));
        assertEquals("provider \"x\": api_key: bedrock signs its calls with the AWS credential chain (on Lambda the "
                + "function's role); a provider document names no key", providerError("""
                {"protocol": "bedrock", "api_key": {"env": "AWS_SECRET_ACCESS_KEY"}}"""));
        assertEquals("provider \"x\": region: unknown field (allowed: api_key, base_url, description, headers, "
                + "max_response_bytes, max_tokens, pricing, protocol, timeout_ms)", providerError("""
                {"protocol": "anthropic", "region": "us-east-1"}"""));
        assertEquals("provider \"x\": max_tokens: unknown field (allowed: api_key, base_url, description, headers, "
                + "max_response_bytes, pricing, protocol, timeout_ms)", providerError("""
                {"protocol": "openai", "base_url": "https://x", "max_tokens": 5}"""));
        assertEquals("provider \"x\": headers.x-api-key: set the key with api_key, not as a header, so it can stay "
                + "secret", providerError("""
                {"protocol": "anthropic", "headers": {"x-api-key": "sk-live-secret"}}"""));
        assertEquals("provider \"x\": protocol: unknown protocol \"grpc\" (supported: openai, anthropic, bedrock)",
                providerError("""
                {"protocol": "grpc"}"""));
    }

    @Test
    void pricesPerModelWithADefault() throws Exception {
        ProviderConfig p = MixDocuments.parseProvider("p", "provider \"p\"", JSON.readTree("""
                {"protocol": "anthropic", "pricing": {
                   "claude-a": {"input_per_mtok": 3, "output_per_mtok": 15, "cached_input_per_mtok": 0.3,
                                "cache_write_per_mtok": 3.75},
                   "default": {"input_per_mtok": 1, "output_per_mtok": 5}}}"""));
        Price a = p.pricing().priceOf("claude-a").orElseThrow();
        // 1000 uncached in, 2000 cached in, 100 cache writes, 500 out
        assertEquals(new java.math.BigDecimal("0.011475"), a.cost(1000, 2000, 100, 500));
        assertEquals(new java.math.BigDecimal("0.0035"), p.pricing().priceOf("other").orElseThrow().cost(1000, 0, 0, 500),
                "the default entry prices the others");
        assertEquals(new java.math.BigDecimal("0.007"), p.pricing().priceOf("other").orElseThrow().cost(1000, 1000, 0, 1000),
                "without a cached price, cached input is charged as input");
        assertTrue(MixDocuments.parseProvider("p", "p", JSON.readTree("""
                {"protocol": "anthropic", "pricing": {"claude-a": {"input_per_mtok": 3, "output_per_mtok": 15}}}"""))
                .pricing().priceOf("claude-b").isEmpty(), "no default: other models have no price");

        assertEquals("provider \"x\": pricing.claude-a.output_per_mtok: is required (USD per million tokens)",
                providerError("""
                {"protocol": "anthropic", "pricing": {"claude-a": {"input_per_mtok": 3}}}"""));
        assertEquals("provider \"x\": pricing.claude-a.input_per_mtok: must be between 0.0 and 1000000.0", providerError("""
                {"protocol": "anthropic", "pricing": {"claude-a": {"input_per_mtok": -1, "output_per_mtok": 1}}}"""));
        assertEquals("provider \"x\": pricing.m.input_per_mtk: unknown field (allowed: cache_write_per_mtok, "
                + "cached_input_per_mtok, input_per_mtok, output_per_mtok)", providerError("""
                {"protocol": "openai", "base_url": "https://x", "pricing": {"m": {"input_per_mtk": 1, "output_per_mtok": 1}}}"""));
        assertEquals("provider \"x\": pricing.m.input_per_mtok: must be a number", providerError("""
                {"protocol": "openai", "base_url": "https://x", "pricing": {"m": {"input_per_mtok": "1", "output_per_mtok": 1}}}"""));
    }

    @Test
    void layerToolsModeAndPerCallAgentFields() throws Exception {
        Mix mix = mix("""
                {"layers": [
                  {"tools": "pass", "agents": [{"provider": "openai", "model": "a", "seed": 7, "logit_bias": {"1": -100},
                    "presence_penalty": -1.5, "frequency_penalty": 0.5, "user": "u", "metadata": {"k": "v"},
                    "service_tier": "flex", "reasoning_effort": "low",
                    "fallbacks": [{"provider": "together", "model": "b", "seed": 8}]}]},
                  {"tools": "omit", "agents": [{"provider": "openai", "model": "c"}]},
                  {"agents": [{"provider": "openai", "model": "d"}]}]}""");
        assertEquals(ToolMode.PASS, mix.layers().get(0).tools());
        assertEquals(ToolMode.OMIT, mix.layers().get(1).tools());
        assertEquals(ToolMode.PASS, mix.layers().get(2).tools(), "the aggregator always gets the client's tools");
        CallOptions options = mix.layers().get(0).agents().get(0).options();
        assertEquals(7L, options.seed());
        assertEquals(-1.5, options.presencePenalty());
        assertEquals("{\"k\":\"v\"}", options.metadata().toString());
        assertEquals("low", options.reasoningEffort());
        CallOptions fallback = mix.layers().get(0).agents().get(0).fallbacks().get(0).options();
        assertEquals(8L, fallback.seed(), "a fallback's own value");
        assertEquals("u", fallback.user(), "the rest inherited from its agent");
        assertEquals(ToolMode.DESCRIBE, mix("""
                {"layers": [{"agents": [{"provider": "openai", "model": "a"}]},
                            {"agents": [{"provider": "openai", "model": "b"}]}]}""").layers().get(0).tools());

        assertEquals("mix \"coding\": layers[0].tools: must be \"describe\", \"pass\" or \"omit\", found \"all\"",
                error("""
                {"layers": [{"tools": "all", "agents": [{"provider": "openai", "model": "a"}]},
                            {"agents": [{"provider": "openai", "model": "b"}]}]}"""));
        assertTrue(error("""
                {"layers": [{"tools": "describe", "agents": [{"provider": "openai", "model": "a"}]}]}""")
                .startsWith("mix \"coding\": layers[0].tools: the aggregator always receives the client's tools"));
        assertEquals("mix \"coding\": layers[0].agents[0].presence_penalty: must be between -2.0 and 2.0", error("""
                {"layers": [{"agents": [{"provider": "openai", "model": "a", "presence_penalty": 3}]}]}"""));
        assertEquals("mix \"coding\": layers[0].agents[0].seed: must be an integer", error("""
                {"layers": [{"agents": [{"provider": "openai", "model": "a", "seed": "x"}]}]}"""));
    }

    private static String providerError(String json) {
        String message = assertThrows(InvalidDocumentException.class,
                () -> MixDocuments.parseProvider("x", "provider \"x\"", JSON.readTree(json))).getMessage();
        assertTrue(!message.contains("sk-live-secret"), "a key written into a document is never echoed");
        return message;
    }

    @Test
    void limitsHaveDefaultsAndBounds() throws Exception {
        Mix mix = mix("""
                {"layers": [{"agents": [{"provider": "openai", "model": "a"}]},
                            {"max_reference_tokens": 100, "agents": [{"provider": "openai", "model": "b"}]}]}""");
        assertEquals(Layer.DEFAULT_MAX_REFERENCE_TOKENS, mix.layers().get(0).maxReferenceTokens());
        assertEquals(100, mix.layers().get(1).maxReferenceTokens());
        assertTrue(error("""
                {"layers": [{"max_reference_tokens": 0, "agents": [{"provider": "openai", "model": "b"}]}]}""")
                .contains("layers[0].max_reference_tokens: must be between 1 and 1000000"));
        ProviderConfig provider = MixDocuments.parseProvider("p", "provider \"p\"",
                JSON.readTree("{\"protocol\": \"openai\", \"base_url\": \"http://x/v1\"}"));
        assertEquals(4 * 1024 * 1024, provider.maxResponseBytes());
        assertEquals(65536, MixDocuments.parseProvider("p", "provider \"p\"", JSON.readTree(
                "{\"protocol\": \"openai\", \"base_url\": \"http://x/v1\", \"max_response_bytes\": 65536}"))
                .maxResponseBytes());
        String tooSmall = assertThrows(InvalidDocumentException.class, () -> MixDocuments.parseProvider("p",
                "provider \"p\"", JSON.readTree("{\"protocol\": \"openai\", \"base_url\": \"http://x/v1\", "
                        + "\"max_response_bytes\": 10}"))).getMessage();
        assertEquals("provider \"p\": max_response_bytes: must be between 1024 and 67108864", tooSmall);
    }
}
