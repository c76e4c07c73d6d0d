"""Streams one chat completion with the official OpenAI Python SDK and prints each content fragment as it arrives,
one JSON line per fragment ({"content": ...}), then {"done": true}. Used by ServerStreamingIT; also a manual check:

    python3 src/test/python/stream_chat.py http://localhost:8080/v1 <client key or anything> <mix>
"""
import json
import sys

from openai import OpenAI

base_url, api_key, model = sys.argv[1:4]
client = OpenAI(base_url=base_url, api_key=api_key, max_retries=0)
stream = client.chat.completions.create(model=model, stream=True, stream_options={"include_usage": True},
                                        messages=[{"role": "user", "content": "Hi"}])
for chunk in stream:
    for choice in chunk.choices:
        if choice.delta.content:
            print(json.dumps({"content": choice.delta.content}), flush=True)
    if chunk.usage is not None:
        print(json.dumps({"usage": chunk.usage.total_tokens}), flush=True)
print(json.dumps({"done": True}), flush=True)
