// `inferbench serve` end to end (issue 7): a stored run from the simulator, the server on a port
// the kernel picked, every JSON endpoint and page over real HTTP, errors as JSON with the right
// status, a second `run` ingesting while the server is up (read-only short connections: the
// server never holds the writer out), the token rule off loopback, and a clean stop on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

import { describe, tempDirFor } from './lib/bench.mjs';
import { request } from './lib/http.mjs';
import { startServe } from './lib/serve.mjs';
import { binaryPath, stopChild } from './lib/sim.mjs';
import { fixedSpec, ib, runSpec, writeSpec } from './lib/store.mjs';

const kReadyTimeoutMs = 30_000;

// Spawns `inferbench serve --port 0 ...args` with INFERBENCH_HOME=home and resolves once it printed
// "serving http://ADDR:PORT/". Returns {url (http://127.0.0.1:PORT/), port, line, proc, exited,
// stdout(), stderr(), stop()}; stop() (SIGTERM, then SIGKILL) is registered with `t`.
function assertJsonError(res, status, code) {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  assert.equal(typeof res.json?.error?.message, 'string', res.text);
  if (code) assert.equal(res.json.error.code, code, res.text);
}

// No attribute may load or link anything outside the page (self-contained, CSP default-src 'none').
function externalReferences(html) {
  return [...html.matchAll(/\b(?:src|href|action|xlink:href)\s*=\s*["']?\s*((?:[a-z][a-z0-9+.-]*:)?\/\/[^"'\s>]*)/gi)]
    .map((m) => m[1]);
}

test('serve answers every endpoint and page for stored runs, and a run can ingest meanwhile', async (t) => {
  const home = tempDirFor(t, 'ib-serve-');
  const a = await runSpec(home, writeSpec(home, fixedSpec({ name: 'serve-test', itlMs: 10 }), 'a.yaml'),
    path.join(home, 'run-a'));
  const server = await startServe(t, home);
  assert.match(server.line, /^serving http:\/\/127\.0\.0\.1:\d+\/$/);
  const get = (p, options) => request(new URL(p, server.url).href, options);

  // The contract is the CLI's.
  const contracts = await get('/api/benchmark/contracts');
  assert.equal(contracts.status, 200, contracts.text);
  const cli = await ib(home, 'tools', ['benchmark-contracts', '--json']);
  assert.deepEqual(contracts.json, JSON.parse(cli.stdout));

  const runs = await get('/api/runs');
  assert.equal(runs.status, 200, runs.text);
  assert.equal(runs.json.length, 1);
  assert.equal(runs.json[0].run_id, a.runId);
  assert.equal(runs.json[0].name, 'serve-test');

  const shown = await get(`/api/runs/${a.runId.slice(0, -3)}`);
  assert.equal(shown.status, 200, shown.text);
  assert.equal(shown.json.run.run_id, a.runId);
  assert.ok(shown.json.points.length >= 1);

  const lineage = await get(`/api/lineage/${a.runId}`);
  assert.equal(lineage.status, 200, lineage.text);
  assert.equal(lineage.json.run_id, a.runId);
  assert.equal(lineage.json.verified, true, lineage.text);

  // A second run stores itself while the server is up and has just served requests.
  const b = await runSpec(home, writeSpec(home, fixedSpec({ name: 'serve-test', itlMs: 11 }), 'b.yaml'),
    path.join(home, 'run-b'));
  assert.match(b.result.stderr, /warehouse: \d+ requests/, describe(b.result));
  const both = await get('/api/runs?limit=5&name=serve-test');
  assert.deepEqual(both.json.map((r) => r.run_id), [b.runId, a.runId]);
  assert.equal((await get('/api/runs?limit=1')).json.length, 1);

  const compared = await get(`/api/compare?a=${a.runId}&b=${b.runId}`);
  assert.equal(compared.status, 200, compared.text);
  const cliCompare = await ib(home, 'compare', [a.runId, b.runId, '--json']);
  const expected = JSON.parse(cliCompare.stdout);
  assert.equal(compared.json.schema, 'inferbench.compare/v1');
  assert.deepEqual(compared.json.runs.map((r) => r.run_id), [a.runId, b.runId]);
  assert.deepEqual(compared.json, expected, 'the API returns what `inferbench compare --json` prints');

  // Errors: JSON with the right status.
  assertJsonError(await get('/api/runs/20991231T000000Z-deadbeef'), 404, 'not_found');
  assertJsonError(await get('/api/lineage/20991231T000000Z-deadbeef'), 404, 'not_found');
  assertJsonError(await get(`/api/compare?a=${a.runId}&b=20991231T000000Z-deadbeef`), 404, 'not_found');
  assertJsonError(await get('/api/runs?limit=zero'), 400, 'bad_request');
  assertJsonError(await get('/api/runs?bogus=1'), 400, 'bad_request');
  assertJsonError(await get(`/api/compare?a=${a.runId}`), 400, 'bad_request');
  assertJsonError(await get(`/api/compare?a=${a.runId}&b=${b.runId}&noise=7`), 400, 'bad_request');
  assertJsonError(await get(`/api/lineage/${a.runId}?metric=no_such_metric`), 400, 'bad_request');
  assertJsonError(await get('/api/runs/..%2F..%2Fetc'), 400, 'bad_request');
  assertJsonError(await get('/api/elsewhere'), 404, 'not_found');
  const post = await get('/api/runs', { method: 'POST', body: {} });
  assertJsonError(post, 405, 'method_not_allowed');
  assert.match(post.headers.get('allow'), /GET/);

  // Pages: self-contained HTML under a strict CSP.
  const csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
  const index = await get('/');
  assert.equal(index.status, 200, index.text);
  assert.match(index.headers.get('content-type'), /^text\/html/);
  assert.equal(index.headers.get('content-security-policy'), csp);
  for (const run of [a, b]) assert.ok(index.text.includes(`href="/runs/${run.runId}"`), 'run links');
  assert.deepEqual(externalReferences(index.text), []);

  for (const page of [`/runs/${a.runId}`, `/compare?a=${a.runId}&b=${b.runId}`]) {
    const res = await get(page);
    assert.equal(res.status, 200, `${page}: ${res.text.slice(0, 2000)}`);
    assert.match(res.headers.get('content-type'), /^text\/html/);
    assert.equal(res.headers.get('content-security-policy'), csp);
    assert.match(res.text, /<svg/, `${page} has charts`);
    assert.ok(res.text.includes(a.runId), `${page} names the run`);
    assert.deepEqual(externalReferences(res.text), [], page);
    assert.doesNotMatch(res.text, /<script/i, `${page} needs no script`);
  }
  const missing = await get('/runs/20991231T000000Z-deadbeef');
  assert.equal(missing.status, 404);
  assert.match(missing.headers.get('content-type'), /^text\/html/);

  // SIGTERM stops it cleanly.
  const stopped = await server.stop();
  assert.equal(stopped.code, 0, server.stderr());
  assert.ok(!stopped.killed, 'stopped within the grace period');
});

test('serve with no stored run shows an empty list, not an error', async (t) => {
  const home = tempDirFor(t, 'ib-serve-empty-');
  const server = await startServe(t, home);
  const runs = await request(new URL('/api/runs', server.url).href);
  assert.equal(runs.status, 200, runs.text);
  assert.deepEqual(runs.json, []);
  const index = await request(server.url);
  assert.equal(index.status, 200);
  assert.match(index.text, /No runs stored yet/);
  assertJsonError(await request(new URL('/api/runs/abcdef12', server.url).href), 404, 'not_found');
});

test('off loopback, serve needs --token-env and then a bearer token on every request', async (t) => {
  const home = tempDirFor(t, 'ib-serve-token-');

  const refused = await ib(home, 'serve', ['--port', '0', '--bind', '0.0.0.0'], { timeoutMs: 20_000 });
  assert.equal(refused.code, 2, describe(refused));
  assert.match(refused.stderr, /--token-env/);
  assert.doesNotMatch(refused.stdout, /serving/);

  const unset = await ib(home, 'serve', ['--port', '0', '--bind', '0.0.0.0', '--token-env', 'IB_TEST_NO_SUCH_VAR'],
    { timeoutMs: 20_000, env: { IB_TEST_NO_SUCH_VAR: '' } });
  assert.equal(unset.code, 2, describe(unset));
  assert.match(unset.stderr, /IB_TEST_NO_SUCH_VAR/);

  const token = 'tok-' + Math.random().toString(36).slice(2);
  const server = await startServe(t, home, ['--bind', '0.0.0.0', '--token-env', 'IB_TEST_TOKEN'],
    { IB_TEST_TOKEN: token });
  try {
    assert.match(server.line, /token required/);
    assert.ok(!server.stdout().includes(token) && !server.stderr().includes(token), 'the token is never printed');
    const url = new URL('/api/runs', server.url).href;
    assertJsonError(await request(url), 401, 'unauthorized');
    assertJsonError(await request(url, { headers: { authorization: `Bearer ${token}x` } }), 401, 'unauthorized');
    assertJsonError(await request(server.url, { headers: { authorization: `Basic ${token}` } }), 401);
    const ok = await request(url, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json, []);
    const page = await request(server.url, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(page.status, 200);
  } finally {
    await server.stop();
  }
});
