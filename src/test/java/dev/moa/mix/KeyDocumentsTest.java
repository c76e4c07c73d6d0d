package dev.moa.mix;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyDocumentsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HEX = "ab".repeat(32);

    private static KeyDocuments.KeyDocument parse(String json) throws Exception {
        return KeyDocuments.parse("client key \"k\"", JSON.readTree(json.replace("HEX", HEX)));
    }

    private static String problem(String json) {
        return assertThrows(InvalidDocumentException.class, () -> parse(json)).getMessage();
    }

    @Test
    void readsEveryLimit() throws Exception {
        KeyDocuments.KeyDocument document = parse("""
                {"sha256": "HEX", "rpm": 60, "tpm": 400000, "max_cost_per_request_usd": 0.5,
                 "budget_usd": {"day": 5, "month": 100.25}, "mixes": ["paper-moa", "coding*"]}""");
        assertEquals(HEX, document.sha256Hex());
        KeyLimits limits = document.limits();
        assertEquals(Optional.of(60), limits.rpm());
        assertEquals(Optional.of(400000L), limits.tpm());
        assertEquals(Optional.of(new BigDecimal("0.5")), limits.maxCostPerRequestUsd());
        assertEquals(Optional.of(new BigDecimal("5")), limits.dayBudgetUsd());
        assertEquals(Optional.of(new BigDecimal("100.25")), limits.monthBudgetUsd());
        assertTrue(limits.allows("paper-moa") && limits.allows("coding") && limits.allows("coding-fast:3"));
        assertFalse(limits.allows("paper-moa-2") || limits.allows("chat"));
        assertFalse(parse("{\"sha256\": \"HEX\"}").limits().any(), "only the hash: no limits");
    }

    @Test
    void aWrongTypeNamesTheKeyAndTheField() {
        assertEquals("client key \"k\": rpm: must be an integer", problem("{\"sha256\": \"HEX\", \"rpm\": \"60\"}"));
        assertEquals("client key \"k\": budget_usd.day: must be a number of US dollars",
                problem("{\"sha256\": \"HEX\", \"budget_usd\": {\"day\": \"5\"}}"));
        assertEquals("client key \"k\": mixes: must be a list of mix names",
                problem("{\"sha256\": \"HEX\", \"mixes\": \"coding*\"}"));
        assertTrue(problem("{\"sha256\": \"HEX\", \"rmp\": 60}").startsWith("client key \"k\": rmp: unknown field"));
        assertEquals("client key \"k\": max_cost_per_request_usd: must not be negative",
                problem("{\"sha256\": \"HEX\", \"max_cost_per_request_usd\": -1}"));
        assertEquals("client key \"k\": sha256: is required", problem("{\"rpm\": 1}"));
    }

    @Test
    void globsMatchOnlyWithStars() {
        assertTrue(KeyLimits.matches("a*b*c", "a-x-b-y-c"));
        assertFalse(KeyLimits.matches("a*b*c", "a-x-c"));
        assertTrue(KeyLimits.matches("*", "anything"));
        assertFalse(KeyLimits.matches("coding", "coding2"));
        assertEquals(List.of(), new KeyLimits(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.of(List.of())).mixes().orElseThrow(), "an empty list allows no mix");
    }
}
