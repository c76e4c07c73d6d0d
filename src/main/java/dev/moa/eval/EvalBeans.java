package dev.moa.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.api.chat.ChatCompletions;
import dev.moa.batch.BatchConfig;
import dev.moa.batch.BatchFiles;
import dev.moa.batch.BatchStore;
import dev.moa.batch.LineExecutor;
import dev.moa.batch.S3BatchStore;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.sfn.SfnClient;

import java.time.Clock;

/**
 * Wires the eval room: its records in the batch store (under {@code evals/}), items through the chat pipeline as
 * batch lines go; in this process (at most the batch concurrency at once over all runs), or on the eval state
 * machine when {@code moa.eval.state-machine} is set (at most {@code BatchMaxConcurrency} per run's execution).
 */
public class EvalBeans {

    @Produces
    @Singleton
    EvalRecords evalRecords(BatchStore store, ObjectMapper json) {
        return new EvalRecords(store, json);
    }

    @Produces
    @Singleton
    ItemEvaluator itemEvaluator(ChatCompletions completions, ObjectMapper json, BatchConfig batch) {
        CompletionCalls calls = new ChatPipelineCalls(new LineExecutor(completions, json, batch.deadline()), json);
        return new ItemEvaluator(calls, json, Clock.systemUTC());
    }

    @Produces
    @Singleton
    EvalSteps evalSteps(EvalRecords records, ItemEvaluator evaluator, EvalConfig config) {
        return new EvalSteps(records, evaluator, config.runTimeout(), Clock.systemUTC());
    }

    @Produces
    @Singleton
    EvalRunner evalRunner(EvalRecords records, ItemEvaluator evaluator, EvalSteps steps, BatchStore store,
                          ObjectMapper json, BatchConfig batch, EvalConfig config) {
        if (config.stateMachine().filter(arn -> !arn.isBlank()).isPresent()) {
            if (!(store instanceof S3BatchStore bucket)) {
                throw new IllegalArgumentException("moa.eval.state-machine needs moa.batch.bucket: the state "
                        + "machine reads a run's items from S3");
            }
            // Region, credentials and endpoint from the SDK's standard chain, like the batch runner's client.
            SfnClient sfn = SfnClient.builder().httpClient(UrlConnectionHttpClient.create()).build();
            return new StepFunctionsEvalRunner(sfn, config.stateMachine().get(), bucket.bucket(), records, steps,
                    json);
        }
        return new EmbeddedEvalRunner(records, evaluator, batch.concurrency(), config.runTimeout(),
                Clock.systemUTC());
    }

    @Produces
    @Singleton
    Evals evals(EvalRecords records, EvalRunner runner, ChatCompletions completions, BatchFiles files,
                ObjectMapper json, EvalConfig config) {
        EvalDefinitions definitions = new EvalDefinitions(json, completions::checkModel);
        return new Evals(records, definitions, new RunRequests(json, files, definitions, config.maxItems()), runner,
                new ComparisonReport(json), Clock.systemUTC());
    }

    /** The embedded runner carries on with the runs a previous process left unfinished (executions need not). */
    void onStart(@Observes StartupEvent started, EvalRunner runner) {
        if (runner instanceof EmbeddedEvalRunner embedded) {
            embedded.resume();
        }
    }

    void onStop(@Observes ShutdownEvent stopped, EvalRunner runner) {
        if (runner instanceof EmbeddedEvalRunner embedded) {
            embedded.close();
        }
    }
}
