package dev.moa.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;

/**
 * The three protocol peers (OpenAI {@link FakeUpstream}, {@link FakeAnthropic}, {@link FakeBedrock}) and a file store
 * with a provider for each: {@code fake} (OpenAI), {@code claude} (Anthropic, key {@link #ANTHROPIC_KEY}) and
 * {@code bedrock} (region {@link #REGION}), and one priced provider per protocol: {@code openai-priced} (model
 * {@code gpt-x}), {@code claude-priced} ({@code claude-x}) and {@code bedrock-priced} (every model). The AWS SDK
 * reads the test's static credentials from its system properties.
 */
public final class ProtocolsResource implements QuarkusTestResourceLifecycleManager {

    public static final String ANTHROPIC_KEY = "sk-ant-test-8d1f0c2b-never-show-me";
    public static final String ANTHROPIC_KEY_VARIABLE = "FAKE_ANTHROPIC_KEY";
    public static final String ACCESS_KEY_ID = "AKIDMOATESTEXAMPLE";
    public static final String SECRET_ACCESS_KEY = "moa-test-secret-access-key-never-show-me";
    public static final String REGION = "us-west-2";

    private FakeUpstream openai;
    private FakeAnthropic anthropic;
    private FakeBedrock bedrock;
    private TestStore store;

    @Override
    public Map<String, String> start() {
        openai = new FakeUpstream();
        anthropic = new FakeAnthropic();
        bedrock = new FakeBedrock();
        try {
            store = new TestStore(Files.createTempDirectory("moa-protocols-store"), openai.baseUrl());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        store.provider("claude", "{\"protocol\": \"anthropic\", \"base_url\": \"" + anthropic.baseUrl()
                + "\", \"api_key\": {\"env\": \"" + ANTHROPIC_KEY_VARIABLE + "\"}, \"headers\": {\"X-Team\": \"moa-tests\"}}");
        store.provider("bedrock", "{\"protocol\": \"bedrock\", \"region\": \"" + REGION + "\", \"base_url\": \""
                + bedrock.endpoint() + "\", \"max_tokens\": 777}");
        // One priced provider per protocol, for tests that check cost across protocols.
        store.provider("openai-priced", "{\"protocol\": \"openai\", \"base_url\": \"" + openai.baseUrl() + "\", "
                + "\"pricing\": {\"gpt-x\": {\"input_per_mtok\": 2.5, \"output_per_mtok\": 10}}}");
        store.provider("claude-priced", "{\"protocol\": \"anthropic\", \"base_url\": \"" + anthropic.baseUrl() + "\", "
                + "\"api_key\": {\"env\": \"" + ANTHROPIC_KEY_VARIABLE + "\"}, "
                + "\"pricing\": {\"claude-x\": {\"input_per_mtok\": 3, \"output_per_mtok\": 15, \"cached_input_per_mtok\": 0.3}}}");
        store.provider("bedrock-priced", "{\"protocol\": \"bedrock\", \"region\": \"" + REGION
                + "\", \"base_url\": \"" + bedrock.endpoint() + "\", "
                + "\"pricing\": {\"default\": {\"input_per_mtok\": 0.8, \"output_per_mtok\": 4}}}");
        System.setProperty("aws.accessKeyId", ACCESS_KEY_ID);
        System.setProperty("aws.secretAccessKey", SECRET_ACCESS_KEY);
        return Map.of("moa.store", "file:" + store.dir(), TestStore.KEY_VARIABLE, TestStore.SECRET_KEY,
                ANTHROPIC_KEY_VARIABLE, ANTHROPIC_KEY);
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(openai, new TestInjector.AnnotatedAndMatchesType(Upstream.class, FakeUpstream.class));
        injector.injectIntoFields(anthropic, new TestInjector.AnnotatedAndMatchesType(Upstream.class, FakeAnthropic.class));
        injector.injectIntoFields(bedrock, new TestInjector.AnnotatedAndMatchesType(Upstream.class, FakeBedrock.class));
        injector.injectIntoFields(store, new TestInjector.AnnotatedAndMatchesType(Upstream.class, TestStore.class));
    }

    @Override
    public void stop() {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        if (openai != null) {
            openai.close();
        }
        if (anthropic != null) {
            anthropic.close();
        }
        if (bedrock != null) {
            bedrock.close();
        }
    }
}
