// Bad requests get vLLM's status codes and error bodies, and never stop the server serving.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { contentEvents, postJson, rawExchange, request, sleep, streamSse } from './lib/http.mjs';
import { parsePrometheus } from './lib/prom.mjs';
import { startSimFor, tokenIds } from './lib/sim.mjs';

// vLLM's error body: {"error":{"message","type","param","code"}} with code == HTTP status.
function assertErrorBody(res, status) {
  assert.equal(res.status, status, res.text);
  const error = res.json?.error;
  assert.ok(error && typeof error === 'object', `error body expected, got ${res.text}`);
  assert.equal(typeof error.message, 'string');
  assert.ok(error.message.length > 0);
  assert.equal(typeof error.type, 'string');
  assert.ok('param' in error, 'error.param is present (null when no field is to blame)');
  assert.equal(error.code, status);
  return error;
}

async function assertServes(url) {
  const res = await postJson(`${url}/v1/completions`, { model: 'sim', prompt: 'still alive?', max_tokens: 3, ignore_eos: true });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.usage.completion_tokens, 3);
}

test('malformed requests get 4xx answers and the server keeps serving', async (t) => {
  const sim = await startSimFor(t, ['--profile', 'instant', '--max-model-len', '64']);
  const completions = `${sim.url}/v1/completions`;
  const chat = `${sim.url}/v1/chat/completions`;

  await t.test('invalid JSON -> 400', async () => {
    const res = await request(completions, { method: 'POST', body: '{"model": "sim", "prompt": ', headers: { 'content-type': 'application/json' } });
    assertErrorBody(res, 400);
  });

  await t.test('a JSON array body -> 400', async () => {
    assertErrorBody(await postJson(completions, '[1, 2, 3]'), 400);
    assertErrorBody(await postJson(chat, '[]'), 400);
  });

  await t.test('max_tokens -5 -> 400 naming max_tokens', async () => {
    const error = assertErrorBody(await postJson(completions, { model: 'sim', prompt: 'hi', max_tokens: -5 }), 400);
    assert.ok(error.message.includes('max_tokens') || error.param === 'max_tokens', JSON.stringify(error));
  });

  await t.test('max_tokens "ten" -> 400', async () => {
    const error = assertErrorBody(await postJson(completions, { model: 'sim', prompt: 'hi', max_tokens: 'ten' }), 400);
    assert.ok(error.message.includes('max_tokens') || error.param === 'max_tokens', JSON.stringify(error));
  });

  await t.test('chat without messages -> 400', async () => {
    assertErrorBody(await postJson(chat, { model: 'sim', max_tokens: 3 }), 400);
  });

  await t.test('completions without prompt -> 400', async () => {
    assertErrorBody(await postJson(completions, { model: 'sim', max_tokens: 3 }), 400);
  });

  await t.test('a prompt longer than --max-model-len -> 400 "maximum context length"', async () => {
    const error = assertErrorBody(await postJson(completions, { model: 'sim', prompt: tokenIds(100, 9) }), 400);
    assert.match(error.message, /maximum context length/);
    assert.match(error.message, /\b64\b/, 'the message names the limit');
    // Streaming requests are refused the same way, before any stream begins.
    const streamed = await postJson(completions, { model: 'sim', prompt: tokenIds(100, 9), stream: true });
    assertErrorBody(streamed, 400);
  });

  await t.test('a 40 MiB body -> 413', async () => {
    const size = 40 << 20;
    const head = `POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1:${sim.port}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${size}\r\n\r\n`;
    const piece = Buffer.alloc(1 << 20, 0x20);  // spaces: valid JSON whitespace
    const chunks = Array.from({ length: 40 }, () => piece);
    const r = await rawExchange(sim.port, head, chunks, {
      timeoutMs: 30_000,
      stopWhen: (text) => /\r\n\r\n/.test(text) && /^HTTP\/1\.[01] \d{3}/.test(text),
    });
    assert.equal(r.timedOut, false, 'the server answered (or closed) instead of hanging');
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(r.response)?.[1];
    assert.equal(status, '413', `expected a 413 status line, got ${JSON.stringify(r.response.slice(0, 200))} (write error: ${r.writeError?.code})`);
  });

  await t.test('unknown route -> 404', async () => {
    const res = await request(`${sim.url}/v2/foo`);
    assert.equal(res.status, 404);
  });

  await t.test('GET on a POST route -> 405', async () => {
    const res = await request(completions);
    assert.equal(res.status, 405);
    const chatGet = await request(chat);
    assert.equal(chatGet.status, 405);
  });

  await t.test('after all of that a normal request still succeeds', async () => {
    await assertServes(sim.url);
    const res = await streamSse(chat, {
      model: 'sim', messages: [{ role: 'user', content: 'ok?' }], max_tokens: 4, ignore_eos: true, stream: true,
    });
    assert.equal(res.status, 200, res.text);
    assert.ok(res.done);
    assert.equal(contentEvents(res).length, 4);
  });
});

test('a full waiting queue answers 429', async (t) => {
  const sim = await startSimFor(t, ['--max-num-seqs', '1', '--max-waiting', '1', '--time-scale', '1']);
  const completions = `${sim.url}/v1/completions`;
  const longBody = { model: 'sim', prompt: tokenIds(256, 77), max_tokens: 3000, ignore_eos: true, stream: true };
  const cancel = new AbortController();
  t.after(() => cancel.abort());

  // First request: running. Wait for its first token so it has left the queue.
  const first = streamSse(completions, longBody, { timeoutMs: 60_000, signal: cancel.signal });
  first.catch(() => {});  // settled below; rejects once we cancel it
  // Second: waits behind it. Started only once the first is running (observed via /metrics).
  let running = false;
  for (let i = 0; i < 200 && !running; i++) {
    const m = parsePrometheus((await request(`${sim.url}/metrics`)).text);
    running = m.value('vllm:num_requests_running', { model_name: 'sim' }) === 1;
    if (!running) await sleep(10);
  }
  assert.ok(running, 'the first request is running');
  const second = streamSse(completions, { ...longBody, prompt: tokenIds(256, 78) }, { timeoutMs: 60_000, signal: cancel.signal });
  second.catch(() => {});
  let waiting = false;
  for (let i = 0; i < 200 && !waiting; i++) {
    const m = parsePrometheus((await request(`${sim.url}/metrics`)).text);
    waiting = m.value('vllm:num_requests_waiting', { model_name: 'sim' }) === 1;
    if (!waiting) await sleep(10);
  }
  assert.ok(waiting, 'the second request is waiting');

  const third = await postJson(completions, { model: 'sim', prompt: 'no room', max_tokens: 3 });
  assertErrorBody(third, 429);

  // Cancel the long ones; the server frees the slot and serves again.
  cancel.abort();
  await Promise.allSettled([first, second]);
  let served = false;
  for (let i = 0; i < 100 && !served; i++) {
    const m = parsePrometheus((await request(`${sim.url}/metrics`)).text);
    served = m.value('vllm:num_requests_running', { model_name: 'sim' }) === 0 &&
      m.value('vllm:num_requests_waiting', { model_name: 'sim' }) === 0;
    if (!served) await sleep(20);
  }
  assert.ok(served, 'cancelled requests leave the engine');
  await assertServes(sim.url);
});
