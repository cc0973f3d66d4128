// Capacity runs end to end (issue 5) against `sim --profile h100-llama3-8b` at real-time modelled
// timings, where 512-token prompts put the knee near 70 requests/s: a dense sweep of rates
// finds the knee, the SLO search finds one within its resolution of it, and the sweep and the
// search record every point they measured like any other run (`runs show` lists them).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { describe, readRunDir, runBench, tempDirFor } from './lib/bench.mjs';
import { startSimFor } from './lib/sim.mjs';
import { ib, parseJson, writeSpec } from './lib/store.mjs';

// Modelled H100 timings with continuous batching: TTFT from the intended send time stays small
// below the knee and grows smoothly with the queue above it (no batch cap, so no waves).
const kSimArgs = ['--profile', 'h100-llama3-8b', '--time-scale', '1'];
const kSlo = 'ttft_ms.p99<=300';
const kAttainment = 0.9;
const kResolution = 0.1;
// The same shape of every level in both runs: 60 requests at constant inter-arrival times.
const kLoad = ['--isl', '512', '--osl', '64', '--requests', '60', '--arrival', 'constant', '--seed', '9',
  '--cache-bust', 'per-request', '--quiet'];

test('the SLO search finds the knee a dense sweep of rates finds, within its resolution', async (t) => {
  const sim = await startSimFor(t, kSimArgs);
  const dir = tempDirFor(t);

  // Dense sweep: every rate from 40 to 100 req/s in steps of 4, judged by the same per-request SLO.
  const step = 4;
  const rates = [];
  for (let r = 40; r <= 100; r += step) rates.push(r);
  const denseDir = path.join(dir, 'dense');
  const dense = await runBench(['--url', sim.url, '--model', 'sim', '--rate', rates.join(','), '--slo', 'ttft_ms=300',
    '--output-dir', denseDir, ...kLoad], { timeoutMs: 180_000 });
  assert.equal(dense.code, 0, describe(dense));
  const points = readRunDir(denseDir).summary.points;
  assert.equal(points.length, rates.length);
  const attainment = points.map((p) => p.metrics.slo_attainment);
  t.diagnostic(`dense sweep: ${points.map((p, i) => `${p.point} ${attainment[i].toFixed(3)}`).join(', ')}`);
  // The knee: the highest rate that still meets the SLO (an isolated dip below it, a stall of
  // this shared machine, does not move it).
  const lastPass = attainment.findLastIndex((a) => a >= kAttainment);
  assert.ok(lastPass >= 0 && lastPass < rates.length - 1, 'some rate passes and a higher one fails: the knee is inside the sweep');
  const denseKnee = rates[lastPass];
  assert.ok(attainment.at(-1) < kAttainment - 0.2, 'far above the knee most requests miss the SLO');

  // The search, bracketing from 16 and 128. Bisection trusts every measurement: a stall of the
  // machine during one level can send it lower, so a disagreement is measured once more (a real
  // disagreement repeats).
  let search;
  let capacity;
  let searchDir;
  for (let attempt = 0; attempt < 2; attempt++) {
    searchDir = path.join(dir, `search-${attempt}`);
    search = await runBench(['--url', sim.url, '--model', 'sim', '--search-slo', kSlo, '--attainment',
      String(kAttainment), '--search-resolution', String(kResolution), '--search-low', '16', '--search-high', '128',
      '--output-dir', searchDir, '--json', ...kLoad], { timeoutMs: 180_000 });
    assert.equal(search.code, 0, describe(search));
    capacity = JSON.parse(search.stdout).capacity;
    t.diagnostic(`search: ${capacity.steps.map((s) => `${s.point} ${s.attainment.toFixed(3)}${s.pass ? '' : ' FAIL'}`).join(', ')}`);
    if (capacity.knee && Math.abs(capacity.knee.level - denseKnee) <= kResolution * capacity.knee.level + step) break;
  }
  assert.equal(capacity.type, 'search');
  assert.equal(capacity.converged, true, JSON.stringify(capacity));
  t.diagnostic(`knee: dense ${denseKnee}, search ${capacity.knee.level} (bracket ${capacity.bracket.low}..${capacity.bracket.high})`);
  const knee = capacity.knee.level;
  assert.ok((capacity.bracket.high - capacity.bracket.low) / capacity.bracket.low <= kResolution + 1e-9);
  assert.ok(Math.abs(knee - denseKnee) <= kResolution * knee + step,
    `search knee ${knee} within its resolution (and the sweep's step ${step}) of the dense sweep's ${denseKnee}`);

  // Every level the search measured is a point of the run, with the attainment it was judged by.
  const summary = readRunDir(searchDir).summary;
  assert.deepEqual(summary.points.map((p) => p.point), capacity.steps.map((s) => s.point));
  for (const [i, s] of capacity.steps.entries()) {
    assert.equal(s.attainment, summary.points[i].metrics.slo_attainment, s.point);
    assert.equal(s.pass, s.attainment >= kAttainment, s.point);
  }
  assert.deepEqual(summary.capacity, capacity, 'summary.json carries the same capacity object');
  assert.equal(capacity.steps[0].point, 'rate=16');
  assert.equal(capacity.steps[1].point, 'rate=128');
});

