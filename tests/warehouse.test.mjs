// The evidence store and the warehouse end to end (issue 6), against the simulator:
//   - two runs differing only in the simulator's ITL (10 vs 11 ms): `compare` says tpot_ms
//     regressed with a CI excluding zero and names exactly one differing dimension; `lineage`
//     walks a number back to verified artifacts;
//   - `verify` passes on a fresh run and fails naming the artifact after one byte changes; a
//     signed run verifies and fails against another key;
//   - `warehouse export --parquet` read back by DuckDB with equal row counts; `warehouse rebuild`
//     from the evidence alone gives the same query results (checksums);
//   - kill -9 during `warehouse ingest` leaves the warehouse openable with the run fully in or
//     absent; a re-ingest completes it;
//   - a reader holding the warehouse while `run` finishes: the run waits a bounded time, keeps
//     everything in the evidence store and says how to ingest it later.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { describe, spawnBench, tempDirFor } from './lib/bench.mjs';
import { stopChild } from './lib/sim.mjs';
import { fixedSpec, ib, parseJson, runSpec, writeSpec } from './lib/store.mjs';

// Rows of `inferbench warehouse query SQL --json`.
async function query(home, sql) {
  const result = await ib(home, 'warehouse', ['query', sql, '--json']);
  assert.equal(result.code, 0, describe(result));
  return parseJson(result);
}

// A checksum of every curated table, independent of row order and of ingestion time.
async function tableChecksums(home) {
  const sums = {};
  for (const table of ['benchmark_run_fact', 'serving_outcome_fact', 'serving_replicate_fact', 'request_fact',
    'telemetry_slice_fact', 'software_version_dim', 'hardware_topology_dim', 'cluster_region_dim', 'workload_dim',
    'artifact_lineage_dim']) {
    const exclude = table === 'benchmark_run_fact' ? ' EXCLUDE (ingested_at)' : '';
    const rows = await query(home,
      `SELECT count(*) AS n, coalesce(sum(hash(t::VARCHAR)), 0)::VARCHAR AS h FROM (SELECT *${exclude} FROM ${table}) t`);
    sums[table] = `${rows[0].n}:${rows[0].h}`;
  }
  return sums;
}

// Every object file under the evidence store.
function objectFiles(home) {
  const root = path.join(home, 'evidence', 'objects');
  return fs.readdirSync(root).flatMap((d) => fs.readdirSync(path.join(root, d)).map((f) => path.join(root, d, f)));
}

function manifestOf(home, runId) {
  return JSON.parse(fs.readFileSync(path.join(home, 'evidence', 'manifests', `${runId}.json`), 'utf8'));
}

// Flips one byte in the middle of a file (objects are read-only after writing).
function flipByte(file) {
  fs.chmodSync(file, 0o644);
  const bytes = fs.readFileSync(file);
  const i = Math.floor(bytes.length / 2);
  const original = bytes[i];
  bytes[i] ^= 0x5a;
  fs.writeFileSync(file, bytes);
  return () => {
    bytes[i] = original;
    fs.writeFileSync(file, bytes);
    fs.chmodSync(file, 0o444);
  };
}

