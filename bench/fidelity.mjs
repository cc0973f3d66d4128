// Timestamp fidelity (DESIGN.md §11): how far the client's timestamps are from the simulator's
// ground truth at N concurrent streams. Starts `inferbench sim --profile fixed --trace-file`,
// runs `inferbench bench` against it, matches requests by arrival (client and server share
// CLOCK_MONOTONIC on this machine) and prints p50/p99/max of |client − server| for the first
// token and for every token.
//   node bench/fidelity.mjs --bin build/release/inferbench --streams 100 [--itl-ms 100] [--osl 50]
//                           [--ramp-up-ms N]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { matchByArrival, quantile, readRunDir, readTrace, tokenTimesNs } from '../tests/lib/bench.mjs';
import { startSim } from '../tests/lib/sim.mjs';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []));
const bin = args.bin ?? 'build/release/inferbench';
const streams = Number(args.streams ?? 100);
const itl = Number(args['itl-ms'] ?? 100);
const osl = Number(args.osl ?? 50);
// Sends are staggered (2 ms apart by default) so arrival order identifies requests; with ITL
// 100 ms and 50 tokens every stream is still open when the last one starts.
const rampMs = Number(args['ramp-up-ms'] ?? streams * 2);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ib-fidelity-'));
const trace = path.join(dir, 'trace.jsonl');

process.env.INFERBENCH_BIN = bin;
const sim = await startSim(['--profile', 'fixed', '--ttft-ms', '50', '--itl-ms', String(itl), '--trace-file', trace]);
const { url } = sim;
try {
  const run = spawnSync(bin, ['bench', '--url', url, '--model', 'sim', '--endpoint', 'completions',
    '--prompt-format', 'ids', '--concurrency', String(streams), '--requests', String(streams),
    '--isl', '32', '--osl', String(osl), '--ramp-up', `${rampMs}ms`, '--output-dir', path.join(dir, 'run'), '--quiet'],
    { stdio: 'inherit', timeout: 600000 });
  if (run.status !== 0) throw new Error(`bench exited ${run.status}`);
} finally {
  await sim.stop();
}
const result = readRunDir(path.join(dir, 'run'));
const times = new Map(result.tokenTimes.records.map((l) => [l.request_id, tokenTimesNs(l)]));
const { pairs, unmatched } = matchByArrival(result.requests.records, readTrace(trace).requests);
if (unmatched) throw new Error(`unmatched client request ${unmatched.request_id}`);
const first = [], every = [];
for (const { client, server } of pairs) {
  const t = times.get(client.request_id) ?? [];
  first.push(Math.abs(client.t_first_ns - server.token_ns[0]) / 1e6);
  for (let i = 0; i < Math.min(t.length, server.token_ns.length); i++) every.push(Math.abs(t[i] - server.token_ns[i]) / 1e6);
}
const fmt = (v) => `p50 ${quantile(v, 0.5).toFixed(3)} ms, p99 ${quantile(v, 0.99).toFixed(3)} ms, max ${Math.max(...v).toFixed(3)} ms (n=${v.length})`;
console.log(`streams=${streams} itl=${itl}ms osl=${osl} ramp-up=${rampMs}ms`);
console.log(`  first token |client - server|: ${fmt(first)}`);
console.log(`  every token |client - server|: ${fmt(every)}`);
fs.rmSync(dir, { recursive: true, force: true });
