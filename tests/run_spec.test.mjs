// `inferbench run SPEC` end to end against the simulator: the quick-start spec with --sim gives a
// judged run and a valid CTRF file; an impossible constraint exits 1; the readiness probe waits
// out a cold start and gives up (exit 2) when the window is shorter; a target killed mid-run
// leaves a partial run with every completed record; adaptive replicates stop at maxReplicates;
// Ctrl-C exits 130 with a readable partial run.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { describe, readJsonLines, readRunDir, runBench, spawnBenchFor, tempDirFor, waitFor } from './lib/bench.mjs';
import { repoRoot, startSimFor } from './lib/sim.mjs';

const runCmd = (args, options = {}) => runBench(args, { ...options, command: 'run' });

// A small spec against the fixed-latency simulator (TTFT 20 ms, ITL 2 ms): seconds per run.
function smallSpec(overrides = {}) {
  const spec = {
    apiVersion: 'inferbench.dev/v1alpha1',
    kind: 'BenchmarkRun',
    metadata: { name: 'run-test' },
    spec: {
      intent: { mode: 'realism', kpis: ['output_throughput_tok_s', 'ttft_ms.p50'] },
      target: {
        model: 'sim',
        endpoint: 'chat',
        sim: { profile: 'fixed', args: { 'ttft-ms': '20', 'itl-ms': '2' } },
      },
      workload: {
        dataset: { type: 'synthetic', inputTokens: { mean: 64 }, outputTokens: { mean: 16 } },
        seed: 7,
        load: { type: 'concurrency', levels: [1, 4], requestsPerLevel: '8' },
        warmup: { requests: 2 },
      },
      measurement: { replicates: 3, maxReplicates: 3, order: 'interleaved', maxRelativeCiHalfWidth: 0.5 },
      slo: { ttft_ms: 2000 },
      constraints: [{ metric: 'ttft_ms.p50', op: '<=', value: 2000, tolerance: 0.1 }],
    },
  };
  for (const [key, value] of Object.entries(overrides)) {
    // key like "spec.target.url"
    const parts = key.split('.');
    let node = spec;
    for (const part of parts.slice(0, -1)) node = node[part] ??= {};
    if (value === undefined) delete node[parts.at(-1)];
    else node[parts.at(-1)] = value;
  }
  return spec;
}

// Writes a spec (JSON is YAML) into dir and returns its path.
function writeSpec(dir, spec, name = 'spec.yaml') {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(spec, null, 2));
  return file;
}

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// Structural CTRF check (ctrf.io schema: required members and their types).
function ctrfProblems(ctrf) {
  const problems = [];
  if (ctrf.reportFormat !== 'CTRF') problems.push('reportFormat is not "CTRF"');
  if (typeof ctrf.specVersion !== 'string') problems.push('specVersion is not a string');
  const results = ctrf.results;
  if (!results || typeof results !== 'object') return [...problems, 'no results object'];
  if (typeof results.tool?.name !== 'string') problems.push('results.tool.name missing');
  const s = results.summary ?? {};
  for (const key of ['tests', 'passed', 'failed', 'skipped', 'pending', 'other', 'start', 'stop']) {
    if (!Number.isInteger(s[key])) problems.push(`results.summary.${key} is not an integer`);
  }
  if (!Array.isArray(results.tests)) return [...problems, 'results.tests is not an array'];
  if (s.tests !== results.tests.length) problems.push('summary.tests differs from tests.length');
  const statuses = new Set(['passed', 'failed', 'skipped', 'pending', 'other']);
  let counted = 0;
  for (const [i, t] of results.tests.entries()) {
    if (typeof t.name !== 'string' || t.name === '') problems.push(`tests[${i}].name`);
    if (!statuses.has(t.status)) problems.push(`tests[${i}].status ${t.status}`);
    if (!Number.isInteger(t.duration)) problems.push(`tests[${i}].duration is not an integer`);
    if (typeof t.extra?.inferbench !== 'object') problems.push(`tests[${i}].extra.inferbench missing`);
    counted += t.status === 'passed' ? 1 : 0;
  }
  if (counted !== s.passed) problems.push('summary.passed differs from the tests');
  return problems;
}