test('an ITL change is a tpot_ms regression with one differing dimension; lineage and verify walk it', async (t) => {
  const home = tempDirFor(t, 'ib-wh-');
  // 5 replicates of 16 requests: p50 is not low_n, and Welch has a few degrees of freedom.
  const specOf = (itlMs) => fixedSpec({ itlMs, requests: '16', replicates: 5 });
  const a = await runSpec(home, writeSpec(home, specOf(10), 'a.yaml'), path.join(home, 'run-a'));
  const b = await runSpec(home, writeSpec(home, specOf(11), 'b.yaml'), path.join(home, 'run-b'));
  assert.match(a.result.stderr, /evidence: \d+ artifacts/);
  assert.match(a.result.stderr, /warehouse: \d+ requests/);

  const listed = parseJson(await ib(home, 'runs', ['list', '--json']));
  const ids = JSON.stringify(listed);
  assert.ok(ids.includes(a.runId) && ids.includes(b.runId), ids);

  const compared = await ib(home, 'compare', [a.runId, b.runId, '--json']);
  assert.equal(compared.code, 1, `a regression exits 1: ${describe(compared)}`);
  const report = parseJson(compared);
  const pair = report.comparisons[0];
  assert.equal(pair.changed.length, 1, JSON.stringify(pair.changed));
  assert.match(JSON.stringify(pair.changed[0]), /itl_ms: 10 → 11/);
  assert.equal(pair.exploratory, false);
  const tpot = pair.points.flatMap((p) => p.metrics).filter((m) => m.metric === 'tpot_ms.p50');
  assert.ok(tpot.length > 0, 'tpot_ms.p50 compared');
  for (const m of tpot) {
    assert.equal(m.verdict, 'regressed', JSON.stringify(m));
    assert.ok(m.change.ci_low > 0 && m.holm.ci_low > 0.02, `CI excludes zero: ${JSON.stringify(m)}`);
  }

  // Swapped: an improvement, exit 0.
  const swapped = await ib(home, 'compare', [b.runId, a.runId, '--json']);
  assert.equal(swapped.code, 0, describe(swapped));

  // Lineage: number → query → run → manifest → artifacts, publication-safe.
  const point = a.run.points[0].point;
  const lineage = await ib(home, 'lineage', [a.runId, '--metric', 'tpot_ms.p50', '--point', point, '--deep', '--json']);
  assert.equal(lineage.code, 0, describe(lineage));
  const walk = parseJson(lineage);
  assert.equal(walk.publication_safe, true, JSON.stringify(walk));
  assert.match(lineage.stdout, /query_spec_digest/);

  // verify: fresh run passes; one changed byte in one object fails naming the artifact.
  const verified = await ib(home, 'verify', [a.runId]);
  assert.equal(verified.code, 0, describe(verified));
  const manifest = manifestOf(home, a.runId);
  const target = manifest.artifacts.find((x) => x.name === 'summary.json');
  const objectPath = path.join(home, 'evidence', 'objects', target.digest.slice(0, 2), target.digest.slice(2));
  const restore = flipByte(objectPath);
  const tampered = await ib(home, 'verify', [a.runId]);
  assert.equal(tampered.code, 1, describe(tampered));
  assert.match(tampered.stdout + tampered.stderr, /summary\.json/);
  const unsafe = await ib(home, 'lineage', [a.runId, '--deep', '--json']);
  assert.equal(unsafe.code, 1, describe(unsafe));
  assert.equal(parseJson(unsafe).publication_safe, false);
  restore();
  assert.equal((await ib(home, 'verify', [a.runId])).code, 0);
});

test('a signed run verifies with its key and fails with another', async (t) => {
  const home = tempDirFor(t, 'ib-wh-sign-');
  const key = path.join(home, 'key.pem');
  const other = path.join(home, 'other.pem');
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', key]);
  execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', other]);
  execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-out', `${key}.pub`]);
  execFileSync('openssl', ['pkey', '-in', other, '-pubout', '-out', `${other}.pub`]);
  const spec = fixedSpec({ requests: '4', replicates: 2, extra: { provenance: { sign: true, keyFile: key } } });
  const run = await runSpec(home, writeSpec(home, spec), path.join(home, 'run'));
  assert.equal(manifestOf(home, run.runId).signing.signed, true);

  const ok = await ib(home, 'verify', [run.runId, '--public-key', `${key}.pub`, '--json']);
  assert.equal(ok.code, 0, describe(ok));
  assert.equal(parseJson(ok).signature, 'verified');
  const wrong = await ib(home, 'verify', [run.runId, '--public-key', `${other}.pub`, '--json']);
  assert.equal(wrong.code, 1, describe(wrong));
  assert.equal(parseJson(wrong).signature, 'wrong key');

  // A missing key file is refused before anything is measured.
  const bad = fixedSpec({ extra: { provenance: { sign: true, keyFile: path.join(home, 'nope.pem') } } });
  const refused = await ib(home, 'run', [writeSpec(home, bad, 'bad.yaml'), '--sim']);
  assert.equal(refused.code, 2, describe(refused));
  assert.match(refused.stderr, /nope\.pem/);
});

test('Parquet export is read back by DuckDB; rebuild from evidence reproduces every table', async (t) => {
  const home = tempDirFor(t, 'ib-wh-pq-');
  for (const itl of [5, 6]) {
    await runSpec(home, writeSpec(home, fixedSpec({ itlMs: itl, requests: '6' }), `s${itl}.yaml`),
      path.join(home, `run-${itl}`));
  }
  const before = await tableChecksums(home);
  assert.notEqual(before.request_fact.split(':')[0], '0');

  const out = path.join(home, 'parquet');
  const exported = await ib(home, 'warehouse', ['export', '--parquet', out]);
  assert.equal(exported.code, 0, describe(exported));
  for (const table of ['benchmark_run_fact', 'serving_outcome_fact', 'serving_replicate_fact', 'request_fact',
    'workload_dim', 'artifact_lineage_dim']) {
    const [{ n }] = await query(home, `SELECT count(*) AS n FROM ${table}`);
    const [{ m }] = await query(home,
      `SELECT count(*) AS m FROM read_parquet('${out}/${table}/**/*.parquet', hive_partitioning = true)`);
    assert.equal(m, n, `${table}: ${m} rows in Parquet, ${n} in the warehouse`);
  }
  assert.ok(fs.readdirSync(path.join(out, 'request_fact')).some((d) => d.startsWith('run_date=')), 'Hive partitions');

  const rebuilt = await ib(home, 'warehouse', ['rebuild']);
  assert.equal(rebuilt.code, 0, describe(rebuilt));
  assert.deepEqual(await tableChecksums(home), before);
});

