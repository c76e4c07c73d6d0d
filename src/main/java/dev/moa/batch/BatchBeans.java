package dev.moa.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.api.chat.ChatCompletions;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.sfn.SfnClient;

import java.nio.file.Path;
import java.time.Clock;

/**
 * Wires the batch room from {@code moa.batch.*}: the store (a directory, or the bucket), and the runner (in-process,
 * or the state machine). Neither AWS client is made unless configured.
 */
public class BatchBeans {

    @Produces
    @Singleton
    BatchStore batchStore(BatchConfig config, Instance<S3Client> s3, Instance<S3Presigner> presigner) {
        return config.bucket().filter(bucket -> !bucket.isBlank())
                .<BatchStore>map(bucket -> new S3BatchStore(s3.get(), presigner.get(), bucket))
                .orElseGet(() -> new DirectoryBatchStore(Path.of(config.dir())));
    }

    @Produces
    @Singleton
    BatchFiles batchFiles(BatchStore store, ObjectMapper json) {
        return new BatchFiles(store, json, Clock.systemUTC());
    }

    @Produces
    @Singleton
    BatchRecords batchRecords(BatchStore store, ObjectMapper json) {
        return new BatchRecords(store, json);
    }

    @Produces
    @Singleton
    BatchSteps batchSteps(BatchRecords records, BatchFiles files, ChatCompletions completions, ObjectMapper json,
                          BatchConfig config) {
        return new BatchSteps(records, files, new BatchValidator(completions, json, config.maxLines()),
                new LineExecutor(completions, json, config.deadline()), json, Clock.systemUTC());
    }

    @Produces
    @Singleton
    BatchRunner batchRunner(BatchConfig config, BatchStore store, BatchSteps steps, ObjectMapper json) {
        if (config.stateMachine().filter(arn -> !arn.isBlank()).isPresent()) {
            if (!(store instanceof S3BatchStore bucket)) {
                throw new IllegalArgumentException("moa.batch.state-machine needs moa.batch.bucket: the state "
                        + "machine reads the input from S3");
            }
            // Region, credentials and endpoint from the SDK's standard chain, like the SSM and S3 clients.
            SfnClient sfn = SfnClient.builder().httpClient(UrlConnectionHttpClient.create()).build();
            return new StepFunctionsBatchRunner(sfn, config.stateMachine().get(), bucket, steps, json);
        }
        return new EmbeddedBatchRunner(steps, config.concurrency());
    }

    @Produces
    @Singleton
    Batches batches(BatchRecords records, BatchFiles files, BatchRunner runner) {
        return new Batches(records, files, runner, Clock.systemUTC());
    }

    /** The embedded runner carries on with what a previous process left unfinished. */
    void onStart(@Observes StartupEvent started, BatchRunner runner) {
        if (runner instanceof EmbeddedBatchRunner embedded) {
            embedded.resume();
        }
    }

    void onStop(@Observes ShutdownEvent stopped, BatchRunner runner) {
        if (runner instanceof EmbeddedBatchRunner embedded) {
            embedded.close();
        }
    }
}
