"""Drives the Batch API with the official OpenAI Python SDK, as a user would, and prints what it saw as JSON.

usage: sdk_batch.py <base_url> <input.jsonl> [cancel-after-lines]
"""
import json
import sys
import time

from openai import OpenAI

base_url, path = sys.argv[1], sys.argv[2]
client = OpenAI(base_url=base_url, api_key="unused-locally", max_retries=0)

uploaded = client.files.create(file=open(path, "rb"), purpose="batch")
assert uploaded.purpose == "batch", uploaded
assert client.files.retrieve(uploaded.id).id == uploaded.id
batch = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions",
                              completion_window="24h", metadata={"suite": "moa"})
seen = [batch.status]
# Polling is how the SDK's users wait for a batch: a status condition, bounded.
deadline = time.monotonic() + 600
while batch.status not in ("completed", "failed", "cancelled", "expired"):
    if time.monotonic() > deadline:
        raise SystemExit("batch did not end: " + batch.model_dump_json())
    time.sleep(0.05)
    batch = client.batches.retrieve(batch.id)
    if batch.status != seen[-1]:
        seen.append(batch.status)


def lines(file_id):
    if file_id is None:
        return []
    return [json.loads(line) for line in client.files.content(file_id).text.splitlines()]


listed = [b.id for b in client.batches.list(limit=100)]
print(json.dumps({
    "batch": batch.model_dump(),
    "statuses": seen,
    "listed": batch.id in listed,
    "output": lines(batch.output_file_id),
    "errors": lines(batch.error_file_id),
    "output_file": client.files.retrieve(batch.output_file_id).model_dump() if batch.output_file_id else None,
}))
