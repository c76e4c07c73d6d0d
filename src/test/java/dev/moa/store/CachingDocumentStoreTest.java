package dev.moa.store;

import dev.moa.mix.ApiKey;
import dev.moa.testing.ManualClock;
import dev.moa.testing.MotoSsm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.ssm.model.ParameterType;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** TTL and last-good behaviour of the caches in front of SSM, on moto, with a clock the test moves. */
class CachingDocumentStoreTest {

    private static final Duration TTL = Duration.ofSeconds(60);

    @RegisterExtension
    static final MotoSsm moto = new MotoSsm();

    @Test
    void aDocumentIsKeptForTheTtlAndReadAgainAfterIt() {
        ManualClock clock = new ManualClock();
        DocumentStore store = new CachingDocumentStore(new SsmDocumentStore(moto.client(), "/ttl"), TTL, clock);
        moto.put("/ttl/mixes/m", "one", ParameterType.STRING);
        assertEquals("one", store.mix("m").orElseThrow().json());
        assertEquals(Optional.empty(), store.mix("later"));

        moto.put("/ttl/mixes/m", "two", ParameterType.STRING);
        moto.put("/ttl/mixes/later", "new", ParameterType.STRING);
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
        DocumentStore store = new CachingDocumentStore(new SsmDocumentStore(moto.client(), "/list"), TTL, clock);
        moto.put("/list/mixes/a", "{}", ParameterType.STRING);
        moto.put("/list/client-keys/k1", ClientKeys.sha256Hex("k1"), ParameterType.STRING);
        assertEquals(List.of("a"), store.mixes().stream().map(StoredDocument::name).toList());
        assertEquals(1, store.clientKeyHashes().size());

        moto.put("/list/mixes/b", "{}", ParameterType.STRING);
        moto.put("/list/client-keys/k2", ClientKeys.sha256Hex("k2"), ParameterType.STRING);
        assertEquals(1, store.mixes().size());
        assertEquals(1, store.clientKeyHashes().size());
        clock.advance(TTL);
        assertEquals(List.of("a", "b"), store.mixes().stream().map(StoredDocument::name).toList());
        assertEquals(2, store.clientKeyHashes().size());
    }

    @Test
    void whileSsmIsDownTheLastGoodCopyServesAndWhatWasNeverReadFails() {
        ManualClock clock = new ManualClock();
        DocumentStore store = new CachingDocumentStore(new SsmDocumentStore(moto.client(), "/outage"), TTL, clock);
        ParameterSecretResolver secrets = new ParameterSecretResolver(moto::client, TTL, clock);
        moto.put("/outage/mixes/m", "good", ParameterType.STRING);
        moto.put("/outage/secrets/key", "sk-outage", ParameterType.SECURE_STRING);
        assertEquals("good", store.mix("m").orElseThrow().json());
        assertEquals(Optional.of("sk-outage"), secrets.resolve(new ApiKey.FromParameter("/outage/secrets/key")));
        assertEquals(1, store.mixes().size());

        moto.server().stop();
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
            moto.server().startAgain();
        }
        moto.put("/outage/mixes/m", "after", ParameterType.STRING);
        clock.advance(TTL);
        assertEquals("after", store.mix("m").orElseThrow().json(), "read again once SSM is back");
    }

    @Test
    void parameterKeysAreDecryptedAndKeptForTheTtl() {
        ManualClock clock = new ManualClock();
        SecretResolver secrets = new SecretSources(key -> Optional.of("from-env"),
                new ParameterSecretResolver(moto::client, TTL, clock));
        moto.put("/secret/key", "sk-first", ParameterType.SECURE_STRING);
        ApiKey key = new ApiKey.FromParameter("/secret/key");
        assertEquals(Optional.of("sk-first"), secrets.resolve(key), "decrypted, not moto's kms:… ciphertext");
        moto.put("/secret/key", "sk-second", ParameterType.SECURE_STRING);
        assertEquals(Optional.of("sk-first"), secrets.resolve(key));
        clock.advance(TTL);
        assertEquals(Optional.of("sk-second"), secrets.resolve(key));
        assertEquals(Optional.empty(), secrets.resolve(new ApiKey.FromParameter("/secret/missing")));
        assertEquals(Optional.of("from-env"), secrets.resolve(new ApiKey.FromEnv("ANY")));
    }
}
