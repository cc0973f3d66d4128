// Running `inferbench bench` from the process-level tests and reading what it wrote: the run
// directory (summary.json, requests.jsonl, token_times, spec.yaml), the simulator's ground-truth
// trace, and an independent OpenAI-compatible mock server (@dwmkerr/mock-llm) for interop tests.
// Every process started here is stopped by the caller's test context or by a bounded timeout.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { binaryPath, repoRoot, stopChild } from './sim.mjs';

export const kBenchTimeoutMs = 120_000;
const kKeepBytes = 256 << 10;

// A fresh temporary directory removed when the test ends.
export function tempDirFor(t, prefix = 'ib-bench-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// Spawns `inferbench bench ...args` (or another `command`). Returns {proc, done, signal(name)} where `done` resolves to
// {code, signal, stdout, stderr, timedOut}. Past `timeoutMs` the process is killed (SIGKILL) and
// timedOut is true, so a hung bench fails its test instead of the whole ctest run.
export function spawnBench(args, { timeoutMs = kBenchTimeoutMs, env = {}, echoStderr = true, command = 'bench' } = {}) {
  const proc = spawn(binaryPath(), [command, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (chunk) => {
    stdout += chunk;
    if (stdout.length > 4 * kKeepBytes) stdout = stdout.slice(-4 * kKeepBytes);
  });
  proc.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (stderr.length > kKeepBytes) stderr = stderr.slice(-kKeepBytes);
    if (echoStderr) process.stderr.write(chunk.replace(/^(?=.)/gm, `[${command}] `));
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    proc.kill('SIGKILL');
  }, timeoutMs);
  const done = new Promise((resolve) => {
    proc.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}\nspawn error: ${error.message}`, timedOut });
    });
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
  return { proc, done };
}

// Runs bench to the end; the result of spawnBench's `done`.
export function runBench(args, options = {}) {
  return spawnBench(args, options).done;
}

// spawnBench whose process is killed when the test ends (for benches a test interrupts).
export function spawnBenchFor(t, args, options = {}) {
  const bench = spawnBench(args, options);
  t.after(async () => {
    if (bench.proc.exitCode === null && bench.proc.signalCode === null) {
      bench.proc.kill('SIGKILL');
      await bench.done;
    }
  });
  return bench;
}

// A one-line description of a bench result for assertion messages.
export function describe(result) {
  return `exit ${result.code} signal ${result.signal}${result.timedOut ? ' (timed out)' : ''}\n` +
    `--- stdout (tail) ---\n${result.stdout.slice(-2000)}\n--- stderr (tail) ---\n${result.stderr.slice(-4000)}`;
}

// Parses a JSON Lines file: {lines (raw, without the trailing empty one), records, bad:
// [{index, line, error}]}. A missing file reads as no lines.
export function readJsonLines(file) {
  if (!fs.existsSync(file)) return { lines: [], records: [], bad: [], missing: true };
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const records = [];
  const bad = [];
  lines.forEach((line, index) => {
    try {
      records.push(JSON.parse(line));
    } catch (error) {
      bad.push({ index, line, error: error.message });
    }
  });
  return { lines, records, bad, missing: false, endsWithNewline: text === '' || text.endsWith('\n') };
}

// Everything a bench run wrote in `dir`.
export function readRunDir(dir) {
  const summaryPath = path.join(dir, 'summary.json');
  const specPath = path.join(dir, 'spec.yaml');
  return {
    summary: fs.existsSync(summaryPath) ? JSON.parse(fs.readFileSync(summaryPath, 'utf8')) : undefined,
    requests: readJsonLines(path.join(dir, 'requests.jsonl')),
    tokenTimes: readJsonLines(path.join(dir, 'token_times')),
    spec: fs.existsSync(specPath) ? fs.readFileSync(specPath, 'utf8') : undefined,
  };
}

// Absolute client token times (steady ns) from one token_times line: first_ns, then first_ns +
// cumulative delta_us × 1000. Steady-clock ns stay exact as Numbers below 2^53 (~104 days of uptime).
export function tokenTimesNs(line) {
  const times = [line.first_ns];
  let t = line.first_ns;
  for (const d of line.delta_us) {
    t += d * 1000;
    times.push(t);
  }
  return times;
}

// The simulator's ground-truth trace: {anchor, requests}.
export function readTrace(file) {
  const { records, bad } = readJsonLines(file);
  if (bad.length) throw new Error(`trace ${file}: unparsable line ${bad[0].index + 1}: ${bad[0].error}`);
  const anchor = records.find((r) => r.type === 'anchor');
  return { anchor, requests: records.filter((r) => r.type === 'request') };
}

// Waits until `predicate()` holds, polling every `intervalMs`; false after `timeoutMs`.
export async function waitFor(predicate, { timeoutMs = 10_000, intervalMs = 50 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// Hyndman–Fan type 7 quantile of `values` (unsorted allowed); NaN when empty.
export function quantile(values, q) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

// A 127.0.0.1 port nothing listens on: bound by us, then closed.
export function closedPort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// The fields every summary.json must have (docs/FORMATS.md, inferbench.summary/v1); returns a
// list of problems (empty when the shape is right).
export function summaryProblems(summary) {
  const problems = [];
  const need = (cond, what) => {
    if (!cond) problems.push(what);
  };
  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  need(summary && typeof summary === 'object', 'summary is an object');
  if (!summary) return problems;
  need(summary.schema === 'inferbench.summary/v1', `schema is inferbench.summary/v1 (got ${summary.schema})`);
  need(typeof summary.run_id === 'string' && summary.run_id.length > 0, 'run_id is a non-empty string');
  need(['ok', 'partial', 'failed'].includes(summary.status), `status is ok|partial|failed (got ${summary.status})`);
  need(isNum(summary.anchor?.steady_ns) && isNum(summary.anchor?.system_ns), 'anchor{steady_ns, system_ns}');
  need(Array.isArray(summary.points), 'points[] is an array');
  for (const [i, p] of (summary.points ?? []).entries()) {
    const at = `points[${i}]`;
    need(typeof p.point === 'string', `${at}.point is a string`);
    need(Number.isInteger(p.replicate), `${at}.replicate is an integer`);
    for (const k of ['completed', 'errored', 'warmup', 'cancelled']) {
      need(Number.isInteger(p.requests?.[k]), `${at}.requests.${k} is an integer`);
    }
    for (const k of ['start_s', 'end_s', 'duration_s', 'steady_start_s', 'steady_end_s']) {
      need(p.window && k in p.window, `${at}.window.${k} present`);
    }
    need(p.client && 'lag_p99_ms' in p.client && 'busy_pct' in p.client &&
      typeof p.client.saturated === 'boolean', `${at}.client{lag_p99_ms, busy_pct, saturated}`);
    need(p.metrics && typeof p.metrics === 'object', `${at}.metrics is an object`);
    for (const [name, m] of Object.entries(p.metrics ?? {})) {
      if (m === null || typeof m === 'number') continue;
      for (const k of ['mean', 'std', 'min', 'p50', 'p90', 'p95', 'p99', 'p999', 'max', 'n']) {
        need(k in m, `${at}.metrics.${name}.${k} present`);
      }
      need(Array.isArray(m.low_n), `${at}.metrics.${name}.low_n is an array`);
    }
    need(Array.isArray(p.timeslices), `${at}.timeslices[] is an array`);
    for (const [j, s] of (p.timeslices ?? []).entries()) {
      for (const k of ['start_s', 'completed', 'output_tokens', 'in_flight', 'errors']) {
        need(k in s, `${at}.timeslices[${j}].${k} present`);
      }
    }
    need(Array.isArray(p.warnings), `${at}.warnings[] is an array`);
  }
  return problems;
}

// The keys every requests.jsonl record must have (docs/FORMATS.md).
export const kRecordKeys = [
  'request_id', 'point', 'replicate', 'warmup', 't_sched_ns', 't_send_ns', 't_first_ns', 't_second_ns',
  't_last_ns', 't_done_ns', 'input_tokens_requested', 'input_tokens', 'output_tokens_requested',
  'output_tokens', 'output_tokens_source', 'token_events', 'same_read_gaps', 'cached_tokens',
  'finish_reason', 'http_status', 'error_class', 'error_message', 'retries', 'salt',
];

export const kErrorClasses = new Set([
  'none', 'http_4xx', 'http_5xx', 'timeout', 'disconnect', 'malformed', 'stream_error', 'cancelled',
]);

// Counts of records by error_class, e.g. {none: 80, http_5xx: 20}.
export function countByClass(records) {
  const counts = {};
  for (const r of records) counts[r.error_class] = (counts[r.error_class] ?? 0) + 1;
  return counts;
}

// --- @dwmkerr/mock-llm, an independent OpenAI-compatible mock ------------------------------------

export const mockLlmDir = path.join(repoRoot, 'third_party', 'npm', 'node_modules', '@dwmkerr', 'mock-llm');

// Starts mock-llm (its own bin, dist/main.js, under this Node) on 127.0.0.1 with `configYaml`
// written to a temporary file (it reads --config; HOST and PORT come from the environment).
// mock-llm has no "pick a free port" option, so a port is chosen by binding :0 and closing it;
// a lost race shows up as an exit before the ready line and is retried.
// Returns {url, port, proc, stderr(), stop()}; stop() is registered with `t`.
export async function startMockLlmFor(t, configYaml, { attempts = 3, readyTimeoutMs = 30_000 } = {}) {
  const main = path.join(mockLlmDir, 'dist', 'main.js');
  if (!fs.existsSync(main)) throw new Error(`mock-llm is not installed: ${main} is missing (run scripts/setup)`);
  const dir = tempDirFor(t, 'ib-mockllm-');
  const config = path.join(dir, 'mock-llm.yaml');
  fs.writeFileSync(config, configYaml);
  let lastError;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = await closedPort();
    try {
      const mock = await startMockOnce(main, config, dir, port, readyTimeoutMs);
      t.after(() => mock.stop());
      return mock;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

function startMockOnce(main, config, cwd, port, readyTimeoutMs) {
  const proc = spawn(process.execPath, [main, '--config', config], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOST: '127.0.0.1', PORT: String(port) },
  });
  let out = '';
  let err = '';
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  const stop = () => stopChild(proc, exited);
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop().finally(() => reject(new Error(`${message}\n--- mock-llm stdout ---\n${out}\n--- stderr ---\n${err}`)));
    };
    const timer = setTimeout(() => fail(`mock-llm printed no "server running" line within ${readyTimeoutMs} ms`), readyTimeoutMs);
    exited.then(({ code, signal }) => fail(`mock-llm exited (code ${code}, signal ${signal}) before listening`));
    proc.on('error', (error) => fail(`cannot start mock-llm: ${error.message}`));
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      err += chunk;
      if (err.length > kKeepBytes) err = err.slice(-kKeepBytes);
    });
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      // It logs every request on stdout: keep only a tail, keep draining.
      out += chunk;
      if (out.length > kKeepBytes) out = out.slice(-kKeepBytes);
      if (settled) return;
      if (new RegExp(`server running on 127\\.0\\.0\\.1:${port}\\b`).test(out)) {
        settled = true;
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${port}`, port, proc, stdout: () => out, stderr: () => err, stop });
      }
    });
  });
}

// Matches each client record (in t_send order) to the trace request with the smallest
// arrival_ns >= its t_send_ns not matched yet. Client and server read the same CLOCK_MONOTONIC.
export function matchByArrival(clientRecords, traceRequests) {
  const trace = [...traceRequests].sort((a, b) => a.arrival_ns - b.arrival_ns);
  const used = new Array(trace.length).fill(false);
  const pairs = [];
  for (const record of [...clientRecords].sort((a, b) => a.t_send_ns - b.t_send_ns)) {
    let found = -1;
    for (let i = 0; i < trace.length; i++) {
      if (!used[i] && trace[i].arrival_ns >= record.t_send_ns) {
        found = i;
        break;
      }
    }
    if (found < 0) return { pairs, unmatched: record };
    used[found] = true;
    pairs.push({ client: record, server: trace[found] });
  }
  return { pairs, unmatched: null };
}
