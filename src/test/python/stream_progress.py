"""Streams one chat completion with progress events ({"moa": {"progress": true}}) through the official OpenAI Python
SDK and prints what the SDK parsed, one JSON line per chunk: {"moa": <event>} for a progress chunk (no choices),
{"content": ...} for a fragment, {"finish": ...}, {"usage": ...}; then {"done": true}. Used by ProgressEventsTest.

    python3 src/test/python/stream_progress.py http://localhost:8080/v1 <key> <mix>
"""
import json
import sys

from openai import OpenAI

base_url, api_key, model = sys.argv[1:4]
client = OpenAI(base_url=base_url, api_key=api_key, max_retries=0)
stream = client.chat.completions.create(model=model, stream=True, stream_options={"include_usage": True},
                                        messages=[{"role": "user", "content": "Hi"}],
                                        extra_body={"moa": {"progress": True}})
for chunk in stream:
    extra = chunk.model_extra or {}
    if "moa" in extra and not chunk.choices:
        print(json.dumps({"moa": extra["moa"]}), flush=True)
    for choice in chunk.choices:
        if choice.delta.content:
            print(json.dumps({"content": choice.delta.content}), flush=True)
        if choice.finish_reason:
            print(json.dumps({"finish": choice.finish_reason}), flush=True)
    if chunk.usage is not None:
        print(json.dumps({"usage": chunk.usage.total_tokens}), flush=True)
print(json.dumps({"done": True}), flush=True)
