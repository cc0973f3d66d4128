// bench's command line: bad flags and unreachable targets exit 2 naming the input; secrets stay
// out of every output; --json and --sentinel print the summary; rate mode reports its
// schedule-corrected metrics; Ctrl-C leaves a readable partial run and exits 130.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import {
  closedPort, describe, readRunDir, runBench, spawnBenchFor, summaryProblems, tempDirFor, waitFor,
} from './lib/bench.mjs';
import { sleep } from './lib/http.mjs';
import { startSimFor } from './lib/sim.mjs';

// Every file under `dir`, recursively, with its text.
function filesUnder(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesUnder(full));
    else found.push({ path: full, text: fs.readFileSync(full, 'latin1') });
  }
  return found;
}

test('bad flags exit 2 with a message naming the flag', async (t) => {
  // A live target, so a flag that is wrongly accepted shows up as a run rather than as "cannot reach".
  const sim = await startSimFor(t, ['--profile', 'instant']);
  const out = tempDirFor(t);
  const base = ['--model', 'sim', '--requests', '2', '--osl', '2', '--quiet'];
  const cases = [
    { name: 'missing --url', args: ['--concurrency', '1', ...base], flag: '--url' },
    { name: '--concurrency 0', args: ['--url', sim.url, '--concurrency', '0', ...base], flag: '--concurrency' },
    { name: '--concurrency and --rate together', args: ['--url', sim.url, '--concurrency', '4', '--rate', '2', ...base], flag: '--rate' },
    { name: '--arrival bogus', args: ['--url', sim.url, '--rate', '5', '--arrival', 'bogus', ...base], flag: '--arrival' },
    { name: '--slo ttft=1', args: ['--url', sim.url, '--concurrency', '1', '--slo', 'ttft=1', ...base], flag: '--slo' },
    { name: '--duration 5x', args: ['--url', sim.url, '--concurrency', '1', '--duration', '5x', '--model', 'sim', '--quiet'], flag: '--duration' },
    { name: 'unset --api-key-env', args: ['--url', sim.url, '--concurrency', '1', '--api-key-env', 'IB_TEST_UNSET_VARIABLE_7Q', ...base], flag: '--api-key-env' },
  ];
  const failures = [];
  for (const [i, c] of cases.entries()) {
    const result = await runBench([...c.args, '--output-dir', path.join(out, `case${i}`)],
      { env: { IB_TEST_UNSET_VARIABLE_7Q: undefined }, timeoutMs: 60_000 });
    t.diagnostic(`${c.name}: exit ${result.code}: ${result.stderr.trim().split('\n').at(-1)}`);
    if (result.code !== 2) failures.push(`${c.name}: expected exit 2, ${describe(result)}`);
    else if (!result.stderr.includes(c.flag)) failures.push(`${c.name}: stderr does not name ${c.flag}: ${result.stderr}`);
  }
  assert.deepEqual(failures, []);
});

