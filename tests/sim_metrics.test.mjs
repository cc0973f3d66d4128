// GET /metrics after known traffic: vLLM's metric names, types and labels, exact counters,
// consistent histograms, and prefix-cache accounting. Default (H100, Llama-3-8B) profile, run
// twenty times faster than real time.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { postJson, request, streamSse, contentEvents, usageEvent } from './lib/http.mjs';
import { parsePrometheus } from './lib/prom.mjs';
import { startSimFor, tokenIds } from './lib/sim.mjs';

const kSimArgs = ['--time-scale', '0.05'];
const model = { model_name: 'sim' };

async function scrape(url) {
  const res = await request(`${url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
  return parsePrometheus(res.text);
}

function checkHistogram(m, name, expectedCount) {
  assert.equal(m.typeOf(`${name}_bucket`), 'histogram', `${name} is declared a histogram`);
  const h = m.histogram(name, model);
  assert.equal(h.count, expectedCount, `${name}_count`);
  assert.ok(h.buckets.length >= 2, `${name} has buckets`);
  for (let i = 1; i < h.buckets.length; i++) {
    assert.ok(h.buckets[i].value >= h.buckets[i - 1].value, `${name} buckets are cumulative (le=${h.buckets[i].le})`);
  }
  const inf = h.buckets.at(-1);
  assert.equal(inf.le, Infinity, `${name} ends with le="+Inf"`);
  assert.equal(inf.value, h.count, `${name} +Inf bucket equals _count`);
  assert.ok(h.sum >= 0 && Number.isFinite(h.sum), `${name}_sum`);
  return h;
}

test('/metrics after six streamed completions', async (t) => {
  const sim = await startSimFor(t, kSimArgs);
  const before = await scrape(sim.url);
  for (const name of ['vllm:num_requests_running', 'vllm:num_requests_waiting', 'vllm:kv_cache_usage_perc']) {
    assert.equal(before.typeOf(name), 'gauge', `${name} is a gauge`);
    assert.equal(before.value(name, model), 0, `${name} is 0 when idle`);
  }

  const lengths = [17, 23, 31, 40, 5, 50];
  const results = await Promise.all(lengths.map((n, i) => streamSse(`${sim.url}/v1/completions`, {
    model: 'sim', prompt: tokenIds(n, 100 + i), max_tokens: 8, ignore_eos: true, stream: true,
    stream_options: { include_usage: true },
  })));
  results.forEach((r, i) => {
    assert.equal(r.status, 200, r.text);
    assert.ok(r.done, `request ${i} ends with [DONE]`);
    assert.equal(contentEvents(r).length, 8);
    const usage = usageEvent(r).json.usage;
    assert.equal(usage.prompt_tokens, lengths[i]);
    assert.equal(usage.completion_tokens, 8);
  });
  const promptSum = lengths.reduce((a, b) => a + b, 0);

  const m = await scrape(sim.url);
  for (const name of ['vllm:num_requests_running', 'vllm:num_requests_waiting', 'vllm:kv_cache_usage_perc']) {
    assert.equal(m.typeOf(name), 'gauge', `${name} is a gauge`);
  }
  assert.equal(m.value('vllm:num_requests_running', model), 0);
  assert.equal(m.value('vllm:num_requests_waiting', model), 0);
  const kv = m.value('vllm:kv_cache_usage_perc', model);
  assert.ok(kv >= 0 && kv <= 1, `kv_cache_usage_perc ${kv} is a fraction`);

  for (const name of ['vllm:prompt_tokens_total', 'vllm:generation_tokens_total', 'vllm:request_success_total',
    'vllm:prefix_cache_queries_total', 'vllm:prefix_cache_hits_total', 'vllm:num_preemptions_total']) {
    assert.equal(m.typeOf(name), 'counter', `${name} is a counter`);
  }
  assert.equal(m.value('vllm:prompt_tokens_total', model), promptSum);
  assert.equal(m.value('vllm:generation_tokens_total', model), 48);
  assert.equal(m.value('vllm:request_success_total', { ...model, finished_reason: 'length' }), 6);
  assert.equal(m.sum('vllm:request_success_total', { ...model, finished_reason: 'stop' }), 0);
  assert.equal(m.value('vllm:prefix_cache_queries_total', model), promptSum);
  assert.equal(m.value('vllm:num_preemptions_total', model), 0);

  checkHistogram(m, 'vllm:time_to_first_token_seconds', 6);
  checkHistogram(m, 'vllm:inter_token_latency_seconds', 6 * 7);
  checkHistogram(m, 'vllm:e2e_request_latency_seconds', 6);
  checkHistogram(m, 'vllm:request_queue_time_seconds', 6);

  // Every vllm: sample carries the model_name and engine labels.
  const vllm = m.samples.filter((s) => s.name.startsWith('vllm:'));
  assert.ok(vllm.length > 20);
  for (const s of vllm) {
    assert.equal(s.labels.model_name, 'sim', `${s.name} has model_name="sim"`);
    assert.ok('engine' in s.labels, `${s.name} has an engine label`);
  }
});

test('prefix cache: the same 64-token prompt twice hits the cache the second time', async (t) => {
  const sim = await startSimFor(t, kSimArgs);
  const prompt = tokenIds(64, 4242);
  const body = { model: 'sim', prompt, max_tokens: 4, ignore_eos: true };

  const first = await postJson(`${sim.url}/v1/completions`, body);
  assert.equal(first.status, 200, first.text);
  assert.equal(first.json.usage.prompt_tokens, 64);
  assert.equal(first.json.usage.prompt_tokens_details?.cached_tokens ?? 0, 0, 'nothing cached on first sight');
  const between = await scrape(sim.url);
  const hitsBefore = between.value('vllm:prefix_cache_hits_total', model);
  const queriesBefore = between.value('vllm:prefix_cache_queries_total', model);
  assert.equal(queriesBefore, 64);

  const second = await postJson(`${sim.url}/v1/completions`, body);
  assert.equal(second.status, 200, second.text);
  const cached = second.json.usage.prompt_tokens_details?.cached_tokens;
  assert.ok(cached >= 48 && cached < 64, `cached_tokens ${cached} should be the full 16-token blocks (>= 48, < 64)`);
  const end = await scrape(sim.url);
  assert.equal(end.value('vllm:prefix_cache_queries_total', model), 128);
  const hits = end.value('vllm:prefix_cache_hits_total', model);
  assert.ok(hits > hitsBefore, 'prefix_cache_hits_total increased');
  assert.equal(hits - hitsBefore, cached, 'hits_total grew by the cached tokens reported in usage');
});
