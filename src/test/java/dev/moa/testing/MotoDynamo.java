package dev.moa.testing;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;


/** The limits table as template.yaml declares it (partition key {@code id}, TTL {@code expires_at}), on moto. */
public final class MotoDynamo {

    public static final String TABLE = "moa-limits";

    private MotoDynamo() {
    }

    public static DynamoDbClient client(String endpoint) {
        return MotoServer.client(endpoint, DynamoDbClient.builder()).build();
    }

    /** Creates the table (once per server), on demand, with its TTL attribute. */
    public static void createTable(DynamoDbClient dynamo, String table) {
        dynamo.createTable(r -> r.tableName(table).billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(AttributeDefinition.builder().attributeName("id")
                        .attributeType(ScalarAttributeType.S).build())
                .keySchema(KeySchemaElement.builder().attributeName("id").keyType(KeyType.HASH).build()));
        dynamo.updateTimeToLive(r -> r.tableName(table).timeToLiveSpecification(t -> t.attributeName("expires_at")
                .enabled(true)));
    }
}
