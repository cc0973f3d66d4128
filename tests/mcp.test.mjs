// `inferbench mcp` end to end (issue 7): a scripted JSON-RPC exchange over stdio against a stored
// run (initialize, initialized, tools/list, every tool, an unknown tool, a malformed line after
// which the server keeps answering), stdout carrying nothing but JSON-RPC lines; then the
// official MCP TypeScript SDK client (installed with the mock-llm peer) drives the same server as
// an independent implementation of the protocol.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { binaryPath, repoRoot, stopChild } from './lib/sim.mjs';
import { fixedSpec, ib, runSpec, writeSpec } from './lib/store.mjs';

const kAnswerTimeoutMs = 20_000;

// Spawns `inferbench mcp`; send(obj|string) writes one line, next() resolves with the next line
// of stdout parsed as JSON (rejecting after a timeout), close() ends stdin and awaits the exit.
function startMcp(t, home) {
  const proc = spawn(binaryPath(), ['mcp'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, INFERBENCH_HOME: home },
  });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  t.after(() => stopChild(proc, exited));
  let buffer = '';
  let stderr = '';
  const lines = [];
  const waiters = [];
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (chunk) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      lines.push(buffer.slice(0, end));
      buffer = buffer.slice(end + 1);
    }
    while (waiters.length && lines.length) waiters.shift()(lines.shift());
  });
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-65536);
  });
  const send = (message) => proc.stdin.write((typeof message === 'string' ? message : JSON.stringify(message)) + '\n');
  const next = () => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${kAnswerTimeoutMs} ms; stderr:\n${stderr}`)),
      kAnswerTimeoutMs);
    const take = (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line));
      } catch (error) {
        reject(new Error(`stdout line is not JSON (${error.message}): ${line}`));
      }
    };
    if (lines.length) take(lines.shift());
    else waiters.push(take);
  });
  const close = async () => {
    proc.stdin.end();
    return exited;
  };
  return { proc, send, next, close, stderr: () => stderr, pending: () => lines.length + (buffer ? 1 : 0) };
}

async function call(mcp, id, name, args) {
  mcp.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });
  const answer = await mcp.next();
  assert.equal(answer.id, id, JSON.stringify(answer));
  return answer;
}

// A tool result's JSON payload: the text content parsed, checked against structuredContent.
function payload(answer) {
  assert.ok(answer.result, JSON.stringify(answer));
  assert.equal(answer.result.isError, false, JSON.stringify(answer.result));
  assert.equal(answer.result.content[0].type, 'text');
  const parsed = JSON.parse(answer.result.content[0].text);
  assert.deepEqual(answer.result.structuredContent, parsed);
  return parsed;
}

// Two stored runs (ITL 10 ms vs 11 ms) shared by the tests of this file.
let home;
let a;
let b;
before(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'ib-mcp-'));
  a = await runSpec(home, writeSpec(home, fixedSpec({ name: 'mcp-test', itlMs: 10 }), 'a.yaml'),
    path.join(home, 'run-a'));
  b = await runSpec(home, writeSpec(home, fixedSpec({ name: 'mcp-test', itlMs: 11 }), 'b.yaml'),
    path.join(home, 'run-b'));
});
after(() => {
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

test('a scripted MCP session: initialize, list, every tool, errors, and it keeps answering', async (t) => {
  const mcp = startMcp(t, home);

  mcp.send({ jsonrpc: '2.0', id: 1, method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'node-test', version: '1' } } });
  const init = await mcp.next();
  assert.equal(init.jsonrpc, '2.0');
  assert.equal(init.id, 1);
  assert.equal(init.result.protocolVersion, '2025-06-18');
  assert.equal(init.result.serverInfo.name, 'inferbench');
  assert.match(init.result.serverInfo.version, /^\d+\.\d+/);
  assert.deepEqual(Object.keys(init.result.capabilities), ['tools']);
  mcp.send({ jsonrpc: '2.0', method: 'notifications/initialized' });

  mcp.send({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
  const list = await mcp.next();
  assert.equal(list.id, 2, 'the notification got no answer, so the next line answers tools/list');
  const tools = Object.fromEntries(list.result.tools.map((tool) => [tool.name, tool]));
  assert.deepEqual(Object.keys(tools).sort(), ['benchmark_contracts', 'compare_runs', 'get_run', 'lineage', 'list_runs']);
  for (const tool of Object.values(tools)) {
    assert.ok(tool.description.length > 20, tool.name);
    assert.equal(tool.inputSchema.type, 'object', tool.name);
    assert.equal(tool.inputSchema.additionalProperties, false, tool.name);
  }
  assert.deepEqual(tools.get_run.inputSchema.required, ['run']);
  assert.deepEqual(tools.compare_runs.inputSchema.required, ['baseline', 'candidate']);

  const contracts = payload(await call(mcp, 3, 'benchmark_contracts', {}));
  assert.ok(Array.isArray(contracts.fields) && contracts.fields.length > 10);

  const runs = payload(await call(mcp, 4, 'list_runs', { limit: 10, name: 'mcp-test' })).runs;
  assert.deepEqual(runs.map((r) => r.run_id), [b.runId, a.runId]);

  const run = payload(await call(mcp, 5, 'get_run', { run: a.runId.slice(0, -3) }));
  assert.equal(run.run.run_id, a.runId);

  const compared = payload(await call(mcp, 6, 'compare_runs', { baseline: a.runId, candidate: b.runId }));
  assert.equal(compared.schema, 'inferbench.compare/v1');
  assert.deepEqual(compared.runs.map((r) => r.run_id), [a.runId, b.runId]);
  const tpot = compared.comparisons[0].points[0].metrics.find((m) => m.metric === 'tpot_ms.p50');
  assert.ok(tpot.change.value > 0.05, `ITL 10 → 11 ms shows as slower TPOT: ${JSON.stringify(tpot)}`);
  const cli = await ib(home, 'compare', [a.runId, b.runId, '--json']);
  assert.deepEqual(compared, JSON.parse(cli.stdout), 'the tool returns what `inferbench compare --json` prints');

  const walk = payload(await call(mcp, 7, 'lineage', { run: a.runId }));
  assert.equal(walk.run_id, a.runId);
  assert.equal(walk.verified, true, JSON.stringify(walk.problems));

  // A failing tool is a result with isError, not a protocol error.
  const unknownRun = await call(mcp, 8, 'get_run', { run: '20991231T000000Z-deadbeef' });
  assert.equal(unknownRun.result.isError, true);
  assert.match(unknownRun.result.content[0].text, /unknown run/);

  // Unknown tools and arguments off the schema are invalid params.
  assert.equal((await call(mcp, 9, 'no_such_tool', {})).error.code, -32602);
  assert.equal((await call(mcp, 10, 'list_runs', { limit: 'ten' })).error.code, -32602);
  assert.equal((await call(mcp, 11, 'get_run', { run: a.runId, extra: 1 })).error.code, -32602);

  // Malformed lines, then the server still answers.
  mcp.send('{"jsonrpc": "2.0", "id": 12, "method": ');
  const parseError = await mcp.next();
  assert.equal(parseError.error.code, -32700);
  assert.equal(parseError.id, null);
  mcp.send('[]');
  assert.equal((await mcp.next()).error.code, -32600);
  mcp.send({ jsonrpc: '2.0', id: 13, method: 'no/such/method' });
  assert.equal((await mcp.next()).error.code, -32601);
  mcp.send('{"jsonrpc":"2.0","id":99999999999999999999999999,"method":"ping"}');
  const bigId = await mcp.next();
  assert.deepEqual(bigId.result, {});
  mcp.send({ jsonrpc: '2.0', id: 14, method: 'ping' });
  assert.deepEqual(await mcp.next(), { jsonrpc: '2.0', id: 14, result: {} });

  const end = await mcp.close();
  assert.equal(end.code, 0, mcp.stderr());
  assert.equal(mcp.pending(), 0, 'stdout carries only answers');
});

test('the MCP TypeScript SDK client lists and calls the tools', async (t) => {
  const sdkRoot = path.join(repoRoot, 'third_party', 'npm', 'node_modules', '@modelcontextprotocol', 'sdk');
  if (!fs.existsSync(path.join(sdkRoot, 'dist', 'esm', 'client', 'stdio.js'))) {
    t.skip('@modelcontextprotocol/sdk is not installed (it comes with the mock-llm peer: scripts/setup)');
    return;
  }
  const { Client } = await import(path.join(sdkRoot, 'dist', 'esm', 'client', 'index.js'));
  const { StdioClientTransport } = await import(path.join(sdkRoot, 'dist', 'esm', 'client', 'stdio.js'));
  const transport = new StdioClientTransport({
    command: binaryPath(),
    args: ['mcp'],
    env: { ...process.env, INFERBENCH_HOME: home },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'inferbench-test', version: '1.0.0' });
  t.after(() => client.close());
  await client.connect(transport);
  assert.equal(client.getServerVersion().name, 'inferbench');

  const { tools } = await client.listTools();
  assert.equal(tools.length, 5);
  const result = await client.callTool({ name: 'get_run', arguments: { run: a.runId } });
  assert.equal(result.isError, false);
  assert.equal(JSON.parse(result.content[0].text).run.run_id, a.runId);
  const runs = await client.callTool({ name: 'list_runs', arguments: {} });
  assert.ok(runs.structuredContent.runs.some((r) => r.run_id === a.runId));
  await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }), /-32602|unknown tool/i);
});
