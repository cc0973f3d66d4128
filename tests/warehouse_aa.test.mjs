// A/A comparisons (issue 6): pairs of runs of the same configuration that differ only in their
// schedule seed. `compare` must raise a false alarm (any `regressed` or `improved` verdict) in at
// most α of the pairs: Holm's correction across metrics × points keeps the family-wise rate at α.
// The measured rate is printed (docs/PERFORMANCE.md records it).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import { describe, tempDirFor } from './lib/bench.mjs';
import { fixedSpec, ib, parseJson, runSpec, writeSpec } from './lib/store.mjs';

const kPairs = 20;
const kAlpha = 0.05;

test(`A/A pairs: false-alarm rate <= ${kAlpha} over ${kPairs} seeded pairs`, async (t) => {
  const home = tempDirFor(t, 'ib-wh-aa-');
  let alarms = 0;
  let compared = 0;
  const verdicts = {};
  for (let pair = 0; pair < kPairs; ++pair) {
    const runs = [];
    for (const side of [0, 1]) {
      const spec = fixedSpec({ name: 'aa', itlMs: 2, ttftMs: 10, outputTokens: 16, levels: [2], requests: '12',
        schedule: 1000 + 2 * pair + side });
      runs.push(await runSpec(home, writeSpec(home, spec, `aa-${pair}-${side}.yaml`), path.join(home, `r${pair}-${side}`)));
    }
    const result = await ib(home, 'compare', [runs[0].runId, runs[1].runId, '--json']);
    assert.ok(result.code === 0 || result.code === 1, describe(result));
    const report = parseJson(result);
    const pairReport = report.comparisons[0];
    assert.equal(pairReport.changed.length, 0, JSON.stringify(pairReport.changed));
    let alarm = false;
    for (const point of pairReport.points) {
      for (const m of point.metrics) {
        verdicts[m.verdict] = (verdicts[m.verdict] ?? 0) + 1;
        if (m.verdict === 'regressed' || m.verdict === 'improved') {
          alarm = true;
          console.log(`pair ${pair}: false alarm ${m.metric} @ ${point.point}: ${m.verdict} ${JSON.stringify(m)}`);
        }
      }
    }
    alarms += alarm ? 1 : 0;
    compared += 1;
  }
  const rate = alarms / compared;
  console.log(`A/A false-alarm rate: ${alarms}/${compared} = ${rate.toFixed(3)} (alpha ${kAlpha}); verdicts ${JSON.stringify(verdicts)}`);
  assert.ok(rate <= kAlpha, `false-alarm rate ${rate} > ${kAlpha}`);
});