function emptyStrings(value, at = '$') {
  if (value === '') return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => emptyStrings(v, `${at}[${i}]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => emptyStrings(v, `${at}.${k}`));
  return [];
}

test('the quick-start spec runs against the simulator and passes its gate with a valid CTRF file', async (t) => {
  const dir = tempDirFor(t, 'ib-run-');
  const out = path.join(dir, 'run');
  const ctrfPath = path.join(dir, 'ctrf.json');
  const result = await runCmd([path.join(repoRoot, 'examples', 'quickstart.yaml'), '--sim', '--output-dir', out,
    '--ctrf', ctrfPath, '--json'], { timeoutMs: 280_000 });
  assert.equal(result.code, 0, describe(result));
  const printed = JSON.parse(result.stdout);
  assert.equal(printed.schema, 'inferbench.run/v1');
  const run = readJson(path.join(out, 'run.json'));
  assert.deepEqual(printed, run, 'run --json prints run.json');
  assert.equal(run.status, 'ok');
  assert.match(run.tier, /^(VERDICT|DRAFT)$/);
  assert.match(run.workload_spec_digest, /^[0-9a-f]{64}$/);
  assert.ok(run.points.length >= 2, 'a sweep');
  for (const point of run.points) {
    assert.ok(point.replicates >= 3, `${point.point}: ${point.replicates} replicates`);
    const tput = point.metrics.output_throughput_tok_s;
    assert.ok(tput.n >= 3 && tput.ci_method === 't', `${point.point}: ${JSON.stringify(tput)}`);
    assert.ok(tput.ci_low <= tput.mean && tput.mean <= tput.ci_high);
    assert.equal(tput.replicates.length, point.replicates);
    assert.match(point.benchmark_case_id, /^[0-9a-f]{64}$/);
    if (point.tier === 'DRAFT') assert.ok(point.reasons.length > 0, 'a DRAFT says why');
  }
  assert.ok(run.gate.length > 0 && run.gate_status === 'passed', JSON.stringify(run.gate));
  const ctrf = readJson(ctrfPath);
  assert.deepEqual(ctrfProblems(ctrf), []);
  assert.equal(ctrf.results.summary.failed, 0);
  assert.deepEqual(readJson(path.join(out, 'ctrf.json')), ctrf);

  // Every replicate's records were kept, and the server's metrics were scraped during points.
  const files = readRunDir(out);
  const measured = files.summary.points.reduce((n, p) => n + p.requests.completed + p.requests.errored, 0);
  const records = files.requests.records.filter((r) => !r.warmup);
  assert.equal(records.length, measured);
  const scrapes = readJsonLines(path.join(out, 'telemetry.jsonl')).records;
  for (const phase of ['before', 'during', 'after']) {
    assert.ok(scrapes.some((s) => s.phase === phase), `telemetry has ${phase} scrapes`);
  }
  assert.ok(files.summary.points.every((p) => typeof p.metrics.server_running_mean === 'number'),
    'per-point server telemetry');
  const env = readJson(path.join(out, 'environment.json'));
  assert.deepEqual(emptyStrings(env), [], 'no blank environment fields');
  const version = readJson(path.join(out, 'target_version.json'));
  assert.equal(version.body.engine, 'inferbench-sim');
});

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

test('an impossible constraint exits 1 and marks the test failed in CTRF; secrets stay out of every file', async (t) => {
  const dir = tempDirFor(t, 'ib-run-');
  const apiKey = 'sk-ib-test-key-5Zq81';
  const headerSecret = 'hdr-secret-value-77Lw';
  const spec = smallSpec({
    'spec.target.apiKeyEnv': 'IB_TEST_API_KEY',
    'spec.target.headers': { 'X-Team-Token': '${IB_TEST_HEADER}' },
    'spec.constraints': [{ metric: 'output_throughput_tok_s', op: '>=', value: 1e9, at: 'concurrency=4' }],
  });
  const ctrfPath = path.join(dir, 'ctrf.json');
  const out = path.join(dir, 'run');
  const result = await runCmd([writeSpec(dir, spec), '--sim', '--output-dir', out, '--ctrf', ctrfPath, '--json'],
    { env: { IB_TEST_API_KEY: apiKey, IB_TEST_HEADER: headerSecret } });
  assert.equal(result.code, 1, describe(result));
  const ctrf = readJson(ctrfPath);
  assert.deepEqual(ctrfProblems(ctrf), []);
  assert.equal(ctrf.results.summary.failed, 1);
  assert.equal(JSON.parse(result.stdout).gate_status, 'failed');
  assert.match(result.stderr, /FAIL/);
  for (const file of [...filesUnder(out), { path: ctrfPath, text: fs.readFileSync(ctrfPath, 'latin1') },
    { path: 'stdout', text: result.stdout }, { path: 'stderr', text: result.stderr }]) {
    assert.ok(!file.text.includes(apiKey), `${file.path} holds the API key`);
    assert.ok(!file.text.includes(headerSecret), `${file.path} holds the header secret`);
  }
});

test('a header naming an unset variable exits 2 naming it', async (t) => {
  const dir = tempDirFor(t, 'ib-run-');
  const spec = smallSpec({ 'spec.target.headers': { 'X-Team-Token': '${IB_TEST_UNSET_HEADER_9}' } });
  const result = await runCmd([writeSpec(dir, spec), '--sim', '--output-dir', path.join(dir, 'run')],
    { env: { IB_TEST_UNSET_HEADER_9: undefined } });
  assert.equal(result.code, 2, describe(result));
  assert.match(result.stderr, /IB_TEST_UNSET_HEADER_9/);
  assert.match(result.stderr, /spec\.target\.headers/);
});

test('the readiness probe waits out a cold start', async (t) => {
  const dir = tempDirFor(t, 'ib-run-');
  const spec = smallSpec({
    'spec.target.sim.args': { 'ttft-ms': '20', 'itl-ms': '2', 'startup-delay': '5s' },
    'spec.target.readiness': { timeout: '60s', window: '90s' },
    'spec.workload.load.levels': [2],
    'spec.measurement.replicates': 1,
    'spec.measurement.maxReplicates': 1,
  });
  const result = await runCmd([writeSpec(dir, spec), '--sim', '--output-dir', path.join(dir, 'run'), '--json']);
  assert.equal(result.code, 0, describe(result));
  const run = JSON.parse(result.stdout);
  assert.ok(run.cold_start_s >= 4 && run.cold_start_s < 60, `cold start ${run.cold_start_s} s`);
  assert.match(result.stderr, /target ready after/);
});

test('a readiness window shorter than the cold start exits 2 with a clear message', async (t) => {
  const dir = tempDirFor(t, 'ib-run-');
  const spec = smallSpec({
    'spec.target.sim.args': { 'ttft-ms': '20', 'itl-ms': '2', 'startup-delay': '5s' },
    'spec.target.readiness': { timeout: '1s', window: '2s' },
  });
  const out = path.join(dir, 'run');
  const result = await runCmd([writeSpec(dir, spec), '--sim', '--output-dir', out]);
  assert.equal(result.code, 2, describe(result));
  assert.match(result.stderr, /not ready within 2s/);
  assert.match(result.stderr, /readiness/);
  assert.ok(!fs.existsSync(path.join(out, 'requests.jsonl')) || readJsonLines(path.join(out, 'requests.jsonl')).lines.length === 0);
});

test('a target killed mid-run gives a partial run with every completed record kept, exit 2', async (t) => {
  const dir = tempDirFor(t, 'ib-run-');
  const sim = await startSimFor(t, ['--profile', 'fixed', '--ttft-ms', '20', '--itl-ms', '20']);
  const spec = smallSpec({
    'spec.target.url': sim.url,
    'spec.target.sim': undefined,
    'spec.workload.load.levels': [2],
    'spec.workload.load.requestsPerLevel': '400',
  });
  const out = path.join(dir, 'run');
  const run = spawnBenchFor(t, [writeSpec(dir, spec), '--output-dir', out], { command: 'run' });
  const requests = path.join(out, 'requests.jsonl');
  await waitFor(() => readJsonLines(requests).records.filter((r) => !r.warmup).length >= 10, { timeoutMs: 60_000 });
  sim.proc.kill('SIGKILL');
  const result = await run.done;
  assert.equal(result.code, 2, describe(result));
  assert.match(result.stderr, /stopped answering/);
  assert.match(result.stderr, /partial/);
  const files = readRunDir(out);
  assert.equal(files.summary.status, 'partial');
  const runJson = readJson(path.join(out, 'run.json'));
  assert.equal(runJson.status, 'partial');
  const completed = files.requests.records.filter((r) => !r.warmup && r.error_class === 'none');
  assert.ok(completed.length >= 10, `${completed.length} completed records kept`);
  assert.equal(files.requests.bad.length, 0, 'every line parses');
  const counted = files.summary.points.reduce((n, p) => n + p.requests.completed, 0);
  assert.equal(counted, completed.length, 'the summary counts every completed record');
});

test('extra replicates are added while a KPI is unstable, up to maxReplicates', async (t) => {
  const dir = tempDirFor(t, 'ib-run-');
  const spec = smallSpec({
    'spec.workload.load.levels': [2],
    'spec.measurement.replicates': 3,
    'spec.measurement.maxReplicates': 5,
    // Unreachably tight: every round leaves the KPIs unstable.
    'spec.measurement.maxRelativeCiHalfWidth': 1e-9,
  });
  const out = path.join(dir, 'run');
  const result = await runCmd([writeSpec(dir, spec), '--sim', '--output-dir', out, '--json']);
  assert.equal(result.code, 0, describe(result));
  const run = JSON.parse(result.stdout);
  assert.equal(run.points[0].replicates, 5);
  assert.equal(run.points[0].tier, 'DRAFT');
  assert.ok(run.points[0].reasons.some((r) => /half-width/.test(r)), JSON.stringify(run.points[0].reasons));
  assert.equal(run.points[0].outlier_policy.startsWith('applied'), true, 'n = 5: the outlier policy applies');
  assert.match(result.stderr, /adding one/);
});

test('a bad spec exits 2 naming the YAML path and line', async (t) => {
  const dir = tempDirFor(t, 'ib-run-');
  const file = path.join(dir, 'bad.yaml');
  fs.writeFileSync(file, [
    'apiVersion: inferbench.dev/v1alpha1',
    'kind: BenchmarkRun',
    'metadata: {name: bad}',
    'spec:',
    '  target: {url: "http://127.0.0.1:9", model: m}',
    '  workload:',
    '    load: {type: concurrency, levels: [1], requestsPerLevl: 4}',
    '',
  ].join('\n'));
  const result = await runCmd([file, '--output-dir', path.join(dir, 'run')]);
  assert.equal(result.code, 2, describe(result));
  assert.match(result.stderr, /bad\.yaml:7/);
  assert.match(result.stderr, /requestsPerLevl/);
  assert.match(result.stderr, /requestsPerLevel/, 'suggests the right key');
});

test('Ctrl-C exits 130 and leaves a readable partial run', async (t) => {
  const dir = tempDirFor(t, 'ib-run-');
  const spec = smallSpec({
    'spec.workload.load.levels': [2],
    'spec.workload.load.requestsPerLevel': '2000',
    'spec.target.sim.args': { 'ttft-ms': '20', 'itl-ms': '20' },
  });
  const out = path.join(dir, 'run');
  const run = spawnBenchFor(t, [writeSpec(dir, spec), '--sim', '--output-dir', out], { command: 'run' });
  const requests = path.join(out, 'requests.jsonl');
  await waitFor(() => readJsonLines(requests).records.filter((r) => !r.warmup).length >= 5, { timeoutMs: 60_000 });
  run.proc.kill('SIGINT');
  const result = await run.done;
  assert.equal(result.code, 130, describe(result));
  const files = readRunDir(out);
  assert.equal(files.summary.status, 'partial');
  assert.equal(files.requests.bad.length, 0);
  assert.equal(readJson(path.join(out, 'run.json')).status, 'partial');
});
