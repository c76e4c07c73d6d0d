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
        Set<String> proposers = Set.of("microsoft/WizardLM-2-8x22B", "Qwen/Qwen1.5-110B-Chat", "Qwen/Qwen1.5-72B-Chat",
                "meta-llama/Llama-3-70b-chat-hf", "mistralai/Mixtral-8x22B-Instruct-v0.1", "databricks/dbrx-instruct");
        Mix moa = mix("together-moa");
        assertEquals(3, moa.layers().size());
        assertEquals(proposers, models(moa, 0));
        assertEquals(proposers, models(moa, 1));
        assertEquals("Qwen/Qwen1.5-110B-Chat", moa.aggregator().model());
        assertEquals(2, mix("together-moa-lite").layers().size());
        assertEquals("Qwen/Qwen1.5-72B-Chat", mix("together-moa-lite").aggregator().model());
        assertEquals("gpt-4o", mix("together-moa-gpt4o").aggregator().model());
        assertEquals(Set.of("claude-3-5-sonnet-20240620", "gpt-4-turbo"), models(mix("coding-mix"), 0));
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
        assertEquals("microsoft/WizardLM-2-8x22B", proposers.get(0).model());
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
        assertEquals("Qwen/Qwen1.5-110B-Chat", rank.aggregator().model());
        assertEquals(7, MixPlanner.calls(rank));
    }

    @Test
    void claudeIsReachedNativelyAndTheShippedPricesAreTheSourcedOnes() {
        ResolvedMix coding = catalog.resolve("coding-mix").orElseThrow();
        assertEquals(dev.moa.mix.Protocol.ANTHROPIC, coding.providers().get("anthropic").protocol());
        dev.moa.mix.Price sonnet = coding.providers().get("anthropic").pricing().priceOf("claude-3-5-sonnet-20240620")
                .orElseThrow();
        assertEquals(0, new java.math.BigDecimal("3").compareTo(sonnet.inputPerMtok()));
        assertEquals(0, new java.math.BigDecimal("15").compareTo(sonnet.outputPerMtok()));
        dev.moa.mix.Price gpt4o = coding.providers().get("openai").pricing().priceOf("gpt-4o").orElseThrow();
        assertEquals(0, new java.math.BigDecimal("2.5").compareTo(gpt4o.inputPerMtok()));
        assertEquals(true, coding.providers().get("openai").pricing().priceOf("gpt-4-turbo").isEmpty(),
                "no sourced price: unknown, not invented");
    }

    private static Set<String> models(Mix mix, int layer) {
        return mix.layers().get(layer).agents().stream().map(a -> a.model()).collect(Collectors.toSet());
    }
}
