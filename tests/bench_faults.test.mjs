// bench against a simulator that injects faults (--fault, seeded): every request ends as exactly
// one record with the right error class, none is lost, and the run still exits 0 (an errored
// request is a measurement).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import { countByClass, describe, kErrorClasses, readRunDir, runBench, summaryProblems, tempDirFor } from './lib/bench.mjs';
import { postJson } from './lib/http.mjs';
import { startSim, startSimFor } from './lib/sim.mjs';

const kFixed = ['--profile', 'fixed', '--ttft-ms', '5', '--itl-ms', '1'];
const kOsl = 32;

// Runs bench (completions, so no chat-template probe reaches the fault plan) and checks what holds
// for every fault: exit 0, one record per request, summary counts agree with the records.
async function benchWithFault(t, faultArgs, { requests = 100, concurrency = 4, osl = kOsl, extra = [] } = {}) {
  const sim = await startSimFor(t, [...kFixed, ...faultArgs]);
  const out = path.join(tempDirFor(t), 'run');
  const result = await runBench([
    '--url', sim.url, '--model', 'sim', '--endpoint', 'completions', '--concurrency', String(concurrency),
    '--requests', String(requests), '--isl', '16', '--osl', String(osl), '--output-dir', out, '--quiet', ...extra,
  ]);
  assert.equal(result.code, 0, describe(result));
  const run = readRunDir(out);
  assert.deepEqual(summaryProblems(run.summary), []);
  assert.equal(run.requests.bad.length, 0, `unparsable requests.jsonl line: ${JSON.stringify(run.requests.bad[0])}`);
  assert.equal(run.requests.lines.length, requests, 'one requests.jsonl line per request: none lost');
  const records = run.requests.records;
  assert.equal(new Set(records.map((r) => r.request_id)).size, requests, 'request ids are unique');
  for (const r of records) {
    assert.ok(kErrorClasses.has(r.error_class), `unknown error_class ${r.error_class}`);
    if (r.error_class === 'none') assert.equal(r.error_message, '', r.request_id);
    else assert.ok(r.error_message.length > 0, `${r.request_id}: errored record has an error_message`);
  }
  const counts = countByClass(records);
  t.diagnostic(`${faultArgs.join(' ')}: ${JSON.stringify(counts)}`);
  const point = run.summary.points[0];
  const errored = records.length - (counts.none ?? 0);
  assert.equal(point.requests.completed, counts.none ?? 0, 'summary completed == records without error');
  assert.equal(point.requests.completed + point.requests.errored + point.requests.cancelled, requests,
    `completed + errored + cancelled == ${requests}: ${JSON.stringify(point.requests)}`);
  assert.equal(point.requests.errored, errored - (counts.cancelled ?? 0), 'summary errored == errored records');
  return { records, counts, point, summary: run.summary };
}

test('error:500:0.2 --seed 3: errored requests are exactly the 500s the simulator sent', async (t) => {
  const fault = ['--fault', 'error:500:0.2', '--seed', '3'];
  const { records, counts, point } = await benchWithFault(t, fault);

  // The fault draws depend only on the order requests reach the simulator, so a second simulator
  // with the same seed answers the same number of 500s to the same number of requests.
  const reference = await startSim([...kFixed, ...fault]);
  let expected500 = 0;
  try {
    for (let i = 0; i < 100; i++) {
      const res = await postJson(`${reference.url}/v1/completions`,
        { model: 'sim', prompt: 'count the faults', max_tokens: 2, ignore_eos: true });
      if (res.status === 500) expected500++;
      else assert.equal(res.status, 200, res.text);
    }
  } finally {
    await reference.stop();
  }
  t.diagnostic(`the reference simulator answered ${expected500} of 100 requests with 500`);
  assert.ok(expected500 >= 10 && expected500 <= 35, `expected 10..35 injected 500s, the seed gave ${expected500}`);

  const errored = records.filter((r) => r.error_class !== 'none');
  assert.equal(errored.length, expected500, `errored records ${JSON.stringify(counts)} vs ${expected500} 500s sent`);
  assert.equal(point.requests.errored, expected500);
  for (const r of errored) {
    assert.equal(r.error_class, 'http_5xx', `${r.request_id}: ${r.error_message}`);
    assert.equal(r.http_status, 500, r.request_id);
    assert.equal(r.retries, 0, `${r.request_id}: an HTTP 500 is a measurement, never retried`);
  }
  for (const r of records.filter((x) => x.error_class === 'none')) assert.equal(r.output_tokens, kOsl);
  assert.ok(Math.abs(point.metrics.error_rate - expected500 / 100) < 1e-9, `error_rate ${point.metrics.error_rate}`);
  assert.equal(point.metrics['error_count.http_5xx'], expected500);
});

