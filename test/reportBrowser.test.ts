// The report page in real headless Chromium (playwright-core + the system's /usr/bin/chromium).
// Fails (does not skip) when Chromium is missing: CI installs it with `apt-get install chromium`.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { renderReportHtml } from '../src/render/reportHtml.js';
import { samplesTsv, suspectsTsv } from '../src/render/tsv.js';
import { CHROMIUM_PATH, launchChromium } from '../scripts/reportBrowser.js';
import { HOSTILE_FUNCTION, HOSTILE_LABEL, HOSTILE_LABEL_2, smallScenario } from '../scripts/syntheticReport.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

const TMP = join(repoRoot(), 'test', '.tmp');
const { summary, recordings } = smallScenario();
let browser: Browser | undefined;
let pageFile = '';
let emptyFile = '';

before(async () => {
  assert.ok(
    existsSync(CHROMIUM_PATH),
    `Chromium is missing at ${CHROMIUM_PATH}: apt-get install chromium (the report's browser test needs it)`,
  );
  mkdirSync(TMP, { recursive: true });
  pageFile = join(TMP, 'report-browser.html');
  writeFileSync(pageFile, renderReportHtml(summary, recordings, { dataDir: 'data', generatedAt: '2026-11-18T19:06:00Z' }));
  emptyFile = join(TMP, 'report-empty.html');
  writeFileSync(emptyFile, renderReportHtml({ generatedAt: '2026-11-18T19:06:00Z', targets: [] }, [], { dataDir: 'data' }));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

interface Watched {
  page: Page;
  errors: string[];
  requests: string[];
  dialogs: string[];
}

async function open(file: string, width: number, opts: { acceptDownloads?: boolean } = {}): Promise<Watched> {
  assert.ok(browser, 'browser launched');
  const ctx = await browser.newContext({ viewport: { width, height: 900 }, deviceScaleFactor: 1, acceptDownloads: opts.acceptDownloads ?? false });
  const page = await ctx.newPage();
  const url = pathToFileURL(file).href;
  const w: Watched = { page, errors: [], requests: [], dialogs: [] };
  page.on('console', (m) => {
    if (m.type() === 'error') w.errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => w.errors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    const u = r.url();
    if (u !== url && !u.startsWith('blob:') && !u.startsWith('data:')) w.requests.push(u);
  });
  page.on('dialog', async (d) => {
    w.dialogs.push(`${d.type()}: ${d.message()}`);
    await d.dismiss();
  });
  await page.goto(url);
  await page.waitForSelector('html[data-lw-ready]', { timeout: 15_000 });
  return w;
}

function assertClean(w: Watched): void {
  assert.deepEqual(w.errors, [], 'no console errors or page errors');
  assert.deepEqual(w.requests, [], 'no network requests besides the file');
  assert.deepEqual(w.dialogs, [], 'no dialogs (alert) fired');
}

test('desktop: charts draw, suspects expand, hostile strings are inert text', async () => {
  const w = await open(pageFile, 1280, { acceptDownloads: true });
  const { page } = w;

  // Charts: 5 per target, canvases with size, and real pixels drawn.
  const canvases = await page.$$eval('.lw-chart .uplot canvas', (cs) =>
    cs.map((c) => ({ w: (c as HTMLCanvasElement).width, h: (c as HTMLCanvasElement).height })),
  );
  assert.equal(canvases.length, 10, 'ten trend charts');
  for (const c of canvases) assert.ok(c.w > 0 && c.h > 0, `canvas ${c.w}x${c.h}`);
  const inked = await page.$eval('.lw-chart[data-metric="goroutines"] canvas', (c) => {
    const cv = c as HTMLCanvasElement;
    const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && (d[i] < 240 || d[i + 1] < 240 || d[i + 2] < 240)) n++;
    return n;
  });
  assert.ok(inked > 500, `goroutines chart has drawn pixels (${inked})`);
  // The outage shows as a "not measured" summary and the restart is in the data.
  assert.equal(await page.locator('.lw-problems').count(), 1);

  // One Memory chart per target with RSS, the Go heap, memstats and goroutine stacks as separate series (in
  // the legend), and the runtime-confirmed leaks drawn on the leaking target's goroutines chart.
  const series = (await page.evaluate(() => (window as any).lwReport.chartSeries(0))) as string[][];
  assert.deepEqual(series[0], ['Goroutines', 'Confirmed leaked by the Go runtime']);
  assert.deepEqual(series[1], ['RSS', 'Go heap (pprof)', 'HeapInuse', 'Goroutine stacks', 'Sys (from the OS)']);
  const legend = (await page.locator('.lw-chart[data-target="0"][data-metric="memory"] .u-legend .u-label').allTextContents()).slice(1); // after "Time"
  assert.deepEqual(legend, ['RSS', 'Go heap (pprof)', 'HeapInuse', 'Goroutine stacks', 'Sys (from the OS)']);
  assert.deepEqual((await page.evaluate(() => (window as any).lwReport.chartSeries(1)))[0], ['Goroutines'], 'no leak profile: no confirmed series');
  const memInk = await page.$eval('.lw-chart[data-target="0"][data-metric="memory"] canvas', (c) => {
    const cv = c as HTMLCanvasElement;
    const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
    const colours = new Set<string>();
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 200) colours.add(`${d[i] >> 4},${d[i + 1] >> 4},${d[i + 2] >> 4}`);
    return colours.size;
  });
  assert.ok(memInk >= 5, `memory chart draws several coloured lines (${memInk} colours)`);
  assert.match((await page.textContent('#t0')) ?? '', /goroutine stacks grew 3\.1 MiB of the 6\.5 MiB RSS growth/);

  // Runtime-confirmed suspects: a badge on the row and on the verdict card, explained in the suspect's body;
  // the runtime's leaked stack that does not grow is listed too.
  const rowBadges = await page.locator('#t0 details.lw-suspect > summary .lw-confirmed').allTextContents();
  assert.deepEqual(rowBadges, ['confirmed by the Go runtime', 'confirmed by the Go runtime']);
  assert.equal(await page.locator('.lw-card .lw-card-suspect .lw-confirmed').count(), 1, 'card badge for the top suspect');
  assert.ok(await page.locator('.lw-card .lw-card-suspect .lw-confirmed').isVisible());
  const flat = page.locator('#t0 .lw-runtime-leaks tr.lw-rl-flat');
  assert.equal(await flat.count(), 1);
  assert.match((await flat.textContent()) ?? '', /config\.\(\*Watcher\)\.waitReload.*confirmed leaked by the runtime.*not growing/s);
  assert.equal(await page.locator('#t1 .lw-runtime-leaks').count(), 0, 'no leak profile, no section');

  // Zoom: drag across the first chart; every chart of that target follows; reset restores.
  const full = await page.evaluate(() => (window as any).lwReport.xRanges(0));
  const over = page.locator('.lw-chart[data-target="0"][data-metric="goroutines"] .u-over');
  await over.scrollIntoViewIfNeeded();
  const box = (await over.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  const zoomed = (await page.evaluate(() => (window as any).lwReport.xRanges(0))) as [number, number][];
  assert.ok(zoomed[0][1] - zoomed[0][0] < (full[0][1] - full[0][0]) * 0.5, 'zoomed in');
  for (const r of zoomed) assert.deepEqual(r, zoomed[0], 'all charts of the target share the zoom');
  await page.click('button[data-action="reset-zoom"][data-target="0"]');
  const reset = await page.evaluate(() => (window as any).lwReport.xRanges(0));
  assert.deepEqual(reset, full);

  await page.screenshot({ path: join(TMP, 'report-desktop.png'), fullPage: true });

  // Expanding the first suspect shows its stack frames (leaf first) and its own chart.
  const first = page.locator('details.lw-suspect').first();
  await first.locator('summary').click();
  assert.equal(await first.evaluate((d) => (d as HTMLDetailsElement).open), true);
  const frames = await first.locator('.lw-frames li').allTextContents();
  const s0 = summary.targets[0].suspects[0];
  assert.equal(frames.length, s0.frames.length);
  assert.ok(frames[0].includes('runtime.gopark'), 'leaf first');
  assert.ok(frames.some((t) => t.includes(`${s0.leafFunction} /src/api/internal/fanout/fanout.go:88`) && t.includes('blocks here')));
  await page.waitForSelector('details.lw-suspect[open] .lw-suspect-chart canvas');
  assert.ok(await first.locator('.lw-src .lw-hot').count(), 'source with the blocking line');
  // Runtime check explained, creator, wait reason and the minutes-blocked histogram with visible bars.
  const body = (await first.locator('.lw-sbody').textContent()) ?? '';
  assert.match(body, /proved these goroutines can never be woken/);
  assert.match(body, /Created by\s*example\.com\/api\/internal\/fanout\.\(\*Fanout\)\.publish/);
  assert.match(body, /\[chan send\]/);
  assert.match(body, /min 0 min, median 95 min, max 4\.8 h/);
  assert.match(body, /Go stamps a goroutine’s wait start only when a GC cycle runs/);
  const bars = await first.locator('.lw-hist .lw-hist-bar span').evaluateAll((es) => es.map((e) => e.getBoundingClientRect().width));
  assert.equal(bars.length, 6, 'bins from "under 1 min" to "4–24 h"');
  assert.ok(Math.max(...bars) > 50 && bars.filter((w) => w > 0).length >= 5, `bar widths ${bars.join(', ')}`);
  await first.evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await page.screenshot({ path: join(TMP, 'report-expanded.png') });

  // Hostile strings: literal text, no elements created from them, no dialog.
  const literal = await page.evaluate(
    ([a, b, fn]) => {
      const texts = Array.from(document.querySelectorAll('.lw-label')).map((e) => e.textContent);
      return {
        label: texts.includes(`handler=${a}`),
        label2: texts.includes(`tenant=${b}`),
        fn: Array.from(document.querySelectorAll('.lw-fn')).some((e) => e.textContent === fn),
        imgs: document.querySelectorAll('img').length,
        bolds: document.querySelectorAll('b').length,
        scripts: document.querySelectorAll('script').length,
      };
    },
    [HOSTILE_LABEL, HOSTILE_LABEL_2, HOSTILE_FUNCTION],
  );
  assert.deepEqual(literal, { label: true, label2: true, fn: true, imgs: 0, bolds: 0, scripts: 5 });

  // Compare two times: filled in, hostile label shown as text there too.
  const cmpRows = await page.locator('.lw-compare[data-target="0"] tbody tr').count();
  assert.ok(cmpRows > 0, 'compare table has rows');
  assert.ok((await page.locator('.lw-compare[data-target="0"] select.lw-cmp-a option').count()) > 10);
  const cmpLabels = await page.locator('.lw-compare[data-target="0"] .lw-label').allTextContents();
  assert.ok(cmpLabels.includes(`handler=${HOSTILE_LABEL}`));
  await page.selectOption('.lw-compare[data-target="0"] select.lw-cmp-a', '0');
  assert.match((await page.locator('.lw-compare[data-target="0"] .lw-cmp-note').textContent()) ?? '', /restarted/);

  // TSV built in the page equals the one built in Node; download works.
  const pageTsv = await page.evaluate(() => (window as any).lwReport.samplesTsv(0));
  assert.equal(pageTsv, samplesTsv(recordings[0].samples));
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('button[data-action="download-tsv"][data-tsv="suspects"][data-target="0"]'),
  ]);
  assert.equal(download.suggestedFilename(), 'api-suspects.tsv');
  assert.equal(readFileSync((await download.path())!, 'utf8'), suspectsTsv(summary.targets[0].suspects));
  await page.click('button[data-action="copy-tsv"][data-tsv="suspects"][data-target="0"]');
  await page.waitForFunction(
    () => !(document.querySelector('.lw-toast') as HTMLElement).hidden || !(document.querySelector('.lw-copy-fallback') as HTMLElement).hidden,
  );

  assertClean(w);
  await page.context().close();
});

