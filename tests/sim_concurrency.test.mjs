// Many streams at once on the zero-latency profile: every one completes, with its own correct
// usage and no cross-talk between responses.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { contentEvents, eventText, sleep, streamSse, usageEvent } from './lib/http.mjs';
import { startSimFor, tokenIds } from './lib/sim.mjs';

test('64 concurrent streaming completions all complete with correct usage', async (t) => {
  const sim = await startSimFor(t, ['--profile', 'instant']);
  const n = 64;
  const requests = Array.from({ length: n }, (_, i) => ({
    promptLen: 10 + i,
    maxTokens: 16 + (i % 17),
  }));
  const results = await Promise.all(requests.map((r, i) => streamSse(`${sim.url}/v1/completions`, {
    model: 'sim', prompt: tokenIds(r.promptLen, 500 + i), max_tokens: r.maxTokens, ignore_eos: true, stream: true,
    stream_options: { include_usage: true },
  }, { timeoutMs: 60_000 })));

  const ids = new Set();
  results.forEach((res, i) => {
    const want = requests[i];
    assert.equal(res.status, 200, `request ${i}: ${res.text}`);
    assert.equal(res.error, null, `request ${i}: ${res.error}`);
    assert.ok(res.done, `request ${i} ends with [DONE]`);
    assert.equal(res.eventsAfterDone, 0);
    for (const e of res.events) if (e.data !== '[DONE]') assert.equal(e.parseError, null, e.data);
    const content = contentEvents(res);
    assert.equal(content.length, want.maxTokens, `request ${i} token events`);
    assert.ok(content.every((e) => eventText(e.json).length > 0));
    const chunkIds = new Set(res.events.filter((e) => e.json).map((e) => e.json.id));
    assert.equal(chunkIds.size, 1, `request ${i}: all chunks share one id`);
    ids.add([...chunkIds][0]);
    const usage = usageEvent(res)?.json.usage;
    assert.ok(usage, `request ${i} has a usage chunk`);
    assert.equal(usage.prompt_tokens, want.promptLen);
    assert.equal(usage.completion_tokens, want.maxTokens);
    assert.equal(usage.total_tokens, want.promptLen + want.maxTokens);
  });
  assert.equal(ids.size, n, 'every response has its own id');
});

// The zero-time profile keeps every stream's socket busy (the engine outruns the client), so the
// signal lands while responses are queued for writing.
test('SIGTERM with streams in flight: the simulator exits 0 promptly and the streams end', async (t) => {
  const sim = await startSimFor(t, ['--profile', 'instant']);
  const streams = Array.from({ length: 4 }, (_, i) => streamSse(`${sim.url}/v1/completions`, {
    model: 'sim', prompt: `long answer ${i}`, max_tokens: 200_000, ignore_eos: true, stream: true,
  }, { timeoutMs: 20_000 }));
  for (const s of streams) s.catch(() => {});  // awaited below
  await sleep(300);  // every stream has started and is mid-way
  const exit = await sim.stop();
  assert.equal(exit.killed, undefined, 'exits within 5 s of SIGTERM');
  assert.equal(exit.code, 0, `exit status ${JSON.stringify(exit)} (see the [sim] stderr above)`);
  const results = await Promise.all(streams);
  for (const r of results) {
    assert.equal(r.status, 200);
    assert.equal(r.timedOut, false, 'the stream ended when the server went away');
    assert.ok(contentEvents(r).length >= 1);
    assert.equal(r.done, false, 'a cut stream has no [DONE]');
  }
});
