// Helpers for the warehouse tests: a small BenchmarkRun spec against the fixed-latency simulator,
// running `inferbench <command>` with a private INFERBENCH_HOME, and reading JSON output.
import fs from 'node:fs';
import path from 'node:path';

import { describe, runBench } from './bench.mjs';

// A spec that measures in a few seconds: fixed TTFT/ITL, one concurrency level, 3 replicates.
export function fixedSpec({ name = 'wh-test', itlMs = 10, ttftMs = 20, outputTokens = 32, levels = [4],
  requests = '8', replicates = 3, seed = 7, schedule = 1, extra = {} } = {}) {
  return {
    apiVersion: 'inferbench.dev/v1alpha1',
    kind: 'BenchmarkRun',
    metadata: { name },
    spec: {
      intent: { mode: 'realism', kpis: ['output_throughput_tok_s', 'tpot_ms.p50'] },
      target: {
        model: 'sim',
        endpoint: 'chat',
        sim: { profile: 'fixed', args: { 'ttft-ms': String(ttftMs), 'itl-ms': String(itlMs) } },
      },
      workload: {
        dataset: { type: 'synthetic', inputTokens: { mean: 64 }, outputTokens: { mean: outputTokens } },
        seed,
        seeds: { schedule },
        load: { type: 'concurrency', levels, requestsPerLevel: requests },
        warmup: { requests: 2 },
      },
      measurement: { replicates, maxReplicates: replicates, order: 'interleaved', maxRelativeCiHalfWidth: 0.5 },
      ...extra,
    },
  };
}

export function writeSpec(dir, spec, name = 'spec.yaml') {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(spec, null, 2));
  return file;
}

// `inferbench <command> ...args` with INFERBENCH_HOME=home.
export function ib(home, command, args, options = {}) {
  return runBench(args, { ...options, command, env: { INFERBENCH_HOME: home, ...(options.env ?? {}) } });
}

// Runs a spec with --sim and returns {runId, dir, result}; fails the test when the run fails.
export async function runSpec(home, specFile, outDir, extraArgs = []) {
  const result = await ib(home, 'run', [specFile, '--sim', '--output-dir', outDir, '--json', ...extraArgs],
    { timeoutMs: 200_000 });
  if (result.code !== 0) throw new Error(`run ${specFile} exited ${result.code}: ${describe(result)}`);
  const run = JSON.parse(result.stdout);
  return { runId: run.run_id, dir: outDir, result, run };
}

export function parseJson(result) {
  try {
    return JSON.parse(result.stdout);
  } catch (e) {
    throw new Error(`not JSON on stdout (${e.message}): ${describe(result)}`);
  }
}
