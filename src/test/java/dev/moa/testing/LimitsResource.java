package dev.moa.testing;

import dev.moa.store.ClientKeys;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fake upstream, a file store pointing at it with client keys that carry limits, and the limit store: embedded
 * in a temporary directory, or ({@code initArgs store=dynamodb}) a table on moto's server, reached the way a
 * deployment reaches it ({@code moa.limits.table} and the SDK's own endpoint, region and credential settings).
 * Keys are required, as on AWS. Each key of {@link #KEYS} is {@code moa-test-<name>}, stored as the document given.
 */
public final class LimitsResource implements QuarkusTestResourceLifecycleManager {

    private static final List<String> SDK_PROPERTIES = List.of("aws.endpointUrlDynamodb", "aws.region",
            "aws.accessKeyId", "aws.secretAccessKey");

    /** Key name → key document, with {@code HASH} standing for the key's SHA-256. */
    public static final Map<String, String> KEYS = Map.ofEntries(
            Map.entry("plain", "HASH"),
            Map.entry("rpm", "{\"sha256\": \"HASH\", \"rpm\": 2}"),
            Map.entry("tpm", "{\"sha256\": \"HASH\", \"tpm\": 100}"),
            Map.entry("capped", "{\"sha256\": \"HASH\", \"max_cost_per_request_usd\": 0.05}"),
            Map.entry("budget", "{\"sha256\": \"HASH\", \"budget_usd\": {\"day\": 0.35, \"month\": 100}}"),
            Map.entry("streamer", "{\"sha256\": \"HASH\", \"budget_usd\": {\"month\": 10}}"),
            Map.entry("mixes", "{\"sha256\": \"HASH\", \"mixes\": [\"duo*\"]}"),
            Map.entry("broken", "{\"sha256\": \"HASH\", \"rpm\": \"sixty\"}"),
            Map.entry("sdk", "{\"sha256\": \"HASH\", \"rpm\": 1}"),
            Map.entry("rpm-only", "{\"sha256\": \"HASH\", \"rpm\": 100}"),
            Map.entry("batcher", "{\"sha256\": \"HASH\", \"rpm\": 1, \"budget_usd\": {\"month\": 10}}"),
            Map.entry("protocols", "{\"sha256\": \"HASH\", \"rpm\": 2, \"budget_usd\": {\"month\": 10}}"),
            Map.entry("failing", "{\"sha256\": \"HASH\", \"rpm\": 10, \"budget_usd\": {\"month\": 10}}"));

    private String kind = "embedded";
    private FakeUpstream upstream;
    private TestStore store;
    private MotoServer moto;

    public static String key(String name) {
        return "moa-test-" + name;
    }

    @Override
    public void init(Map<String, String> initArgs) {
        kind = initArgs.getOrDefault("store", "embedded");
    }

    @Override
    public Map<String, String> start() {
        upstream = new FakeUpstream();
        Map<String, String> config = new HashMap<>();
        try {
            store = new TestStore(Files.createTempDirectory("moa-store"), upstream.baseUrl());
            Path keys = Files.createDirectories(store.dir().resolve("client-keys"));
            for (Map.Entry<String, String> key : KEYS.entrySet()) {
                Files.writeString(keys.resolve(key.getKey()),
                        key.getValue().replace("HASH", ClientKeys.sha256Hex(key(key.getKey()))));
            }
            config.put("moa.limits.dir", Files.createTempDirectory("moa-limits").toString());
            config.put("moa.batch.dir", Files.createTempDirectory("moa-batches").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        store.provider("priced", "{\"protocol\": \"openai\", \"base_url\": \"" + upstream.baseUrl()
                + "\", \"pricing\": {\"default\": {\"input_per_mtok\": 100, \"output_per_mtok\": 200}}}");
        if (kind.equals("dynamodb")) {
            // One request at a time, as DynamoDB applies writes to one item (MotoServer.startSerial says why).
            moto = MotoServer.startSerial();
            try (DynamoDbClient dynamo = MotoDynamo.client(moto.endpoint())) {
                MotoDynamo.createTable(dynamo, MotoDynamo.TABLE);
            }
            System.setProperty("aws.endpointUrlDynamodb", moto.endpoint());
            System.setProperty("aws.region", MotoServer.REGION);
            System.setProperty("aws.accessKeyId", MotoServer.ACCESS_KEY);
            System.setProperty("aws.secretAccessKey", MotoServer.SECRET_ACCESS_KEY);
            // The SDK's own aws.endpointUrlDynamodb setting does not reach this client; the extension's does.
            config.put("quarkus.dynamodb.endpoint-override", moto.endpoint());
            config.put("moa.limits.table", MotoDynamo.TABLE);
        }
        config.put("moa.store", "file:" + store.dir());
        config.put("moa.auth.required", "true");
        config.put(TestStore.KEY_VARIABLE, TestStore.SECRET_KEY);
        return config;
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(upstream, new TestInjector.AnnotatedAndMatchesType(Upstream.class, FakeUpstream.class));
        injector.injectIntoFields(store, new TestInjector.AnnotatedAndMatchesType(Upstream.class, TestStore.class));
        if (moto != null) {
            injector.injectIntoFields(moto, new TestInjector.AnnotatedAndMatchesType(Upstream.class, MotoServer.class));
        }
    }

    @Override
    public void stop() {
        if (moto != null) {
            SDK_PROPERTIES.forEach(System::clearProperty);
            moto.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }
}
