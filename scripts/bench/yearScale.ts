// Scenario 6: a year of cron (issue 10 goals). One tick a minute for 365 days, 3 targets at ~60 stacks and 1 at
// ~5,000 stacks with 10 % of counts changing a minute, written as the recorder leaves it after a year (monthly
// segments, history older than 31 days compacted hourly): `report` of the whole year, `report` of its last day
// beside a one-day recording of the same shape, and disk per target-year before and after compaction.
//
//   node dist/scripts/bench.js --only year      just these rows (bench/out/BENCHMARKS.only-6.md)
//
// Generating the year takes minutes: it is kept in bench/out/year-cache/ (git-ignored) under a key made of the
// generator's code and options, and reused by every later run until the generator changes.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSegmentFileName } from '../../src/core/segments.js';
import { generateRecording, type GenerateOptions, type GenerateResult } from '../generateRecording.js';
import { bytes, du, interleave, measure, mmm, secs, stats, table, type BenchContext, type GoalResult, type RunStat, type ScenarioResult } from './common.js';

export const NOTES = `The year is synthetic (scripts/generateRecording.ts --churn-targets 1 --segmented): the 60-stack targets
are those of scenario 4 for 365 days; the churning target adds 5,000 stacks of which 500 (10 %) change count every
minute, a walk between 0 and ~40. Segments are what the recorder's rollover and compaction leave (src/io/segments.ts
is called for each compaction): closed monthly samples segments, the last closed month of history at full
resolution (within 31 days of the end), older months as \`.hourly.log\`, the current month live. "Before
compaction" counts the history as if every month had stayed at full resolution. Snapshots are bounded by their own
14-day retention and counted in the totals. The last-day report is \`report --since <end - 24 h> --until <end>\`,
which also reads a week of context and the current process lifetime (src/commands/report.ts readWindow); the
one-day recording has the same four targets and the same end. A window of more than 15,000 points is read thinned
(src/core/readResolution.ts): the whole year at one point an hour, its full-resolution months from their keyframes.
What limits the figures: the whole-year report still parses every byte of the hourly history (~520 MB at 5,000
stacks, ~4 ns a character on this machine; its numbers are no longer copied out of the parser, and a dense hourly line
is frozen straight from them); since 2026-12-07 evening the newer half of those files is parsed on a worker thread
while the main thread replays the older half (src/io/hourlyReadAhead.ts; the machine has 2 cores). Of the samples
only the rows kept are decoded (the other 59 of each hour are judged from their bytes, src/io/readRecording.ts
RowKeyBytes, and no longer copied out unless the reader's buffer moves on: HeldBytes). The last-day report judges each stack on its whole current
process lifetime, which here is 6.4 days (9,208 ticks at full resolution) plus 14 hours of the lifetime before: 6.4
times the ticks a one-day recording judges. Done for this: stacks are judged 256 ids at a time, so their series exist
only per block, summed into one pool reused block after block (JUDGE_BLOCK, src/analysis/suspects.ts); targets are
read and judged one at a time, with a full collection between them (src/io/collectGarbage.ts: 184-204 MB -> 171-178
MB for the last day); a history tick made by a delta is kept as that delta over the tick before, a copy of its own
every 16 (src/core/stackHistory.ts CHAIN_MAX: the last day 343 -> 252 MB); a tick made from the one before by a delta is read only at the
stacks it changed (CompactCounts.changedIds, src/core/tickSeries.ts walkTicks); ticks whose stacks are mostly present
are stored one count per id, in 8 bits when they fit (CompactCounts' dense layout); and "can this series be rising?"
is answered without the Theil–Sen slopes for most series (src/analysis/trend.ts couldRise); a delta's dense copy
keeps its range when a stack at an end leaves or a new one comes; an hour of a stack's counts is medianed by counting.
What is left is the per-stack judgement on 9,208 points and the delta lines' parse: each per-stack speed-up also
speeds the one-day recording, so the ratio stays near 2×. Since the wander test (src/analysis/seasonal.ts walkZ), the
churning target's walks are no longer suspects by their daily floors: its last day had 211 suspects, 208 of them
walks, and now has its 3 real leaks (the page and the suspects' evidence were much of that report's time). Absolute
times follow this machine's speed, which changed up to 2x between hours on 2026-12-07 (\`node -e 0\`: 67 ms in one
full run, 110 ms in another; the whole year 6.5-6.9 s at 12:30, 11.5-12.7 s at 13:20 for this main and the one
before it alike, interleaved); the ratio to the one-day recording, run interleaved, does not. The <= 1 s goal for the
last day is out of reach by tuning: the one-day recording alone takes 2.5-3.5 s. It needs the per-stack judgement
made incremental (hourly summaries of each stack kept from one report to the next), not faster.`;

