"""The official anthropic SDK, unchanged, against the function: prints one JSON object with what each call returned.

The SDK builds its answer objects without validating them (a missing required field goes unnoticed), so this script
also validates every raw body and every streamed event with the SDK's own pydantic types: a whole answer as
anthropic.types.Message, each event as anthropic.types.RawMessageStreamEvent (ping events exactly {"type": "ping"}),
count_tokens as MessageTokensCount, an error as ErrorResponse. A body or event that does not validate ends the
script with pydantic's error.

usage: sdk_messages.py BASE_URL PLAIN_MIX STREAM_MIX TOOL_MIX
"""
import json
import sys

import anthropic
import pydantic
from anthropic.types import ErrorResponse, Message, MessageTokensCount, RawMessageStreamEvent

base_url, plain_mix, stream_mix, tool_mix = sys.argv[1:5]
client = anthropic.Anthropic(base_url=base_url, api_key="sk-ant-test", max_retries=0)
EVENT = pydantic.TypeAdapter(RawMessageStreamEvent)
out = {}


def validated(raw):
    """The raw JSON of a whole answer (a with_raw_response result), validated strictly as a Message."""
    body = raw.http_response.json()
    Message.model_validate(body)
    return body


def validated_events(**params):
    """A streamed answer read as raw SSE lines, every event validated strictly: the list of events."""
    events = []
    with client.messages.with_streaming_response.create(stream=True, **params) as response:
        name = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: "):
                data = json.loads(line[len("data: "):])
                if data.get("type") != name:
                    raise AssertionError(f"event {name} carries type {data.get('type')}")
                if name == "ping":
                    if data != {"type": "ping"}:
                        raise AssertionError(f"not a ping: {data}")
                elif name == "error":
                    raise AssertionError(f"an error event: {data}")
                else:
                    EVENT.validate_python(data)
                events.append(data)
    return events


# messages.create: a whole answer
raw = client.messages.with_raw_response.create(
    model=plain_mix, max_tokens=256, system=[{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
    messages=[{"role": "user", "content": "Hello"}], metadata={"user_id": "u-1"},
    # this SDK version has no sampling keywords; the API still takes them
    extra_body={"temperature": 0.5, "top_k": 40})
out["create"] = validated(raw)

# messages.stream: the text as it arrives, and the SDK's accumulated message
with client.messages.stream(model=stream_mix, max_tokens=256,
                            messages=[{"role": "user", "content": "Stream please"}]) as stream:
    out["stream_text"] = [text for text in stream.text_stream]
    out["stream_final"] = stream.get_final_message().model_dump(mode="json")
# the same stream's events as they came, each one validated
out["stream_events"] = validated_events(model=stream_mix, max_tokens=256,
                                        messages=[{"role": "user", "content": "Stream please"}])

# a tool_use -> tool_result loop
tools = [{"name": "get_weather", "description": "The weather in a city.",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
history = [{"role": "user", "content": "Weather in Paris?"}]
raw = client.messages.with_raw_response.create(model=tool_mix, max_tokens=256, tools=tools, messages=history)
out["tool_first"] = validated(raw)
first = raw.parse()
history.append({"role": "assistant", "content": [block.model_dump(mode="json", exclude_none=True) for block in first.content]})
results = [{"type": "tool_result", "tool_use_id": block.id, "content": [{"type": "text", "text": "21 C and sunny"}]}
           for block in first.content if block.type == "tool_use"]
history.append({"role": "user", "content": results})
out["tool_second"] = validated(client.messages.with_raw_response.create(model=tool_mix, max_tokens=256, tools=tools,
                                                                        messages=history))

# the same loop, streamed
with client.messages.stream(model=tool_mix, max_tokens=256, tools=tools,
                            messages=[{"role": "user", "content": "Weather in Paris?"}]) as stream:
    out["tool_stream_final"] = stream.get_final_message().model_dump(mode="json")
out["tool_stream_events"] = validated_events(model=tool_mix, max_tokens=256, tools=tools,
                                             messages=[{"role": "user", "content": "Weather in Paris?"}])

# count_tokens
raw = client.messages.with_raw_response.count_tokens(model=plain_mix, messages=[{"role": "user", "content": "Hello there"}],
                                                     system="Be brief.", tools=tools)
out["count"] = MessageTokensCount.model_validate(raw.http_response.json()).model_dump(mode="json")

# a bad request: the SDK raises its typed error from our Anthropic error object
try:
    client.messages.create(model="no-such-mix", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    out["not_found"] = None
except anthropic.NotFoundError as e:
    ErrorResponse.model_validate(e.body)
    out["not_found"] = {"status": e.status_code, "body": e.body}

print(json.dumps(out))
