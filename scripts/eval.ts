// `npm run eval`: judges the verdict logic on production-shaped recordings and writes EVAL.md (issue 9 item 8).
// Like BENCHMARKS.md: generated, dated, every goal listed as met or missed, nothing fails. Not a test.
//
//   node dist/scripts/eval.js [--out EVAL.md] [--keep DIR] [--only NAME,NAME] [--no-live]
//
// --keep DIR leaves the recordings (a data folder: `leakwatch report --data DIR`) and their ground truth
// (DIR/ground-truth.json); --no-live skips the live Go programs (a few minutes).
//
// Each scenario (scripts/eval/scenarios.ts) is written once in the real on-disk format and read once with
// readRecording; "check at time T with --since S" is then the same recording clipped in memory to what the
// analysis may see at T (everything recorded up to --until; --since only a view), analysed with the library. A few (scenario, window) pairs also run the real CLI `check`,
// and EVAL.md prints whether both paths agree.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { analyzeTarget } from '../src/analysis/analyze.js';
import { exitCodeForVerdicts } from '../src/analysis/verdict.js';
import type { Suspect, TargetRecording, TargetSummary, Verdict } from '../src/core/model.js';
import { readRecording } from '../src/io/readRecording.js';
import { describeMachine, repoRoot, table } from './bench/common.js';
import { evalScenarios, generateScenario, type GeneratedScenario } from './eval/scenarios.js';
import { runLivePrograms } from './eval/livePrograms.js';
import { renderLiveSection } from './eval/liveSection.js';
import { wanderSimulation } from './eval/wanderSimulation.js';

const run = promisify(execFile);
const HOUR = 3600;
/** The --since windows the issue's goals name; null = the default window (no --since). */
const WINDOWS: Array<{ label: string; seconds: number | null }> = [
  { label: 'default (no --since)', seconds: null },
  { label: '--since 2h', seconds: 2 * HOUR },
  { label: '--since 6h', seconds: 6 * HOUR },
  { label: '--since 24h', seconds: 24 * HOUR },
];
const EXPECTED_EXIT: Record<string, number> = { stable: 0, leak: 1, growing: 3 };

// ---------- the analysis as `check` runs it ----------

/** Index of the first element with ts > until (arrays sorted by time). */
function upperBound<T>(xs: readonly T[], until: number, ts: (x: T) => number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ts(xs[mid]) <= until) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * What `readRecording(dir, name, { untilSeconds })` would return, cut from a recording read once: `check` reads
 * everything up to --until (history before --since is context) and passes the window to the analysis.
 */
function clip(rec: TargetRecording, untilSeconds: number): TargetRecording {
  const slice = <T>(xs: T[], ts: (x: T) => number) => xs.slice(0, upperBound(xs, untilSeconds, ts));
  return {
    ...rec,
    samples: slice(rec.samples, (r) => r.tsSeconds),
    ticks: slice(rec.ticks, (t) => t.tsSeconds),
    snapshots: rec.snapshots.filter((s) => s.tsSeconds <= untilSeconds),
  };
}

interface Judged {
  verdict: Verdict;
  exit: number;
  reason: string;
  suspects: Suspect[];
  summary: TargetSummary;
}

function judge(rec: TargetRecording, untilSeconds: number, sinceSeconds?: number): Judged {
  const summary = analyzeTarget(clip(rec, untilSeconds), { nowSeconds: untilSeconds, window: { sinceSeconds, untilSeconds } });
  const reason = `${summary.verdictReason ?? '?'}: ${summary.headline}`;
  return { verdict: summary.verdict, exit: exitCodeForVerdicts([summary.verdict]), reason, suspects: summary.suspects, summary };
}

// ---------- ground truth ----------

/** A suspect (stack or group) belongs to a leak when one of its frames is the leaking function. */
function leakOf(s: Suspect, truth: GeneratedScenario): string | null {
  return truth.leakingFunctions.find((fn) => s.frames.some((f) => f.function === fn)) ?? null;
}

function suspectName(s: Suspect): string {
  const g = s.group;
  const labels = Object.entries(s.labels).map(([k, v]) => `${k}=${v}`).join(',');
  const base = `\`${s.leafFunction}\`${labels && !g ? ` {${labels}}` : ''}`;
  return g ? `${base} (group of ${g.stackIds.length} stacks; ${g.labelKeys.map((k) => `${k.key}: ${k.distinctValues} values`).join(', ')})` : base;
}

interface SuspectCheck {
  exact: boolean;
  extra: string[];
  missing: string[];
  found: string[];
}