// A copy of a run directory under a new run id with `copies` × its requests (a big ingest).
function inflateRun(src, dst, runId, copies) {
  fs.mkdirSync(dst, { recursive: true });
  for (const name of fs.readdirSync(src)) {
    let text = fs.readFileSync(path.join(src, name), 'utf8');
    if (name === 'run.json' || name === 'summary.json') {
      const json = JSON.parse(text);
      json.run_id = runId;
      text = JSON.stringify(json);
    }
    if (name === 'requests.jsonl') {
      const lines = text.trim().split('\n');
      const out = [];
      for (let c = 0; c < copies; ++c) {
        for (const line of lines) {
          const r = JSON.parse(line);
          r.request_id = `${r.request_id}-${c}`;
          out.push(JSON.stringify(r));
        }
      }
      text = `${out.join('\n')}\n`;
    }
    fs.writeFileSync(path.join(dst, name), text);
  }
}

test('kill -9 during ingest leaves the run fully in or absent; a re-ingest completes it', async (t) => {
  const home = tempDirFor(t, 'ib-wh-crash-');
  const base = await runSpec(home, writeSpec(home, fixedSpec({ requests: '8' })), path.join(home, 'run'));
  const perCopy = fs.readFileSync(path.join(base.dir, 'requests.jsonl'), 'utf8').trim().split('\n').length;
  const copies = Math.ceil(150_000 / perCopy);
  const bigId = `${base.runId.slice(0, -4)}beef`;
  const big = path.join(home, 'big');
  inflateRun(base.dir, big, bigId, copies);
  const expected = perCopy * copies;

  let killedRunning = 0;
  for (const delayMs of [150, 400, 900, 1600, 2500]) {
    const child = spawnBench(['ingest', big], { command: 'warehouse', env: { INFERBENCH_HOME: home }, echoStderr: false });
    await new Promise((r) => setTimeout(r, delayMs));
    if (child.proc.exitCode === null) {
      child.proc.kill('SIGKILL');
      ++killedRunning;
    }
    const done = await child.done;
    const [{ n }] = await query(home, `SELECT count(*) AS n FROM request_fact WHERE run_id = '${bigId}'`);
    const [{ runs }] = await query(home, `SELECT count(*) AS runs FROM benchmark_run_fact WHERE run_id = '${bigId}'`);
    assert.ok((n === 0 && runs === 0) || (n === expected && runs === 1),
      `after kill at ${delayMs} ms (exit ${done.code}/${done.signal}): ${n} of ${expected} request rows, ${runs} run rows`);
    if (n === expected) break;
  }
  assert.ok(killedRunning > 0, 'at least one ingest was killed while running');
  const again = await ib(home, 'warehouse', ['ingest', big], { timeoutMs: 200_000 });
  assert.equal(again.code, 0, describe(again));
  const [{ n }] = await query(home, `SELECT count(*) AS n FROM request_fact WHERE run_id = '${bigId}'`);
  assert.equal(n, expected);
  assert.equal((await ib(home, 'verify', [bigId])).code, 0);
});

test('a reader holding the warehouse does not make `run` lose anything', async (t) => {
  const home = tempDirFor(t, 'ib-wh-hold-');
  const spec = writeSpec(home, fixedSpec({ requests: '4', replicates: 2 }));
  await runSpec(home, spec, path.join(home, 'first'));  // creates the warehouse
  const holder = spawn(process.env.INFERBENCH_HOLD_BIN, [path.join(home, 'warehouse.duckdb'), '60000'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => holder.on('exit', (code, signal) => resolve({ code, signal })));
  t.after(() => stopChild(holder, exited));
  await new Promise((resolve, reject) => {
    holder.stdout.on('data', (d) => { if (String(d).includes('holding')) resolve(); });
    exited.then(({ code }) => reject(new Error(`hold_warehouse exited ${code}`)));
  });

  const second = await runSpec(home, spec, path.join(home, 'second'), ['--ingest-wait', '1s']);
  assert.match(second.result.stderr, /warehouse busy/);
  assert.match(second.result.stderr, /warehouse ingest/);
  assert.ok(fs.existsSync(path.join(home, 'evidence', 'manifests', `${second.runId}.json`)), 'evidence kept');
  await stopChild(holder, exited);

  const ingested = await ib(home, 'warehouse', ['ingest', second.dir]);
  assert.equal(ingested.code, 0, describe(ingested));
  const [{ n }] = await query(home, `SELECT count(*) AS n FROM benchmark_run_fact WHERE run_id = '${second.runId}'`);
  assert.equal(n, 1);
  const records = fs.readFileSync(path.join(second.dir, 'requests.jsonl'), 'utf8').trim().split('\n').length;
  const [{ m }] = await query(home, `SELECT count(*) AS m FROM request_fact WHERE run_id = '${second.runId}'`);
  assert.equal(m, records);
});
