// `inferbench serve --port 0` on a runs home, for the server and browser tests: resolves to
// {url, port, line, proc, exited, stdout(), stderr(), stop()} once the "serving" line is printed;
// the server is stopped when the test ends (t.after) or by stop().
import { spawn } from 'node:child_process';

import { binaryPath, stopChild } from './sim.mjs';

const kReadyTimeoutMs = 30_000;

export function startServe(t, home, args = [], env = {}) {
  const proc = spawn(binaryPath(), ['serve', '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, INFERBENCH_HOME: home, ...env },
  });
  let out = '';
  let err = '';
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  let stopping;
  const stop = () => (stopping ??= stopChild(proc, exited));
  t.after(stop);
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => {
    err = (err + chunk).slice(-65536);
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stop().finally(() => reject(new Error(`${message}\n--- stdout ---\n${out}\n--- stderr ---\n${err}`)));
    };
    const timer = setTimeout(() => fail(`no "serving" line within ${kReadyTimeoutMs} ms`), kReadyTimeoutMs);
    exited.then(({ code, signal }) => fail(`serve exited (code ${code}, signal ${signal}) before serving`));
    proc.on('error', (error) => fail(`cannot start serve: ${error.message}`));
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      if (settled) return;
      const match = /^serving http:\/\/(\S+):(\d+)\/.*$/m.exec(out);
      if (!match) return;
      settled = true;
      clearTimeout(timer);
      const port = Number(match[2]);
      resolve({ url: `http://127.0.0.1:${port}/`, port, line: match[0], proc, exited,
        stdout: () => out, stderr: () => err, stop });
    });
  });
}