function checkSuspects(suspects: Suspect[], truth: GeneratedScenario): SuspectCheck {
  const extra: string[] = [];
  const found = new Set<string>();
  const foundNames: string[] = [];
  for (const s of suspects) {
    const fn = leakOf(s, truth);
    if (fn) {
      found.add(fn);
      foundNames.push(suspectName(s));
    } else extra.push(suspectName(s));
  }
  const missing = truth.leakingFunctions.filter((fn) => !found.has(fn)).map((fn) => `\`${fn}\``);
  return { exact: extra.length === 0 && missing.length === 0, extra, missing, found: foundNames };
}

// ---------- measurements ----------

interface Detection {
  window: string;
  /** Seconds from onset to the first right alarm, null when none within the scan. */
  afterSeconds: number | null;
  exit: number | null;
  verdict: Verdict | null;
  scannedHours: number;
  /** Non-zero exits before it that were wrong: another exit code, or a leak blamed on benign stacks only. */
  wrongAlarms: number;
  /**
   * After the first right alarm, hourly checks to the end of its process lifetime (the leak goes on until then): how
   * many alarmed again, rightly, and the hours after onset of the first few that did not. Null without an alarm.
   */
  held: { checks: number; right: number; misses: number[] } | null;
}

/** The last tick time of the process lifetime that holds `until` (the lifetime of the last tick at or before it). */
function lifetimeEndAt(rec: TargetRecording, until: number): number {
  let life: string | null = null;
  for (const t of rec.ticks) {
    if (t.tsSeconds > until) break;
    life = t.lifetime;
  }
  let end = until;
  for (const t of rec.ticks) if (t.lifetime === life && t.tsSeconds > end) end = t.tsSeconds;
  return end;
}

/**
 * Checks at onset + 10 min, every 10 min for 12 h, then every 30 min up to 48 h, then hourly up to the scenario's
 * detectWithinHours (48 unless said) or the recording's end. A right
 * alarm has the expected exit code and, for a leak, names at least one leaking stack among its suspects: an alarm
 * raised by the daily curve before the leak is visible is a false alarm that happens to come after onset.
 */
function detectionTimes(rec: TargetRecording, truth: GeneratedScenario): Detection[] {
  const onset = truth.onsetTsSeconds ?? truth.firstTsSeconds;
  const end = Math.min(truth.lastTsSeconds, onset + truth.detectWithinHours * HOUR);
  const offsets: number[] = [];
  for (let o = 600; onset + o <= end; o += o < 12 * HOUR ? 600 : o < 48 * HOUR ? 1800 : HOUR) offsets.push(o);
  const want = EXPECTED_EXIT[truth.expected];
  const rightAt = (until: number, w: (typeof WINDOWS)[number]) => {
    const j = judge(rec, until, w.seconds === null ? undefined : until - w.seconds);
    return { j, right: j.exit === want && (truth.expected !== 'leak' || j.suspects.some((s) => leakOf(s, truth) !== null)) };
  };
  return WINDOWS.map((w) => {
    let wrongAlarms = 0;
    for (const o of offsets) {
      const until = onset + o;
      const { j, right } = rightAt(until, w);
      if (j.exit === 0) continue;
      if (right) {
        const held = { checks: 0, right: 0, misses: [] as number[] };
        const lifeEnd = lifetimeEndAt(rec, until);
        for (let t = until + HOUR; t <= lifeEnd; t += HOUR) {
          held.checks++;
          if (rightAt(t, w).right) held.right++;
          else if (held.misses.length < 6) held.misses.push((t - onset) / HOUR);
        }
        return { window: w.label, afterSeconds: o, exit: j.exit, verdict: j.verdict, scannedHours: (end - onset) / HOUR, wrongAlarms, held };
      }
      wrongAlarms++;
    }
    return { window: w.label, afterSeconds: null, exit: null, verdict: null, scannedHours: (end - onset) / HOUR, wrongAlarms, held: null };
  });
}

interface Sliding {
  window: string;
  windows: number;
  alarms: number;
  /** Windows with exit 4 (cannot judge): not an alarm of a leak, counted apart. */
  cannotJudge: number;
  exits: Map<number, number>;
  blamed: Map<string, number>;
  firstAlarms: string[];
}

