// Starting and stopping `inferbench sim` for the process-level tests, plus the paths they share.
//
// INFERBENCH_BIN names the binary (ctest sets it); INFERBENCH_ROOT the repository root (default:
// two folders above this file). Every simulator started here listens on 127.0.0.1 with a port the
// kernel picked, and every caller must stop() what it started (t.after or try/finally).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export const repoRoot =
  process.env.INFERBENCH_ROOT ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const kListenTimeoutMs = 30_000;
const kTermGraceMs = 5_000;
const kStderrKeepBytes = 64 << 10;

export function binaryPath() {
  const bin = process.env.INFERBENCH_BIN;
  if (!bin) {
    throw new Error('INFERBENCH_BIN is not set: run these tests through ctest, or export it to the built inferbench');
  }
  return bin;
}

// Stops a child: SIGTERM, then SIGKILL if it has not exited within `graceMs`. `exited` resolves
// with {code, signal} on exit. Resolves with that, plus `killed: true` when SIGKILL was needed.
export async function stopChild(proc, exited, graceMs = kTermGraceMs) {
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), graceMs);
  });
  const result = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (result !== null) return result;
  proc.kill('SIGKILL');
  return { ...(await exited), killed: true };
}

// The official `openai` npm client installed by scripts/setup into third_party/npm.
export function loadOpenAI() {
  const modules = path.join(repoRoot, 'third_party', 'npm', 'node_modules');
  const require = createRequire(path.join(modules, 'noop.js'));
  try {
    return require('openai');
  } catch (error) {
    throw new Error(`cannot load the openai client from ${modules} (run scripts/setup): ${error.message}`);
  }
}

// Spawns `inferbench sim --port 0 ...args` and resolves once it printed
// `listening http://127.0.0.1:PORT`. Returns {url, port, proc, spawnedAt, listeningAt, stderr(), stop()}.
// `spawnedAt` and `listeningAt` are performance.now() values.
export function startSim(args = [], { listenTimeoutMs = kListenTimeoutMs } = {}) {
  const bin = binaryPath();
  const spawnedAt = performance.now();
  const proc = spawn(bin, ['sim', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderrText = '';
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => {
    stderrText += chunk;
    if (stderrText.length > kStderrKeepBytes) stderrText = stderrText.slice(-kStderrKeepBytes);
    // Surfaced by `ctest --output-on-failure` (sanitizer reports, warnings).
    process.stderr.write(chunk.replace(/^(?=.)/gm, '[sim] '));
  });
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => resolve({ code, signal }));
  });

  let stopping = null;
  const stop = () => {
    stopping ??= stopChild(proc, exited);
    return stopping;
  };

  return new Promise((resolve, reject) => {
    let stdoutText = '';
    let settled = false;
    const fail = (message) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop().finally(() => reject(new Error(`${message}\n--- sim stderr ---\n${stderrText}`)));
    };
    const timer = setTimeout(
      () => fail(`inferbench sim ${args.join(' ')} printed no listening line within ${listenTimeoutMs} ms`),
      listenTimeoutMs,
    );
    proc.on('error', (error) => fail(`cannot start ${bin}: ${error.message}`));
    exited.then(({ code, signal }) =>
      fail(`inferbench sim ${args.join(' ')} exited (code ${code}, signal ${signal}) before listening`),
    );
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      if (settled) return;  // keep draining so the pipe never fills
      stdoutText += chunk;
      const newline = stdoutText.indexOf('\n');
      if (newline < 0) return;
      const first = stdoutText.slice(0, newline);
      const match = /^listening http:\/\/127\.0\.0\.1:(\d+)$/.exec(first);
      if (!match) return fail(`first stdout line is not "listening http://127.0.0.1:PORT": ${JSON.stringify(first)}`);
      settled = true;
      clearTimeout(timer);
      const port = Number(match[1]);
      resolve({
        url: `http://127.0.0.1:${port}`,
        port,
        proc,
        spawnedAt,
        listeningAt: performance.now(),
        stderr: () => stderrText,
        stop,
      });
    });
  });
}

// startSim, registering stop() with the test context so the process never outlives the test.
export async function startSimFor(t, args = [], options = {}) {
  const sim = await startSim(args, options);
  t.after(() => sim.stop());
  return sim;
}

// A deterministic list of token ids (a tiny LCG), distinct per `salt`, inside the simulator's
// text-token id range.
export function tokenIds(count, salt = 1) {
  let x = (salt * 2654435761) >>> 0;
  const ids = [];
  for (let i = 0; i < count; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    ids.push(1000 + (x % 100000));
  }
  return ids;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