test('abort:0.3: mid-stream disconnects are errored records of class disconnect', async (t) => {
  const { records, counts } = await benchWithFault(t, ['--fault', 'abort:0.3', '--seed', '3']);
  const errored = records.filter((r) => r.error_class !== 'none');
  assert.ok(errored.length >= 10 && errored.length <= 50, `expected 10..50 aborted streams: ${JSON.stringify(counts)}`);
  for (const r of errored) {
    assert.equal(r.error_class, 'disconnect', `${r.request_id}: ${r.error_message}`);
    assert.equal(r.http_status, 200, `${r.request_id}: the stream had begun`);
    assert.ok(r.token_events >= 1 && r.token_events < kOsl, `${r.request_id}: cut after ${r.token_events} tokens`);
    // The record ends when the client saw the connection close (after its last token).
    assert.ok(r.t_done_ns === null || r.t_done_ns >= r.t_last_ns, `${r.request_id}: t_done ${r.t_done_ns} >= t_last ${r.t_last_ns}`);
  }
});

test('malformed:0.3: an unparsable payload makes the record malformed', async (t) => {
  const { records, counts } = await benchWithFault(t, ['--fault', 'malformed:0.3', '--seed', '3']);
  const errored = records.filter((r) => r.error_class !== 'none');
  assert.ok(errored.length >= 10 && errored.length <= 50, `expected 10..50 malformed streams: ${JSON.stringify(counts)}`);
  for (const r of errored) assert.equal(r.error_class, 'malformed', `${r.request_id}: ${r.error_message}`);
});

test('stall:300:0.5 with --request-timeout 200ms: stalled requests time out', async (t) => {
  const { records, counts, point } = await benchWithFault(t, ['--fault', 'stall:300:0.5', '--seed', '3'],
    { extra: ['--request-timeout', '200ms'] });
  const timeouts = records.filter((r) => r.error_class === 'timeout');
  assert.ok(timeouts.length >= 25 && timeouts.length <= 75, `expected 25..75 timeouts: ${JSON.stringify(counts)}`);
  assert.equal((counts.none ?? 0) + timeouts.length, 100, `only timeouts and successes: ${JSON.stringify(counts)}`);
  for (const r of timeouts) {
    const elapsedMs = (r.t_done_ns ?? r.t_last_ns ?? r.t_send_ns) - r.t_send_ns;
    assert.ok(r.token_events < kOsl, `${r.request_id}: a timed-out stream did not finish`);
    assert.ok(elapsedMs / 1e6 < 300, `${r.request_id}: its record ends before the 300 ms stall would (${elapsedMs / 1e6} ms)`);
  }
  assert.equal(point.metrics['error_count.timeout'], timeouts.length);
});

test('drip:1: a response dribbled a few bytes at a time still completes', async (t) => {
  // Drip sends 7 bytes every 2 ms, so keep streams short.
  const { records, counts } = await benchWithFault(t, ['--fault', 'drip:1'],
    { requests: 24, concurrency: 8, osl: 8 });
  assert.deepEqual(counts, { none: 24 });
  for (const r of records) {
    assert.equal(r.output_tokens, 8, r.request_id);
    assert.equal(r.token_events, 8, r.request_id);
    assert.ok(r.t_done_ns !== null, r.request_id);
  }
});
