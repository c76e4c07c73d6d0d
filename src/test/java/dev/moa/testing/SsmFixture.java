package dev.moa.testing;

import dev.moa.store.ClientKeys;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterType;

import java.util.List;

/**
 * An SSM store on moto for the application under test: providers pointing at the fake upstream, a provider key
 * as a SecureString, and two client keys (one hash as a String, one as a SecureString).
 */
public final class SsmFixture implements AutoCloseable {

    public static final String PREFIX = "/moa/test";
    public static final String PROVIDER_KEY = "sk-ssm-7d1e0c55-provider-never-show-me";
    public static final String CLIENT_KEY = "moa-ck-3b9f21aa-client-never-show-me";
    public static final String SECURE_CLIENT_KEY = "moa-ck-81ac6d02-ops-never-show-me";
    public static final List<String> SECRETS = List.of(PROVIDER_KEY, CLIENT_KEY, SECURE_CLIENT_KEY);

    private final MotoServer moto;
    private final String upstreamBaseUrl;
    private final SsmClient ssm;

    public SsmFixture(MotoServer moto, String upstreamBaseUrl) {
        this.moto = moto;
        this.upstreamBaseUrl = upstreamBaseUrl;
        this.ssm = moto.client();
        seed();
    }

    public MotoServer moto() {
        return moto;
    }

    public SsmClient ssm() {
        return ssm;
    }

    /** What every test may rely on; written again after an outage, since moto keeps its state in memory. */
    private void seed() {
        put(PREFIX + "/secrets/fake", PROVIDER_KEY, ParameterType.SECURE_STRING);
        provider("fake", "{\"protocol\": \"openai\", \"base_url\": \"" + upstreamBaseUrl
                + "\", \"api_key\": {\"parameter\": \"" + PREFIX + "/secrets/fake\"}}");
        provider("fake-open", "{\"protocol\": \"openai\", \"base_url\": \"" + upstreamBaseUrl + "\"}");
        put(PREFIX + "/client-keys/ci", ClientKeys.sha256Hex(CLIENT_KEY), ParameterType.STRING);
        put(PREFIX + "/client-keys/ops", ClientKeys.sha256Hex(SECURE_CLIENT_KEY), ParameterType.SECURE_STRING);
    }

    /** A two-layer mix: proposer {@code <name>-p} on the keyed provider, aggregator {@code aggregator}. */
    public static String twoLayers(String name, String aggregator) {
        return """
                {"description": "%s", "layers": [
                  {"agents": [{"provider": "fake", "model": "%s-p"}]},
                  {"agents": [{"provider": "fake", "model": "%s"}]}]}""".formatted(name, name, aggregator);
    }

    /** @return the new version */
    public long mix(String name, String json) {
        return put(PREFIX + "/mixes/" + name, json, ParameterType.STRING);
    }

    public long provider(String name, String json) {
        return put(PREFIX + "/providers/" + name, json, ParameterType.STRING);
    }

    public void label(String mix, long version, String label) {
        ssm.labelParameterVersion(r -> r.name(PREFIX + "/mixes/" + mix).parameterVersion(version).labels(label));
    }

    public long put(String name, String value, ParameterType type) {
        return ssm.putParameter(r -> r.name(name).value(value).type(type).overwrite(true)).version();
    }

    /** SSM goes away: every call is refused until {@link #startSsm()}. */
    public void stopSsm() {
        moto.stop();
    }

    /** SSM comes back on the same endpoint, with the seeded parameters (and nothing else). */
    public void startSsm() {
        moto.startAgain();
        seed();
    }

    @Override
    public void close() {
        ssm.close();
        moto.close();
    }
}
