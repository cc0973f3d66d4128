// Raw HTTP helpers for the process-level tests: JSON requests and an SSE reader that timestamps
// every socket read and every event, with a bounded timeout on every wait. 127.0.0.1 only.
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export const kRequestTimeoutMs = 30_000;

// fetch with a timeout covering headers and body. Returns {status, headers, text, json}
// (`json` is undefined when the body does not parse).
export async function request(url, { method = 'GET', body, headers = {}, timeoutMs = kRequestTimeoutMs } = {}) {
  const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(timeoutMs) };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    if (!init.headers['content-type']) init.headers['content-type'] = 'application/json';
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const postJson = (url, body, options = {}) => request(url, { ...options, method: 'POST', body });

// POSTs `body` and reads the response as Server-Sent Events.
// Returns {status, tSend, tHeaders, reads: [{t, bytes}], events: [{t, data, json, parseError}],
//          done (saw `data: [DONE]`), eventsAfterDone, error (a read that failed: socket closed,
//          timeout), timedOut, tail (bytes after the last complete event), text (non-2xx body)}.
// `t` values are performance.now(); `json` is undefined for [DONE] and for unparsable data.
export async function streamSse(url, body, { timeoutMs = kRequestTimeoutMs, signal } = {}) {
  const timeout = AbortSignal.timeout(timeoutMs);
  const result = {
    status: 0, tSend: 0, tHeaders: 0, reads: [], events: [], done: false, eventsAfterDone: 0,
    error: null, timedOut: false, tail: '', text: '',
  };
  result.tSend = performance.now();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
  });
  result.tHeaders = performance.now();
  result.status = res.status;
  result.contentType = res.headers.get('content-type') ?? '';
  if (res.status < 200 || res.status >= 300) {
    result.text = await res.text();
    return result;
  }
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const t = performance.now();
      result.reads.push({ t, bytes: value.byteLength });
      buf += decoder.decode(value, { stream: true });
      for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n')) {
        const raw = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const dataLines = raw.split('\n').filter((line) => line.startsWith('data:'));
        if (dataLines.length === 0) continue;  // comments, keep-alives
        const data = dataLines.map((line) => line.slice(5).replace(/^ /, '')).join('\n');
        const event = { t, data, json: undefined, parseError: null };
        if (result.done) result.eventsAfterDone++;
        if (data === '[DONE]') {
          result.done = true;
        } else {
          try {
            event.json = JSON.parse(data);
          } catch (error) {
            event.parseError = error;
          }
        }
        result.events.push(event);
      }
    }
  } catch (error) {
    result.error = error;
    result.timedOut = timeout.aborted;
  }
  result.tail = buf;
  return result;
}

// The text a stream event carries: chat delta.content or completions text of choice `index`
// ('' when absent).
export function eventText(json, index = 0) {
  const choice = json?.choices?.find((c) => c.index === index);
  if (!choice) return '';
  if (choice.delta) return choice.delta.content ?? '';
  return choice.text ?? '';
}

// Token-carrying events (non-empty text in some choice), in order.
export function contentEvents(result) {
  return result.events.filter((e) => e.json?.choices?.some((c) => (c.delta ? c.delta.content : c.text)));
}

// The final usage event (choices: [] with usage), or undefined.
export function usageEvent(result) {
  return result.events.find((e) => Array.isArray(e.json?.choices) && e.json.choices.length === 0 && e.json.usage);
}

// Sends raw bytes on a fresh TCP connection and collects the response until the server closes,
// `stopWhen(responseText)` is true or the timeout passes. `bodyChunks` are written one after the
// other as the socket drains; write errors (the server closed first) end the writing quietly.
// Returns {response, writeError, closed, timedOut}.
export function rawExchange(port, head, bodyChunks = [], { timeoutMs = kRequestTimeoutMs, stopWhen } = {}) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let response = '';
    let writeError = null;
    let finished = false;
    const finish = (extra) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ response, writeError, closed: false, timedOut: false, ...extra });
    };
    const timer = setTimeout(() => finish({ timedOut: true }), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      response += chunk;
      if (stopWhen && stopWhen(response)) finish({});
    });
    socket.on('error', (error) => {
      writeError = error;
    });
    socket.on('close', () => finish({ closed: true }));
    socket.on('connect', async () => {
      socket.write(head);
      for (const chunk of bodyChunks) {
        if (finished || socket.destroyed) return;
        const ok = socket.write(chunk);
        if (!ok) {
          await new Promise((r) => {
            const done = () => {
              socket.off('drain', done);
              socket.off('close', done);
              r();
            };
            socket.on('drain', done);
            socket.on('close', done);
          });
        }
      }
    });
  });
}

// Resolves after `ms`.
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
