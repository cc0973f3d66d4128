// A real browser renders what people look at (issue 7): headless Debian Chromium, driven by
// playwright-core, loads (a) the self-contained HTML report written by `inferbench report
// --format html -o FILE` and (b) the dashboard of `inferbench serve` (runs list, run page,
// compare page, following the page's own link and form). Each page is screenshotted into
// $INFERBENCH_HOME/screenshots; the test checks the screenshot is not blank (decoded in a blank
// page: many colours, enough ink), the expected chart titles (<svg><title>) and table rows are in
// the DOM, and nothing went wrong: no console errors, no page errors, no failed or refused
// requests (the CSP would refuse any external reference).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { describe } from './lib/bench.mjs';
import { startServe } from './lib/serve.mjs';
import { binaryPath, repoRoot, stopChild } from './lib/sim.mjs';
import { fixedSpec, ib, runSpec, writeSpec } from './lib/store.mjs';

const kChromium = '/usr/bin/chromium';
const kReadyTimeoutMs = 30_000;
const kMinPngBytes = 8 * 1024;

const screenshotDir = path.join(process.env.INFERBENCH_HOME ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ib-browser-')),
  'screenshots');

function loadPlaywright() {
  const require = createRequire(path.join(repoRoot, 'third_party', 'npm', 'node_modules', 'noop.js'));
  return require('playwright-core');
}

// A page that records everything that went wrong while it loaded.
async function watchedPage(browser) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console ${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  return { page, problems };
}

// Screenshot of the whole page into the screenshot folder, checked not to be blank: the PNG is
// decoded on a canvas in a fresh page and must show many colours and some ink.
async function screenshot(browser, page, name) {
  const file = path.join(screenshotDir, `${name}.png`);
  const png = await page.screenshot({ path: file, fullPage: true });
  assert.ok(png.length > kMinPngBytes, `${name}.png is ${png.length} bytes: blank?`);
  const probe = await browser.newPage();
  try {
    const stats = await probe.evaluate(async (b64) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const { data } = ctx.getImageData(0, 0, img.width, img.height);
      const colours = new Set();
      let ink = 0;
      for (let i = 0; i < data.length; i += 4 * 7) {  // every 7th pixel is plenty
        colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        if (data[i] + data[i + 1] + data[i + 2] < 600) ink++;
      }
      return { width: img.width, height: img.height, colours: colours.size, ink: ink / (data.length / 28) };
    }, png.toString('base64'));
    assert.ok(stats.colours >= 16, `${name}.png has ${stats.colours} colours: blank? ${JSON.stringify(stats)}`);
    assert.ok(stats.ink > 0.005, `${name}.png has too little ink: ${JSON.stringify(stats)}`);
  } finally {
    await probe.close();
  }
  return file;
}

async function chartTitles(page) {
  return page.$$eval('svg > title', (els) => els.map((e) => e.textContent.trim()));
}

function assertTitles(titles, expected, where) {
  for (const pattern of expected) {
    assert.ok(titles.some((title) => pattern.test(title)), `${where}: no chart titled ${pattern} among ${JSON.stringify(titles)}`);
  }
}

const kRunCharts = [/^Output throughput vs load$/, /TTFT/, /Pareto/, /timeline/i];

let home;
let browser;
let a;
let b;
before(async () => {
  assert.ok(fs.existsSync(kChromium), `${kChromium} is missing: apt-get install chromium`);
  fs.mkdirSync(screenshotDir, { recursive: true });
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'ib-browser-home-'));
  a = await runSpec(home, writeSpec(home, fixedSpec({ name: 'browser-test', itlMs: 10, levels: [2, 4] }), 'a.yaml'),
    path.join(home, 'run-a'));
  b = await runSpec(home, writeSpec(home, fixedSpec({ name: 'browser-test', itlMs: 11, levels: [2, 4] }), 'b.yaml'),
    path.join(home, 'run-b'));
  const { chromium } = loadPlaywright();
  browser = await chromium.launch({ executablePath: kChromium, args: ['--no-sandbox'] });
});
after(async () => {
  await browser?.close();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

test('the HTML report file renders its charts in Chromium without network or errors', async () => {
  const file = path.join(home, 'report.html');
  const written = await ib(home, 'report', [a.runId, '--format', 'html', '-o', file]);
  assert.equal(written.code, 0, describe(written));
  const { page, problems } = await watchedPage(browser);
  try {
    const external = [];
    page.on('request', (req) => {
      if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) external.push(req.url());
    });
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    const titles = await chartTitles(page);
    assertTitles(titles, kRunCharts, 'report.html');
    assert.ok(await page.locator('table tbody tr').count() > 0, 'report.html has table rows');
    assert.ok((await page.textContent('body')).includes(a.runId), 'report names its run');
    await screenshot(browser, page, 'report');
    assert.deepEqual(external, [], 'the report fetched nothing from the network');
    assert.deepEqual(problems, []);
  } finally {
    await page.close();
  }
});

test('the dashboard renders the runs list, a run page and a compare page', async (t) => {
  const server = await startServe(t, home);
  const { page, problems } = await watchedPage(browser);
  try {
    await page.goto(server.url, { waitUntil: 'load' });
    const rows = await page.locator('#runs tbody tr').count();
    assert.equal(rows, 2, 'one row per stored run');
    for (const run of [a, b]) {
      assert.equal(await page.locator(`a[href="/runs/${run.runId}"]`).count(), 1, `a link to ${run.runId}`);
    }
    await screenshot(browser, page, 'dashboard-runs');

    // The run page, reached through the list's own link.
    await Promise.all([page.waitForURL(`**/runs/${a.runId}`), page.click(`a[href="/runs/${a.runId}"]`)]);
    assertTitles(await chartTitles(page), kRunCharts, 'run page');
    assert.ok(await page.locator('table tbody tr').count() > 0, 'run page has table rows');
    await screenshot(browser, page, 'dashboard-run');

    // The compare page, through the list's form (baseline = older run, candidate = newer).
    await page.goto(server.url, { waitUntil: 'load' });
    await page.selectOption('select[name="a"]', a.runId);
    await page.selectOption('select[name="b"]', b.runId);
    await Promise.all([page.waitForURL('**/compare?**'), page.click('form button[type="submit"]')]);
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('a'), a.runId);
    assert.equal(url.searchParams.get('b'), b.runId);
    assertTitles(await chartTitles(page), [/runs compared/], 'compare page');
    const text = await page.textContent('body');
    assert.match(text, /regressed|improved|no-change|inconclusive/, 'the compare page shows verdicts');
    await screenshot(browser, page, 'dashboard-compare');

    assert.deepEqual(problems, []);
  } finally {
    await page.close();
    await server.stop();
  }
});