/** `check --since until-W --until until` with `until` on every full hour from first + W to the end. */
function slidingFalseAlarms(rec: TargetRecording, truth: GeneratedScenario): Sliding[] {
  return WINDOWS.map((w) => {
    const res: Sliding = { window: w.label === WINDOWS[0].label ? 'whole lifetime (no --since)' : w.label, windows: 0, alarms: 0, cannotJudge: 0, exits: new Map(), blamed: new Map(), firstAlarms: [] };
    const firstUntil = Math.ceil((truth.firstTsSeconds + (w.seconds ?? HOUR)) / HOUR) * HOUR;
    for (let until = firstUntil; until <= truth.lastTsSeconds; until += HOUR) {
      const j = judge(rec, until, w.seconds === null ? undefined : until - w.seconds);
      res.windows++;
      res.exits.set(j.exit, (res.exits.get(j.exit) ?? 0) + 1);
      if (j.exit === 0) continue;
      // exit 4 says "cannot judge" (a few minutes after a deploy, a failing endpoint): an alert rule that pages on
      // a leak pages on 1 and 3; 4 is the recorder's or the data's problem and is counted apart
      if (j.exit === 4) {
        res.cannotJudge++;
        continue;
      }
      res.alarms++;
      if (res.firstAlarms.length < 3) res.firstAlarms.push(`${new Date(until * 1000).toISOString().slice(0, 16)}Z ${j.verdict}`);
      for (const s of j.suspects) res.blamed.set(s.leafFunction, (res.blamed.get(s.leafFunction) ?? 0) + 1);
    }
    return res;
  });
}

/** Hours of the day (UTC) the first-day recordings start at; the evaluation's weeks start at 00:00. */
const FIRST_DAY_STARTS = [0, 3, 6, 9, 12, 15, 18, 21];
/** How long each first-day recording is: the first day, and the first half of the second. */
const FIRST_DAY_HOURS = 36;

interface FirstDayRun {
  scenario: string;
  startHour: number;
  checks: number;
  alarms: number;
  /** The first few alarms: hours after the first sample, window, verdict. */
  first: string[];
}

/**
 * A benign service recorded from a given hour of the day: a user installs leakwatch whenever they do, and the first
 * day ever recorded has no same hours of an earlier day to compare with (src/analysis/firstDay.ts). Each benign
 * scenario is generated for FIRST_DAY_HOURS from each of FIRST_DAY_STARTS (its deploys within that span kept), and
 * checked every hour from the first, with the default window, --since 2h and --since 24h.
 */
/**
 * `spec` generated for FIRST_DAY_HOURS from `startHour` (its deploys within that span kept), read, handed to `use`,
 * then deleted.
 */