test('an unreachable target exits 2 with "cannot reach"', async (t) => {
  const port = await closedPort();
  const out = path.join(tempDirFor(t), 'run');
  const result = await runBench(['--url', `http://127.0.0.1:${port}`, '--model', 'sim', '--concurrency', '1',
    '--requests', '1', '--output-dir', out], { timeoutMs: 60_000 });
  assert.equal(result.code, 2, describe(result));
  assert.match(result.stderr, /cannot reach/);
  assert.match(result.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`), 'the message names the URL');
});

test('--api-key-env and --header values appear in no output file and not on the console', async (t) => {
  const sim = await startSimFor(t, ['--profile', 'instant']);
  const out = path.join(tempDirFor(t), 'run');
  const key = 'sk-ib-cli-secret-93b7e2d0a4f1';
  const headerValue = 'hdr-secret-5e1d77c2';
  const result = await runBench(['--url', sim.url, '--model', 'sim', '--concurrency', '2', '--requests', '8',
    '--osl', '4', '--api-key-env', 'IB_CLI_TEST_KEY', '--header', `X-Test-Secret: ${headerValue}`, '--json',
    '--output-dir', out], { env: { IB_CLI_TEST_KEY: key } });
  assert.equal(result.code, 0, describe(result));
  for (const secret of [key, headerValue]) {
    assert.ok(!result.stdout.includes(secret), `stdout contains ${secret}`);
    assert.ok(!result.stderr.includes(secret), `stderr contains ${secret}`);
    for (const file of filesUnder(out)) assert.ok(!file.text.includes(secret), `${file.path} contains ${secret}`);
  }
  const spec = fs.readFileSync(path.join(out, 'spec.yaml'), 'utf8');
  assert.match(spec, /IB_CLI_TEST_KEY/, 'spec.yaml names the key variable');
  assert.match(spec, /X-Test-Secret/, 'spec.yaml names the header');
  assert.equal(readRunDir(out).summary.points[0].requests.completed, 8);
});

test('--json prints the summary as JSON on stdout', async (t) => {
  const sim = await startSimFor(t, ['--profile', 'instant']);
  const out = path.join(tempDirFor(t), 'run');
  // Without --quiet: the table must go to stderr so stdout stays parseable.
  const result = await runBench(['--url', sim.url, '--model', 'sim', '--concurrency', '2', '--requests', '8',
    '--osl', '4', '--json', '--output-dir', out]);
  assert.equal(result.code, 0, describe(result));
  let printed;
  assert.doesNotThrow(() => {
    printed = JSON.parse(result.stdout);
  }, `stdout is one JSON document: ${result.stdout.slice(0, 500)}`);
  assert.deepEqual(summaryProblems(printed), []);
  assert.equal(printed.points.length, 1);
  assert.equal(printed.points[0].point, 'concurrency=2');
  assert.equal(printed.points[0].requests.completed, 8);
  assert.equal(printed.outputs?.summary, path.join(out, 'summary.json'));
  assert.equal(printed.run_id, readRunDir(out).summary.run_id, 'the printed run is the one on disk');
});

test('--sentinel prints the JSON on one line between the markers', async (t) => {
  const sim = await startSimFor(t, ['--profile', 'instant']);
  const out = path.join(tempDirFor(t), 'run');
  const result = await runBench(['--url', sim.url, '--model', 'sim', '--concurrency', '2', '--requests', '8',
    '--osl', '4', '--sentinel', '--output-dir', out]);
  assert.equal(result.code, 0, describe(result));
  const lines = result.stdout.split('\n');
  const begin = lines.indexOf('===INFERBENCH-RESULT-BEGIN===');
  const end = lines.indexOf('===INFERBENCH-RESULT-END===');
  assert.ok(begin >= 0 && end === begin + 2, `markers with one line between them:\n${result.stdout}`);
  const printed = JSON.parse(lines[begin + 1]);
  assert.deepEqual(summaryProblems(printed), []);
  assert.equal(printed.points[0].requests.completed, 8);
});

test('--rate 20 --arrival constant: schedule-corrected metrics and the achieved rate', async (t) => {
  const sim = await startSimFor(t, ['--profile', 'fixed', '--ttft-ms', '50', '--itl-ms', '10']);
  const out = path.join(tempDirFor(t), 'run');
  const result = await runBench(['--url', sim.url, '--model', 'sim', '--endpoint', 'completions', '--rate', '20',
    '--requests', '40', '--arrival', 'constant', '--isl', '16', '--osl', '8', '--output-dir', out, '--quiet']);
  assert.equal(result.code, 0, describe(result));
  const { summary, requests } = readRunDir(out);
  assert.deepEqual(summaryProblems(summary), []);
  const point = summary.points[0];
  assert.equal(point.point, 'rate=20');
  assert.equal(point.requests.completed, 40, JSON.stringify(point.requests));
  for (const name of ['ttft_sched_ms', 'schedule_lag_ms']) {
    const d = point.metrics[name];
    assert.ok(d && typeof d === 'object' && Number.isFinite(d.p50) && d.n === 40, `${name} is a distribution over 40 requests: ${JSON.stringify(d)}`);
  }
  assert.ok(point.metrics.ttft_sched_ms.p50 >= point.metrics.ttft_ms.p50 - 1e-9, 'ttft_sched >= ttft (t_sched <= t_send)');
  assert.ok(point.metrics.schedule_lag_ms.min >= 0, 'no request went out before its intended time');
  const achieved = point.metrics.achieved_rate_req_s;
  t.diagnostic(`achieved_rate_req_s ${achieved}, schedule_lag_ms p99 ${point.metrics.schedule_lag_ms.p99}`);
  assert.ok(Math.abs(achieved - 20) <= 4, `achieved_rate_req_s ${achieved} must be within 20 % of 20`);
  for (const r of requests.records) {
    assert.ok(Number.isInteger(r.t_sched_ns) && r.t_sched_ns <= r.t_send_ns, `${r.request_id}: t_sched ${r.t_sched_ns} <= t_send ${r.t_send_ns}`);
  }
  // Constant arrivals: intended send times 50 ms apart.
  const sched = requests.records.map((r) => r.t_sched_ns).sort((a, b) => a - b);
  const gaps = sched.slice(1).map((s, i) => (s - sched[i]) / 1e6);
  assert.ok(gaps.every((g) => Math.abs(g - 50) < 0.5), `constant arrival gaps of 50 ms: ${gaps.slice(0, 5).join(', ')}…`);
});

test('--workers 2 splits each point: every request once, disjoint prompts, constant arrivals stay evenly spaced', async (t) => {
  const sim = await startSimFor(t, ['--profile', 'fixed', '--ttft-ms', '20', '--itl-ms', '5']);
  const out = path.join(tempDirFor(t), 'run');
  const result = await runBench(['--url', sim.url, '--model', 'sim', '--endpoint', 'completions', '--prompt-format', 'ids',
    '--concurrency', '5', '--requests', '41', '--warmup', '3', '--isl', '16', '--osl', '8', '--workers', '2',
    '--output-dir', out, '--quiet']);
  assert.equal(result.code, 0, describe(result));
  const { summary, requests } = readRunDir(out);
  assert.deepEqual(summaryProblems(summary), []);
  assert.equal(summary.points[0].requests.completed, 41, JSON.stringify(summary.points[0].requests));
  assert.equal(summary.points[0].requests.warmup, 3);
  const measured = requests.records.filter((r) => !r.warmup);
  assert.equal(measured.length, 41);
  const ids = new Set(requests.records.map((r) => r.request_id));
  assert.equal(ids.size, requests.records.length, 'request ids are unique across workers');
  const indices = measured.map((r) => Number(r.request_id.split('/m')[1])).sort((a, b) => a - b);
  assert.deepEqual(indices, [...Array(41).keys()], 'the two workers sent workload items 0..40, each once');
  assert.match(fs.readFileSync(path.join(out, 'spec.yaml'), 'utf8'), /workers: 2/);

  const rateOut = path.join(tempDirFor(t), 'rate');
  const rate = await runBench(['--url', sim.url, '--model', 'sim', '--endpoint', 'completions', '--rate', '40',
    '--arrival', 'constant', '--requests', '40', '--isl', '16', '--osl', '4', '--workers', '2',
    '--output-dir', rateOut, '--quiet']);
  assert.equal(rate.code, 0, describe(rate));
  const sched = readRunDir(rateOut).requests.records.map((r) => r.t_sched_ns).sort((a, b) => a - b);
  const gaps = sched.slice(1).map((s, i) => (s - sched[i]) / 1e6);
  const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)];
  assert.ok(Math.abs(median - 25) < 5, `two workers at 20/s each, staggered: median gap ${median} ms ≈ 25 ms`);
});

test('SIGINT stops the run: exit 130, a partial summary, every record readable, in-flight requests cancelled', async (t) => {
  const sim = await startSimFor(t, ['--profile', 'fixed', '--ttft-ms', '50', '--itl-ms', '10']);
  const out = path.join(tempDirFor(t), 'run');
  const bench = spawnBenchFor(t, ['--url', sim.url, '--model', 'sim', '--endpoint', 'completions', '--concurrency', '4',
    '--requests', '100000', '--isl', '16', '--osl', '32', '--output-dir', out, '--quiet'], { timeoutMs: 60_000 });
  const started = Date.now();
  const someDone = await waitFor(() => {
    const file = path.join(out, 'requests.jsonl');
    return fs.existsSync(file) && fs.statSync(file).size > 0;
  }, { timeoutMs: 20_000 });
  assert.ok(someDone, 'bench completed some requests within 20 s');
  await sleep(Math.max(0, 1500 - (Date.now() - started)));
  bench.proc.kill('SIGINT');
  const result = await bench.done;
  assert.equal(result.code, 130, describe(result));
  const { summary, requests } = readRunDir(out);
  assert.deepEqual(summaryProblems(summary), []);
  assert.equal(summary.status, 'partial');
  assert.equal(requests.bad.length, 0, `unparsable requests.jsonl line: ${JSON.stringify(requests.bad[0])}`);
  const cancelled = requests.records.filter((r) => r.error_class === 'cancelled');
  const completed = requests.records.filter((r) => r.error_class === 'none');
  t.diagnostic(`${requests.lines.length} records: ${completed.length} completed, ${cancelled.length} cancelled`);
  assert.ok(cancelled.length >= 1, 'the requests in flight at Ctrl-C are recorded as cancelled');
  assert.ok(cancelled.length <= 4, 'at most the in-flight ones (concurrency 4)');
  assert.ok(completed.length >= 1);
  assert.equal(summary.points.length, 1, 'the interrupted point is summarised');
  const point = summary.points[0];
  assert.equal(point.requests.completed, completed.length);
  assert.equal(point.requests.cancelled, cancelled.length);
  assert.equal(point.requests.completed + point.requests.errored + point.requests.cancelled, requests.lines.length);
});
