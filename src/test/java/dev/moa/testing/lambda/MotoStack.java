package dev.moa.testing.lambda;

import dev.moa.testing.MotoServer;
import dev.moa.testing.TestStore;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.sfn.SfnClient;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The stack's AWS side on moto's server: its bucket (S3) and its state machines (the Step Functions API, which
 * records executions but runs none: {@link StateMachineSteps} plays their steps), and the packaged function set up
 * to use them.
 */
public final class MotoStack implements AutoCloseable {

    /** The function the state machines' Lambda tasks name. */
    public static final String FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:moa-it:live";

    private final MotoServer moto;
    private final String bucket;
    private final S3Client s3;
    private final SfnClient sfn;

    private MotoStack(MotoServer moto, String bucket) {
        this.moto = moto;
        this.bucket = bucket;
        s3 = moto.client(S3Client.builder()).forcePathStyle(true).build();
        sfn = moto.client(SfnClient.builder()).build();
    }

    /** Starts moto's server and creates the stack's bucket. */
    public static MotoStack start(String bucket) {
        MotoStack stack = new MotoStack(MotoServer.start(), bucket);
        try {
            stack.s3.createBucket(create -> create.bucket(bucket));
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
        return stack;
    }

    public String endpoint() {
        return moto.endpoint();
    }

    public String bucket() {
        return bucket;
    }

    public S3Client s3() {
        return s3;
    }

    public SfnClient sfn() {
        return sfn;
    }

    /**
     * Creates the state machine of {@code template.yaml}'s resource (BatchStateMachine, EvalStateMachine) on moto,
     * its substitutions the function's ARN, the bucket, a Map concurrency of 10 and {@code substitutions}; its
     * steps are played on the function {@code function} gives at the time (a test may start a new one).
     */
    public StateMachineSteps stateMachine(String resource, String name, Map<String, String> substitutions,
                                          Supplier<PackagedFunction> function) {
        Map<String, String> values = new HashMap<>(Map.of("FunctionArn", FUNCTION_ARN, "Bucket", bucket,
                "MaxConcurrency", "10"));
        values.putAll(substitutions);
        StateMachineDefinition machine = StateMachineDefinition.fromTemplate(Path.of("template.yaml"), resource,
                values);
        String arn = sfn.createStateMachine(create -> create.name(name).definition(machine.definition().toString())
                .roleArn("arn:aws:iam::123456789012:role/" + name)).stateMachineArn();
        return new StateMachineSteps(machine, name, arn, this, function);
    }

    /**
     * The packaged function with {@code store} as its mix store and the bucket as its batch store, reaching moto for
     * every AWS service (path-style S3 addresses, as moto serves them).
     */
    public PackagedFunction.Builder function(TestStore store) {
        return PackagedFunction.fromMavenBuild()
                .store(store)
                .environment("MOA_BATCH_BUCKET", bucket)
                .environment("AWS_ENDPOINT_URL", moto.endpoint())
                .environment("AWS_REGION", MotoServer.REGION)
                .environment("AWS_ACCESS_KEY_ID", MotoServer.ACCESS_KEY)
                .environment("AWS_SECRET_ACCESS_KEY", MotoServer.SECRET_ACCESS_KEY)
                .environment("QUARKUS_S3_PATH_STYLE_ACCESS", "true");
    }

    @Override
    public void close() {
        moto.close();
    }
}
