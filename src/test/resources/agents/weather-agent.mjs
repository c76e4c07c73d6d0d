// Agent loops of the OpenAI Agents SDK for JavaScript, unchanged, against a mix:
//   node weather-agent.mjs <base URL ending in /v1> <mix name> [<mix name for the structured report> [<api>]]
// <api> is the OpenAI API the SDK speaks: chat_completions (the default here) or responses (the SDK's own default).
// The agent has one function tool; the SDK calls the model, runs the tool the model asks for, sends the result
// back and takes the final output. With a second mix name, a second agent does the same with a JSON-schema
// output type (the SDK sends response_format json_schema, strict, and parses the answer).
// Prints one JSON line: {"finalOutput", "report", "toolCalls"}.
import OpenAI from 'openai';
import { Agent, run, tool, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled } from '@openai/agents';

const [baseURL, model, reportModel, api = 'chat_completions'] = process.argv.slice(2);
setTracingDisabled(true); // traces would go to OpenAI's servers
setOpenAIAPI(api); // a mix speaks both
setDefaultOpenAIClient(new OpenAI({ baseURL, apiKey: process.env.MOA_CLIENT_KEY ?? 'unused-locally', maxRetries: 0 }));

const toolCalls = [];
const getWeather = tool({
  name: 'get_weather',
  description: 'The current weather in a city.',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
  execute: async ({ city }) => {
    toolCalls.push(city);
    return `${city}: 21 C, sunny`;
  },
});

const agent = new Agent({
  name: 'Weather',
  instructions: 'Answer questions about the weather; use get_weather for current conditions.',
  model,
  tools: [getWeather],
});
const result = await run(agent, 'What is the weather in Paris?');

let report = null;
if (reportModel) {
  const reporter = new Agent({
    name: 'WeatherReport',
    instructions: 'Report the weather as JSON; use get_weather for current conditions.',
    model: reportModel,
    tools: [getWeather],
    outputType: {
      type: 'json_schema',
      name: 'weather_report',
      strict: true,
      schema: {
        type: 'object',
        properties: { city: { type: 'string' }, summary: { type: 'string' } },
        required: ['city', 'summary'],
        additionalProperties: false,
      },
    },
  });
  report = (await run(reporter, 'Weather report for Paris, please.')).finalOutput;
}
console.log(JSON.stringify({ finalOutput: result.finalOutput, report, toolCalls }));
