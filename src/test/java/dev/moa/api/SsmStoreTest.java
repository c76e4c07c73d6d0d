package dev.moa.api;

import dev.moa.testing.CapturedLog;
import dev.moa.testing.FakeUpstream;
import dev.moa.testing.OtlpReceiver;
import dev.moa.testing.OtlpResource;
import dev.moa.testing.Poll;
import dev.moa.testing.SsmFixture;
import dev.moa.testing.SsmResource;
import dev.moa.testing.Upstream;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The function on an SSM store, against moto's server: keys, selectors, listing, refresh, isolation, outage and
 * client keys, as a client sees them. The store's TTL is one second here.
 */
@QuarkusTest
@WithTestResource(SsmResource.class)
@WithTestResource(OtlpResource.class)
class SsmStoreTest {

    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static CapturedLog log;

    @Upstream
    FakeUpstream upstream;

    @Upstream
    SsmFixture ssm;

    @Upstream
    OtlpReceiver otlp;

    @BeforeAll
    static void captureLog() {
        log = CapturedLog.install();
    }

    @AfterAll
    static void releaseLog() {
        log.close();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
    }

    @AfterEach
    void noSecretInTheLog() {
        String text = log.text();
        for (String secret : SsmFixture.SECRETS) {
            assertFalse(text.contains(secret), "a key reached the log");
        }
    }

    private static RequestSpecification client(String key) {
        RequestSpecification request = given();
        return key == null ? request : request.header("Authorization", "Bearer " + key);
    }

    /** Sends the request and checks that no key, provider or client, is in what comes back. */
    private static Response checked(Response response) {
        String body = response.asString();
        for (String secret : SsmFixture.SECRETS) {
            assertFalse(body.contains(secret), "a key reached a response: " + body);
        }
        return response;
    }

    private static Response chat(String model) {
        return chat(model, SsmFixture.CLIENT_KEY);
    }

    private static Response chat(String model, String key) {
        return checked(client(key).contentType(ContentType.JSON).body("""
                {"model": "%s", "moa": {"trace": true}, "messages": [{"role": "user", "content": "hi"}]}"""
                .formatted(model)).when().post("/v1/chat/completions"));
    }

    private static Response models() {
        return checked(client(SsmFixture.CLIENT_KEY).when().get("/v1/models"));
    }

