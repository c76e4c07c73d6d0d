package dev.moa.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;


/**
 * The limits table as template.yaml declares it, on moto: its key, billing mode and TTL attribute are read from the
 * template's {@code LimitsTable}, so the tests run against the table the stack deploys ({@code LimitsTableTemplateTest}
 * checks the rest of the declaration).
 */
public final class MotoDynamo {

    public static final String TABLE = "moa-limits";

    private MotoDynamo() {
    }

    public static DynamoDbClient client(String endpoint) {
        return MotoServer.client(endpoint, DynamoDbClient.builder()).build();
    }

    /** Creates the table (once per server) as the template declares it, with its TTL attribute. */
    public static void createTable(DynamoDbClient dynamo, String table) {
        JsonNode declared = declaration();
        String key = declared.at("/KeySchema/0/AttributeName").asText();
        String keyType = declared.at("/AttributeDefinitions/0/AttributeType").asText();
        dynamo.createTable(r -> r.tableName(table).billingMode(BillingMode.fromValue(declared.path("BillingMode").asText()))
                .attributeDefinitions(AttributeDefinition.builder().attributeName(key)
                        .attributeType(ScalarAttributeType.fromValue(keyType)).build())
                .keySchema(KeySchemaElement.builder().attributeName(key).keyType(KeyType.HASH).build()));
        String ttl = declared.at("/TimeToLiveSpecification/AttributeName").asText();
        dynamo.updateTimeToLive(r -> r.tableName(table).timeToLiveSpecification(t -> t.attributeName(ttl)
                .enabled(declared.at("/TimeToLiveSpecification/Enabled").asBoolean())));
    }

    private static JsonNode declaration() {
        try {
            return new YAMLMapper().readTree(Path.of("template.yaml").toFile()).at("/Resources/LimitsTable/Properties");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
