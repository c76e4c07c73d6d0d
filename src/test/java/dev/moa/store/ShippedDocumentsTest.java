package dev.moa.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.engine.MixPlanner;
import dev.moa.mix.Agent;
import dev.moa.mix.Aggregate;
import dev.moa.mix.Mix;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The mixes and providers shipped in infra/ are valid and reproduce the published set-ups. */
class ShippedDocumentsTest {

    private static final String QWEN = "Qwen/Qwen3-235B-A22B-Instruct-2507-tput";

    private final MixCatalog catalog = new MixCatalog(new FileDocumentStore(Path.of("infra")), new ObjectMapper());

    private Mix mix(String name) {
        return catalog.resolve(name).orElseThrow().mix();
    }

    @Test
    void everyShippedMixIsValid() {
        List<String> names = catalog.list().stream().map(MixListing::name).toList();
        assertEquals(List.of("coding-mix", "local-ollama", "self-moa", "together-moa", "together-moa-gpt4o",
                "together-moa-lite", "together-moa-rank"), names);
        names.forEach(this::mix);
    }

    @Test
    void publishedShapes() {
        Set<String> proposers = Set.of(QWEN, "Qwen/Qwen3-Coder-480B-A35B-Instruct-FP8",
                "meta-llama/Llama-3.3-70B-Instruct-Turbo", "openai/gpt-oss-120b", "LiquidAI/LFM2-24B-A2B",
                "google/gemma-3n-E4B-it");
        Mix moa = mix("together-moa");
        assertEquals(3, moa.layers().size());
        assertEquals(proposers, models(moa, 0));
        assertEquals(proposers, models(moa, 1));
        assertEquals(QWEN, moa.aggregator().model());
        assertEquals(2, mix("together-moa-lite").layers().size());
        assertEquals(QWEN, mix("together-moa-lite").aggregator().model());
        assertEquals("gpt-4o", mix("together-moa-gpt4o").aggregator().model());
        assertEquals(Set.of("claude-sonnet-5-5", "gpt-4.1"), models(mix("coding-mix"), 0));
        ResolvedMix local = catalog.resolve("local-ollama").orElseThrow();
        assertEquals("llama3", local.mix().aggregator().model());
        assertEquals(Set.of("mistral", "stablelm-zephyr"), models(local.mix(), 0));
        assertEquals(true, local.providers().get("ollama").apiKey().isEmpty(), "local-ollama needs no key");
    }

    @Test
    void selfMoaSamplesOneModelSixTimesAndSynthesizes() {
        Mix self = mix("self-moa");
        assertEquals(2, self.layers().size());
        List<Agent> proposers = self.layers().get(0).agents();
        assertEquals(1, proposers.size(), "one strong model");
        assertEquals(QWEN, proposers.get(0).model());
        assertEquals(6, proposers.get(0).samples());
        assertEquals(0.7, proposers.get(0).sampling().temperature());
        assertEquals(Aggregate.SYNTHESIZE, self.layers().get(1).aggregate());
        assertEquals(6, MixPlanner.calls(self) - 1);
    }

    @Test
    void theRankVariantRanksThePapersProposals() {
        Mix rank = mix("together-moa-rank");
        Mix lite = mix("together-moa-lite");
        assertEquals(lite.layers().get(0), rank.layers().get(0), "the same six proposers as MoA-Lite");
        assertEquals(new Aggregate.Rank(), rank.layers().get(1).aggregate());
        assertEquals(QWEN, rank.aggregator().model());
        assertEquals(7, MixPlanner.calls(rank));
    }

    @Test
    void claudeIsReachedNativelyAndTheShippedPricesAreTheSourcedOnes() {
        ResolvedMix coding = catalog.resolve("coding-mix").orElseThrow();
        assertEquals(dev.moa.mix.Protocol.ANTHROPIC, coding.providers().get("anthropic").protocol());
        dev.moa.mix.Price sonnet = coding.providers().get("anthropic").pricing().priceOf("claude-sonnet-5-5")
                .orElseThrow();
        assertEquals(0, new java.math.BigDecimal("2").compareTo(sonnet.inputPerMtok()));
        assertEquals(0, new java.math.BigDecimal("10").compareTo(sonnet.outputPerMtok()));
        dev.moa.mix.Price gpt4o = coding.providers().get("openai").pricing().priceOf("gpt-4o").orElseThrow();
        assertEquals(0, new java.math.BigDecimal("2.5").compareTo(gpt4o.inputPerMtok()));
        dev.moa.mix.Price gpt41 = coding.providers().get("openai").pricing().priceOf("gpt-4.1").orElseThrow();
        assertEquals(0, new java.math.BigDecimal("8").compareTo(gpt41.outputPerMtok()));
    }

    /**
     * What the real APIs accept, as their documentation says: Claude Sonnet 5 and later answer 400 to a non-default
     * temperature or top_p (1.0 is the default), and OpenAI's reasoning models (gpt-5 family, o-series) reject
     * {@code temperature} other than 1 and {@code max_tokens}, which the openai protocol sends.
     */
    @Test
    void shippedAgentsSendOnlyWhatTheirModelsAccept() {
        for (MixListing listing : catalog.list()) {
            ResolvedMix resolved = catalog.resolve(listing.name()).orElseThrow();
            for (Agent agent : resolved.mix().layers().stream().flatMap(l -> l.agents().stream()).toList()) {
                String where = listing.name() + ": " + agent.label();
                if (resolved.providers().get(agent.provider()).protocol() == dev.moa.mix.Protocol.ANTHROPIC) {
                    assertEquals(1.0, agent.sampling().temperature(), where + " pins the default temperature");
                    assertEquals(null, agent.sampling().topP(), where);
                }
                if ("openai".equals(agent.provider())) {
                    assertEquals(false, agent.model().matches("(gpt-5|o\\d).*"), where + " is a reasoning model");
                }
            }
        }
    }

    private static Set<String> models(Mix mix, int layer) {
        return mix.layers().get(layer).agents().stream().map(a -> a.model()).collect(Collectors.toSet());
    }
}
