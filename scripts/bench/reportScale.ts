// Scenario 4: `leakwatch report` and `check` on generated recordings of 1, 7 and 30 days (3 targets, one tick a
// minute), the page's size, and how fast headless Chromium draws the first chart.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { generateRecording, type GenerateResult } from '../generateRecording.js';
import { launchChromium } from '../reportBrowser.js';
import { profileMarkdown, profileNode, REPORT_PHASES } from './cpuProfile.js';
import { bytes, du, interleave, measure, mmm, secs, stats, table, type BenchContext, type GoalResult, type RunStat, type ScenarioResult } from './common.js';

export const NOTES = `What limits these figures: \`report\` reads every file of every target (CSV parsing and the stack-history
replay grow linearly with ticks × stacks), analyses, downsamples the series for the charts and writes one page
with the data embedded (gzip + base64); its wall time on 2 cores includes the garbage collector's threads,
so CPU can exceed wall. Peak RSS is the process's max resident set (\`wait4\` rusage). The browser time is
from navigation start (\`performance.now()\` in the page) to the first animation frame in which a uPlot canvas
has a non-transparent pixel (polled from before the page's scripts run) — what a person can first see;
the page's own \`lw-charts\` mark (its drawing calls returned) is shown beside it, and the gap between the
two is the browser laying out and painting the whole page after the script. Each load is a fresh browser
context, with the browser already running. The generated
recording is synthetic (scripts/generateRecording.ts): its stacks, counts and restarts are realistic, but the
snapshot files are copies of real fixture profiles, so their contents do not match the history.

The 10 s goal, profiled and what was done: the first full runs took 10.4–23.8 s wall (8.3–10.8 s CPU) at 30 days
× 3 targets on a machine at load average 5–7. The CPU profile put 26 % in reading samples.csv (csv-parse for
129,600 rows), 21 % in garbage collection, 17 % in building the page's data, 12 % in the analysis and 9 % in the
stack-history replay, which copied a Map on every line. Since then lines without quotes are split directly
(csv-parse only for quoted lines) and the replay copies a map only when a tick already holds it and a delta
changes it. What still limits it: the replay keeps one map of counts per tick (43,200 × ~60 entries per target),
which is most of the remaining allocation and GC; a columnar per-stack series would remove it.`;

interface BrowserTiming {
  firstChartMs: number;
  /** The page's own performance.mark('lw-charts'): every chart's drawing calls returned. */
  chartsMarkMs: number;
  /** When the page's script set data-lw-ready (its start-up finished). */
  readyMs: number;
  domContentLoadedMs: number;
  charts: number;
  marks: Record<string, number>;
  errors: string[];
}

