// Injected faults (--fault, seeded by --seed), each checked from a raw client's point of view.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { contentEvents, postJson, streamSse, usageEvent } from './lib/http.mjs';
import { startSimFor } from './lib/sim.mjs';

const streamBody = (maxTokens = 20) => ({
  model: 'sim',
  prompt: 'Faults are a fact of life',
  max_tokens: maxTokens,
  ignore_eos: true,
  stream: true,
  stream_options: { include_usage: true },
});

test('error:503:1 answers HTTP 503 with vLLM\'s error body', async (t) => {
  const sim = await startSimFor(t, ['--profile', 'instant', '--fault', 'error:503:1']);
  for (const stream of [false, true]) {
    const body = { ...streamBody(5), stream };
    if (!stream) delete body.stream_options;  // vLLM refuses stream_options without stream
    const res = await postJson(`${sim.url}/v1/completions`, body);
    assert.equal(res.status, 503, `stream=${stream}: ${res.text}`);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const error = res.json?.error;
    assert.ok(error, `body has an error object: ${res.text}`);
    assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'param', 'type']);
    assert.equal(typeof error.message, 'string');
    assert.ok(error.message.length > 0);
    assert.equal(typeof error.type, 'string');
    assert.equal(error.code, 503);
  }
});

test('abort:1 closes the stream mid-way without [DONE]', async (t) => {
  const sim = await startSimFor(t, ['--profile', 'fixed', '--ttft-ms', '5', '--itl-ms', '2', '--fault', 'abort:1']);
  const r = await streamSse(`${sim.url}/v1/completions`, streamBody(50), { timeoutMs: 10_000 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.timedOut, false, 'the stream ended by itself, not by our timeout');
  assert.equal(r.done, false, 'no data: [DONE] on an aborted stream');
  assert.ok(contentEvents(r).length >= 1, 'at least one token arrived before the disconnect');
  assert.ok(contentEvents(r).length < 50, 'the stream was cut before its end');
  assert.equal(usageEvent(r), undefined, 'no usage chunk on an aborted stream');

  // The server keeps serving after an abort (a fresh connection, the next request also aborts).
  const again = await streamSse(`${sim.url}/v1/completions`, streamBody(50), { timeoutMs: 10_000 });
  assert.equal(again.status, 200);
  assert.equal(again.done, false);
});

test('stall:400:1 pauses the stream for about 400 ms, then completes', async (t) => {
  const sim = await startSimFor(t, ['--profile', 'fixed', '--ttft-ms', '10', '--itl-ms', '5', '--fault', 'stall:400:1']);
  const r = await streamSse(`${sim.url}/v1/completions`, streamBody(20), { timeoutMs: 10_000 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.error, null, `stream failed: ${r.error}`);
  assert.ok(r.done, 'the stalled stream still ends with [DONE]');
  assert.equal(contentEvents(r).length, 20);
  assert.equal(usageEvent(r)?.json.usage.completion_tokens, 20);
  const times = r.events.map((e) => e.t);
  const gaps = times.slice(1).map((t2, i) => t2 - times[i]);
  const longest = Math.max(...gaps);
  t.diagnostic(`longest gap ${longest.toFixed(1)} ms`);
  assert.ok(longest >= 350, `some inter-event gap must be >= 350 ms, the longest was ${longest} ms`);
});

test('malformed:1 sends an unparsable data payload and still ends with [DONE]', async (t) => {
  const sim = await startSimFor(t, ['--profile', 'instant', '--fault', 'malformed:1']);
  for (const path of ['/v1/completions', '/v1/chat/completions']) {
    const body = path.includes('chat')
      ? { ...streamBody(20), prompt: undefined, messages: [{ role: 'user', content: 'hi' }] }
      : streamBody(20);
    const r = await streamSse(`${sim.url}${path}`, body, { timeoutMs: 10_000 });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.error, null, `stream failed: ${r.error}`);
    const bad = r.events.filter((e) => e.parseError);
    assert.ok(bad.length >= 1, `${path}: some data payload must fail JSON.parse`);
    assert.ok(r.done, `${path}: the stream still ends with [DONE]`);
  }
});

test('drip:1 trickles the bytes in many small reads that reassemble into valid events', async (t) => {
  const sim = await startSimFor(t, ['--profile', 'instant', '--fault', 'drip:1']);
  const r = await streamSse(`${sim.url}/v1/completions`, streamBody(20), { timeoutMs: 20_000 });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.error, null, `stream failed: ${r.error}`);
  t.diagnostic(`${r.reads.length} reads`);
  assert.ok(r.reads.length >= 20, `expected >= 20 reads, got ${r.reads.length}`);
  for (const e of r.events) {
    if (e.data !== '[DONE]') assert.equal(e.parseError, null, `event reassembled from drips parses: ${e.data}`);
  }
  assert.equal(contentEvents(r).length, 20);
  assert.equal(usageEvent(r)?.json.usage.completion_tokens, 20);
  assert.ok(r.done);
  assert.equal(r.tail, '', 'no partial event left over');
});

async function statusSequence(t, count) {
  const sim = await startSimFor(t, ['--profile', 'instant', '--fault', 'error:500:0.3', '--seed', '7']);
  const statuses = [];
  for (let i = 0; i < count; i++) {
    const res = await postJson(`${sim.url}/v1/completions`, {
      model: 'sim', prompt: `request ${i}`, max_tokens: 4, ignore_eos: true,
    });
    assert.ok(res.status === 200 || res.status === 500, `unexpected status ${res.status}: ${res.text}`);
    if (res.status === 500) assert.equal(res.json?.error?.code, 500);
    else assert.equal(res.json.usage.completion_tokens, 4);
    statuses.push(res.status);
  }
  await sim.stop();
  return statuses;
}

test('error:500:0.3 --seed 7: about 30% failures, the same sequence on every run', async (t) => {
  const first = await statusSequence(t, 100);
  const failures = first.filter((s) => s === 500).length;
  t.diagnostic(`${failures} of 100 failed`);
  assert.ok(failures >= 15 && failures <= 45, `${failures} 500s out of 100 with rate 0.3`);
  const second = await statusSequence(t, 100);
  assert.deepEqual(second, first, 'same seed, same order: identical statuses');
});
