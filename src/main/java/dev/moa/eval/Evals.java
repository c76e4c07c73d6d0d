package dev.moa.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moa.model.MoaError;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/** The Evals API: evals, their runs (started on the {@link EvalRunner}), and the runs' output items. */
public final class Evals {

    private final EvalRecords records;
    private final EvalDefinitions definitions;
    private final RunRequests runRequests;
    private final EvalRunner runner;
    private final ComparisonReport report;
    private final Clock clock;

    public Evals(EvalRecords records, EvalDefinitions definitions, RunRequests runRequests, EvalRunner runner,
                 ComparisonReport report, Clock clock) {
        this.report = report;
        this.records = records;
        this.definitions = definitions;
        this.runRequests = runRequests;
        this.runner = runner;
        this.clock = clock;
    }

    public EvalObject create(JsonNode request) {
        EvalObject eval = definitions.create(request, EvalIds.eval(), now());
        records.save(eval);
        return eval;
    }

    public EvalObject get(String id) {
        return records.eval(id).orElseThrow(() -> notFound("eval", id));
    }

    /** {@code name} and {@code metadata} only, as OpenAI allows. */
    public EvalObject update(String id, JsonNode request) {
        EvalObject eval = get(id);
        if (request == null || !request.isObject()) {
            throw MoaError.invalidRequest(null, "The request body must be a JSON object.");
        }
        request.fieldNames().forEachRemaining(field -> {
            if (!field.equals("name") && !field.equals("metadata")) {
                throw MoaError.invalidRequest(field, "Only name and metadata of an eval can be updated.");
            }
        });
        String name = EvalDefinitions.optionalText(request, "name");
        JsonNode metadata = request.has("metadata") ? EvalDefinitions.metadata(request.get("metadata"))
                : eval.metadata();
        EvalObject updated = eval.renamed(name == null ? eval.name() : name, metadata);
        records.save(updated);
        return updated;
    }

    /** Deletes the eval with its runs; running ones stop first. */
    public EvalObject.Deleted delete(String id) {
        EvalObject eval = get(id);
        for (EvalRun run : records.runs(eval.id())) {
            runner.stop(run);
            records.deleteRun(eval.id(), run.id());
        }
        records.deleteEval(eval.id());
        return new EvalObject.Deleted("eval.deleted", true, eval.id());
    }

    public EvalObject.Page<EvalObject> list(String after, Integer limit, String order, String orderBy) {
        if (orderBy != null && !orderBy.equals("created_at") && !orderBy.equals("updated_at")) {
            throw MoaError.invalidRequest("order_by", "order_by must be created_at or updated_at.");
        }
        return page(records.evals(), EvalObject::id, after, limit, order);
    }

    /** @param clientKey the name of the calling client key, recorded on the run (its calls are charged to it) */
    public EvalRun createRun(String evalId, JsonNode request, Optional<String> clientKey) {
        EvalObject eval = get(evalId);
        RunRequests.Plan plan = runRequests.read(request, eval);
        String id = EvalIds.run();
        EvalRun run = new EvalRun("eval.run", id, eval.id(), EvalRun.QUEUED, plan.model(), plan.name(), now(), null,
                new EvalRun.ResultCounts(plan.items().size(), 0, 0, 0), List.of(), List.of(), plan.dataSource(),
                plan.metadata(), null, clientKey.orElse(null));
        // Items first: a run object is only ever stored with its items in place.
        records.saveItems(id, plan.items());
        records.save(run);
        runner.start(run);
        // The run as created (queued), as OpenAI answers: the runner may already have moved the stored one on.
        return run;
    }

    public EvalRun getRun(String evalId, String runId) {
        get(evalId);
        return records.run(evalId, runId).orElseThrow(() -> notFound("run", runId));
    }

    public EvalObject.Page<EvalRun> listRuns(String evalId, String after, Integer limit, String order,
                                               String status) {
        get(evalId);
        List<EvalRun> runs = records.runs(evalId);
        if (status != null) {
            if (!List.of(EvalRun.QUEUED, EvalRun.IN_PROGRESS, EvalRun.COMPLETED, EvalRun.CANCELED, EvalRun.FAILED)
                    .contains(status)) {
                throw MoaError.invalidRequest("status", "status must be queued, in_progress, completed, canceled or "
                        + "failed.");
            }
            runs = runs.stream().filter(r -> r.status().equals(status)).toList();
        }
        return page(runs, EvalRun::id, after, limit, order);
    }