function fromStartHour<R>(spec: ReturnType<typeof evalScenarios>[number], dataDir: string, startHour: number, use: (truth: GeneratedScenario, rec: TargetRecording) => R): R {
  const dir = join(dataDir, `first-day-${spec.name}-${startHour}`);
  const end = FIRST_DAY_BASE_TS + (startHour + FIRST_DAY_HOURS) * HOUR;
  const truth = generateScenario({ ...spec, days: FIRST_DAY_HOURS / 24, restartHours: spec.restartHours.filter((h) => h < FIRST_DAY_HOURS) }, dir, end);
  try {
    return use(truth, readRecording(dir, truth.name));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function firstDayFalseAlarms(spec: ReturnType<typeof evalScenarios>[number], dataDir: string): FirstDayRun[] {
  const windows = WINDOWS.filter((w) => w.seconds !== 6 * HOUR);
  return FIRST_DAY_STARTS.map((startHour) => fromStartHour(spec, dataDir, startHour, (truth, rec) => {
    const res: FirstDayRun = { scenario: spec.name, startHour, checks: 0, alarms: 0, first: [] };
    for (let h = 1; h <= FIRST_DAY_HOURS; h++) {
      const until = truth.firstTsSeconds + h * HOUR;
      for (const w of windows) {
        const j = judge(rec, until, w.seconds === null ? undefined : until - w.seconds);
        res.checks++;
        if (j.exit !== 1 && j.exit !== 3) continue;
        res.alarms++;
        if (res.first.length < 3) res.first.push(`${h} h ${w.seconds === null ? 'default' : w.label.replace('--since ', '')}: ${j.verdict}${j.suspects.length ? ` (${j.suspects.length} suspect${j.suspects.length > 1 ? 's' : ''})` : ''}`);
      }
    }
    return res;
  }));
}

interface FirstDayDetection {
  scenario: string;
  startHour: number;
  /** Hours after the first sample of the first hourly check with the expected alarm, or null. */
  firstAlarmHour: number | null;
  /** Hourly checks after that one, and how many of them alarmed too. */
  later: number;
  held: number;
}

/**
 * The other side of firstDayFalseAlarms: a leak that begins with the process, recorded from a given hour of the
 * day. Each leak scenario of one lifetime whose leak starts at its first sample is generated for FIRST_DAY_HOURS
 * from each of FIRST_DAY_STARTS and checked every hour with the default window: the first hour with the expected
 * exit (1 for a leak, 3 for growing memory), and whether the checks after it say so too. The first-day hold
 * (src/analysis/firstDay.ts) trades these hours against the false alarms above.
 */
function firstDayDetection(spec: ReturnType<typeof evalScenarios>[number], dataDir: string): FirstDayDetection[] {
  const want = spec.expected === 'growing' ? 3 : 1;
  return FIRST_DAY_STARTS.map((startHour) => fromStartHour(spec, dataDir, startHour, (truth, rec) => {
    const res: FirstDayDetection = { scenario: spec.name, startHour, firstAlarmHour: null, later: 0, held: 0 };
    for (let h = 1; h <= FIRST_DAY_HOURS; h++) {
      const alarm = judge(rec, truth.firstTsSeconds + h * HOUR).exit === want;
      if (res.firstAlarmHour === null) {
        if (alarm) res.firstAlarmHour = h;
        continue;
      }
      res.later++;
      if (alarm) res.held++;
    }
    return res;
  }));
}

/** The leak scenarios firstDayDetection runs: one lifetime, the leak from the first sample. */
const FIRST_DAY_LEAKS = ['slow-leak-idle-ballast', 'unique-label-leak', 'heap-and-goroutine-leak', 'heap-only-leak'];

/** A midnight UTC well before the evaluation's weeks end (their data folders are apart anyway). */
const FIRST_DAY_BASE_TS = Date.UTC(2026, 9, 1) / 1000;

interface CliComparison {
  scenario: string;
  args: string;
  cliExit: number;
  cliVerdict: string;
  libExit: number;
  libVerdict: Verdict;
  agree: boolean;
}

async function compareWithCli(dataDir: string, truth: GeneratedScenario, rec: TargetRecording, untilSeconds: number, sinceSeconds: number | undefined, root: string, cwd: string): Promise<CliComparison> {
  const iso = (s: number) => new Date(s * 1000).toISOString();
  const args = ['check', '--data', dataDir, '--target', truth.name, '--until', iso(untilSeconds), ...(sinceSeconds !== undefined ? ['--since', iso(sinceSeconds)] : [])];
  let code = 0;
  let stdout = '';
  try {
    stdout = (await run(process.execPath, [join(root, 'dist', 'src', 'cli.js'), ...args], { cwd, maxBuffer: 64 << 20, timeout: 120_000 })).stdout;
  } catch (e) {
    const err = e as { code: number; stdout: string };
    code = typeof err.code === 'number' ? err.code : -1;
    stdout = err.stdout ?? '';
  }
  // `<target>: <verdict>: <headline>`
  const m = new RegExp(`^${truth.name}: ([a-z-]+)`, 'm').exec(stdout);
  const lib = judge(rec, untilSeconds, sinceSeconds);
  const cliVerdict = m ? m[1] : '(no verdict line)';
  const shown = args.slice(5).map((a) => (a.startsWith('--') ? a : `"${a}"`)).join(' ');
  return { scenario: truth.name, args: shown, cliExit: code, cliVerdict, libExit: lib.exit, libVerdict: lib.verdict, agree: code === lib.exit && cliVerdict === lib.verdict };
}

// ---------- live programs (scripts/eval/livePrograms.ts) ----------

async function liveSection(): Promise<{ markdown: string; ran: boolean }> {
  return { markdown: renderLiveSection(await runLivePrograms()), ran: true };
}

// ---------- the page ----------

const fmtAfter = (s: number | null, scanned: number) => (s === null ? `not within ${scanned.toFixed(0)} h` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);
const heldText = (h: Detection['held']) =>
  h === null ? '–' : h.checks === 0 ? 'no later check in its lifetime' : `${h.right} of ${h.checks}${h.misses.length ? `; not at ${h.misses.map((x) => `${x.toFixed(0)} h`).join(', ')}${h.checks - h.right > h.misses.length ? ', …' : ''}` : ''}`;
const mark = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? '**met**' : '**missed**');

interface ScenarioOutcome {
  truth: GeneratedScenario;
  end: Judged;
  suspects: SuspectCheck;
  detection: Detection[] | null;
  sliding: Sliding[] | null;
  seconds: number;
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string', default: 'EVAL.md' }, keep: { type: 'string' }, only: { type: 'string' }, 'no-live': { type: 'boolean' } } });
  const t0 = performance.now();
  const root = await repoRoot();
  const machine = await describeMachine();
  const work = mkdtempSync(join(tmpdir(), 'leakwatch-eval-'));
  const dataDir = values.keep ? resolve(values.keep) : join(work, 'data');
  const only = values.only ? new Set(values.only.split(',')) : null;
  const outcomes: ScenarioOutcome[] = [];
  const comparisons: CliComparison[] = [];
  try {
    for (const spec of evalScenarios()) {
      if (only && !only.has(spec.name)) continue;
      const ts = performance.now();
      const truth = generateScenario(spec, dataDir);
      const rec = readRecording(dataDir, truth.name);
      const endUntil = Math.ceil(truth.lastTsSeconds);
      const end = judge(rec, endUntil);
      const suspects = checkSuspects(end.suspects, truth);
      const detection = truth.expected !== 'stable' ? detectionTimes(rec, truth) : null;
      const sliding = truth.slidingWindows ? slidingFalseAlarms(rec, truth) : null;
      // The real CLI on a few pairs: the end of every scenario, and a 2 h and a 24 h window 30 h in when it is that long.
      comparisons.push(await compareWithCli(dataDir, truth, rec, endUntil, undefined, root, work));
      if (truth.lastTsSeconds - truth.firstTsSeconds > 30 * HOUR) {
        const u = Math.floor((truth.firstTsSeconds + 30 * HOUR) / HOUR) * HOUR;
        comparisons.push(await compareWithCli(dataDir, truth, rec, u, u - 2 * HOUR, root, work));
        comparisons.push(await compareWithCli(dataDir, truth, rec, u, u - 24 * HOUR, root, work));
      }
      const seconds = (performance.now() - ts) / 1000;
      outcomes.push({ truth, end, suspects, detection, sliding, seconds });
      console.error(`eval: ${truth.name}: ${end.verdict} (exit ${end.exit}), ${seconds.toFixed(1)} s`);
    }
    if (values.keep) writeFileSync(join(dataDir, 'ground-truth.json'), JSON.stringify(outcomes.map((o) => o.truth), null, 2) + '\n');
    const tf = performance.now();
    const firstDays = evalScenarios()
      .filter((spec) => spec.expected === 'stable' && spec.slidingWindows && (!only || only.has(spec.name)))
      .flatMap((spec) => firstDayFalseAlarms(spec, dataDir));
    const firstDayLeaks = evalScenarios()
      .filter((spec) => FIRST_DAY_LEAKS.includes(spec.name) && (!only || only.has(spec.name)))
      .flatMap((spec) => firstDayDetection(spec, dataDir));
    console.error(`eval: first days from ${FIRST_DAY_STARTS.length} hours of the day, ${((performance.now() - tf) / 1000).toFixed(1)} s`);
    const tw = performance.now();
    const wander = wanderSimulation(WANDER_SEEDS);
    console.error(`eval: the daily-floor test on simulated stacks, ${((performance.now() - tw) / 1000).toFixed(1)} s`);
    const live = values['no-live'] ? { markdown: '## Live Go programs\n\nlive programs: not run (--no-live).\n', ran: false } : await liveSection();
    writeFileSync(resolve(values.out), render(outcomes, comparisons, firstDays, firstDayLeaks, wanderMarkdown(wander), live.markdown, machine, (performance.now() - t0) / 1000));
    console.error(`eval: wrote ${resolve(values.out)} in ${((performance.now() - t0) / 60000).toFixed(1)} min`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return 0;
}

/** Seeds per simulated shape (each an 8-day series checked every 2 hours). */
const WANDER_SEEDS = 60;

function wanderMarkdown(w: ReturnType<typeof wanderSimulation>): string {
  const head = ['shape', 'seasonal test and floors alone (before)', 'with the wander test fitted from 2 days of differences', 'with it fitted from 3 days (kept)'];
  return [
    '## The daily-floor test on simulated stacks',
    '',
    `A stack that follows traffic (it has given goroutines back) is judged by its daily floors once two whole days are recorded (src/analysis/growth.ts, elastic; src/analysis/seasonal.ts dailyFloorRises). Single stacks simulated per minute over 8 days (scripts/eval/wanderSimulation.ts: the ±70% daily curve, Poisson arrivals), ${WANDER_SEEDS} seeds per shape, each checked every 2 hours from hour 48 to hour 192 (${w.checks} checks), by three rules: the seasonal Kendall test with the floor conditions alone (the rule before the wander test), and with the wander test (seasonal.ts walkZ) whose walk and noise are fitted apart from 2 or 3 days of day-over-day differences (with fewer, all of the series' hourly change counts as wander).`,
    '',
    'Stacks that wander but do not leak: series flagged at some check (a false alarm at each).',
    '',
    table(head, w.benign.map((r) => [r.shape, r.seasonalOnly, r.fit48, r.kept])),
    '',
    'Leaks inside a stack that follows traffic (the leaked goroutines park on the same frames as in-flight ones): the hour since the start the daily-floor rule first flags the series, median and largest over the seeds. It needs two whole days; on day 2 the excess over yesterday\'s range (not simulated here) may say so sooner: the scenario leak-in-traffic-stack above, 2/hour, at 33 h. Leaks from a stack of their own are judged by their own floor instead and found within hours (see the scenarios).',
    '',
    table(head, w.leaks.map((r) => [r.shape, r.seasonalOnly, r.fit48, r.kept])),
    '',
  ].join('\n');
}

/** A table of runs by scenario (rows) and start hour (FIRST_DAY_STARTS, columns); "–" where none ran. */
function byStartHour<R extends { scenario: string; startHour: number }>(runs: R[], cell: (r: R) => string): string {
  return table(
    ['scenario', ...FIRST_DAY_STARTS.map((h) => `from ${String(h).padStart(2, '0')}:00`)],
    [...new Set(runs.map((r) => r.scenario))].map((name) => [
      name,
      ...FIRST_DAY_STARTS.map((h) => {
        const r = runs.find((x) => x.scenario === name && x.startHour === h);
        return r ? cell(r) : '–';
      }),
    ]),
  );
}

function render(outcomes: ScenarioOutcome[], comparisons: CliComparison[], firstDays: FirstDayRun[], firstDayLeaks: FirstDayDetection[], wander: string, live: string, machine: Awaited<ReturnType<typeof describeMachine>>, seconds: number): string {
  const benign = outcomes.filter((o) => o.truth.expected === 'stable');
  const leaks = outcomes.filter((o) => o.truth.expected === 'leak');
  const byName = (n: string) => outcomes.find((o) => o.truth.name === n);
  const goals: Array<[string, string, boolean | null]> = [];

  const falseAlarms = benign.flatMap((o) => (o.sliding ?? []).map((s) => s.alarms)).reduce((a, b) => a + b, 0);
  const benignSuspects = benign.reduce((a, o) => a + o.end.suspects.length + (o.sliding ?? []).reduce((x, s) => x + [...s.blamed.values()].reduce((p, q) => p + q, 0), 0), 0);
  goals.push([
    '0 false alarms in every benign scenario, windows 2 h / 6 h / 24 h / whole lifetime sliding hourly over ≥ 7 days',
    (benign.map((o) => `${o.truth.name}: ${(o.sliding ?? []).map((s) => `${s.alarms}/${s.windows}`).join(', ')}`).join('; ') || 'no benign scenario run') +
      ` (windows that could not be judged, exit 4, apart: ${benign.flatMap((o) => (o.sliding ?? []).map((s) => s.cannotJudge)).reduce((a, b) => a + b, 0)})`,
    benign.length ? falseAlarms === 0 : null,
  ]);
  const fdAlarms = firstDays.reduce((a, r) => a + r.alarms, 0);
  const fdChecks = firstDays.reduce((a, r) => a + r.checks, 0);
  goals.push([
    `0 false alarms on a benign service's first ${FIRST_DAY_HOURS} h, recorded from any hour of the day (${FIRST_DAY_STARTS.length} starts, checked hourly)`,
    firstDays.length ? `${fdAlarms} alarms in ${fdChecks} checks; ${firstDays.filter((r) => r.alarms > 0).length} of ${firstDays.length} recordings with any (see "First days")` : 'not run',
    firstDays.length ? fdAlarms === 0 : null,
  ]);
  goals.push(['benign stacks never suspects', `${benignSuspects} suspect mentions in benign scenarios (end verdicts and alarms)`, benign.length ? benignSuspects === 0 : null]);
  for (const o of leaks) {
    goals.push([
      `${o.truth.name} ends as "leak" with exactly its leaking stacks as suspects`,
      `${o.end.verdict}, exit ${o.end.exit}; suspects ${o.suspects.exact ? 'exact' : `extra ${o.suspects.extra.length}, missing ${o.suspects.missing.length}`}`,
      o.end.verdict === 'leak' && o.suspects.exact,
    ]);
  }
  const ttd = (name: string, limitHours: number) => {
    const o = byName(name);
    if (!o?.detection) return null;
    const d = o.detection[0];
    return { text: `${fmtAfter(d.afterSeconds, d.scannedHours)} (default window); ${o.detection.slice(1).map((x) => `${x.window.replace('--since ', '')}: ${fmtAfter(x.afterSeconds, x.scannedHours)}`).join(', ')}`, met: d.afterSeconds !== null && d.afterSeconds <= limitHours * HOUR };
  };
  const t30 = ttd('late-onset-30-per-hour', 2);
  goals.push(['a 30/hour leak starting mid-week is reported ≤ 2 h after onset', t30?.text ?? 'not run', t30?.met ?? null]);
  const t4 = ttd('late-onset-4-per-hour', 12);
  goals.push(['a 4/hour leak ≤ 12 h after onset', t4?.text ?? 'not run', t4?.met ?? null]);
  goals.push(['a runtime-confirmed growing leak as soon as two leak profiles show it', 'not measured by the generated recordings (no goroutineleak snapshots): see the live programs section', null]);
  const exitOk = outcomes.filter((o) => o.end.exit === EXPECTED_EXIT[o.truth.expected]);
  goals.push([
    'exit codes as in item 6 at the end of every scenario (stable 0, leak 1, growing 3)',
    `${exitOk.length}/${outcomes.length} right${outcomes.length > exitOk.length ? `; wrong: ${outcomes.filter((o) => !exitOk.includes(o)).map((o) => `${o.truth.name} ${o.end.exit} (want ${EXPECTED_EXIT[o.truth.expected]})`).join(', ')}` : ''}`,
    outcomes.length ? exitOk.length === outcomes.length : null,
  ]);
  const agree = comparisons.filter((x) => x.agree).length;
  goals.push(['the library path agrees with the real `check` CLI', `${agree}/${comparisons.length} (scenario, window) pairs agree`, comparisons.length ? agree === comparisons.length : null]);

  const md: string[] = [];
  md.push('# Evaluation');
  md.push('');
  md.push(
    `Generated by \`npm run eval\` on ${machine.date.slice(0, 10)} (${machine.date}), ${(seconds / 60).toFixed(1)} min. Rewritten by every run: change ` +
      '`scripts/eval.ts` and `scripts/eval/scenarios.ts`, not this file. An evaluation, not a test: every goal of issue 9 is listed as met or missed, nothing fails. ' +
      '`check` at time T with `--since S` is the recording clipped in memory to T, analysed by the library with the window [S, T], as the CLI does; the last section shows both agree on a sample of windows.',
  );
  md.push('');
  md.push('## Machine');
  md.push('');
  md.push(table(['', ''], [['CPU', `${machine.cpuModel}, ${machine.nproc} CPU(s)`], ['memory', machine.memory], ['kernel', machine.kernel], ['node', machine.node], ['go', machine.go], ['load average (1, 5, 15 min) at start', machine.loadAverage]]));
  md.push('');
  md.push('## Goals');
  md.push('');
  md.push(table(['goal', 'measured', 'verdict'], goals.map(([g, m, ok]) => [g, m, mark(ok)])));
  md.push('');
  md.push('## Scenarios');
  md.push('');
  md.push(
    'Generated per minute in the on-disk format (`scripts/eval/scenarios.ts`: daily traffic ±70% with Poisson noise, 1,000 idle goroutines, ' +
      'a nightly batch of 2,000 goroutines finishing over ~30 min, pools warming up after each start, deploys every 24–48 h, load +15%/week, ' +
      'heap following load, RSS sticky). "At the end" is `check` with the default window at the last sample.',
  );
  md.push('');
  md.push(
    table(
      ['scenario', 'days', 'rows', 'restarts', 'stacks', 'max goroutines', 'expected', 'verdict at end', 'exit', 'reason / headline', 'suspects'],
      outcomes.map((o) => [
        o.truth.name,
        o.truth.days >= 1 ? o.truth.days : `${Math.round(o.truth.days * 1440)} min`,
        o.truth.rows,
        o.truth.restarts,
        o.truth.stacks,
        o.truth.maxGoroutines,
        `${o.truth.expected} (exit ${EXPECTED_EXIT[o.truth.expected]})`,
        o.end.verdict,
        o.end.exit,
        o.end.reason.slice(0, 160),
        o.truth.leakingFunctions.length === 0 && o.end.suspects.length === 0
          ? 'none (right)'
          : o.suspects.exact
            ? `exact: ${o.suspects.found.join('; ')}`
            : [
                o.suspects.found.length ? `found ${o.suspects.found.join('; ')}` : '',
                o.suspects.missing.length ? `missing ${o.suspects.missing.join(', ')}` : '',
                o.suspects.extra.length ? `extra ${o.suspects.extra.slice(0, 4).join('; ')}${o.suspects.extra.length > 4 ? ` (+${o.suspects.extra.length - 4})` : ''}` : '',
              ]
                .filter(Boolean)
                .join('; '),
      ]),
    ),
  );
  md.push('');
  md.push('Descriptions:');
  md.push('');
  for (const o of outcomes) md.push(`- \`${o.truth.name}\`: ${o.truth.description}; leaking: ${o.truth.leakingFunctions.map((f) => `\`${f}\``).join(', ') || 'nothing'}.`);
  md.push('');
  md.push('## Time from onset to the first non-zero `check`');
  md.push('');
  md.push('Checks at onset + 10 min, then every 10 min for 12 h, then every 30 min up to 48 h after onset, then hourly up to 96 h for the leak in a traffic-following stack (whose daily floors need days), or the end of the recording (resolution: the step). For leaks present from the first sample, onset = the first sample. The time is that of the first *right* alarm: the expected exit code and, for a leak, a leaking stack among the suspects; non-zero exits before it (a benign stack blamed, a wrong code) are counted as wrong alarms.');
  md.push('');
  const det = outcomes.filter((o) => o.detection);
  md.push(
    table(
      ['scenario', ...WINDOWS.map((w) => w.label)],
      det.map((o) => [
        o.truth.name,
        ...o.detection!.map((d) => `${d.afterSeconds === null ? fmtAfter(null, d.scannedHours) : `${fmtAfter(d.afterSeconds, d.scannedHours)} (exit ${d.exit})`}${d.wrongAlarms ? `; ${d.wrongAlarms} wrong alarm(s) before` : ''}`),
      ]),
    ),
  );
  md.push('');
  md.push('### Does the alarm hold?');
  md.push('');
  md.push('After the first right alarm, `check` again every hour (same window) to the end of that process lifetime: an alert rule that pages on exit 1 or 3 resolves at the first check that says 0 while the leak goes on. Misses are given in hours after onset.');
  md.push('');
  md.push(
    table(
      ['scenario', ...WINDOWS.map((w) => w.label)],
      det.map((o) => [o.truth.name, ...o.detection!.map((d) => heldText(d.held))]),
    ),
  );
  md.push('');
  md.push('## False alarms over benign weeks');
  md.push('');
  md.push('`check --since until−W --until until` with `until` on every full hour; "whole lifetime" is `check --until until` alone. An alarm is exit 1 (leak) or 3 (growing); exit 4 (cannot judge: e.g. minutes after a deploy, too few samples of the new process) is not a claim about leaks and is counted apart in the exit-codes column.');
  md.push('');
  const rows: Array<Array<string | number>> = [];
  for (const o of benign) {
    for (const s of o.sliding ?? []) {
      rows.push([
        o.truth.name,
        s.window,
        `${s.alarms} of ${s.windows}`,
        [...s.exits].sort((a, b) => a[0] - b[0]).map(([e, n]) => `${e}: ${n}`).join(', '),
        [...s.blamed].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([fn, n]) => `\`${fn}\` ×${n}`).join(', ') || '–',
        s.firstAlarms.join(', ') || '–',
      ]);
    }
  }
  md.push(table(['scenario', 'window', 'alarms', 'exit codes (code: windows)', 'stacks blamed', 'first alarms (until)'], rows));
  md.push('');
  md.push('### First days, recorded from other hours of the day');
  md.push('');
  md.push(`The weeks above start at 00:00 UTC. A user installs leakwatch at any hour, and the first day ever recorded has no same hours of an earlier day to compare with (src/analysis/firstDay.ts). Each benign scenario generated for ${FIRST_DAY_HOURS} h from each hour below (its deploys in that span kept), checked every hour with the default window, --since 2h and --since 24h; an alarm is exit 1 or 3.`);
  md.push('');
  md.push(byStartHour(firstDays, (r) => `${r.alarms} of ${r.checks}${r.first.length ? `: ${r.first.join('; ')}${r.alarms > r.first.length ? '; …' : ''}` : ''}`));
  md.push('');
  if (firstDayLeaks.length > 0) {
    md.push(`Leaks that begin with the process, recorded the same way (one lifetime, ${FIRST_DAY_HOURS} h from each hour below), checked every hour with the default window: the first check with the expected exit (1 for a leak, 3 for growing memory), and how many of the hourly checks after it say so too. The hold above trades these hours against its false alarms.`);
    md.push('');
    md.push(byStartHour(firstDayLeaks, (r) => (r.firstAlarmHour === null ? `**none in ${FIRST_DAY_HOURS} h**` : `${r.firstAlarmHour} h (then ${r.held} of ${r.later})`)));
    md.push('');
  }
  md.push(wander);
  md.push('## Library path vs the real `check` CLI');
  md.push('');
  md.push(table(['scenario', 'check arguments (besides --data, --target)', 'CLI exit / verdict', 'library exit / verdict', 'agree'], comparisons.map((x) => [x.scenario, x.args, `${x.cliExit} / ${x.cliVerdict}`, `${x.libExit} / ${x.libVerdict}`, x.agree ? 'yes' : '**no**'])));
  md.push('');
  md.push('## Run time per scenario');
  md.push('');
  md.push(table(['scenario', 'seconds (generate, read, all checks)'], outcomes.map((o) => [o.truth.name, o.seconds.toFixed(1)])));
  md.push('');
  md.push(live.trim());
  md.push('');
  return md.join('\n');
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    console.error(`eval: ${(e as Error).stack ?? e}`);
    process.exitCode = 2;
  },
);