// A spec of the given load against the same simulator settings, stored in `home`.
function capacitySpec(name, load) {
  return {
    apiVersion: 'inferbench.dev/v1alpha1',
    kind: 'BenchmarkRun',
    metadata: { name },
    spec: {
      intent: { mode: 'realism', kpis: ['output_throughput_tok_s'] },
      target: {
        model: 'sim',
        sim: { profile: 'h100-llama3-8b', args: { 'time-scale': '1' } },
      },
      workload: {
        dataset: { type: 'synthetic', inputTokens: 512, outputTokens: 64 },
        seed: 9,
        load: { arrival: 'constant', ...load },
        warmup: { requests: 2 },
      },
      measurement: { replicates: 1, maxReplicates: 1 },
    },
  };
}

async function runCapacitySpec(t, spec) {
  const dir = tempDirFor(t);
  const home = path.join(dir, 'home');
  const out = path.join(dir, 'run');
  const file = writeSpec(dir, spec);
  const result = await ib(home, 'run', [file, '--sim', '--output-dir', out, '--json'], { timeoutMs: 180_000 });
  assert.equal(result.code, 0, describe(result));
  const run = JSON.parse(result.stdout);
  const shown = parseJson(await ib(home, 'runs', ['show', run.run_id, '--json']));
  const stored = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
  return { run, shown, stored, result, out };
}

test('spec sweep: synchronous, throughput and rates between, every point recorded', async (t) => {
  const { run, shown, stored, result, out } =
    await runCapacitySpec(t, capacitySpec('sweep-test', {
      // 12 requests at concurrency=1, 48 all in flight at the throughput point, x at rate=x.
      type: 'sweep', points: 5, maxConcurrency: 48, requestsPerLevel: 'min(60, max(12, x))',
    }));
  const capacity = run.capacity;
  assert.equal(capacity.type, 'sweep');
  assert.equal(capacity.synchronous.point, 'concurrency=1');
  assert.equal(capacity.throughput.point, 'concurrency=48');
  assert.equal(capacity.rates.length, 3);
  const lo = capacity.synchronous.request_rate;
  const hi = capacity.throughput.request_rate;
  t.diagnostic(`sweep: ${lo.toFixed(2)} .. ${hi.toFixed(2)} req/s, rates ${capacity.rates.join(', ')}`);
  assert.ok(hi > 2 * lo, 'the throughput point is well above the synchronous one');
  for (const [i, r] of capacity.rates.entries()) {
    const expected = lo + ((hi - lo) * (i + 1)) / 4;
    assert.ok(Math.abs(r - expected) / expected < 1e-3, `rate ${i}: ${r} ~ ${expected}`);
  }
  const expectedPoints = ['concurrency=1', 'concurrency=48', ...capacity.rates.map((r) => `rate=${r}`)];
  assert.deepEqual(run.points.map((p) => p.point), expectedPoints);
  assert.deepEqual(shown.points.map((p) => p.point).sort(), [...expectedPoints].sort(), '`runs show` lists every point');
  assert.deepEqual(stored.capacity, capacity, 'run.json carries the capacity object');
  assert.deepEqual(readRunDir(out).summary.capacity, capacity, 'summary.json too');
  assert.match(result.stdout + result.stderr, /sweep: synchronous/);
});

test('spec search: the knee, the bracket and every level measured are recorded', async (t) => {
  const { run, shown, stored, result } = await runCapacitySpec(t, capacitySpec('search-test', {
    type: 'search', over: 'rate', slo: kSlo, attainment: kAttainment, resolution: 0.15, low: 16, high: 128, maxPoints: 8,
    requestsPerLevel: '60',
  }));
  const capacity = run.capacity;
  assert.equal(capacity.type, 'search');
  assert.equal(capacity.slo, kSlo);
  assert.equal(capacity.attainment_target, kAttainment);
  assert.ok(capacity.knee, JSON.stringify(capacity));
  t.diagnostic(`search: ${capacity.steps.map((s) => `${s.point} ${s.attainment.toFixed(3)}`).join(', ')}; knee ${capacity.knee.point}`);
  assert.equal(capacity.converged, true, capacity.reason);
  assert.ok(capacity.steps.length <= 8);
  const stepPoints = capacity.steps.map((s) => s.point);
  assert.deepEqual(run.points.map((p) => p.point), stepPoints, 'every level is a judged point');
  assert.deepEqual(shown.points.map((p) => p.point).sort(), [...stepPoints].sort(), '`runs show` lists every level');
  assert.deepEqual(stored.capacity, capacity);
  const knee = capacity.steps.find((s) => s.point === capacity.knee.point);
  assert.equal(knee.pass, true);
  assert.ok(capacity.steps.every((s) => !s.pass || s.level <= capacity.knee.level), 'no passing level above the knee');
  assert.match(result.stdout + result.stderr, new RegExp(`knee: ${capacity.knee.point.replace('.', '\\.')} \\(attainment`));
});
