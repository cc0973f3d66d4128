// A small, strict parser of the Prometheus text exposition format (0.0.4) for the tests: it
// throws on any line it cannot read, so a malformed /metrics fails the test that scraped it.
//
//   const m = parsePrometheus(text);
//   m.types.get('vllm:num_requests_running')           -> 'gauge'
//   m.value('vllm:prompt_tokens_total', {model_name: 'sim'})
//   m.histogram('vllm:time_to_first_token_seconds', {model_name: 'sim'})
//       -> {buckets: [{le, value}], count, sum}

function parseValue(text, lineNo) {
  switch (text) {
    case '+Inf': return Infinity;
    case '-Inf': return -Infinity;
    case 'NaN': return NaN;
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
    throw new Error(`line ${lineNo}: bad sample value ${JSON.stringify(text)}`);
  }
  return Number(text);
}

// Parses `{a="x",b="y\"z"}` starting at `pos` (the '{'); returns [labels, next position].
function parseLabels(line, pos, lineNo) {
  const labels = {};
  let i = pos + 1;
  for (;;) {
    while (line[i] === ' ') i++;
    if (line[i] === '}') return [labels, i + 1];
    const nameMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i));
    if (!nameMatch) throw new Error(`line ${lineNo}: bad label name at column ${i + 1}`);
    const name = nameMatch[0];
    i += name.length;
    if (line[i] !== '=' || line[i + 1] !== '"') throw new Error(`line ${lineNo}: expected =" after label ${name}`);
    i += 2;
    let value = '';
    for (;;) {
      if (i >= line.length) throw new Error(`line ${lineNo}: unterminated label value for ${name}`);
      const c = line[i];
      if (c === '"') break;
      if (c === '\\') {
        const next = line[i + 1];
        if (next === 'n') value += '\n';
        else if (next === '\\' || next === '"') value += next;
        else throw new Error(`line ${lineNo}: bad escape \\${next} in label ${name}`);
        i += 2;
      } else {
        value += c;
        i++;
      }
    }
    i++;
    if (name in labels) throw new Error(`line ${lineNo}: duplicate label ${name}`);
    labels[name] = value;
    while (line[i] === ' ') i++;
    if (line[i] === ',') {
      i++;
      continue;
    }
    if (line[i] === '}') return [labels, i + 1];
    throw new Error(`line ${lineNo}: expected , or } in labels`);
  }
}

const kTypes = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheus(text) {
  const types = new Map();
  const help = new Map();
  const samples = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const lineNo = index + 1;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (TYPE|HELP) ([a-zA-Z_:][a-zA-Z0-9_:]*)(?: (.*))?$/.exec(line);
      if (!m) return;  // a plain comment
      if (m[1] === 'TYPE') {
        if (!kTypes.has(m[3])) throw new Error(`line ${lineNo}: unknown metric type ${m[3]}`);
        if (types.has(m[2])) throw new Error(`line ${lineNo}: second TYPE line for ${m[2]}`);
        types.set(m[2], m[3]);
      } else {
        help.set(m[2], m[3] ?? '');
      }
      return;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (!nameMatch) throw new Error(`line ${lineNo}: bad sample line ${JSON.stringify(line)}`);
    const name = nameMatch[0];
    let pos = name.length;
    let labels = {};
    if (line[pos] === '{') [labels, pos] = parseLabels(line, pos, lineNo);
    const rest = line.slice(pos);
    const vm = /^ +(\S+)(?: +(-?\d+))?\s*$/.exec(rest);
    if (!vm) throw new Error(`line ${lineNo}: bad value part ${JSON.stringify(rest)}`);
    samples.push({ name, labels, value: parseValue(vm[1], lineNo) });
  });
  return new PrometheusScrape(types, help, samples);
}

function matches(labels, want) {
  return Object.entries(want).every(([k, v]) => labels[k] === v);
}

export class PrometheusScrape {
  constructor(types, help, samples) {
    this.types = types;
    this.help = help;
    this.samples = samples;
  }

  // The declared type of a sample name: exact TYPE name (counters may be declared with or without
  // `_total`), else the family of a histogram/summary part (_bucket, _sum, _count).
  typeOf(name) {
    if (this.types.has(name)) return this.types.get(name);
    const base = name.replace(/_(total|bucket|sum|count|created)$/, '');
    return this.types.get(base);
  }

  find(name, labels = {}) {
    return this.samples.filter((s) => s.name === name && matches(s.labels, labels));
  }

  // The one sample `name` matching `labels`; throws when there are none or several.
  value(name, labels = {}) {
    const found = this.find(name, labels);
    if (found.length !== 1) {
      throw new Error(`expected one sample ${name}${JSON.stringify(labels)}, found ${found.length}`);
    }
    return found[0].value;
  }

  // Sum over every sample `name` matching `labels` (0 when none).
  sum(name, labels = {}) {
    return this.find(name, labels).reduce((acc, s) => acc + s.value, 0);
  }

  histogram(name, labels = {}) {
    const buckets = this.find(`${name}_bucket`, labels)
      .map((s) => ({ le: parseValue(s.labels.le, 0), value: s.value }))
      .sort((a, b) => a.le - b.le);
    return { buckets, count: this.value(`${name}_count`, labels), sum: this.value(`${name}_sum`, labels) };
  }
}
