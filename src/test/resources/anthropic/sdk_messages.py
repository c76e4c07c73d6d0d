"""The official anthropic SDK, unchanged, against the function: prints one JSON object with what each call returned.

usage: sdk_messages.py BASE_URL PLAIN_MIX STREAM_MIX TOOL_MIX
"""
import json
import sys

import anthropic

base_url, plain_mix, stream_mix, tool_mix = sys.argv[1:5]
client = anthropic.Anthropic(base_url=base_url, api_key="sk-ant-test", max_retries=0)
out = {}

# messages.create: a whole answer
message = client.messages.create(
    model=plain_mix, max_tokens=256, system=[{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}],
    messages=[{"role": "user", "content": "Hello"}], metadata={"user_id": "u-1"},
    # this SDK version has no sampling keywords; the API still takes them
    extra_body={"temperature": 0.5, "top_k": 40})
out["create"] = message.model_dump(mode="json")

# messages.stream: the text as it arrives, and the SDK's accumulated message
with client.messages.stream(model=stream_mix, max_tokens=256,
                            messages=[{"role": "user", "content": "Stream please"}]) as stream:
    out["stream_text"] = [text for text in stream.text_stream]
    out["stream_final"] = stream.get_final_message().model_dump(mode="json")

# a tool_use -> tool_result loop
tools = [{"name": "get_weather", "description": "The weather in a city.",
          "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]
history = [{"role": "user", "content": "Weather in Paris?"}]
first = client.messages.create(model=tool_mix, max_tokens=256, tools=tools, messages=history)
out["tool_first"] = first.model_dump(mode="json")
history.append({"role": "assistant", "content": [block.model_dump(mode="json", exclude_none=True) for block in first.content]})
results = [{"type": "tool_result", "tool_use_id": block.id, "content": [{"type": "text", "text": "21 C and sunny"}]}
           for block in first.content if block.type == "tool_use"]
history.append({"role": "user", "content": results})
second = client.messages.create(model=tool_mix, max_tokens=256, tools=tools, messages=history)
out["tool_second"] = second.model_dump(mode="json")

# the same loop, streamed
with client.messages.stream(model=tool_mix, max_tokens=256, tools=tools,
                            messages=[{"role": "user", "content": "Weather in Paris?"}]) as stream:
    out["tool_stream_final"] = stream.get_final_message().model_dump(mode="json")

# count_tokens
out["count"] = client.messages.count_tokens(model=plain_mix, messages=[{"role": "user", "content": "Hello there"}],
                                            system="Be brief.", tools=tools).model_dump(mode="json")

# a bad request: the SDK raises its typed error from our Anthropic error object
try:
    client.messages.create(model="no-such-mix", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    out["not_found"] = None
except anthropic.NotFoundError as e:
    out["not_found"] = {"status": e.status_code, "body": e.body}

print(json.dumps(out))
