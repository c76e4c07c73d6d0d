package dev.moa.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ClientKeysTest {

    @Test
    void aKeyIsValidWhenItsSha256HexIsStored(@TempDir Path dir) throws Exception {
        Files.createDirectories(dir.resolve("client-keys"));
        Files.writeString(dir.resolve("client-keys/alice"), ClientKeys.sha256Hex("alice-key") + "\n");
        Files.writeString(dir.resolve("client-keys/bob"), ClientKeys.sha256Hex("bob-key").toUpperCase());
        Files.writeString(dir.resolve("client-keys/mistake"), "carol-key");
        ClientKeys keys = new ClientKeys(new FileDocumentStore(dir), true);

        assertEquals(ClientKeys.Verdict.ACCEPTED, keys.check("Bearer alice-key"));
        assertEquals(ClientKeys.Verdict.ACCEPTED, keys.check("bearer bob-key"));
        assertEquals(ClientKeys.Verdict.INVALID, keys.check("Bearer carol-key"), "a plain key on file is no hash");
        assertEquals(ClientKeys.Verdict.INVALID, keys.check("Bearer " + ClientKeys.sha256Hex("alice-key")),
                "the hash itself is not a key");
        assertEquals(ClientKeys.Verdict.INVALID, keys.check("Bearer alice-key2"));
        assertEquals(ClientKeys.Verdict.MISSING, keys.check(null));
        assertEquals(ClientKeys.Verdict.MISSING, keys.check("Bearer "));
        assertEquals(ClientKeys.Verdict.MISSING, keys.check("Basic alice-key"));
    }

    @Test
    void withoutAuthEveryRequestIsAccepted(@TempDir Path dir) {
        ClientKeys keys = new ClientKeys(new FileDocumentStore(dir), false);
        assertEquals(ClientKeys.Verdict.ACCEPTED, keys.check(null));
    }

    @Test
    void withAuthAndNoKeysNothingIsAccepted(@TempDir Path dir) {
        ClientKeys keys = new ClientKeys(new FileDocumentStore(dir), true);
        assertEquals(ClientKeys.Verdict.INVALID, keys.check("Bearer anything"));
    }

    @Test
    void sha256HexMatchesTheStandardDigest() {
        // printf %s abc | sha256sum
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ClientKeys.sha256Hex("abc"));
    }
}
