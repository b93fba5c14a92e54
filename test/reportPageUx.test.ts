// The report page's layout fixes from issue 12 item 6, measured in real headless Chromium at the widths people
// use (420, 800, 1280, 1600 px) on the synthetic two-target page (restarts, a runtime-confirmed leak, long paths).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { renderReportHtml } from '../src/render/reportHtml.js';
import { launchChromium } from '../scripts/reportBrowser.js';
import { smallScenario } from '../scripts/syntheticReport.js';
import { findRepoRoot } from '../src/demo/demoService.js';

let browser: Browser | undefined;
let pageFile = '';
let noStacksFile = '';

before(async () => {
  const tmp = join(await findRepoRoot(), 'test', '.tmp');
  mkdirSync(tmp, { recursive: true });
  const { summary, recordings } = smallScenario();
  pageFile = join(tmp, 'report-page-ux.html');
  writeFileSync(pageFile, renderReportHtml(summary, recordings, { dataDir: 'data', generatedAt: '2026-11-18T19:06:00Z' }));
  // The same recording from a service without expvar's StackInuse: no goroutine-stacks line.
  noStacksFile = join(tmp, 'report-page-ux-nostacks.html');
  const noStacks = recordings.map((r) => ({ ...r, samples: r.samples.map((x) => ({ ...x, memstatsStackInuseBytes: null })) }));
  writeFileSync(noStacksFile, renderReportHtml(summary, noStacks, { dataDir: 'data', generatedAt: '2026-11-18T19:06:00Z' }));
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

async function open(width: number, file = pageFile): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('html[data-lw-ready]', { timeout: 15_000 });
  return page;
}

test('the "confirmed by the Go runtime" badge stays in its column and the kind never breaks mid-word', async () => {
  for (const width of [800, 1280, 1600]) {
    const page = await open(width);
    const problems = await page.evaluate(() => {
      const out: string[] = [];
      for (const row of Array.from(document.querySelectorAll('summary.lw-srow'))) {
        const cell = row.children[2] as HTMLElement;
        const count = row.children[3] as HTMLElement;
        const kind = cell.querySelector('.lw-kind')!;
        if (kind.getClientRects().length !== 1 || kind.getBoundingClientRect().height > 30) out.push(`kind "${kind.textContent}" wraps`);
        const badge = cell.querySelector('.lw-confirmed');
        if (!badge) continue;
        const b = badge.getBoundingClientRect();
        const c = cell.getBoundingClientRect();
        if (b.right > c.right + 0.5) out.push(`badge ends at ${b.right}, its column at ${c.right}`);
        if (b.right > count.getBoundingClientRect().left) out.push('badge covers the count');
      }
      return out;
    });
    assert.deepEqual(problems, [], `${width} px`);
    assert.ok((await page.locator('summary.lw-srow .lw-confirmed').count()) > 0, 'the page has a confirmed suspect');
    await page.close();
  }
});

test('chart hover shows the time to the second; count axes tick at whole numbers; restart labels get headroom', async () => {
  const page = await open(1280);
  const over = page.locator('.lw-chart[data-metric="goroutines"] .u-over').first();
  await over.scrollIntoViewIfNeeded();
  const box = (await over.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
  const time = await page.locator('.lw-chart[data-metric="goroutines"] .u-legend .u-series').first().locator('.u-value').textContent();
  assert.match(time ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  for (const ti of [0, 1]) {
    const charts = (await page.evaluate((i) => (window as any).lwReport.yTicks(i), ti)) as Array<{ series: string[]; splits: number[]; yMax: number; dataMax: number }>;
    for (const c of charts.filter((x) => /Goroutines|Threads|FDs/.test(x.series[0]))) {
      assert.ok(c.splits.length > 0, `${c.series[0]} has ticks`);
      assert.ok(c.splits.every((v) => Number.isInteger(v)), `${c.series[0]} ticks ${c.splits.join(', ')}`);
    }
    // Target 0 restarted: the top fifth of every chart stays free for the "restart" labels.
    if (ti === 0) for (const c of charts) if (c.dataMax > 0) assert.ok(c.yMax >= c.dataMax * 1.24, `${c.series[0]}: y max ${c.yMax} vs data ${c.dataMax}`);
  }
  await page.close();
});

test('the memory chart\'s title names only the lines drawn', async () => {
  for (const [file, stacks] of [[pageFile, true], [noStacksFile, false]] as const) {
    const page = await open(1280, file);
    const captions = await page.evaluate(() =>
      Array.from(document.querySelectorAll('.lw-chart[data-metric="memory"]')).map((c) => c.parentElement!.querySelector('figcaption')!.textContent ?? ''),
    );
    assert.ok(captions.length > 0);
    for (const caption of captions) {
      assert.match(caption, /^Memory: RSS, Go heap/);
      assert.equal(caption.includes('goroutine stacks'), stacks, caption);
    }
    await page.close();
  }
});

test('at 420 px every table that scrolls sideways says so, and no go tool pprof command is cut', async () => {
  const page = await open(420);
  // Open every suspect and collapsible, so the tables inside have their real widths.
  await page.evaluate(() => document.querySelectorAll('details').forEach((d) => ((d as HTMLDetailsElement).open = true)));
  await page.waitForTimeout(100);
  const r = await page.evaluate(() => {
    const boxes = Array.from(document.querySelectorAll('.lw-scroll')) as HTMLElement[];
    return {
      scrolling: boxes.filter((b) => b.scrollWidth > b.clientWidth + 1 && b.offsetParent !== null).length,
      unhinted: boxes.filter((b) => {
        const hint = b.previousElementSibling as HTMLElement | null;
        const shown = !!hint && hint.classList.contains('lw-scroll-hint') && !hint.hidden && hint.offsetParent !== null;
        return b.scrollWidth > b.clientWidth + 1 && b.offsetParent !== null && !shown;
      }).length,
      cutCommands: (Array.from(document.querySelectorAll('.lw-cmd')) as HTMLElement[]).filter((c) => c.offsetParent !== null && c.scrollWidth > c.clientWidth + 1).length,
      commands: document.querySelectorAll('.lw-cmd').length,
    };
  });
  assert.ok(r.scrolling > 0, 'some table is wider than 420 px');
  assert.equal(r.unhinted, 0);
  assert.ok(r.commands > 0);
  assert.equal(r.cutCommands, 0);
  await page.close();
  // Wide: nothing scrolls, so no hint.
  const wide = await open(1600);
  assert.equal(await wide.locator('.lw-scroll-hint:visible').count(), 0);
  await wide.close();
});
