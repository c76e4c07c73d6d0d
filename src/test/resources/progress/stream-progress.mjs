// Streams one chat completion with progress events through the official OpenAI JavaScript SDK and prints what the
// SDK parsed, one JSON line per chunk (as stream_progress.py does). Used by ProgressEventsTest.
import OpenAI from "openai";

const [baseURL, apiKey, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0 });
const stream = await client.chat.completions.create({
  model,
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: "user", content: "Hi" }],
  moa: { progress: true },
});
for await (const chunk of stream) {
  if (chunk.moa && chunk.choices.length === 0) {
    console.log(JSON.stringify({ moa: chunk.moa }));
  }
  for (const choice of chunk.choices) {
    if (choice.delta?.content) console.log(JSON.stringify({ content: choice.delta.content }));
    if (choice.finish_reason) console.log(JSON.stringify({ finish: choice.finish_reason }));
  }
  if (chunk.usage) console.log(JSON.stringify({ usage: chunk.usage.total_tokens }));
}
console.log(JSON.stringify({ done: true }));
