package dev.moa.eval;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.runtime.annotations.RegisterForReflection;

import java.math.BigDecimal;
import java.util.List;

/**
 * OpenAI's eval run object. {@code result_counts}, {@code per_testing_criteria_results} and {@code per_model_usage}
 * grow while it runs. {@code per_model_usage} keeps the samples' model and the grader models apart
 * ({@code used_for}: {@code sample} or {@code grader}) and adds what they cost ({@code cost}, USD).
 */
@RegisterForReflection
@JsonInclude(JsonInclude.Include.ALWAYS)
public record EvalRun(
        String object,
        String id,
        @JsonProperty("eval_id") String evalId,
        String status,
        String model,
        String name,
        @JsonProperty("created_at") long createdAt,
        @JsonProperty("report_url") String reportUrl,
        @JsonProperty("result_counts") ResultCounts resultCounts,
        @JsonProperty("per_model_usage") List<ModelUsage> perModelUsage,
        @JsonProperty("per_testing_criteria_results") List<CriterionResult> perTestingCriteriaResults,
        @JsonProperty("data_source") JsonNode dataSource,
        JsonNode metadata,
        RunError error) {

    public static final String QUEUED = "queued";
    public static final String IN_PROGRESS = "in_progress";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";
    public static final String CANCELED = "canceled";

    public boolean finished() {
        return !QUEUED.equals(status) && !IN_PROGRESS.equals(status);
    }

    public EvalRun withStatus(String newStatus, RunError newError) {
        return new EvalRun(object, id, evalId, newStatus, model, name, createdAt, reportUrl, resultCounts,
                perModelUsage, perTestingCriteriaResults, dataSource, metadata, newError);
    }

    public EvalRun withResults(ResultCounts counts, List<ModelUsage> usage, List<CriterionResult> criteria) {
        return new EvalRun(object, id, evalId, status, model, name, createdAt, reportUrl, counts, usage, criteria,
                dataSource, metadata, error);
    }

    public EvalRun withReportUrl(String url) {
        return new EvalRun(object, id, evalId, status, model, name, createdAt, url, resultCounts, perModelUsage,
                perTestingCriteriaResults, dataSource, metadata, error);
    }

    @RegisterForReflection
    public record ResultCounts(int total, int errored, int failed, int passed) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record ModelUsage(@JsonProperty("model_name") String modelName,
                             @JsonProperty("used_for") String usedFor,
                             @JsonProperty("invocation_count") long invocationCount,
                             @JsonProperty("prompt_tokens") long promptTokens,
                             @JsonProperty("completion_tokens") long completionTokens,
                             @JsonProperty("total_tokens") long totalTokens,
                             @JsonProperty("cached_tokens") long cachedTokens,
                             BigDecimal cost) {
    }

    @RegisterForReflection
    public record CriterionResult(@JsonProperty("testing_criteria") String testingCriteria, int passed, int failed) {
    }

    @RegisterForReflection
    public record RunError(String code, String message) {
    }

    /** {@code DELETE /v1/evals/{id}/runs/{run_id}}'s answer. */
    @RegisterForReflection
    public record Deleted(String object, boolean deleted, @JsonProperty("run_id") String runId) {
    }
}
