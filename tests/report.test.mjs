// `inferbench report` end to end (issue 7): two small runs against the fixed-latency simulator
// (ITL 10 ms and 12 ms), then the report of the first in every format and audience, `--vs` with
// the second (what changed + verdicts), `-o FILE`, and the errors: an unknown run and a bad
// --format exit 2 with a message naming the input.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { describe, tempDirFor } from './lib/bench.mjs';
import { fixedSpec, ib, parseJson, runSpec, writeSpec } from './lib/store.mjs';

const kChartIds = ['throughput-vs-load', 'ttft-vs-load', 'tpot-vs-load', 'pareto', 'ttft-cdf', 'chunk-gap-cdf',
  'timeline', 'telemetry-batch', 'telemetry-cache'];

async function report(home, args) {
  return ib(home, 'report', args, { timeoutMs: 60_000 });
}

test('report renders a stored run for every audience and format, --vs, -o and errors', async (t) => {
  const dir = tempDirFor(t, 'ib-report-');
  const home = path.join(dir, 'home');
  const specA = writeSpec(dir, fixedSpec({ name: 'report-a', itlMs: 10, levels: [1, 4], requests: '8' }), 'a.yaml');
  const specB = writeSpec(dir, fixedSpec({ name: 'report-b', itlMs: 12, levels: [1, 4], requests: '8' }), 'b.yaml');
  const a = await runSpec(home, specA, path.join(dir, 'run-a'));
  const b = await runSpec(home, specB, path.join(dir, 'run-b'));

  await t.test('json: schema, every point with n and CI, findings and the next lever', async () => {
    const result = await report(home, [a.runId, '--format', 'json']);
    assert.equal(result.code, 0, describe(result));
    const doc = parseJson(result);
    assert.equal(doc.schema, 'inferbench.report/v1');
    assert.equal(doc.audience, 'engineering');
    assert.equal(doc.run.run_id, a.runId);
    assert.deepEqual(doc.points.map((p) => p.point), ['concurrency=1', 'concurrency=4']);
    for (const p of doc.points) {
      const tput = p.metrics.output_throughput_tok_s;
      assert.equal(tput.n, 3);
      assert.ok(tput.ci_low <= tput.mean && tput.mean <= tput.ci_high, JSON.stringify(tput));
      assert.ok(['VERDICT', 'DRAFT'].includes(p.tier));
      assert.ok(p.requests.total >= 8);
    }
    // The fixed profile's ITL is 10 ms: chunk gaps come from the evidence's token times.
    assert.equal(doc.distributions.token_times_available, true);
    const gaps = doc.distributions.chunk_gap_ms[0];
    assert.ok(Math.abs(gaps.p50 - 10) < 3, JSON.stringify(gaps));
    assert.ok(Array.isArray(doc.findings));
    assert.ok(doc.next_lever.lever.length > 0 && doc.next_lever.check.length > 0);
    assert.match(doc.repro.run_command, /^inferbench run .* --sim$/);
    assert.match(doc.repro.bench_command, /^inferbench bench --url http:\/\/127\.0\.0\.1:8000 --model sim/);
  });

  await t.test('every audience in every format', async () => {
    for (const audience of ['engineering', 'product', 'partner']) {
      for (const format of ['text', 'md', 'json', 'html']) {
        const result = await report(home, [a.runId, '--audience', audience, '--format', format]);
        assert.equal(result.code, 0, `${audience}/${format}: ${describe(result)}`);
        assert.match(result.stdout, /Next lever/, `${audience}/${format}`);
        if (format === 'json') assert.equal(parseJson(result).audience, audience);
        if (format === 'md') assert.match(result.stdout, /^# inferbench report: report-a/);
        if (format === 'text') assert.match(result.stdout, /n=3/);
      }
    }
  });

  await t.test('html: self-contained with every chart', async () => {
    const out = path.join(dir, 'report.html');
    const result = await report(home, [a.runId.slice(0, 18), '--format', 'html', '-o', out]);
    assert.equal(result.code, 0, describe(result));
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /wrote .*report\.html/);
    const html = fs.readFileSync(out, 'utf8');
    assert.equal(html.match(/<html/g).length, 1);
    for (const id of kChartIds) assert.ok(html.includes(`data-chart="${id}"`), id);
    assert.ok(!/<script/i.test(html));
    assert.ok(!/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i.test(html), 'external reference');
    assert.ok(!/url\(\s*["']?(?!#)/i.test(html), 'external url()');
  });

  await t.test('--vs: what changed on top, compare verdicts', async () => {
    const text = await report(home, [b.runId, '--vs', a.runId]);
    assert.equal(text.code, 0, describe(text));
    assert.match(text.stdout, /What changed:/);
    assert.match(text.stdout, /itl_ms: 10 → 12/);
    assert.ok(text.stdout.indexOf('What changed:') < text.stdout.indexOf('Metrics per point'));
    assert.match(text.stdout, /chunk_gap_ms\.p50 .* regressed/);
    const json = parseJson(await report(home, [b.runId, '--vs', a.runId, '--format', 'json']));
    assert.equal(json.comparison.runs[0].run_id, a.runId);
    const html = await report(home, [b.runId, '--vs', a.runId, '--format', 'html']);
    assert.equal(html.code, 0, describe(html));
    assert.ok(html.stdout.includes('data-chart="compare-throughput"'));
  });

  await t.test('errors exit 2 and name the input', async () => {
    const unknown = await report(home, ['nosuchrun']);
    assert.equal(unknown.code, 2, describe(unknown));
    assert.match(unknown.stderr, /nosuchrun/);
    assert.match(unknown.stderr, /runs list/);
    const badFormat = await report(home, [a.runId, '--format', 'pdf']);
    assert.equal(badFormat.code, 2, describe(badFormat));
    assert.match(badFormat.stderr, /--format: .*"pdf".*text, md, json or html/);
    const badAudience = await report(home, [a.runId, '--audience', 'sales']);
    assert.equal(badAudience.code, 2, describe(badAudience));
    assert.match(badAudience.stderr, /engineering, product or partner/);
    const unknownVs = await report(home, [a.runId, '--vs', 'nosuchrun']);
    assert.equal(unknownVs.code, 2, describe(unknownVs));
    assert.match(unknownVs.stderr, /--vs .*nosuchrun/);
    const badOut = await report(home, [a.runId, '-o', path.join(dir, 'missing-dir', 'r.txt')]);
    assert.equal(badOut.code, 2, describe(badOut));
    assert.match(badOut.stderr, /-o .*missing-dir/);
  });
});