/** 2026-11-15T00:00:00Z: mid-month, so the live files hold two weeks and the month before stays at full resolution. */
const YEAR_END_TS = Date.UTC(2026, 10, 15) / 1000;
const SHAPE = { targets: 3, churnTargets: 1, churnStacks: 5000, churnShare: 0.1, seed: 1, endTsSeconds: YEAR_END_TS } as const;
const FULL_RESOLUTION_DAYS = 31;

interface Cached {
  dir: string;
  gen: GenerateResult;
  genSeconds: number;
  cached: boolean;
}

/** The code that decides the bytes of a generated recording: a change to any of it makes a new cache entry. */
function generatorKey(opts: object): string {
  const here = dirname(fileURLToPath(import.meta.url)); // dist/scripts/bench
  const files = [
    '../generateRecording.js',
    '../lib/generatorStacks.js',
    '../lib/recordingWriter.js',
    '../lib/seededRandom.js',
    '../../src/core/historyCompaction.js',
    '../../src/core/stackHistory.js',
    '../../src/core/samplesCsv.js',
    '../../src/core/segments.js',
    '../../src/io/segments.js',
  ];
  const h = createHash('sha256').update(JSON.stringify(opts));
  for (const f of files) h.update(readFileSync(join(here, f)));
  return h.digest('hex').slice(0, 12);
}

/** A generated recording from the cache, or generated now (streaming: memory stays ~ the current counts). */
function cachedRecording(ctx: BenchContext, days: number, segmented: boolean): Cached {
  const opts: Omit<GenerateOptions, 'outDir'> = { ...SHAPE, days, ...(segmented ? { segmented: { fullResolutionDays: FULL_RESOLUTION_DAYS } } : {}) };
  const root = join(ctx.outDir, 'year-cache', `${days}d-${generatorKey(opts)}`);
  const meta = join(root, 'generated.json');
  const dir = join(root, 'data');
  if (existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as { gen: GenerateResult; genSeconds: number };
    return { dir, gen: { ...m.gen, outDir: dir }, genSeconds: m.genSeconds, cached: true };
  }
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  ctx.log(`  generating ${days} d (3 × 60 + 1 × 5,000 churning stacks${segmented ? ', segmented' : ''}) into ${root}`);
  const t0 = performance.now();
  const gen = generateRecording({ ...opts, outDir: dir });
  const genSeconds = (performance.now() - t0) / 1000;
  writeFileSync(meta, JSON.stringify({ gen, genSeconds }));
  return { dir, gen, genSeconds, cached: false };
}

interface TargetDisk {
  name: string;
  stacks: number;
  samples: number;
  history: number;
  historyBeforeCompaction: number;
  dictionary: number;
  snapshots: number;
  total: number;
  totalBeforeCompaction: number;
  segments: string;
  compactSecondsMax: number;
}

function targetDisk(dir: string, g: GenerateResult['targets'][number]): TargetDisk {
  const tdir = join(dir, g.name);
  const names = readdirSync(tdir);
  const size = (n: string) => statSync(join(tdir, n)).size;
  const samples = names.filter((n) => n === 'samples.csv' || parseSegmentFileName(n)?.kind === 'samples').reduce((a, n) => a + size(n), 0);
  const historyNames = names.filter((n) => n === 'stack-history.log' || ['history', 'hourly'].includes(parseSegmentFileName(n)?.kind ?? ''));
  const history = historyNames.reduce((a, n) => a + size(n), 0);
  const dictionary = ['stacks.jsonl', 'stack-ids.idx', 'state.json'].filter((n) => names.includes(n)).reduce((a, n) => a + size(n), 0);
  const snapDir = join(tdir, 'snapshots');
  const snapshots = existsSync(snapDir) ? readdirSync(snapDir).reduce((a, n) => a + statSync(join(snapDir, n)).size, 0) : 0;
  const total = samples + history + dictionary + snapshots;
  const hourly = g.historySegments.filter((s) => s.compaction).length;
  return {
    name: g.name,
    stacks: g.stacks,
    samples,
    history,
    historyBeforeCompaction: g.historyFullResolutionBytes,
    dictionary,
    snapshots,
    total,
    totalBeforeCompaction: total - history + g.historyFullResolutionBytes,
    segments: `${g.samplesSegments.length} samples + ${g.historySegments.length} history (${hourly} hourly) + live`,
    compactSecondsMax: Math.max(0, ...g.historySegments.map((s) => s.compaction?.seconds ?? 0)),
  };
}

