"""Drives the Evals API with the official OpenAI Python SDK, as a user would, and prints what it saw as JSON.

usage: sdk_eval.py <base_url> <plan.json>
plan: {"eval": <evals.create body>, "files": {"<name>": "<jsonl>"}, "runs": [<runs.create body>]}
A run's data_source.source {"type": "file_id", "id": "$<name>"} names an uploaded file of the plan.
"""
import io
import json
import sys
import time

from openai import OpenAI

base_url, plan_path = sys.argv[1], sys.argv[2]
plan = json.load(open(plan_path))
client = OpenAI(base_url=base_url, api_key="sk-eval-test", max_retries=0)

created = client.evals.create(**plan["eval"])
seen = {"eval": created.model_dump(by_alias=True), "runs": []}

file_ids = {}
for name, content in plan.get("files", {}).items():
    uploaded = client.files.create(file=(name, io.BytesIO(content.encode("utf-8"))), purpose="evals")
    file_ids["$" + name] = uploaded.id

run_ids = []
for body in plan["runs"]:
    source = body["data_source"]["source"]
    if source.get("type") == "file_id":
        source["id"] = file_ids[source["id"]]
    run = client.evals.runs.create(created.id, **body)
    run_ids.append(run.id)
    seen.setdefault("created_statuses", []).append(run.status)

deadline = time.time() + 240
for run_id in run_ids:
    while True:
        run = client.evals.runs.retrieve(run_id, eval_id=created.id)
        if run.status in ("completed", "failed", "canceled"):
            break
        if time.time() > deadline:
            raise SystemExit("run %s still %s" % (run_id, run.status))
        time.sleep(0.1)
    items = []
    pages = 0
    # Small pages, to follow `after` as a client paginating would.
    for item in client.evals.runs.output_items.list(run_id, eval_id=created.id, limit=2):
        items.append(item.model_dump(by_alias=True))
    page = client.evals.runs.output_items.list(run_id, eval_id=created.id, limit=2)
    pages = 1
    while page.has_more:
        page = page.get_next_page()
        pages += 1
    one = client.evals.runs.output_items.retrieve(items[0]["id"], eval_id=created.id, run_id=run_id).model_dump(by_alias=True) \
        if items else None
    passing = [i.id for i in client.evals.runs.output_items.list(run_id, eval_id=created.id, status="pass")]
    seen["runs"].append({"run": run.model_dump(by_alias=True), "output_items": items, "pages": pages, "retrieved": one,
                         "passing_ids": passing})

seen["listed_runs"] = [r.id for r in client.evals.runs.list(created.id)]
seen["retrieved_eval"] = client.evals.retrieve(created.id).model_dump(by_alias=True)
print(json.dumps(seen))
