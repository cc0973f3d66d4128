// The simulator against the official `openai` npm client: streaming and non-streaming chat and
// completions, usage accounting, model listing and errors, /tokenize and /version.
import assert from 'node:assert/strict';
import { before, after, describe, test } from 'node:test';

import { postJson, request, streamSse } from './lib/http.mjs';
import { loadOpenAI, startSim, startSimFor, tokenIds } from './lib/sim.mjs';

const { OpenAI, NotFoundError } = loadOpenAI();
const kTimeoutMs = 30_000;

function clientFor(sim) {
  return new OpenAI({ baseURL: `${sim.url}/v1`, apiKey: 'unused', maxRetries: 0, timeout: kTimeoutMs });
}

// Every wait on a stream is bounded: the signal aborts the request and its body.
const bounded = () => ({ signal: AbortSignal.timeout(kTimeoutMs) });

async function collect(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe('inferbench sim with the openai client (instant profile)', () => {
  let sim;
  let client;
  before(async () => {
    sim = await startSim(['--profile', 'instant']);
    client = clientFor(sim);
  });
  after(async () => {
    if (!sim) return;
    const exit = await sim.stop();
    assert.equal(exit.killed, undefined, 'the simulator must exit on SIGTERM within 5 s');
    assert.equal(exit.code, 0, `the simulator must exit 0 on SIGTERM, got ${JSON.stringify(exit)}`);
  });

  test('chat streaming: role first, 20 content chunks, usage chunk, [DONE]', async () => {
    const stream = await client.chat.completions.create(
      {
        model: 'sim',
        messages: [{ role: 'user', content: 'Tell me about rivers and bridges.' }],
        max_tokens: 20,
        stream: true,
        stream_options: { include_usage: true },
        ignore_eos: true,
      },
      bounded(),
    );
    const chunks = await collect(stream);  // ends only once the client consumed [DONE] / the end
    assert.ok(chunks.length > 0);
    assert.equal(chunks[0].object, 'chat.completion.chunk');
    assert.equal(chunks[0].choices[0].delta.role, 'assistant', 'first chunk carries the assistant role');
    const content = chunks.filter((c) => c.choices.length > 0 && c.choices[0].delta.content);
    assert.equal(content.length, 20, 'one content chunk per token');
    const text = content.map((c) => c.choices[0].delta.content).join('');
    assert.ok(text.trim().length > 0);
    assert.equal(content.at(-1).choices[0].finish_reason, 'length');
    for (const c of content.slice(0, -1)) assert.equal(c.choices[0].finish_reason, null);
    const last = chunks.at(-1);
    assert.deepEqual(last.choices, [], 'the final chunk has no choices');
    assert.ok(last.usage.prompt_tokens > 0);
    assert.equal(last.usage.completion_tokens, 20);
    assert.equal(last.usage.total_tokens, last.usage.prompt_tokens + 20);
    const ids = new Set(chunks.map((c) => c.id));
    assert.equal(ids.size, 1, 'every chunk of one response shares its id');
    assert.match(chunks[0].id, /^chatcmpl-/);
    for (const c of chunks) assert.equal(c.model, 'sim');

    // The same request on the wire: it ends with data: [DONE] and nothing after it.
    const raw = await streamSse(`${sim.url}/v1/chat/completions`, {
      model: 'sim', messages: [{ role: 'user', content: 'Tell me about rivers and bridges.' }], max_tokens: 20,
      stream: true, stream_options: { include_usage: true }, ignore_eos: true,
    });
    assert.equal(raw.status, 200, raw.text);
    assert.match(raw.contentType, /^text\/event-stream/);
    assert.ok(raw.done, 'the wire stream ends with data: [DONE]');
    assert.equal(raw.events.at(-1).data, '[DONE]');
    assert.equal(raw.eventsAfterDone, 0);
    assert.equal(raw.tail, '');
  });

  test('completions streaming with a string prompt', async () => {
    const stream = await client.completions.create(
      { model: 'sim', prompt: 'The quick brown fox', max_tokens: 12, stream: true,
        stream_options: { include_usage: true }, ignore_eos: true },
      bounded(),
    );
    const chunks = await collect(stream);
    const content = chunks.filter((c) => c.choices.length > 0 && c.choices[0].text);
    assert.equal(content.length, 12);
    assert.equal(content[0].object, 'text_completion');
    assert.equal(content.at(-1).choices[0].finish_reason, 'length');
    const usage = chunks.at(-1).usage;
    assert.deepEqual(chunks.at(-1).choices, []);
    assert.ok(usage.prompt_tokens > 0);
    assert.equal(usage.completion_tokens, 12);
    assert.equal(usage.total_tokens, usage.prompt_tokens + 12);
  });

  test('completions streaming with a token-id prompt counts exactly the ids', async () => {
    const ids = tokenIds(37, 11);
    const stream = await client.completions.create(
      { model: 'sim', prompt: ids, max_tokens: 5, stream: true,
        stream_options: { include_usage: true }, ignore_eos: true },
      bounded(),
    );
    const chunks = await collect(stream);
    const usage = chunks.at(-1).usage;
    assert.equal(usage.prompt_tokens, 37);
    assert.equal(usage.completion_tokens, 5);
    assert.equal(usage.total_tokens, 42);
  });

  test('completions streaming with two prompts answers choices 0 and 1', async () => {
    const stream = await client.completions.create(
      { model: 'sim', prompt: ['first prompt here', 'a second and longer prompt here'], max_tokens: 6,
        stream: true, stream_options: { include_usage: true }, ignore_eos: true },
      bounded(),
    );
    const chunks = await collect(stream);
    const perChoice = new Map();
    for (const c of chunks) {
      for (const choice of c.choices) {
        if (!choice.text) continue;
        perChoice.set(choice.index, (perChoice.get(choice.index) ?? 0) + 1);
      }
    }
    assert.deepEqual([...perChoice.keys()].sort(), [0, 1]);
    assert.equal(perChoice.get(0), 6);
    assert.equal(perChoice.get(1), 6);
    const finishes = chunks.flatMap((c) => c.choices.filter((x) => x.finish_reason).map((x) => [x.index, x.finish_reason]));
    assert.deepEqual(finishes.sort(), [[0, 'length'], [1, 'length']]);
    const usage = chunks.at(-1).usage;
    assert.equal(usage.completion_tokens, 12, 'usage sums both choices');
    assert.ok(usage.prompt_tokens > 0);
    assert.equal(usage.total_tokens, usage.prompt_tokens + 12);
  });

  test('non-streaming chat: message, usage, finish_reason length', async () => {
    const res = await client.chat.completions.create(
      { model: 'sim', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello there' }],
        max_tokens: 9, ignore_eos: true },
    );
    assert.equal(res.object, 'chat.completion');
    assert.match(res.id, /^chatcmpl-/);
    assert.equal(res.choices.length, 1);
    assert.equal(res.choices[0].message.role, 'assistant');
    assert.ok(res.choices[0].message.content.trim().length > 0);
    assert.equal(res.choices[0].finish_reason, 'length');
    assert.ok(res.usage.prompt_tokens > 0);
    assert.equal(res.usage.completion_tokens, 9);
    assert.equal(res.usage.total_tokens, res.usage.prompt_tokens + 9);
  });

  test('non-streaming completions: text, usage, finish_reason length', async () => {
    const res = await client.completions.create({ model: 'sim', prompt: 'Once upon a time', max_tokens: 7, ignore_eos: true });
    assert.equal(res.object, 'text_completion');
    assert.match(res.id, /^cmpl-/);
    assert.equal(res.choices.length, 1);
    assert.equal(res.choices[0].index, 0);
    assert.ok(res.choices[0].text.trim().length > 0);
    assert.equal(res.choices[0].finish_reason, 'length');
    assert.equal(res.usage.completion_tokens, 7);
    assert.equal(res.usage.total_tokens, res.usage.prompt_tokens + 7);
  });

  test('without ignore_eos the model stops on its own within max_tokens', async () => {
    const reasons = [];
    for (let i = 0; i < 8; i++) {
      const res = await client.completions.create({ model: 'sim', prompt: `Question number ${i} about the sea`, max_tokens: 600 });
      const reason = res.choices[0].finish_reason;
      assert.ok(reason === 'stop' || reason === 'length', `finish_reason ${reason}`);
      assert.ok(res.usage.completion_tokens >= 1 && res.usage.completion_tokens <= 600);
      if (reason === 'length') assert.equal(res.usage.completion_tokens, 600);
      reasons.push(reason);
    }
    assert.ok(reasons.includes('stop'), `some request must stop naturally, got ${reasons}`);
  });

  test('models.list returns the served model name', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.deepEqual(ids, ['sim']);
  });

  test('an unknown model is a 404 NotFoundError', async () => {
    await assert.rejects(
      client.completions.create({ model: 'no-such-model', prompt: 'hi', max_tokens: 3 }),
      (error) => {
        assert.ok(error instanceof NotFoundError, `got ${error?.constructor?.name}: ${error?.message}`);
        assert.equal(error.status, 404);
        assert.match(error.message, /no-such-model/);
        return true;
      },
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'other', messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }),
      (error) => error instanceof NotFoundError && error.status === 404,
    );
  });

  test('/tokenize counts what usage.prompt_tokens reports', async () => {
    const prompt = 'Tokenize me, please: 12345678901 words and émojis 🚀 too!';
    const tok = await postJson(`${sim.url}/tokenize`, { model: 'sim', prompt });
    assert.equal(tok.status, 200, tok.text);
    assert.ok(Number.isInteger(tok.json.count) && tok.json.count > 0);
    assert.equal(tok.json.tokens.length, tok.json.count);
    const res = await client.completions.create({ model: 'sim', prompt, max_tokens: 2, ignore_eos: true });
    assert.equal(res.usage.prompt_tokens, tok.json.count);

    const messages = [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: prompt }];
    const chatTok = await postJson(`${sim.url}/tokenize`, { model: 'sim', messages });
    assert.equal(chatTok.status, 200, chatTok.text);
    const chat = await client.chat.completions.create({ model: 'sim', messages, max_tokens: 2, ignore_eos: true });
    assert.equal(chat.usage.prompt_tokens, chatTok.json.count);
  });

  test('GET /version names the engine and the profile', async () => {
    const res = await request(`${sim.url}/version`);
    assert.equal(res.status, 200);
    assert.equal(res.json.engine, 'inferbench-sim');
    assert.equal(res.json.profile, 'instant');
    assert.equal(typeof res.json.version, 'string');
    assert.equal(typeof res.json.params, 'object');
  });

  test('GET /health answers 200', async () => {
    const res = await request(`${sim.url}/health`);
    assert.equal(res.status, 200);
  });

  test('continuous_usage_stats puts running usage on every content chunk', async () => {
    const stream = await client.chat.completions.create(
      { model: 'sim', messages: [{ role: 'user', content: 'count with me' }], max_tokens: 10, stream: true,
        stream_options: { include_usage: true, continuous_usage_stats: true }, ignore_eos: true },
      bounded(),
    );
    const chunks = await collect(stream);
    const content = chunks.filter((c) => c.choices.length > 0 && c.choices[0].delta.content);
    assert.equal(content.length, 10);
    const prompt = chunks.at(-1).usage.prompt_tokens;
    content.forEach((c, i) => {
      assert.ok(c.usage, `content chunk ${i} has usage`);
      assert.equal(c.usage.prompt_tokens, prompt);
      assert.equal(c.usage.completion_tokens, i + 1);
      assert.equal(c.usage.total_tokens, prompt + i + 1);
    });
    assert.equal(chunks.at(-1).usage.completion_tokens, 10);
  });
});

test('--served-model-name other: listed, answered, and "sim" is unknown', async (t) => {
  const sim = await startSimFor(t, ['--profile', 'instant', '--served-model-name', 'other']);
  const client = clientFor(sim);
  const ids = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.deepEqual(ids, ['other']);
  const res = await client.completions.create({ model: 'other', prompt: 'hello', max_tokens: 3, ignore_eos: true });
  assert.equal(res.model, 'other');
  assert.equal(res.usage.completion_tokens, 3);
  await assert.rejects(
    client.completions.create({ model: 'sim', prompt: 'hello', max_tokens: 3 }),
    (error) => error instanceof NotFoundError && error.status === 404,
  );
});