export async function runYearScale(ctx: BenchContext): Promise<ScenarioResult> {
  // A quick run keeps the shape but not the year (two months: one compacted month would need more).
  const days = ctx.quick ? 45 : 365;
  // Five rounds of the last day and three of the whole year: this machine's speed drifts by ±20 % within minutes,
  // and a single run of the year once read 12.2 s and 9.5 s in the same session.
  const rounds = ctx.quick ? 1 : 5;
  const wholeRounds = ctx.quick ? 1 : 3;
  const year = cachedRecording(ctx, days, true);
  ctx.log(`  ${days} d: ${year.cached ? 'from the cache' : `generated in ${year.genSeconds.toFixed(0)} s`} (${bytes(await du(year.dir))})`);
  const day = cachedRecording(ctx, 1, true);

  const end = String(YEAR_END_TS);
  const lastDay = String(YEAR_END_TS - 86400);
  const html = (n: string) => join(ctx.tmpDir, `s6-${n}.html`);
  const run = (args: string[]) => measure(ctx, process.execPath, [ctx.cli, 'report', ...args], { timeoutMs: 1_800_000 });
  // The whole year (the median run by wall time); the last day interleaved with the one-day recording.
  const wholeRuns: RunStat[] = [];
  for (let r = 0; r < wholeRounds; r++) {
    wholeRuns.push(await run(['--data', year.dir, '--out', html('year')]));
    ctx.log(`  report of the whole ${days} d: ${secs(wholeRuns[r]!.wallSeconds)}, ${bytes(wholeRuns[r]!.maxRssKb * 1024)} (exit ${wholeRuns[r]!.exitCode})`);
  }
  const whole: RunStat = [...wholeRuns].sort((a, b) => a.wallSeconds - b.wallSeconds)[wholeRuns.length >> 1]!;
  const wholeWall = stats(wholeRuns.map((r) => r.wallSeconds));
  const wholeRssMax = Math.max(...wholeRuns.map((r) => r.maxRssKb * 1024));
  const windowed = await interleave(rounds, {
    yearLastDay: () => run(['--data', year.dir, '--out', html('year-last-day'), '--since', lastDay, '--until', end]),
    oneDay: () => run(['--data', day.dir, '--out', html('one-day'), '--since', lastDay, '--until', end]),
  });
  const failed = [...wholeRuns, ...windowed.yearLastDay, ...windowed.oneDay].filter((r) => r.exitCode !== 0);
  const lastWall = stats(windowed.yearLastDay.map((r) => r.wallSeconds));
  const lastRss = stats(windowed.yearLastDay.map((r) => r.maxRssKb * 1024));
  const dayWall = stats(windowed.oneDay.map((r) => r.wallSeconds));
  const dayRss = stats(windowed.oneDay.map((r) => r.maxRssKb * 1024));

  const disks = year.gen.targets.map((g) => targetDisk(year.dir, g));
  const perYear = days / 365;
  const small = disks.filter((d) => !d.name.startsWith('churn'));
  const churn = disks.filter((d) => d.name.startsWith('churn'));
  const worst = (ds: TargetDisk[]) => Math.max(...ds.map((d) => d.total)) / perYear;
  const at = `on ${days} d${ctx.quick ? ' (quick run: not a year)' : ''}`;
  const wholeOk = wholeRuns.every((r) => r.exitCode === 0);
  const goals: GoalResult[] = [
    { scenario: 6, goal: '`report` of a year (3 × 60 + 1 × 5,000 churning stacks) ≤ 10 s wall', measured: wholeOk ? `${secs(whole.wallSeconds)} ${at}${wholeRounds > 1 ? ` (median of ${wholeRounds}: ${mmm(wholeWall, secs)})` : ''}` : `failed (exit ${[...wholeRuns].find((r) => r.exitCode !== 0)!.exitCode})`, met: wholeOk ? whole.wallSeconds <= 10 : false },
    { scenario: 6, goal: '`report` of a year ≤ 1 GB peak RSS', measured: `${bytes(wholeRssMax)} ${at} (the largest of ${wholeRounds})`, met: wholeOk ? wholeRssMax <= 1024 ** 3 : false },
    { scenario: 6, goal: '`report` of the last 24 h of a year ≤ 1 s wall', measured: `${secs(lastWall.median)} (one-day recording: ${secs(dayWall.median)})`, met: lastWall.median <= 1 },
    { scenario: 6, goal: '`report` of the last 24 h of a year ≤ 200 MB peak RSS', measured: `${bytes(lastRss.median)} (one-day recording: ${bytes(dayRss.median)})`, met: lastRss.median <= 200 * 1024 ** 2 },
    {
      scenario: 6,
      goal: '`report` of the last 24 h of a year within 2× of a one-day recording (wall and RSS)',
      measured: `${(lastWall.median / dayWall.median).toFixed(2)}× wall, ${(lastRss.median / dayRss.median).toFixed(2)}× RSS`,
      met: lastWall.median <= 2 * dayWall.median && lastRss.median <= 2 * dayRss.median,
    },
    { scenario: 6, goal: 'disk ≤ 100 MB per target-year at 60 stacks', measured: `${bytes(worst(small))} (before compaction: ${bytes(Math.max(...small.map((d) => d.totalBeforeCompaction)) / perYear)})`, met: worst(small) <= 100 * 1024 ** 2 },
    { scenario: 6, goal: 'disk ≤ 1 GB per target-year at 5,000 churning stacks', measured: `${bytes(worst(churn))} (before compaction: ${bytes(Math.max(...churn.map((d) => d.totalBeforeCompaction)) / perYear)})`, met: worst(churn) <= 1024 ** 3 },
  ];
  const markdown = [
    `${days} days × 1 tick a minute to ${new Date(YEAR_END_TS * 1000).toISOString()}, generated ${year.cached ? '(from the cache)' : `in ${year.genSeconds.toFixed(0)} s`}. ` +
      `\`report\` of the whole recording ${wholeRounds} time(s) (its median run is shown); \`report --since <end − 24 h> --until <end>\` on it and ` +
      `on a one-day recording of the same four targets, ${rounds} interleaved round(s).`,
    '',
    table(
      ['run', 'wall', 'CPU', 'peak RSS', 'page'],
      [
        [`whole ${days} d`, mmm(wholeWall, secs), secs(whole.cpuSeconds), bytes(whole.maxRssKb * 1024), wholeOk ? bytes(statSync(html('year')).size) : '–'],
        [`last 24 h of ${days} d`, mmm(lastWall, secs), secs(stats(windowed.yearLastDay.map((r) => r.cpuSeconds)).median), bytes(lastRss.median), ''],
        ['one-day recording', mmm(dayWall, secs), secs(stats(windowed.oneDay.map((r) => r.cpuSeconds)).median), bytes(dayRss.median), ''],
      ],
    ),
    '',
    `Disk per target${ctx.quick ? ` (for ${days} days)` : ''}; "before" = the history as if never compacted.`,
    '',
    table(
      ['target', 'stacks', 'samples', 'history (before)', 'dictionary + state', 'snapshots', 'total (before)', 'segments', 'slowest compaction'],
      disks.map((d) => [
        d.name,
        d.stacks.toLocaleString('en'),
        bytes(d.samples),
        `${bytes(d.history)} (${bytes(d.historyBeforeCompaction)})`,
        bytes(d.dictionary),
        bytes(d.snapshots),
        `${bytes(d.total)} (${bytes(d.totalBeforeCompaction)})`,
        d.segments,
        d.compactSecondsMax ? secs(d.compactSecondsMax) : '–',
      ]),
    ),
    ...failed.map((r) => `\n\`report\` failed (exit ${r.exitCode}): ${r.stderr.trim().slice(-300)}`),
  ].join('\n');
  return { id: 6, title: 'A year of cron', goals, markdown, raw: { days, whole, windowed, disks, genSeconds: year.genSeconds, cached: year.cached } };
}
