// Hot metrics end to end (issue 6): `inferbench run --sim --metrics-port P` scraped by a real
// Prometheus server (the Debian `prometheus` package) every second. The series must reach
// Prometheus while the run is in progress, carry the run's run_id and benchmark_case_ids, and
// never a label outside the allowlist of DESIGN.md §7. A label outside the allowlist given with
// --metrics-label is refused before the run starts (exit 2, naming it).
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { closedPort, describe, spawnBenchFor, runBench, tempDirFor, waitFor } from './lib/bench.mjs';
import { stopChild } from './lib/sim.mjs';

const kPrometheus = process.env.INFERBENCH_PROMETHEUS ?? '/usr/bin/prometheus';
const kAllowed = new Set(['run_id', 'benchmark_case_id', 'cluster', 'region', 'node_pool', 'gpu_model',
  'scheduler_path', 'concurrency_bucket']);
// Labels that are not ours: the metric name, the target labels Prometheus adds to every scraped
// series, the requests counter's outcome and a histogram's bucket bound.
const kNotOurs = new Set(['__name__', 'job', 'instance', 'outcome', 'le']);

// ~10–20 s against the fixed-latency simulator: two concurrency levels × two replicates.
function smallSpec() {
  return {
    apiVersion: 'inferbench.dev/v1alpha1',
    kind: 'BenchmarkRun',
    metadata: { name: 'hot-metrics-test' },
    spec: {
      intent: { mode: 'realism', kpis: ['output_throughput_tok_s'] },
      target: { model: 'sim', endpoint: 'chat', sim: { profile: 'fixed', args: { 'ttft-ms': '20', 'itl-ms': '8' } } },
      system: { cluster: { name: 'test-cluster', region: 'local' }, hardware: { gpu: 'sim-gpu' } },
      workload: {
        dataset: { type: 'synthetic', inputTokens: { mean: 64 }, outputTokens: { mean: 16 } },
        seed: 11,
        load: { type: 'concurrency', levels: [1, 4], requestsPerLevel: '24' },
        warmup: { requests: 2 },
      },
      measurement: { replicates: 2, maxReplicates: 2, order: 'interleaved', maxRelativeCiHalfWidth: 0.9 },
    },
  };
}

function writeSpec(dir) {
  const file = path.join(dir, 'spec.yaml');
  fs.writeFileSync(file, JSON.stringify(smallSpec(), null, 2));
  return file;
}

