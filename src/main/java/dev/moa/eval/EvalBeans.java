package dev.moa.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moa.api.ChatCompletions;
import dev.moa.batch.BatchConfig;
import dev.moa.batch.BatchFiles;
import dev.moa.batch.BatchStore;
import dev.moa.batch.LineExecutor;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import java.time.Clock;

/**
 * Wires the eval room: its records in the batch store (under {@code evals/}), items through the chat pipeline as
 * batch lines go, at most the batch concurrency at once per run.
 */
public class EvalBeans {

    @Produces
    @Singleton
    EvalRecords evalRecords(BatchStore store, ObjectMapper json) {
        return new EvalRecords(store, json);
    }

    @Produces
    @Singleton
    EvalRunner evalRunner(EvalRecords records, ChatCompletions completions, ObjectMapper json, BatchConfig batch,
                          EvalConfig config) {
        CompletionCalls calls = new ChatPipelineCalls(new LineExecutor(completions, json, batch.deadline()), json);
        return new EvalRunner(records, new ItemEvaluator(calls, json, Clock.systemUTC()), batch.concurrency(),
                config.runTimeout(), Clock.systemUTC());
    }

    @Produces
    @Singleton
    Evals evals(EvalRecords records, EvalRunner runner, ChatCompletions completions, BatchFiles files,
                ObjectMapper json, EvalConfig config) {
        EvalDefinitions definitions = new EvalDefinitions(json, completions::checkModel);
        return new Evals(records, definitions, new RunRequests(json, files, definitions, config.maxItems()), runner,
                new ComparisonReport(json), Clock.systemUTC());
    }

    /** Carries on with the runs a previous process left unfinished. */
    void onStart(@Observes StartupEvent started, EvalRunner runner) {
        runner.resume();
    }

    void onStop(@Observes ShutdownEvent stopped, EvalRunner runner) {
        runner.close();
    }
}
