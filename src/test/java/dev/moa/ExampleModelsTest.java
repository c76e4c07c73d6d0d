package dev.moa;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The models the examples name are ones a user can call today: a copied command must not fail on a retired model,
 * nor cost what the shipped price tables cannot count.
 */
class ExampleModelsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** A direct model as the evals examples write it: {@code <provider>/<model id>}. */
    private static final Pattern DIRECT_MODEL =
            Pattern.compile("(?<![\\w/@-])(openai|together|anthropic)/([A-Za-z0-9._:/-]*[A-Za-z0-9])");
    /** Retired Anthropic model ids, on Bedrock too (anthropic.claude-3-5-sonnet-..., claude-instant, claude-v2). */
    private static final Pattern RETIRED_CLAUDE =
            Pattern.compile("claude-3-|3-5-sonnet|claude-instant|claude-v2|claude-2\\.");

    @Test
    void theEvalsCommandsNameModelsTheShippedProvidersPrice() throws IOException {
        List<String> named = new ArrayList<>();
        List<String> unpriced = new ArrayList<>();
        for (Path file : List.of(Path.of("evals/compare.py"), Path.of("docs/evals.md"))) {
            Matcher m = DIRECT_MODEL.matcher(Files.readString(file));
            while (m.find()) {
                named.add(m.group());
                JsonNode provider = JSON.readTree(Path.of("infra/providers", m.group(1) + ".json").toFile());
                if (!provider.path("pricing").has(m.group(2))) {
                    unpriced.add(file + ": " + m.group());
                }
            }
        }
        assertFalse(named.isEmpty(), "the examples name direct models");
        assertEquals(List.of(), unpriced, "named in an example, but without a price in its shipped provider document");
    }

    @Test
    void noExampleNamesARetiredClaude() throws IOException {
        List<Path> files = new ArrayList<>(List.of(Path.of("README.md"), Path.of("template.yaml"),
                Path.of("src/test/java/dev/moa/provider/BedrockProtocolTest.java")));
        for (String folder : List.of("docs", "infra", "evals")) {
            try (Stream<Path> tree = Files.walk(Path.of(folder))) {
                tree.filter(Files::isRegularFile).filter(p -> p.toString().matches(".*\\.(md|json|py|sh|yaml)"))
                        .forEach(files::add);
            }
        }
        List<String> retired = new ArrayList<>();
        for (Path file : files) {
            List<String> lines = Files.readAllLines(file);
            for (int i = 0; i < lines.size(); i++) {
                if (RETIRED_CLAUDE.matcher(lines.get(i)).find()) {
                    retired.add(file + ":" + (i + 1));
                }
            }
        }
        assertEquals(List.of(), retired);
    }
}
