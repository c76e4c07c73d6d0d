package dev.moa.testing;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterType;

/**
 * A moto server and an SSM client on it for one test class:
 * {@code @RegisterExtension static final MotoSsm moto = new MotoSsm();}
 */
public final class MotoSsm implements BeforeAllCallback, AfterAllCallback {

    private MotoServer server;
    private SsmClient client;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = MotoServer.start();
        client = server.client();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        client.close();
        server.close();
    }

    public MotoServer server() {
        return server;
    }

    public SsmClient client() {
        return client;
    }

    /** Writes (or overwrites) a parameter; returns its new version. */
    public long put(String name, String value, ParameterType type) {
        return client.putParameter(r -> r.name(name).value(value).type(type).overwrite(true)).version();
    }
}
