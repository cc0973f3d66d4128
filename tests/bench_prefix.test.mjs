// Cache busting against the simulator's prefix cache (h100-llama3-8b profile, 20× faster than
// real time): the same prompts sent again hit the cache unless a salt makes them new, and bench
// reports that through prefix_cache_hit_rate (from the target's /metrics).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import { describe, readRunDir, runBench, tempDirFor } from './lib/bench.mjs';
import { startSimFor } from './lib/sim.mjs';

const kSim = ['--time-scale', '0.05'];

function benchArgs(url, out, cacheBust, extra = []) {
  return [
    '--url', url, '--model', 'sim', '--endpoint', 'completions', '--prompt-format', 'ids',
    '--isl', '256', '--osl', '8', '--concurrency', '4', '--requests', '32', '--seed', '11',
    '--cache-bust', cacheBust, '--output-dir', out, '--quiet', ...extra,
  ];
}

// Runs bench and returns its summary (exit 0, every request completed).
async function bench(t, args) {
  const result = await runBench(args);
  assert.equal(result.code, 0, describe(result));
  const { summary, requests } = readRunDir(args[args.indexOf('--output-dir') + 1]);
  assert.equal(requests.lines.length, 32 * summary.points.length);
  for (const p of summary.points) {
    assert.equal(p.requests.errored, 0, JSON.stringify(p.requests));
    assert.equal(typeof p.metrics.prefix_cache_hit_rate, 'number',
      `${p.point} replicate ${p.replicate}: prefix_cache_hit_rate is reported (the sim serves /metrics)`);
  }
  return summary;
}

const rates = (summary) => summary.points.map((p) => p.metrics.prefix_cache_hit_rate.toFixed(3)).join(', ');

test('--cache-bust none: the second identical run reads the prefix cache the first one warmed', async (t) => {
  const sim = await startSimFor(t, kSim);
  const dir = tempDirFor(t);
  const first = await bench(t, benchArgs(sim.url, path.join(dir, 'a'), 'none'));
  const second = await bench(t, benchArgs(sim.url, path.join(dir, 'b'), 'none'));
  t.diagnostic(`hit rate: first run ${rates(first)}, second run ${rates(second)}`);
  const r1 = first.points[0].metrics.prefix_cache_hit_rate;
  const r2 = second.points[0].metrics.prefix_cache_hit_rate;
  assert.ok(r1 < 0.2, `the first run's prompts are new to the cache: hit rate ${r1} must be < 0.2`);
  assert.ok(r2 > 0.5, `the second run resends the same prompts: hit rate ${r2} must be > 0.5`);
  const records = readRunDir(path.join(dir, 'b')).requests.records;
  assert.ok(records.every((r) => r.salt === ''), 'no salt with --cache-bust none');
});

test('--cache-bust per-replicate: replicates of one run do not share the prefix cache', async (t) => {
  const sim = await startSimFor(t, kSim);
  const dir = tempDirFor(t);
  const summary = await bench(t, benchArgs(sim.url, path.join(dir, 'a'), 'per-replicate', ['--replicates', '2']));
  t.diagnostic(`hit rate per replicate: ${rates(summary)}`);
  assert.equal(summary.points.length, 2);
  for (const p of summary.points) {
    assert.ok(p.metrics.prefix_cache_hit_rate < 0.2, `replicate ${p.replicate}: hit rate ${p.metrics.prefix_cache_hit_rate} must be < 0.2`);
  }
  const records = readRunDir(path.join(dir, 'a')).requests.records;
  const salts = [0, 1].map((rep) => new Set(records.filter((r) => r.replicate === rep).map((r) => r.salt)));
  assert.ok(salts.every((s) => s.size === 1 && !s.has('')), 'one non-empty salt per replicate');
  assert.notDeepEqual([...salts[0]], [...salts[1]], 'the replicates have different salts');
});

test('--cache-bust none with --replicates 2: the second replicate hits the cache (control)', async (t) => {
  const sim = await startSimFor(t, kSim);
  const summary = await bench(t, benchArgs(sim.url, path.join(tempDirFor(t), 'a'), 'none', ['--replicates', '2']));
  t.diagnostic(`hit rate per replicate: ${rates(summary)}`);
  assert.ok(summary.points[1].metrics.prefix_cache_hit_rate > 0.5, `replicate 1: ${rates(summary)}`);
});

test('--cache-bust per-replicate: a second run with the same seed does not read the first run\'s cache', async (t) => {
  const sim = await startSimFor(t, kSim);
  const dir = tempDirFor(t);
  const first = await bench(t, benchArgs(sim.url, path.join(dir, 'a'), 'per-replicate'));
  const second = await bench(t, benchArgs(sim.url, path.join(dir, 'b'), 'per-replicate'));
  t.diagnostic(`hit rate: first run ${rates(first)}, second run ${rates(second)}`);
  const saltA = readRunDir(path.join(dir, 'a')).requests.records[0].salt;
  const saltB = readRunDir(path.join(dir, 'b')).requests.records[0].salt;
  t.diagnostic(`salts: first run ${saltA}, second run ${saltB}`);
  const r2 = second.points[0].metrics.prefix_cache_hit_rate;
  assert.ok(r2 < 0.2, `second run hit rate ${r2} must be < 0.2 (salts ${saltA} vs ${saltB})`);
});
