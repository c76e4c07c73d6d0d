package dev.moa.store;

import dev.moa.testing.MotoSsm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterType;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SSM store against moto's server. */
class SsmDocumentStoreTest {

    @RegisterExtension
    static final MotoSsm moto = new MotoSsm();

    @Test
    void readsMixesByNameVersionAndLabel() {
        SsmDocumentStore store = new SsmDocumentStore(moto.client(), "/sel/");
        long v1 = moto.put("/sel/mixes/coding", "{\"v\": 1}", ParameterType.STRING);
        long v2 = moto.put("/sel/mixes/coding", "{\"v\": 2}", ParameterType.STRING);
        moto.put("/sel/mixes/coding", "{\"v\": 3}", ParameterType.STRING);
        moto.client().labelParameterVersion(r -> r.name("/sel/mixes/coding").parameterVersion(v2).labels("prod"));

        assertEquals("{\"v\": 3}", store.mix("coding").orElseThrow().json());
        assertEquals("{\"v\": 1}", store.mix("coding:" + v1).orElseThrow().json());
        assertEquals(String.valueOf(v1), store.mix("coding:" + v1).orElseThrow().version());
        StoredDocument labelled = store.mix("coding:prod").orElseThrow();
        assertEquals("{\"v\": 2}", labelled.json());
        assertEquals("coding:prod", labelled.name());
        assertEquals(String.valueOf(v2), labelled.version(), "a label's document is the version it is on");
        assertEquals("mix \"coding:prod\" (SSM parameter /sel/mixes/coding, version 2)", labelled.label());
        assertTrue(labelled.modified().getEpochSecond() > 0);

        assertEquals(Optional.empty(), store.mix("coding:99"));
        assertEquals(Optional.empty(), store.mix("coding:staging"));
        assertEquals(Optional.empty(), store.mix("missing"));
        assertEquals(Optional.empty(), store.mix("coding:not a label"));
        assertEquals(Optional.empty(), store.mix("coding:aws-reserved"), "labels may not start with aws or ssm");
        assertEquals(Optional.empty(), store.mix("../secrets/x"));
    }

    @Test
    void readsProvidersAndDecryptsSecureStringDocuments() {
        SsmDocumentStore store = new SsmDocumentStore(moto.client(), "/prov");
        moto.put("/prov/providers/plain", "{\"protocol\": \"openai\"}", ParameterType.STRING);
        moto.put("/prov/providers/secure", "{\"protocol\": \"secure\"}", ParameterType.SECURE_STRING);
        assertEquals("{\"protocol\": \"openai\"}", store.provider("plain").orElseThrow().json());
        assertEquals("{\"protocol\": \"secure\"}", store.provider("secure").orElseThrow().json());
        assertEquals(Optional.empty(), store.provider("none"));
    }

    @Test
    void listsEveryMixDirectlyUnderThePrefixAcrossPages() {
        SsmDocumentStore store = new SsmDocumentStore(moto.client(), "/many");
        List<String> names = IntStream.range(0, 23).mapToObj(i -> "m%02d".formatted(i)).toList();
        names.forEach(name -> moto.put("/many/mixes/" + name, "{}", ParameterType.STRING));
        moto.put("/many/mixes/team/nested", "{}", ParameterType.STRING);
        moto.put("/many/providers/p", "{}", ParameterType.STRING);
        moto.put("/many-other/mixes/elsewhere", "{}", ParameterType.STRING);

        List<StoredDocument> mixes = store.mixes();
        assertEquals(names, mixes.stream().map(StoredDocument::name).toList(), "three pages of ten, sorted");
        assertEquals("mix \"m07\" (SSM parameter /many/mixes/m07, version 1)", mixes.get(7).label());
    }

    @Test
    void readsClientKeyHashesFromStringsAndSecureStringsAndIgnoresOtherValues() {
        SsmDocumentStore store = new SsmDocumentStore(moto.client(), "/keys");
        String alice = ClientKeys.sha256Hex("alice-key");
        String bob = ClientKeys.sha256Hex("bob-key");
        moto.put("/keys/client-keys/alice", alice, ParameterType.STRING);
        moto.put("/keys/client-keys/bob", " " + bob.toUpperCase() + "\n", ParameterType.SECURE_STRING);
        moto.put("/keys/client-keys/plain-key-by-mistake", "bob-key", ParameterType.STRING);

        assertEquals(List.of(new ClientKeyHash("/keys/client-keys/alice", alice),
                new ClientKeyHash("/keys/client-keys/bob", bob)), store.clientKeyHashes());
        assertEquals(List.of(), new SsmDocumentStore(moto.client(), "/nobody").clientKeyHashes());
    }

    @Test
    void anUnreachableSsmIsReportedAsUnavailableWithoutValues() {
        try (SsmClient dead = SsmClient.builder().endpointOverride(URI.create("http://127.0.0.1:1"))
                .region(Region.US_EAST_1).credentialsProvider(AnonymousCredentialsProvider.create())
                .httpClient(UrlConnectionHttpClient.create()).build()) {
            SsmDocumentStore store = new SsmDocumentStore(dead, "/down");
            StoreUnavailableException e = assertThrows(StoreUnavailableException.class, () -> store.mix("x"));
            assertTrue(e.getMessage().startsWith("SSM could not be read (/down/mixes/x): "), e.getMessage());
            assertThrows(StoreUnavailableException.class, store::mixes);
            assertThrows(StoreUnavailableException.class, store::clientKeyHashes);
        }
    }

    @Test
    void aPrefixMustBeAParameterPath() {
        assertThrows(IllegalArgumentException.class, () -> new SsmDocumentStore(moto.client(), "moa/prod"));
        assertThrows(IllegalArgumentException.class, () -> new SsmDocumentStore(moto.client(), ""));
        assertFalse(new SsmDocumentStore(moto.client(), "/moa/prod/").toString().endsWith("/"));
    }
}
