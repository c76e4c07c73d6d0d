package dev.moa.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.mix.Agent;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Every model a shipped mix can call has a price of its own in its provider document, so a shipped mix never
 * reports an unknown cost; and every price says where it was read and when.
 */
class ShippedPricesTest {

    private static final Path INFRA = Path.of("infra");
    private static final Pattern SOURCE = Pattern.compile("https?://\\S+");
    private static final Pattern DATE = Pattern.compile("\\b20\\d\\d-[01]\\d-[0-3]\\d\\b");

    private final ObjectMapper json = new ObjectMapper();
    private final MixCatalog catalog = new MixCatalog(new FileDocumentStore(INFRA), json);

    @Test
    void everyModelAShippedMixCanCallHasItsOwnPrice() {
        List<String> mixes = catalog.list().stream().map(MixListing::name).toList();
        assertFalse(mixes.isEmpty(), "no shipped mixes found under " + INFRA.toAbsolutePath());
        List<String> unpriced = new ArrayList<>();
        for (String name : mixes) {
            ResolvedMix resolved = catalog.resolve(name).orElseThrow();
            resolved.mix().layers().stream()
                    .flatMap(layer -> layer.agents().stream())
                    .flatMap(ShippedPricesTest::callable)
                    .filter(agent -> !resolved.providers().get(agent.provider()).pricing().models()
                            .containsKey(agent.model()))
                    .map(agent -> name + ": " + agent.label())
                    .distinct()
                    .forEach(unpriced::add);
        }
        assertEquals(List.of(), unpriced, "models without a \"pricing\" entry in their provider document");
    }

    @Test
    void everyPricedProviderDocumentNamesItsSourceAndTheDateItWasRead() throws IOException {
        List<String> unsourced = new ArrayList<>();
        try (Stream<Path> files = Files.list(INFRA.resolve("providers"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                JsonNode doc = json.readTree(file.toFile());
                if (doc.path("pricing").isEmpty()) {
                    continue;
                }
                String description = doc.path("description").asText("");
                if (!SOURCE.matcher(description).find() || !DATE.matcher(description).find()) {
                    unsourced.add(file.getFileName().toString());
                }
            }
        }
        assertEquals(List.of(), unsourced, "priced provider documents whose description names no source URL and date");
    }

    /** The agent, its fallbacks (which a hedge with {@code "to": "fallback"} also calls), and theirs. */
    private static Stream<Agent> callable(Agent agent) {
        return Stream.concat(Stream.of(agent), agent.fallbacks().stream().flatMap(ShippedPricesTest::callable));
    }
}
