// Baseline for bench/http_streams: the `openai` npm package (Node) driving the same load —
// W waves of N concurrent streaming completions against the same local server, one client for
// all waves. Prints one JSON array, one entry per wave, each with this process's CPU time
// (user + system) spent from the wave's first request to its last byte.
// Usage: node http_streams_npm.mjs BASE_URL MODEL N [W=1]   (needs `npm install openai@6` beside it)
import OpenAI from 'openai';

const [baseURL, model, n] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const waves = Number(process.argv[5] ?? 1);
const client = new OpenAI({ baseURL, apiKey: 'bench-key', maxRetries: 0, timeout: 600000 });

async function one(i) {
  const stream = await client.completions.create({
    model, prompt: 'bench ' + i, max_tokens: 100000, stream: true,
    stream_options: { include_usage: true },
  });
  let pieces = 0, tokens = 0;
  for await (const chunk of stream) {
    if (chunk.choices.length > 0 && chunk.choices[0].text) pieces++;
    if (chunk.usage) tokens = chunk.usage.completion_tokens;
  }
  return { pieces, tokens };
}

const out = [];
for (let w = 0; w < waves; w++) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const results = await Promise.all(Array.from({ length: n }, (_, i) => one(i)));
  const cpu = process.cpuUsage(cpu0);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const tokens = results.reduce((s, r) => s + r.tokens, 0);
  const pieces = results.reduce((s, r) => s + r.pieces, 0);
  out.push({ cpu_us: cpu.user + cpu.system, tokens, pieces, requests: n, wall_s: wall });
}
console.log(JSON.stringify(out));
