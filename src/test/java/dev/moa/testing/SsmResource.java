package dev.moa.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.List;
import java.util.Map;

/**
 * Starts moto and the fake upstream, seeds an SSM store, and points the application at it the way a deployment
 * does: {@code moa.store=ssm:<prefix>}, with the endpoint, region and credentials taken by the AWS SDK's own
 * chain (its {@code aws.*} system properties, the same settings as {@code AWS_ENDPOINT_URL_SSM}, {@code
 * AWS_REGION} and the credential variables). A one-second TTL keeps refresh tests short.
 */
public final class SsmResource implements QuarkusTestResourceLifecycleManager {

    private static final List<String> SDK_PROPERTIES = List.of("aws.endpointUrlSsm", "aws.region", "aws.accessKeyId",
            "aws.secretAccessKey");

    private FakeUpstream upstream;
    private SsmFixture ssm;

    @Override
    public Map<String, String> start() {
        upstream = new FakeUpstream();
        ssm = new SsmFixture(MotoServer.start(), upstream.baseUrl());
        System.setProperty("aws.endpointUrlSsm", ssm.moto().endpoint());
        System.setProperty("aws.region", MotoServer.REGION);
        System.setProperty("aws.accessKeyId", MotoServer.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", MotoServer.SECRET_ACCESS_KEY);
        return Map.of("moa.store", "ssm:" + SsmFixture.PREFIX, "moa.store.ttl", "1s");
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(upstream, new TestInjector.AnnotatedAndMatchesType(Upstream.class, FakeUpstream.class));
        injector.injectIntoFields(ssm, new TestInjector.AnnotatedAndMatchesType(Upstream.class, SsmFixture.class));
    }

    @Override
    public void stop() {
        SDK_PROPERTIES.forEach(System::clearProperty);
        if (ssm != null) {
            ssm.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }
}