async function timeFirstChart(browser: Browser, file: string): Promise<BrowserTiming> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    // Poll every animation frame, from before the page's own scripts run, for the first uPlot canvas
    // with a non-transparent pixel; stop after 60 s.
    await page.addInitScript(() => {
      const w = window as unknown as { __lwFirstChart: number | null; __lwReady: number | null };
      w.__lwFirstChart = null;
      w.__lwReady = null;
      // The document may have no <html> element yet when this runs: watch the document itself.
      new MutationObserver((_, obs) => {
        if (document.documentElement?.hasAttribute('data-lw-ready')) {
          w.__lwReady = performance.now();
          obs.disconnect();
        }
      }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-lw-ready'] });
      const poll = () => {
        for (const c of Array.from(document.querySelectorAll('.uplot canvas')) as HTMLCanvasElement[]) {
          if (!c.width || !c.height) continue;
          const g = c.getContext('2d');
          if (!g) continue;
          const d = g.getImageData(0, 0, c.width, c.height).data;
          for (let i = 3; i < d.length; i += 4) {
            if (d[i] !== 0) {
              w.__lwFirstChart = performance.now();
              return;
            }
          }
        }
        if (performance.now() < 60_000) requestAnimationFrame(poll);
      };
      requestAnimationFrame(poll);
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load', timeout: 120_000 });
    await page.waitForFunction(() => (window as unknown as { __lwFirstChart: number | null }).__lwFirstChart !== null, undefined, {
      timeout: 60_000,
      polling: 100,
    });
    await page.waitForSelector('html[data-lw-ready]', { timeout: 60_000 }).catch(() => undefined);
    return await page.evaluate(() => {
      const marks: Record<string, number> = {};
      for (const m of performance.getEntriesByType('mark')) marks[m.name] = m.startTime;
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      const w = window as unknown as { __lwFirstChart: number; __lwReady: number | null; lwReport?: { charts(): number } };
      return {
        firstChartMs: w.__lwFirstChart,
        chartsMarkMs: marks['lw-charts'] ?? NaN,
        readyMs: w.__lwReady ?? NaN,
        domContentLoadedMs: nav ? nav.domContentLoadedEventStart : NaN,
        charts: w.lwReport ? w.lwReport.charts() : document.querySelectorAll('.uplot').length,
        marks,
        errors: [] as string[],
      };
    }).then((t) => ({ ...t, errors }));
  } finally {
    await context.close();
  }
}

export async function runReportScale(ctx: BenchContext): Promise<ScenarioResult> {
  const sizes = ctx.quick ? [1, 3] : [1, 7, 30];
  const rounds = ctx.quick ? 1 : 3;
  const loads = ctx.quick ? 1 : 5;
  const gens: Array<{ days: number; dir: string; gen: GenerateResult; seconds: number; bytes: number }> = [];
  for (const days of sizes) {
    const dir = join(ctx.tmpDir, `s4-${days}d`);
    const t0 = performance.now();
    const gen = generateRecording({ outDir: dir, days, targets: 3, seed: 1 });
    gens.push({ days, dir, gen, seconds: (performance.now() - t0) / 1000, bytes: await du(dir) });
    ctx.log(`  generated ${days} d: ${bytes(gens[gens.length - 1].bytes)} in ${gens[gens.length - 1].seconds.toFixed(1)} s`);
  }

  // report and check, interleaved across sizes.
  type Runs = { report: RunStat[]; check: RunStat[]; checkOut: string };
  const runs = new Map<number, Runs>(sizes.map((d) => [d, { report: [], check: [], checkOut: '' }]));
  const htmlFile = (days: number) => join(ctx.tmpDir, `s4-report-${days}d.html`);
  const tasks: Record<string, () => Promise<void>> = {};
  for (const g of gens) {
    tasks[`report-${g.days}`] = async () => {
      runs.get(g.days)!.report.push(await measure(ctx, process.execPath, [ctx.cli, 'report', '--data', g.dir, '--out', htmlFile(g.days)], { timeoutMs: 600_000 }));
    };
    tasks[`check-${g.days}`] = async () => {
      const out = join(ctx.tmpDir, `s4-check-${g.days}d.txt`);
      runs.get(g.days)!.check.push(await measure(ctx, process.execPath, [ctx.cli, 'check', '--data', g.dir], { timeoutMs: 600_000, stdoutFile: out }));
      runs.get(g.days)!.checkOut = readFileSync(out, 'utf8').trim();
    };
  }
  await interleave(rounds, tasks);
  const reportFailed = [...runs.values()].some((r) => r.report.some((x) => x.exitCode !== 0));
  const big = gens[gens.length - 1];
  ctx.log(`  profiling report on ${big.days} d (node --cpu-prof)`);
  const profile = reportFailed
    ? null
    : await profileNode(ctx, [ctx.cli, 'report', '--data', big.dir, '--out', join(ctx.tmpDir, 's4-profiled.html')], 1, REPORT_PHASES);

  // The page in headless Chromium.
  const timings = new Map<number, BrowserTiming[]>(sizes.map((d) => [d, []]));
  let browserError = '';
  if (!reportFailed) {
    let browser: Browser | null = null;
    try {
      browser = await launchChromium();
      await timeFirstChart(browser, htmlFile(sizes[0])); // warm-up
      for (let i = 0; i < loads; i++) {
        for (let j = 0; j < sizes.length; j++) {
          const days = sizes[(i + j) % sizes.length];
          timings.get(days)!.push(await timeFirstChart(browser, htmlFile(days)));
        }
      }
    } catch (e) {
      browserError = (e as Error).message.split('\n')[0];
    } finally {
      await browser?.close();
    }
  }

  const rows = gens.map((g) => {
    const r = runs.get(g.days)!;
    const t = timings.get(g.days)!;
    return {
      days: g.days,
      ticks: g.gen.targets.reduce((a, x) => a + x.ticks, 0),
      dataBytes: g.bytes,
      genSeconds: g.seconds,
      reportWall: stats(r.report.map((x) => x.wallSeconds)),
      reportCpu: stats(r.report.map((x) => x.cpuSeconds)),
      reportRss: stats(r.report.map((x) => x.maxRssKb * 1024)),
      checkWall: stats(r.check.map((x) => x.wallSeconds)),
      checkRss: stats(r.check.map((x) => x.maxRssKb * 1024)),
      html: (() => {
        try {
          return statSync(htmlFile(g.days)).size;
        } catch {
          return NaN;
        }
      })(),
      firstChart: stats(t.map((x) => x.firstChartMs / 1000)),
      dcl: stats(t.map((x) => x.domContentLoadedMs / 1000)),
      ready: stats(t.map((x) => x.readyMs / 1000)),
      chartsMark: stats(t.map((x) => x.chartsMarkMs / 1000)),
      charts: t[0]?.charts ?? NaN,
      errors: [...new Set(t.flatMap((x) => x.errors))],
      failures: r.report.filter((x) => x.exitCode !== 0).map((x) => x.stderr.trim().slice(-300)),
      checkOut: r.checkOut,
    };
  });
  const largest = rows[rows.length - 1];
  const at = `at ${largest.days} d${ctx.quick ? ' (quick run: 30 d not generated)' : ''}`;
  const goals: GoalResult[] = [
    { scenario: 4, goal: '`report` ≤ 10 s wall', measured: `${secs(largest.reportWall.median)} ${at}`, met: reportFailed ? null : largest.reportWall.median <= 10 },
    { scenario: 4, goal: '`report` ≤ 1 GB peak RSS', measured: `${bytes(largest.reportRss.median)} ${at}`, met: reportFailed ? null : largest.reportRss.median <= 1024 ** 3 },
    { scenario: 4, goal: 'page ≤ 5 MB', measured: `${bytes(largest.html)} ${at}`, met: reportFailed ? null : largest.html <= 5 * 1024 ** 2 },
    {
      scenario: 4,
      goal: 'first chart drawn ≤ 2 s after navigation start',
      measured: largest.firstChart.n ? `${secs(largest.firstChart.median)} ${at}` : `not measured: ${browserError || 'report failed'}`,
      met: largest.firstChart.n ? largest.firstChart.median <= 2 : null,
    },
  ];
  const markdown = [
    `Recordings from \`node dist/scripts/generateRecording.js --out DIR --days N --targets 3\` (seed 1): ~60 stacks per target, ` +
      `one tick a minute. ${rounds} interleaved round(s) of \`report\` and \`check\` per size; ${loads} page load(s) per size in ` +
      `headless Chromium (${loads > 1 ? 'interleaved across sizes' : 'one each'}).`,
    '',
    table(
      ['recording', 'ticks (3 targets)', 'data on disk', '`report` wall', '`report` CPU', '`report` peak RSS', 'page size', '`check` wall', '`check` peak RSS'],
      rows.map((r) => [
        `${r.days} d`,
        r.ticks.toLocaleString('en'),
        bytes(r.dataBytes),
        mmm(r.reportWall, secs),
        secs(r.reportCpu.median),
        bytes(r.reportRss.median),
        bytes(r.html),
        mmm(r.checkWall, secs),
        bytes(r.checkRss.median),
      ]),
    ),
    '',
    table(
      ['recording', 'first frame with a chart drawn (median, min–max)', 'DOMContentLoaded', 'charts drawn by the script (`lw-charts` mark)', 'script start-up done (`data-lw-ready`)', 'charts', 'n'],
      rows.map((r) => [`${r.days} d`, mmm(r.firstChart, secs), secs(r.dcl.median), secs(r.chartsMark.median), secs(r.ready.median), String(r.charts), r.firstChart.n]),
    ),
    ...(browserError ? ['', `Browser: ${browserError}`] : []),
    ...rows.filter((r) => r.errors.length).map((r) => `\nPage errors at ${r.days} d: ${r.errors.join('; ')}`),
    ...rows.filter((r) => r.failures.length).map((r) => `\n\`report\` failed at ${r.days} d: ${r.failures[0]}`),
    ...(profile ? ['', profileMarkdown(profile, `\`report\` on the ${big.days}-day recording`)] : []),
    '',
    `\`check\` on the ${largest.days}-day recording (the generator's intent: api leaks fast, worker leaks slowly, gateway is stable):`,
    '',
    '```',
    largest.checkOut || '(no output)',
    '```',
  ].join('\n');
  return { id: 4, title: 'Report at scale', goals, markdown, raw: { rows: rows.map((r) => ({ ...r, checkOut: undefined })), profile } };
}
