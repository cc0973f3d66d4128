// bench against an independent OpenAI-compatible server: @dwmkerr/mock-llm (npm). It streams chat
// completions as SSE chunks of a fixed number of characters at a fixed interval and sends no
// usage chunk, so bench must count output tokens from the token-carrying chunks.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import { describe, readRunDir, runBench, startMockLlmFor, summaryProblems, tempDirFor } from './lib/bench.mjs';
import { request, streamSse } from './lib/http.mjs';

const kReply = 'The quick brown fox jumps over the lazy dog while the bench counts every chunk.';
const kChunkSize = 8;
const kChunks = Math.ceil(kReply.length / kChunkSize);

// A fixed reply (not the echo default: prompts are not JSON-escaped by its template) and a model list.
const kConfig = `
streaming:
  chunkSize: ${kChunkSize}
  chunkIntervalMs: 5
rules:
  - path: "/v1/chat/completions"
    method: "POST"
    match: "@"
    response:
      status: 200
      content: |
        {
          "id": "chatcmpl-mock-{{timestamp}}",
          "object": "chat.completion",
          "created": 1700000000,
          "model": "{{jmes request body.model}}",
          "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": "${kReply}"},
            "finish_reason": "stop"
          }]
        }
  - path: "/v1/models"
    method: "GET"
    response:
      status: 200
      content: |
        {"object": "list", "data": [{"id": "mock-model", "object": "model", "owned_by": "test"}]}
`;

test('bench --endpoint chat against mock-llm: streamed chunks counted, no errors', async (t) => {
  const mock = await startMockLlmFor(t, kConfig);

  // The mock streams as documented (checked with our own SSE reader first, so a failure below is
  // bench's, not the mock's).
  const models = await request(`${mock.url}/v1/models`);
  assert.equal(models.status, 200, models.text);
  const probe = await streamSse(`${mock.url}/v1/chat/completions`,
    { model: 'mock-model', messages: [{ role: 'user', content: 'hi' }], stream: true }, { timeoutMs: 10_000 });
  assert.equal(probe.status, 200, probe.text);
  assert.ok(probe.done, 'the mock ends its stream with [DONE]');
  assert.equal(probe.events.filter((e) => e.json?.choices?.[0]?.delta?.content).length, kChunks);

  const out = path.join(tempDirFor(t), 'run');
  const result = await runBench([
    '--url', mock.url, '--model', 'mock-model', '--endpoint', 'chat', '--concurrency', '4', '--requests', '16',
    '--isl', '32', '--osl', '64', '--output-dir', out, '--quiet',
  ]);
  assert.equal(result.code, 0, describe(result));
  const run = readRunDir(out);
  assert.deepEqual(summaryProblems(run.summary), []);
  const point = run.summary.points[0];
  assert.equal(point.requests.completed, 16, JSON.stringify(point.requests));
  assert.equal(point.requests.errored, 0);
  assert.equal(run.requests.bad.length, 0);
  assert.equal(run.requests.lines.length, 16);
  for (const r of run.requests.records) {
    const at = r.request_id;
    assert.equal(r.error_class, 'none', `${at}: ${r.error_message}`);
    assert.equal(r.http_status, 200, at);
    assert.equal(r.output_tokens_source, 'chunks', `${at}: no usage chunk, so the count comes from chunks`);
    assert.ok(r.token_events >= 1, `${at}: token_events ${r.token_events}`);
    assert.equal(r.token_events, kChunks, `${at}: one token event per mock chunk`);
    assert.equal(r.output_tokens, kChunks, at);
    assert.equal(r.finish_reason, 'stop', at);
    assert.equal(r.cached_tokens, null, `${at}: no usage, so no cached_tokens`);
    assert.ok(r.t_send_ns <= r.t_first_ns && r.t_first_ns <= r.t_last_ns && r.t_last_ns <= r.t_done_ns, at);
  }
  assert.equal(run.tokenTimes.lines.length, 16);
  // The mock sends a chunk every 5 ms: the median gap cannot be below that.
  const gap = point.metrics.chunk_gap_ms;
  t.diagnostic(`chunk_gap_ms p50 ${gap?.p50}, ttft_ms p50 ${point.metrics.ttft_ms?.p50}`);
  assert.ok(gap.p50 >= 4, `chunk_gap_ms.p50 ${gap.p50} >= 4 ms`);
  const hitRate = point.metrics.prefix_cache_hit_rate;
  assert.ok(hitRate === undefined || hitRate === null, `no server metrics and no usage: no hit rate (got ${hitRate})`);
});
