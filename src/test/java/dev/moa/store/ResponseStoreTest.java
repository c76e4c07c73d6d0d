package dev.moa.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.moa.testing.MotoServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both response stores keep, replace, read and delete records by id, refuse ids that are not ours (no path a client
 * sends can reach another object), and the stack's template expires the bucket's records where the S3 store writes
 * them.
 */
class ResponseStoreTest {

    private static final String BUCKET = "moa-responses-test";
    private static MotoServer moto;
    private static S3Client s3;

    @BeforeAll
    static void startMoto() {
        moto = MotoServer.start();
        s3 = moto.client(S3Client.builder()).forcePathStyle(true).build();
        s3.createBucket(create -> create.bucket(BUCKET));
    }

    @AfterAll
    static void stopMoto() {
        if (s3 != null) {
            s3.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    private static void keepsReplacesAndDeletes(ResponseStore store) {
        byte[] first = "{\"n\": 1}".getBytes(StandardCharsets.UTF_8);
        byte[] second = "{\"n\": 2}".getBytes(StandardCharsets.UTF_8);
        assertTrue(store.get("resp_abc123").isEmpty());
        store.put("resp_abc123", first);
        assertArrayEquals(first, store.get("resp_abc123").orElseThrow());
        store.put("resp_abc123", second);
        assertArrayEquals(second, store.get("resp_abc123").orElseThrow());
        assertTrue(store.get("resp_other").isEmpty());
        assertTrue(store.delete("resp_abc123"));
        assertTrue(store.get("resp_abc123").isEmpty());
        assertFalse(store.delete("resp_abc123"), "a second delete finds nothing");
        for (String bad : List.of("../resp_abc", "resp_../../x", "resp_", "batch_1", "resp_a/b", "")) {
            assertTrue(store.get(bad).isEmpty(), bad);
            assertFalse(store.delete(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> store.put(bad, first), bad);
        }
    }

    @Test
    void aDirectoryKeepsOneFilePerResponse(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("responses");
        DirectoryResponseStore store = new DirectoryResponseStore(root);
        keepsReplacesAndDeletes(store);
        store.put("resp_kept", "{}".getBytes(StandardCharsets.UTF_8));
        try (Stream<Path> files = Files.list(root)) {
            assertEquals(List.of(root.resolve("resp_kept.json")), files.toList(), "no temporary file is left");
        }
    }

    @Test
    void theBucketKeepsRecordsUnderTheResponsesPrefix() {
        S3ResponseStore store = new S3ResponseStore(s3, BUCKET);
        keepsReplacesAndDeletes(store);
        store.put("resp_kept", "{}".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("responses/resp_kept.json"), s3.listObjectsV2(list -> list.bucket(BUCKET)).contents()
                .stream().map(o -> o.key()).toList());
    }

    /** The rule and the streaming role name the prefix the S3 store writes under. */
    @Test
    void theStackExpiresStoredResponsesAfterThirtyDays() throws Exception {
        JsonNode template = new YAMLMapper().readTree(Path.of("template.yaml").toFile());
        JsonNode bucket = template.at("/Resources/BatchBucket/Properties");
        JsonNode rule = null;
        for (JsonNode r : bucket.at("/LifecycleConfiguration/Rules")) {
            if (S3ResponseStore.PREFIX.equals(r.path("Prefix").asText())) {
                rule = r;
            }
        }
        assertTrue(rule != null, "a lifecycle rule on " + S3ResponseStore.PREFIX);
        assertEquals("Enabled", rule.path("Status").asText());
        assertEquals(30, rule.path("ExpirationInDays").asInt());
        for (String function : List.of("Function", "StreamingFunction")) {
            assertEquals("BatchBucket", template.at("/Resources/" + function
                    + "/Properties/Environment/Variables/MOA_RESPONSES_BUCKET").asText(), function);
        }
        boolean granted = false;
        for (JsonNode statement : template.at("/Resources/StreamingFunctionRole/Properties/Policies/0/PolicyDocument/Statement")) {
            if (statement.path("Sid").asText().equals("StoredResponses")) {
                granted = statement.path("Resource").asText().equals("${BatchBucket.Arn}/" + S3ResponseStore.PREFIX + "*");
            }
        }
        assertTrue(granted, "the streaming function may reach the stored responses, and nothing else in the bucket");
    }
}
