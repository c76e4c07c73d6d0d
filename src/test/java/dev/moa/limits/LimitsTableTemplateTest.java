package dev.moa.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The limits table and its grants as {@code template.yaml} deploys them (issue 22): cfn-lint checks the template's
 * syntax, not that the table keeps its promises (on demand, TTL on the attribute the store writes, encrypted,
 * recoverable) or that no role may do more with it than the store needs. The moto tests create their table from the
 * same declaration ({@code MotoDynamo}).
 */
class LimitsTableTemplateTest {

    private static final Set<String> STORE_ACTIONS = Set.of("dynamodb:GetItem", "dynamodb:UpdateItem",
            "dynamodb:PutItem");

    private final JsonNode template = read();

    private static JsonNode read() {
        try {
            return new YAMLMapper().readTree(Path.of("template.yaml").toFile());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void theTableIsOnDemandExpiresItsItemsAndIsEncryptedAndRecoverable() {
        JsonNode table = template.at("/Resources/LimitsTable");
        assertEquals("AWS::DynamoDB::Table", table.path("Type").asText());
        assertEquals("Retain", table.path("DeletionPolicy").asText(), "a month's spend survives a stack deletion");
        JsonNode properties = table.path("Properties");
        assertEquals("PAY_PER_REQUEST", properties.path("BillingMode").asText());
        assertEquals(DynamoLimitStore.ID, properties.at("/KeySchema/0/AttributeName").asText());
        assertEquals("HASH", properties.at("/KeySchema/0/KeyType").asText());
        assertEquals(1, properties.path("KeySchema").size());
        assertEquals(DynamoLimitStore.EXPIRES, properties.at("/TimeToLiveSpecification/AttributeName").asText(),
                "TTL on the attribute the store writes");
        assertTrue(properties.at("/TimeToLiveSpecification/Enabled").asBoolean());
        assertTrue(properties.at("/SSESpecification/SSEEnabled").asBoolean());
        assertTrue(properties.at("/PointInTimeRecoverySpecification/PointInTimeRecoveryEnabled").asBoolean());
    }

    @Test
    void everyGrantOnDynamoDbIsTheStoresThreeActionsOnThisTableOnly() {
        List<JsonNode> grants = new ArrayList<>();
        statements(template.path("Resources"), grants);
        List<String> dynamo = new ArrayList<>();
        for (JsonNode statement : grants) {
            Set<String> actions = new TreeSet<>();
            statement.path("Action").forEach(a -> actions.add(a.asText()));
            if (statement.path("Action").isTextual()) {
                actions.add(statement.path("Action").asText());
            }
            if (actions.stream().anyMatch(a -> a.startsWith("dynamodb:"))) {
                assertEquals(STORE_ACTIONS, actions, "statement " + statement.path("Sid").asText());
                assertEquals("LimitsTable.Arn", statement.path("Resource").asText(),
                        "statement " + statement.path("Sid").asText() + " names this table, not *");
                assertEquals("Allow", statement.path("Effect").asText());
                dynamo.add(statement.path("Sid").asText());
            }
        }
        assertEquals(2, dynamo.size(), "the function's role and the streaming function's role: " + dynamo);
    }

    @Test
    void bothFunctionsAreToldTheTable() {
        for (String function : List.of("Function", "StreamingFunction")) {
            assertEquals("LimitsTable", template.at("/Resources/" + function
                    + "/Properties/Environment/Variables/MOA_LIMITS_TABLE").asText(), function);
        }
    }

    /** Every IAM statement (an object with Effect and Action) anywhere under {@code node}. */
    private static void statements(JsonNode node, List<JsonNode> into) {
        if (node.isObject() && node.has("Effect") && node.has("Action")) {
            into.add(node);
            return;
        }
        node.forEach(child -> statements(child, into));
    }
}
