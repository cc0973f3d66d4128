// --startup-delay: /health answers at once while completions wait for the "model" to load —
// the trap a readiness probe must handle.
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';

import { contentEvents, request, sleep, streamSse } from './lib/http.mjs';
import { startSimFor } from './lib/sim.mjs';

const body = {
  model: 'sim', prompt: 'cold start', max_tokens: 5, ignore_eos: true, stream: true,
  stream_options: { include_usage: true },
};

// Latency upper bounds are met by one of a few tries (the tests share two cores with compilers);
// the lower bound on the held request's first token holds on every run.
test('--startup-delay 2s: healthy at once, first token only after the delay, fast afterwards', async (t) => {
  const sim = await startSimFor(t, ['--startup-delay', '2s', '--profile', 'fixed', '--ttft-ms', '5', '--itl-ms', '1']);
  const start = sim.listeningAt;

  // Probe /health every 200 ms while the first completion is held.
  const probes = [];
  let coldDone = false;
  const prober = (async () => {
    while (!coldDone && probes.length < 30) {
      const sent = performance.now();
      const res = await request(`${sim.url}/health`, { timeoutMs: 5_000 });
      probes.push({ status: res.status, sent, at: performance.now() });
      await sleep(200);
    }
  })();
  const cold = await streamSse(`${sim.url}/v1/completions`, body, { timeoutMs: 15_000 });
  coldDone = true;
  await prober;

  assert.equal(cold.status, 200, cold.text);
  assert.ok(cold.done);
  const coldContent = contentEvents(cold);
  assert.equal(coldContent.length, 5);
  const firstTokenAt = coldContent[0].t;
  const firstTokenMs = firstTokenAt - start;
  t.diagnostic(`first token ${firstTokenMs.toFixed(1)} ms after the listening line`);
  assert.ok(firstTokenMs >= 1800, `the first token came ${firstTokenMs} ms after start, before the 2 s delay`);
  assert.ok(firstTokenMs <= 5000, `the held request must be served once ready, took ${firstTokenMs} ms`);

  const held = probes.filter((p) => p.at < firstTokenAt);
  t.diagnostic(`health probes during the delay: ${held.map((p) => `${p.status}@${(p.at - start).toFixed(0)}ms`).join(' ')}`);
  assert.ok(probes.every((p) => p.status === 200), 'every /health probe answers 200');
  assert.ok(held.length >= 3, 'several /health probes were answered while the completion was still held');
  const fastest = Math.min(...held.map((p) => p.at - p.sent));
  assert.ok(held[0].at - start < 1500, `the first /health answer came ${held[0].at - start} ms after start`);
  assert.ok(fastest < 500, `/health must answer within 500 ms during the delay, fastest ${fastest} ms`);

  const warmMs = [];
  for (let i = 0; i < 3; i++) {
    const warm = await streamSse(`${sim.url}/v1/completions`, body, { timeoutMs: 5_000 });
    assert.equal(warm.status, 200, warm.text);
    assert.ok(warm.done);
    warmMs.push(contentEvents(warm).at(-1).t - warm.tSend);
    if (warmMs.at(-1) < 500) break;
  }
  assert.ok(Math.min(...warmMs) < 500, `after the delay a completion is fast, took ${warmMs} ms`);
});