    /** Cancels a queued or running run: no item starts after this; what is evaluated stays. */
    public EvalRun cancelRun(String evalId, String runId) {
        EvalRun current = getRun(evalId, runId);
        if (current.finished()) {
            throw new MoaError(MoaError.Kind.CONFLICT, null, "run_not_cancellable", "Run " + runId + " is "
                    + current.status() + " and can no longer be canceled.");
        }
        EvalRun canceled = records.update(evalId, runId, r -> r.finished() ? null
                : r.withStatus(EvalRun.CANCELED, null)).orElseThrow(() -> notFound("run", runId));
        runner.stop(canceled);
        return canceled;
    }

    public EvalRun.Deleted deleteRun(String evalId, String runId) {
        runner.stop(getRun(evalId, runId));
        records.deleteRun(evalId, runId);
        return new EvalRun.Deleted("eval.run.deleted", true, runId);
    }

    public EvalObject.Page<JsonNode> outputItems(String evalId, String runId, String after, Integer limit,
                                                 String order, String status) {
        getRun(evalId, runId);
        if (status != null && !status.equals("pass") && !status.equals("fail")) {
            throw MoaError.invalidRequest("status", "status must be pass or fail.");
        }
        List<JsonNode> items = new ArrayList<>(records.outputs(runId));
        items.sort(Comparator.comparingInt(i -> i.path("datasource_item_id").asInt()));
        if (status != null) {
            items = items.stream().filter(i -> i.path("status").asText().equals(status)).toList();
        }
        return page(items, i -> i.path("id").asText(), after, limit, order);
    }

    public JsonNode outputItem(String evalId, String runId, String itemId) {
        getRun(evalId, runId);
        OptionalInt index = EvalIds.itemIndex(runId, itemId);
        return records.output(runId, index.isPresent() ? index.getAsInt() : -1).filter(i -> index.isPresent())
                .orElseThrow(() -> notFound("output item", itemId));
    }

    /** The comparison of every run of the eval, oldest run first. */
    public com.fasterxml.jackson.databind.node.ObjectNode report(String evalId) {
        EvalObject eval = get(evalId);
        List<ComparisonReport.RunData> runs = new ArrayList<>();
        for (EvalRun run : records.runs(evalId)) {
            runs.add(new ComparisonReport.RunData(run, records.items(run.id()), records.outputs(run.id())));
        }
        return report.build(eval, runs, now());
    }

    private <T> EvalObject.Page<T> page(List<T> all, Function<T, String> id, String after, Integer limit,
                                        String order) {
        int size = limit == null ? 20 : limit;
        if (size < 1 || size > 100) {
            throw MoaError.invalidRequest("limit", "limit must be between 1 and 100.");
        }
        if (order != null && !order.equals("asc") && !order.equals("desc")) {
            throw MoaError.invalidRequest("order", "order must be asc or desc.");
        }
        List<T> ordered = new ArrayList<>(all);
        if ("desc".equals(order)) {
            java.util.Collections.reverse(ordered);
        }
        int start = 0;
        if (after != null) {
            start = -1;
            for (int i = 0; i < ordered.size(); i++) {
                if (id.apply(ordered.get(i)).equals(after)) {
                    start = i + 1;
                }
            }
            if (start < 0) {
                throw MoaError.invalidRequest("after", "No object with id '" + after + "' in this list.");
            }
        }
        List<T> page = ordered.subList(Math.min(start, ordered.size()), Math.min(start + size, ordered.size()));
        return new EvalObject.Page<>("list", List.copyOf(page), page.isEmpty() ? null : id.apply(page.get(0)),
                page.isEmpty() ? null : id.apply(page.get(page.size() - 1)), start + size < ordered.size());
    }

    private long now() {
        return clock.instant().getEpochSecond();
    }

    static MoaError notFound(String what, String id) {
        return new MoaError(MoaError.Kind.NOT_FOUND, null, "not_found", "No " + what + " found with id '" + id
                + "'.");
    }
}
