// The bench acceptance run: `inferbench bench` against the `fixed` simulator (TTFT 50 ms, ITL
// 10 ms), checking the run directory it writes and, against the simulator's ground-truth trace,
// how far its timestamps are from the moments the server emitted each token.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import {
  matchByArrival,
  describe, kRecordKeys, quantile, readRunDir, readTrace, runBench, summaryProblems, tempDirFor,
  tokenTimesNs,
} from './lib/bench.mjs';
import { startSimFor } from './lib/sim.mjs';

const kRequests = 160;
const kOsl = 32;
const kApiKey = 'sk-ib-fixed-6c1f0e94d2a7b35e';

const ms = (ns) => ns / 1e6;

test('bench --concurrency 16 --requests 160 against fixed 50/10 ms: files, metrics and ground truth', async (t) => {
  const dir = tempDirFor(t);
  const traceFile = path.join(dir, 'trace.jsonl');
  const out = path.join(dir, 'run');
  const sim = await startSimFor(t, ['--profile', 'fixed', '--ttft-ms', '50', '--itl-ms', '10', '--trace-file', traceFile]);

  const result = await runBench([
    '--url', sim.url, '--model', 'sim', '--concurrency', '16', '--requests', String(kRequests),
    '--isl', '64', '--osl', String(kOsl), '--output-dir', out, '--quiet', '--api-key-env', 'IB_FIXED_TEST_KEY',
  ], { env: { IB_FIXED_TEST_KEY: kApiKey } });
  assert.equal(result.code, 0, describe(result));
  assert.ok(!result.stdout.includes(kApiKey) && !result.stderr.includes(kApiKey), 'the API key is never printed');
  // Stopping the simulator flushes its trace.
  const stopped = await sim.stop();
  assert.equal(stopped.code, 0, `sim exit ${JSON.stringify(stopped)}`);

  const run = readRunDir(out);

  // summary.json
  assert.deepEqual(summaryProblems(run.summary), [], 'summary.json has the documented shape');
  assert.equal(run.summary.status, 'ok');
  assert.equal(run.summary.points.length, 1);
  const point = run.summary.points[0];
  assert.equal(point.point, 'concurrency=16');
  assert.equal(point.replicate, 0);
  assert.equal(point.requests.completed, kRequests);
  assert.equal(point.requests.errored, 0);
  const ttft = point.metrics.ttft_ms;
  const tpot = point.metrics.tpot_ms;
  t.diagnostic(`summary ttft_ms p50 ${ttft?.p50} p99 ${ttft?.p99}; tpot_ms p50 ${tpot?.p50} p99 ${tpot?.p99}`);
  assert.ok(ttft.p50 >= 45 && ttft.p50 <= 80, `ttft_ms.p50 ${ttft.p50} must be within [45, 80]`);
  assert.ok(tpot.p50 >= 9 && tpot.p50 <= 12.5, `tpot_ms.p50 ${tpot.p50} must be within [9, 12.5]`);
  assert.equal(ttft.n, kRequests);

  // requests.jsonl
  assert.equal(run.requests.bad.length, 0, `unparsable requests.jsonl lines: ${JSON.stringify(run.requests.bad[0])}`);
  assert.equal(run.requests.lines.length, kRequests);
  const ids = new Set();
  for (const r of run.requests.records) {
    const at = `request ${r.request_id}`;
    for (const key of kRecordKeys) assert.ok(key in r, `${at} has ${key}`);
    ids.add(r.request_id);
    assert.equal(r.point, 'concurrency=16', at);
    assert.equal(r.warmup, false, at);
    assert.equal(r.error_class, 'none', `${at}: ${r.error_message}`);
    assert.equal(r.http_status, 200, at);
    assert.ok(r.t_send_ns <= r.t_first_ns && r.t_first_ns <= r.t_last_ns && r.t_last_ns <= r.t_done_ns,
      `${at}: t_send ${r.t_send_ns} <= t_first ${r.t_first_ns} <= t_last ${r.t_last_ns} <= t_done ${r.t_done_ns}`);
    assert.equal(r.output_tokens, kOsl, at);
    assert.equal(r.output_tokens_requested, kOsl, at);
    assert.equal(r.output_tokens_source, 'usage', at);
    assert.equal(r.token_events, kOsl, at);
  }
  assert.equal(ids.size, kRequests, 'request ids are unique');

  // token_times
  assert.equal(run.tokenTimes.bad.length, 0, `unparsable token_times lines: ${JSON.stringify(run.tokenTimes.bad[0])}`);
  assert.equal(run.tokenTimes.lines.length, kRequests);
  const timesById = new Map();
  for (const line of run.tokenTimes.records) {
    assert.ok(ids.has(line.request_id), `token_times line for unknown request ${line.request_id}`);
    assert.ok(Number.isInteger(line.first_ns) && line.first_ns > 0, 'first_ns is a positive integer');
    assert.equal(line.delta_us.length, kOsl - 1, `${line.request_id}: ${kOsl - 1} deltas`);
    assert.ok(line.delta_us.every((d) => Number.isInteger(d) && d >= 0), `${line.request_id}: deltas are integers >= 0`);
    timesById.set(line.request_id, tokenTimesNs(line));
  }
  assert.equal(timesById.size, kRequests, 'one token_times line per request');
  for (const r of run.requests.records) {
    const times = timesById.get(r.request_id);
    assert.equal(times[0], r.t_first_ns, `${r.request_id}: first_ns == t_first_ns`);
    assert.ok(Math.abs(times.at(-1) - r.t_last_ns) <= 1000, `${r.request_id}: reconstructed last token within 1 µs of t_last_ns`);
  }

  // spec.yaml: present, records the variable's name, never the key.
  assert.ok(run.spec, 'spec.yaml exists');
  assert.ok(!run.spec.includes(kApiKey), 'spec.yaml does not contain the API key');
  assert.match(run.spec, /IB_FIXED_TEST_KEY/, 'spec.yaml records the API key variable name');
  assert.ok(!/Bearer/i.test(run.spec), 'spec.yaml holds no Authorization value');

  // Ground truth.
  const trace = readTrace(traceFile);
  assert.ok(trace.anchor, 'the trace starts with an anchor line');
  const streamed = trace.requests.filter((r) => r.status === 200 && r.token_ns.length === kOsl);
  assert.ok(streamed.length >= kRequests, `the trace holds ${streamed.length} full streams, expected >= ${kRequests}`);
  const { pairs, unmatched } = matchByArrival(run.requests.records, streamed);
  assert.equal(unmatched, null, `no trace request arrived after t_send of ${unmatched?.request_id}`);
  assert.equal(pairs.length, kRequests);
  const firstErrors = [];
  const tokenErrors = [];
  let late = 0;
  for (const { client, server } of pairs) {
    firstErrors.push(Math.abs(client.t_first_ns - server.token_ns[0]));
    const times = timesById.get(client.request_id);
    assert.equal(times.length, server.token_ns.length, `${client.request_id}: token count matches the trace`);
    times.forEach((tc, i) => {
      tokenErrors.push(Math.abs(tc - server.token_ns[i]));
      if (tc < server.token_ns[i] - 1000) late++;  // seen before it was sent (beyond rounding)
    });
  }
  const report = (name, values) =>
    `${name}: p50 ${ms(quantile(values, 0.5)).toFixed(3)} ms, p99 ${ms(quantile(values, 0.99)).toFixed(3)} ms, ` +
    `max ${ms(Math.max(...values)).toFixed(3)} ms (n ${values.length})`;
  console.log(`client vs ground truth | ${report('t_first error', firstErrors)} | ${report('per-token error', tokenErrors)}`);
  t.diagnostic(report('t_first error', firstErrors));
  t.diagnostic(report('per-token error', tokenErrors));
  t.diagnostic(`client token times earlier than the server's emit time: ${late} of ${tokenErrors.length}`);
  assert.ok(quantile(firstErrors, 0.5) < 5e6, `t_first error p50 ${ms(quantile(firstErrors, 0.5))} ms must be < 5 ms`);
  assert.ok(quantile(tokenErrors, 0.5) < 5e6, `per-token error p50 ${ms(quantile(tokenErrors, 0.5))} ms must be < 5 ms`);
});
