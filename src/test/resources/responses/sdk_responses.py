"""Drives the Responses API with the official OpenAI Python SDK, unchanged, as a user would, and prints what it saw
as one JSON object.

usage: sdk_responses.py <base_url> <text-mix> <tool-mix>
"""
import json
import sys

import openai
from openai import OpenAI

base_url, text_mix, tool_mix = sys.argv[1], sys.argv[2], sys.argv[3]
client = OpenAI(base_url=base_url, api_key="unused-locally", max_retries=0)
seen = {}

# A plain answer.
plain = client.responses.create(model=text_mix, input="Say hello", instructions="Be brief.",
                                metadata={"suite": "moa"})
seen["plain"] = {"id": plain.id, "status": plain.status, "output_text": plain.output_text,
                 "usage": plain.usage.model_dump(), "metadata": plain.metadata}

# Streamed, through the SDK's own stream helper (it rebuilds the response from the events and checks them).
with client.responses.stream(model=text_mix, input=[{"role": "user", "content": "Stream it"}]) as stream:
    types = []
    deltas = []
    for event in stream:
        types.append(event.type)
        if event.type == "response.output_text.delta":
            deltas.append(event.delta)
    final = stream.get_final_response()
seen["stream"] = {"types": types, "deltas": deltas, "output_text": final.output_text, "id": final.id,
                  "usage": final.usage.model_dump()}

# A function-tool loop: the model calls the tool, we run it and send the result with previous_response_id.
tools = [{"type": "function", "name": "get_weather", "description": "The current weather in a city.",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"],
                         "additionalProperties": False},
          "strict": True}]
first = client.responses.create(model=tool_mix, input="What is the weather in Paris?", tools=tools)
calls = [item for item in first.output if item.type == "function_call"]
results = []
for call in calls:
    city = json.loads(call.arguments)["city"]
    results.append({"type": "function_call_output", "call_id": call.call_id, "output": city + ": 21 C, sunny"})
second = client.responses.create(model=tool_mix, previous_response_id=first.id, input=results, tools=tools)
seen["tools"] = {"first_status": first.status, "calls": [c.model_dump() for c in calls],
                 "answer": second.output_text, "second_previous": second.previous_response_id}

# Stored responses: retrieve, input items, delete; store=false keeps nothing.
retrieved = client.responses.retrieve(first.id)
items = client.responses.input_items.list(second.id)
seen["stored"] = {"retrieved_id": retrieved.id, "retrieved_output": retrieved.output[0].type,
                  "input_items": [item.model_dump() for item in items.data]}
client.responses.delete(second.id)
try:
    client.responses.retrieve(second.id)
    seen["after_delete"] = "still there"
except openai.NotFoundError as e:
    seen["after_delete"] = e.status_code
unstored = client.responses.create(model=text_mix, input="Forget me", store=False)
try:
    client.responses.retrieve(unstored.id)
    seen["unstored"] = "kept"
except openai.NotFoundError as e:
    seen["unstored"] = e.status_code
try:
    client.responses.create(model=text_mix, input="continue", previous_response_id=second.id)
    seen["deleted_previous"] = "accepted"
except openai.NotFoundError as e:
    seen["deleted_previous"] = e.status_code

# A refused request: a built-in tool, answered with a 400 naming the field.
try:
    client.responses.create(model=text_mix, input="search", tools=[{"type": "web_search"}])
    seen["web_search"] = "accepted"
except openai.BadRequestError as e:
    seen["web_search"] = {"status": e.status_code, "param": e.body.get("param") if isinstance(e.body, dict) else None}

print(json.dumps(seen))