test('narrow (400px): no horizontal page overflow, tables scroll inside their box', async () => {
  const w = await open(pageFile, 400);
  const { page } = w;
  await page.locator('details.lw-suspect').first().locator('summary').click();
  await page.waitForTimeout(100);
  const widths = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    body: document.body.scrollWidth,
    charts: Array.from(document.querySelectorAll('.lw-chart .uplot')).map((e) => e.getBoundingClientRect().right),
  }));
  assert.ok(widths.scroll <= 401, `scrollWidth ${widths.scroll}`);
  assert.ok(widths.body <= 401, `body scrollWidth ${widths.body}`);
  for (const r of widths.charts) assert.ok(r <= 401, `chart right edge ${r}`);
  await page.screenshot({ path: join(TMP, 'report-narrow.png'), fullPage: true });
  assertClean(w);
  await page.context().close();
});

test('print media: buttons hidden, still no errors', async () => {
  const w = await open(pageFile, 900);
  const { page } = w;
  await page.emulateMedia({ media: 'print' });
  const visibleButtons = await page.evaluate(
    () => Array.from(document.querySelectorAll('button')).filter((b) => b.getClientRects().length > 0).length,
  );
  assert.equal(visibleButtons, 0);
  const pdf = await page.pdf({ format: 'A4' });
  assert.ok(pdf.length > 10_000);
  await page.screenshot({ path: join(TMP, 'report-print.png'), fullPage: true });
  assertClean(w);
  await page.context().close();
});

test('empty data: the page says so and runs without errors', async () => {
  const w = await open(emptyFile, 1000);
  const text = (await w.page.textContent('main')) ?? '';
  assert.match(text, /No data yet/);
  assert.match(text, /npx leakwatch record/);
  await w.page.screenshot({ path: join(TMP, 'report-empty.png'), fullPage: true });
  assertClean(w);
  await w.page.context().close();
});