    /** Polls (bounded) until the condition holds: for effects that follow a TTL, not a fixed sleep. */
    private static void eventually(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + PATIENCE + ": " + what);
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // pacing between polls, not synchronization
        }
    }

    @Test
    void theSecureStringKeyIsDecryptedAndReachesTheUpstreamAsABearerHeader() {
        ssm.mix("keyed", SsmFixture.twoLayers("keyed", "keyed-agg"));
        Response response = chat("keyed");
        assertEquals(200, response.statusCode(), response.asString());
        assertEquals("answer from keyed-agg", response.path("choices[0].message.content"));
        assertEquals("Bearer " + SsmFixture.PROVIDER_KEY, upstream.only("keyed-p").header("Authorization"));
        assertEquals("Bearer " + SsmFixture.PROVIDER_KEY, upstream.only("keyed-agg").header("Authorization"));
    }

    @Test
    void versionAndLabelSelectorsServeThoseVersionsAndAPlainNameTheLatest() {
        long v1 = ssm.mix("versioned", SsmFixture.twoLayers("versioned", "v1-agg"));
        long v2 = ssm.mix("versioned", SsmFixture.twoLayers("versioned", "v2-agg"));
        long v3 = ssm.mix("versioned", SsmFixture.twoLayers("versioned", "v3-agg"));
        ssm.label("versioned", v2, "prod");

        assertEquals(200, chat("versioned:" + v1).statusCode());
        assertEquals(1, upstream.requests("v1-agg").size());
        Response labelled = chat("versioned:prod");
        assertEquals(200, labelled.statusCode());
        assertEquals("versioned:prod", labelled.path("model"));
        assertEquals(1, upstream.requests("v2-agg").size(), "the label serves the version it is on");
        assertEquals(200, chat("versioned").statusCode());
        assertEquals(1, upstream.requests("v3-agg").size(), "a plain name serves the latest version");
        assertEquals(200, chat("versioned:" + v3).statusCode());
        assertEquals(2, upstream.requests("v3-agg").size());

        for (String missing : List.of("versioned:" + (v3 + 5), "versioned:staging", "versioned:bad label")) {
            Response response = chat(missing);
            assertEquals(404, response.statusCode(), missing);
            assertEquals("model_not_found", response.path("error.code"));
        }
        Response model = checked(client(SsmFixture.CLIENT_KEY).when().get("/v1/models/versioned:prod"));
        assertEquals(200, model.statusCode());
        assertEquals("versioned:prod", model.path("id"));
    }

    /** A trace says which mix served and which version of its parameter: a label resolves to its version. */
    @Test
    void theMixSpanNamesTheMixAndTheParameterVersionThatServed() {
        long v1 = ssm.mix("spanned", SsmFixture.twoLayers("spanned", "spanned-agg"));
        long v2 = ssm.mix("spanned", SsmFixture.twoLayers("spanned", "spanned-agg"));
        ssm.label("spanned", v1, "prod");
        Map<String, Long> served = Map.of("spanned:prod", v1, "spanned", v2, "spanned:" + v2, v2);
        int n = 0;
        for (Map.Entry<String, Long> selector : served.entrySet()) {
            String traceId = "5ca1ab1e0000000000000000000000" + "%02d".formatted(++n);
            Response response = checked(client(SsmFixture.CLIENT_KEY).contentType(ContentType.JSON)
                    .header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01")
                    .body("""
                            {"model": "%s", "messages": [{"role": "user", "content": "hi"}]}""".formatted(selector.getKey()))
                    .when().post("/v1/chat/completions"));
            assertEquals(200, response.statusCode(), response.asString());
            Poll.until("the mix span of " + selector.getKey(), PATIENCE, () -> otlp.spans().stream()
                    .anyMatch(s -> s.traceId().equals(traceId) && s.name().equals("moa.mix")));
            OtlpReceiver.Span mix = otlp.spans().stream()
                    .filter(s -> s.traceId().equals(traceId) && s.name().equals("moa.mix")).findFirst().orElseThrow();
            assertEquals("spanned", mix.attribute("moa.mix.id"), selector.getKey());
            assertEquals(String.valueOf(selector.getValue()), mix.attribute("moa.mix.version"), selector.getKey());
        }
        assertTrue(v2 > v1);
    }

    @Test
    void moreThanTenMixesAreListed() {
        List<String> names = IntStream.range(0, 13).mapToObj(i -> "many-%02d".formatted(i)).toList();
        names.forEach(name -> ssm.mix(name, SsmFixture.twoLayers(name, "many-agg")));
        // An earlier listing may still be cached for up to the TTL.
        eventually("every mix is listed", () -> {
            Response response = models();
            assertEquals(200, response.statusCode());
            List<String> ids = response.path("data.id");
            return ids.containsAll(names);
        });
        Response response = models();
        assertEquals("list", response.path("object"));
        List<String> ids = response.path("data.id");
        assertEquals(ids.size(), ids.stream().distinct().count(), "each mix once");
        assertEquals("moa", response.path("data.find { it.id == 'many-12' }.owned_by"));
    }

    @Test
    void aChangedParameterIsServedAfterTheTtl() {
        ssm.mix("refreshing", SsmFixture.twoLayers("refreshing", "before-agg"));
        assertEquals(200, chat("refreshing").statusCode());
        assertEquals(1, upstream.requests("before-agg").size());

        ssm.mix("refreshing", SsmFixture.twoLayers("refreshing", "after-agg"));
        eventually("the overwritten mix is served", () -> {
            assertEquals(200, chat("refreshing").statusCode());
            return !upstream.requests("after-agg").isEmpty();
        });
    }

    @Test
    void anInvalidDocumentBreaksOnlyItsOwnMixAndTheErrorNamesTheParameterAndPath() {
        ssm.mix("healthy", SsmFixture.twoLayers("healthy", "healthy-agg"));
        ssm.mix("broken", """
                {"layers": [{"agents": [{"provider": "fake", "modle": "typo"}]}]}""");
        ssm.provider("broken-provider", """
                {"protocol": "openai", "base_url": "not a url"}""");
        ssm.mix("on-broken-provider", """
                {"layers": [{"agents": [{"provider": "broken-provider", "model": "x"}]}]}""");

        Response broken = chat("broken");
        assertEquals(500, broken.statusCode());
        assertEquals("invalid_mix_document", broken.path("error.code"));
        String message = broken.path("error.message");
        assertTrue(message.contains("SSM parameter " + SsmFixture.PREFIX + "/mixes/broken"), message);
        assertTrue(message.contains("layers[0].agents[0].modle: unknown field"), message);

        Response onBrokenProvider = chat("on-broken-provider");
        assertEquals(500, onBrokenProvider.statusCode());
        String providerMessage = onBrokenProvider.path("error.message");
        assertTrue(providerMessage.contains("SSM parameter " + SsmFixture.PREFIX + "/providers/broken-provider"),
                providerMessage);
        assertTrue(providerMessage.contains("base_url"), providerMessage);

        assertEquals(200, chat("healthy").statusCode(), "other mixes keep serving");
        assertEquals(1, upstream.requests("healthy-agg").size());
    }

    @Test
    void whenSsmStopsTheLastGoodCopyServesAndAWarningIsLogged() {
        ssm.mix("steady", SsmFixture.twoLayers("steady", "steady-agg"));
        assertEquals(200, chat("steady").statusCode());
        eventually("the listing has been read with the new mix",
                () -> models().<List<String>>path("data.id").contains("steady"));
        int logged = log.text().length();
        ssm.stopSsm();
        try {
            // Within the TTL the cache answers; after it, SSM is asked, refuses, and the last good copy serves.
            eventually("a refresh meets the outage", () -> {
                assertEquals(200, chat("steady").statusCode());
                return log.text().substring(logged).contains("serving the last good copy");
            });
            upstream.reset();
            Response during = chat("steady");
            assertEquals(200, during.statusCode());
            assertEquals("answer from steady-agg", during.path("choices[0].message.content"));
            assertEquals("Bearer " + SsmFixture.PROVIDER_KEY, upstream.only("steady-agg").header("Authorization"),
                    "the decrypted key is served from the last good copy too");
            Response listing = models();
            assertEquals(200, listing.statusCode());
            assertTrue(listing.<List<String>>path("data.id").contains("steady"));

            Response neverRead = chat("never-read-before");
            assertEquals(503, neverRead.statusCode(), "nothing to fall back on");
            assertEquals("store_unavailable", neverRead.path("error.code"));
            String warning = log.text().substring(logged);
            assertTrue(warning.contains("SSM could not be read"), warning);
        } finally {
            ssm.startSsm();
        }
    }

    @Test
    void everyV1RequestNeedsAValidClientKey() {
        ssm.mix("guarded", SsmFixture.twoLayers("guarded", "guarded-agg"));
        String wrongKey = "moa-ck-wrong-" + SsmFixture.CLIENT_KEY.hashCode();
        for (Response denied : List.of(
                chat("guarded", null),
                chat("guarded", wrongKey),
                chat("guarded", ""),
                checked(given().header("Authorization", "Basic " + SsmFixture.CLIENT_KEY).when().get("/v1/models")),
                checked(given().when().get("/v1/models")),
                checked(given().when().get("/v1/models/guarded")),
                checked(given().when().delete("/v1/models")),
                checked(given().when().get("/v1/no-such-thing")))) {
            String body = denied.asString();
            assertEquals(401, denied.statusCode(), body);
            assertTrue(denied.contentType().startsWith("application/json"), denied.contentType());
            assertEquals("invalid_request_error", denied.path("error.type"));
            assertEquals("invalid_api_key", denied.path("error.code"));
            assertFalse(body.contains(wrongKey), "a presented key is not echoed");
        }
        assertTrue(upstream.requests().isEmpty(), "no upstream call without a valid key");

        assertEquals(200, chat("guarded", SsmFixture.CLIENT_KEY).statusCode(), "hash stored as a String");
        assertEquals(200, chat("guarded", SsmFixture.SECURE_CLIENT_KEY).statusCode(), "hash stored as a SecureString");
        assertEquals(200, checked(given().header("Authorization", "bearer " + SsmFixture.CLIENT_KEY).when()
                .get("/v1/models")).statusCode(), "the scheme is case-insensitive");
        assertEquals(404, checked(given().when().get("/elsewhere")).statusCode(), "only /v1 is guarded");
    }
}