// Starts Prometheus scraping 127.0.0.1:targetPort every second, with its TSDB in `dir`; resolves
// once /-/ready answers. Returns {url, stop(), log()}.
async function startPrometheus(dir, targetPort) {
  if (!fs.existsSync(kPrometheus)) {
    throw new Error(`${kPrometheus} is missing: install the Debian package "prometheus" (scripts/setup)`);
  }
  const config = path.join(dir, 'prometheus.yml');
  fs.writeFileSync(config, [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    'scrape_configs:',
    '  - job_name: inferbench-hot',
    '    static_configs:',
    `      - targets: ['127.0.0.1:${targetPort}']`,
    '',
  ].join('\n'));
  const port = await closedPort();
  const proc = spawn(kPrometheus, [
    `--config.file=${config}`,
    `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => {
    log = (log + chunk).slice(-64 << 10);
  });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const prom = { url: `http://127.0.0.1:${port}`, stop: () => stopChild(proc, exited), log: () => log };
  const ready = await waitFor(async () => {
    if (proc.exitCode !== null) return true;
    try {
      const res = await fetch(`${prom.url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      return res.status === 200;
    } catch {
      return false;
    }
  }, { timeoutMs: 30_000, intervalMs: 200 });
  if (!ready || proc.exitCode !== null) {
    await prom.stop();
    throw new Error(`prometheus did not become ready within 30 s\n${log}`);
  }
  return prom;
}

// GET /api/v1/query; returns data.result (throws on an API error).
async function query(prom, expr) {
  const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(expr)}`,
    { signal: AbortSignal.timeout(5000) });
  const body = await res.json();
  if (body.status !== 'success') throw new Error(`query ${expr}: ${JSON.stringify(body)}`);
  return body.data.result;
}

test('a real Prometheus scrapes the hot metrics of a run while it is in progress', { timeout: 120_000 }, async (t) => {
  const dir = tempDirFor(t, 'ib-hot-');
  const metricsPort = await closedPort();
  const prom = await startPrometheus(dir, metricsPort);
  try {
    const out = path.join(dir, 'run');
    const run = spawnBenchFor(t, [writeSpec(dir), '--sim', '--output-dir', out, '--metrics-port', String(metricsPort),
      '--metrics-label', 'node_pool=pool-a'], { command: 'run', timeoutMs: 100_000, env: { INFERBENCH_HOME: path.join(dir, 'home') } });
    let exited = false;
    run.done.then(() => {
      exited = true;
    });

    // Live: Prometheus sees requests counted before the run has ended.
    let seenDuringRun = false;
    await waitFor(async () => {
      if (exited) return true;
      const live = await query(prom, 'sum(inferbench_requests_total)').catch(() => []);
      seenDuringRun = !exited && live.length > 0 && Number(live[0].value[1]) > 0;
      return seenDuringRun;
    }, { timeoutMs: 90_000, intervalMs: 500 });
    const result = await run.done;
    assert.equal(result.code, 0, describe(result));
    assert.ok(seenDuringRun, 'Prometheus saw inferbench_requests_total > 0 before the run ended');
    assert.match(result.stderr, new RegExp(`hot metrics on http://127\\.0\\.0\\.1:${metricsPort}/metrics`));

    const runJson = JSON.parse(fs.readFileSync(path.join(out, 'run.json'), 'utf8'));
    // The target is gone now, so its series are marked stale at "now": read the last 10 minutes.
    const series = await query(prom, 'inferbench_requests_total[10m]');
    assert.ok(series.length > 0, `no inferbench_requests_total in Prometheus\n${prom.log()}`);
    const caseIds = new Set(runJson.points.map((p) => p.benchmark_case_id));
    let okTotal = 0;
    for (const s of series) {
      const m = s.metric;
      assert.equal(m.run_id, runJson.run_id, JSON.stringify(m));
      assert.ok(caseIds.has(m.benchmark_case_id), `unknown benchmark_case_id ${m.benchmark_case_id}`);
      assert.match(m.concurrency_bucket, /^(1|4-7)$/);
      assert.equal(m.cluster, 'test-cluster');
      assert.equal(m.gpu_model, 'sim-gpu');
      assert.equal(m.node_pool, 'pool-a');
      const last = Number(s.values.at(-1)[1]);
      if (m.outcome === 'ok') okTotal += last;
    }
    assert.ok(okTotal > 0, 'ok requests counted');

    // Every inferbench_* series Prometheus holds: only allowlisted labels.
    const everything = await query(prom, '{__name__=~"inferbench_.+"}[10m]');
    const names = new Set(everything.map((s) => s.metric.__name__));
    for (const name of ['inferbench_run_info', 'inferbench_ttft_seconds_bucket', 'inferbench_tpot_seconds_count',
      'inferbench_output_tokens_total', 'inferbench_point_replicates_completed', 'inferbench_hot_series_dropped_total']) {
      assert.ok(names.has(name), `${name} reached Prometheus (got ${[...names].join(', ')})`);
    }
    for (const s of everything) {
      for (const key of Object.keys(s.metric)) {
        assert.ok(kAllowed.has(key) || kNotOurs.has(key), `${s.metric.__name__} carries label ${key}`);
      }
    }
    const replicates = await query(prom, 'max by (benchmark_case_id) (last_over_time(inferbench_point_replicates_completed[10m]))');
    // Interleaved order finishes a replicate of each point mid-run; the very last one may land
    // after Prometheus's final scrape (a short run's tail is what --pushgateway is for).
    assert.equal(replicates.length, 2, JSON.stringify(replicates));
    for (const r of replicates) assert.ok(Number(r.value[1]) >= 1 && Number(r.value[1]) <= 2, JSON.stringify(r));
  } finally {
    await prom.stop();
  }
});

test('run --metrics-label request_id=x exits 2 naming request_id', { timeout: 60_000 }, async (t) => {
  const dir = tempDirFor(t, 'ib-hot-');
  const result = await runBench([writeSpec(dir), '--sim', '--output-dir', path.join(dir, 'run'),
    '--metrics-port', '0', '--metrics-label', 'request_id=x'],
  { command: 'run', timeoutMs: 50_000, env: { INFERBENCH_HOME: path.join(dir, 'home') } });
  assert.equal(result.code, 2, describe(result));
  assert.match(result.stderr, /--metrics-label request_id/);
  assert.match(result.stderr, /request_fact/);
  assert.ok(!fs.existsSync(path.join(dir, 'run')), 'nothing was run');
});
