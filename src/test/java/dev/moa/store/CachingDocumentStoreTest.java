package dev.moa.store;

import dev.moa.mix.ApiKey;
import dev.moa.testing.ManualClock;
import dev.moa.testing.MotoServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterType;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** TTL and last-good behaviour of the caches in front of SSM, on moto, with a clock the test moves. */
class CachingDocumentStoreTest {

    private static final Duration TTL = Duration.ofSeconds(60);

    private static MotoServer moto;
    private static SsmClient ssm;

    @BeforeAll
    static void start() {
        moto = MotoServer.start();
        ssm = moto.client();
    }

    @AfterAll
    static void stop() {
        ssm.close();
        moto.close();
    }

    private static void put(String name, String value, ParameterType type) {
        ssm.putParameter(r -> r.name(name).value(value).type(type).overwrite(true));
    }

    @Test
    void aDocumentIsKeptForTheTtlAndReadAgainAfterIt() {
        ManualClock clock = new ManualClock();
        DocumentStore store = new CachingDocumentStore(new SsmDocumentStore(ssm, "/ttl"), TTL, clock);
        put("/ttl/mixes/m", "one", ParameterType.STRING);
        assertEquals("one", store.mix("m").orElseThrow().json());
        assertEquals(Optional.empty(), store.mix("later"));

        put("/ttl/mixes/m", "two", ParameterType.STRING);
        put("/ttl/mixes/later", "new", ParameterType.STRING);
        clock.advance(TTL.minusSeconds(1));
        assertEquals("one", store.mix("m").orElseThrow().json(), "within the TTL");
        assertEquals(Optional.empty(), store.mix("later"), "a missing mix is remembered too");

        clock.advance(Duration.ofSeconds(1));
        assertEquals("two", store.mix("m").orElseThrow().json(), "after the TTL");
        assertEquals("new", store.mix("later").orElseThrow().json());
    }

    @Test
    void theListingAndClientKeysFollowTheTtl() {
        ManualClock clock = new ManualClock();
        DocumentStore store = new CachingDocumentStore(new SsmDocumentStore(ssm, "/list"), TTL, clock);
        put("/list/mixes/a", "{}", ParameterType.STRING);
        put("/list/client-keys/k1", ClientKeys.sha256Hex("k1"), ParameterType.STRING);
        assertEquals(List.of("a"), store.mixes().stream().map(StoredDocument::name).toList());
        assertEquals(1, store.clientKeyHashes().size());

        put("/list/mixes/b", "{}", ParameterType.STRING);
        put("/list/client-keys/k2", ClientKeys.sha256Hex("k2"), ParameterType.STRING);
        assertEquals(1, store.mixes().size());
        assertEquals(1, store.clientKeyHashes().size());
        clock.advance(TTL);
        assertEquals(List.of("a", "b"), store.mixes().stream().map(StoredDocument::name).toList());
        assertEquals(2, store.clientKeyHashes().size());
    }

    @Test
    void whileSsmIsDownTheLastGoodCopyServesAndWhatWasNeverReadFails() {
        ManualClock clock = new ManualClock();
        DocumentStore store = new CachingDocumentStore(new SsmDocumentStore(ssm, "/outage"), TTL, clock);
        ParameterSecretResolver secrets = new ParameterSecretResolver(() -> ssm, TTL, clock);
        put("/outage/mixes/m", "good", ParameterType.STRING);
        put("/outage/secrets/key", "sk-outage", ParameterType.SECURE_STRING);
        assertEquals("good", store.mix("m").orElseThrow().json());
        assertEquals(Optional.of("sk-outage"), secrets.resolve(new ApiKey.FromParameter("/outage/secrets/key")));
        assertEquals(1, store.mixes().size());

        moto.stop();
        try {
            clock.advance(TTL.plusSeconds(1));
            assertEquals("good", store.mix("m").orElseThrow().json());
            assertEquals(Optional.of("sk-outage"), secrets.resolve(new ApiKey.FromParameter("/outage/secrets/key")));
            assertEquals(1, store.mixes().size());
            assertThrows(StoreUnavailableException.class, () -> store.mix("never-read"));
            assertThrows(StoreUnavailableException.class,
                    () -> secrets.resolve(new ApiKey.FromParameter("/outage/secrets/never-read")));
            clock.advance(TTL.multipliedBy(3));
            assertEquals("good", store.mix("m").orElseThrow().json(), "for as long as the outage lasts");
        } finally {
            moto.startAgain();
        }
        put("/outage/mixes/m", "after", ParameterType.STRING);
        clock.advance(TTL);
        assertEquals("after", store.mix("m").orElseThrow().json(), "read again once SSM is back");
    }

    @Test
    void parameterKeysAreDecryptedAndKeptForTheTtl() {
        ManualClock clock = new ManualClock();
        SecretResolver secrets = new SecretSources(key -> Optional.of("from-env"),
                new ParameterSecretResolver(() -> ssm, TTL, clock));
        put("/secret/key", "sk-first", ParameterType.SECURE_STRING);
        ApiKey key = new ApiKey.FromParameter("/secret/key");
        assertEquals(Optional.of("sk-first"), secrets.resolve(key), "decrypted, not moto's kms:… ciphertext");
        put("/secret/key", "sk-second", ParameterType.SECURE_STRING);
        assertEquals(Optional.of("sk-first"), secrets.resolve(key));
        clock.advance(TTL);
        assertEquals(Optional.of("sk-second"), secrets.resolve(key));
        assertEquals(Optional.empty(), secrets.resolve(new ApiKey.FromParameter("/secret/missing")));
        assertEquals(Optional.of("from-env"), secrets.resolve(new ApiKey.FromEnv("ANY")));
    }
}
