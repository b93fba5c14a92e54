// Live Go programs for the goroutine-leak patterns from the literature (issue 9 item 8, second part): each
// pattern of scripts/eval/leakpatterns runs as its own process, is recorded by the real `leakwatch record`
// (loop mode, ad-hoc target) and judged by the real `check` and `report --json`.
//
//   const results = await runLivePrograms();          // ~5 minutes, every program at once
//   console.log(renderLiveSection(results));          // markdown for EVAL.md (liveSection.ts)
//
//   node dist/scripts/eval/livePrograms.js [--for 4m]  prints the markdown (progress on stderr)
//
// Everything stays on loopback (the programs listen on 127.0.0.1:0), every process is killed at the end even
// on failure, and the data lives in one temp dir removed afterwards.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { parseDurationSeconds } from '../../src/core/duration.js';
import { MIN_SPAN_SECONDS } from '../../src/analysis/trend.js';
import { readRecording } from '../../src/io/readRecording.js';
import { buildDemoService, findGo, GO_MISSING_MESSAGE, findRepoRoot, goMinorVersion, startDemoService, type DemoService } from '../../src/demo/demoService.js';
import { renderLiveSection } from './liveSection.js';

const run = promisify(execFile);

/** One live program: a pattern (or several, comma-separated) of leakpatterns, how often it is called, its ballast. */
export interface LiveProgram {
  /** The target name in the recording, unique per run (e.g. `timeout-send-15s-idle1000`). */
  id: string;
  /** leakpatterns -pattern value. */
  pattern: string;
  /** leakpatterns -every value (Go duration, e.g. `200ms`, `15s`). */
  every: string;
  /** leakpatterns -idle value: goroutines parked on a channel closed at exit (benign, flat). */
  idle: number;
}

export interface LiveResult extends LiveProgram {
  expected: 'leak' | 'stable';
  /** The function the leaked goroutines block in (`main.sendAfterReceiverTimedOut`); null for benign controls. */
  expectedLeaf: string | null;
  /** From report --json; null when the run failed before. */
  verdict: string | null;
  /** report --json's verdictReason (`suspects`, `runtime-proven`, `no-growth`, ...) and confidence, when given. */
  verdictReason: string | null;
  confidence: string | null;
  /** check's exit code; null when check did not run. */
  exitCode: number | null;
  /** check's line for this target. */
  checkLine: string;
  /** Leaf functions of the suspects, in rank order (duplicates kept: two stacks may share a leaf). */
  suspects: string[];
  /** Leak: at least one suspect and every suspect's leaf is expectedLeaf. Benign: no suspect. */
  suspectsExact: boolean;
  /** Some suspect on expectedLeaf is in the runtime's goroutineleak profile (`confirmed`). */
  confirmed: boolean;
  /** Goroutines the runtime proved leaked in the latest goroutineleak profile; null without one. */
  runtimeLeaked: number | null;
  /** How often the recorder asked for the goroutineleak profile; null: the recorder's default (ad-hoc flags). */
  leakProfileMinutes: number | null;
  /** Samples recorded. */
  samples: number;
  /**
   * Seconds from the first recorded sample to the first `check --until T` (T stepping by opts.checkStep) that
   * exited 1; null when none did (or the scan was off). For a leak: how soon it is found.
   */
  firstLeakExitSeconds: number | null;
  /** Every `check --until` of the scan: seconds after the first sample, and its exit code. */
  cutoffExits: { atSeconds: number; exitCode: number }[];
  /**
   * Benign programs: of the `check --until` cutoffs, how many claimed a leak or growth (exit 1 or 3: false alarms)
   * and how many could not judge (exit 4, e.g. a cutoff a hair under the minimum span), of how many.
   */
  falseAlarms: { nonZero: number; cannotJudge: number; checks: number } | null;
  /** Wall time of this program: start, record, check, report. */
  seconds: number;
  /** Expected verdict, exit code and exactly the expected suspects. */
  pass: boolean;
  /** Why the run failed, when it did (one line). */
  error?: string;
}

export interface LiveOptions {
  /** Default: DEFAULT_PROGRAMS. */
  programs?: LiveProgram[];
  /** record --every (default 2s). */
  recordEvery?: string;
  /** record --for (default 4m). */
  recordFor?: string;
  /**
   * How often the recorder asks for the goroutineleak profile (the config's targets[].leakProfileMinutes; default
   * 1, so a few-minute run has several), through a one-target config file; null records with the ad-hoc flags
   * `--name --pid --pprof` instead (the recorder's default 10 minutes: one leak profile in a short run).
   */
  leakProfileMinutes?: number | null;
  /**
   * Also run `check --until T` for T = first sample + 60 s (the analysis' shortest span), then every checkStep
   * (default 30s; '0' turns the scan off): the first leak exit of a leak, the false alarms of a benign control.
   */
  checkStep?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/**
 * The default set: every leaking pattern once, at three speeds (200 ms, 2 s, 15 s between leaking calls; the
 * 15 s ones are the "one leak every 10-20 s" services of issue 9), some beside 1,000 or 5,000 idle goroutines,
 * plus the benign controls beside the same ballast.
 */
export const DEFAULT_PROGRAMS: LiveProgram[] = [
  { id: 'timeout-send-200ms', pattern: 'timeout-send', every: '200ms', idle: 0 },
  { id: 'timeout-send-15s-idle1000', pattern: 'timeout-send', every: '15s', idle: 1000 },
  { id: 'early-return-15s', pattern: 'early-return', every: '15s', idle: 0 },
  { id: 'n-senders-200ms-idle5000', pattern: 'n-senders', every: '200ms', idle: 5000 },
  { id: 'range-unclosed-2s-idle1000', pattern: 'range-unclosed', every: '2s', idle: 1000 },
  { id: 'stop-never-called-15s', pattern: 'stop-never-called', every: '15s', idle: 0 },
  { id: 'double-send-200ms', pattern: 'double-send', every: '200ms', idle: 0 },
  { id: 'mutex-15s-idle1000', pattern: 'mutex', every: '15s', idle: 1000 },
  { id: 'rwmutex-2s', pattern: 'rwmutex', every: '2s', idle: 0 },
  { id: 'waitgroup-200ms-idle1000', pattern: 'waitgroup', every: '200ms', idle: 1000 },
  { id: 'cond-15s-idle5000', pattern: 'cond', every: '15s', idle: 5000 },
  { id: 'bursts-200ms-idle1000', pattern: 'bursts', every: '200ms', idle: 1000 },
  { id: 'pool-200ms-idle5000', pattern: 'pool', every: '200ms', idle: 5000 },
  { id: 'plateau-2s-idle1000', pattern: 'plateau', every: '2s', idle: 1000 },
];

/**
 * Builds scripts/eval/leakpatterns into a fresh temp dir (Go's own build cache makes repeats fast) with
 * GOEXPERIMENT=goroutineleakprofile on Go 1.26+, so the programs serve /debug/pprof/goroutineleak.
 * Returns the binary, its dir (the caller removes it) and the pattern -> leaf table the program prints.
 */
export async function buildLeakPatterns(): Promise<{ binary: string; dir: string; leafOf: Map<string, string | null>; leakProfile: boolean }> {
  const go = await findGo();
  if (!go) throw new Error(GO_MISSING_MESSAGE);
  const leakProfile = (await goMinorVersion(go)) >= 26;
  const dir = await mkdtemp(join(tmpdir(), 'leakwatch-leakpatterns-'));
  try {
    const binary = await buildDemoService({
      srcDir: join(await findRepoRoot(), 'scripts', 'eval', 'leakpatterns'),
      outPath: join(dir, 'leakpatterns'),
      env: leakProfile ? { GOEXPERIMENT: 'goroutineleakprofile' } : {},
    });
    const list = (await run(binary, ['-list'])).stdout;
    const leafOf = new Map<string, string | null>();
    for (const line of list.split('\n')) {
      const [name, leaf] = line.split('\t');
      if (name) leafOf.set(name, leaf ? leaf : null);
    }
    return { binary, dir, leafOf, leakProfile };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The expected outcome of a (comma-separated) pattern: a leak when exactly one of its patterns leaks. */
function expectation(pattern: string, leafOf: Map<string, string | null>): { expected: 'leak' | 'stable'; expectedLeaf: string | null } {
  const leaves = new Set<string>();
  for (const name of pattern.split(',')) {
    if (!leafOf.has(name)) throw new Error(`unknown leakpatterns pattern ${JSON.stringify(name)}: use one of ${[...leafOf.keys()].join(', ')}`);
    const leaf = leafOf.get(name);
    if (leaf) leaves.add(leaf);
  }
  if (leaves.size > 1) throw new Error(`pattern ${pattern} leaks in more than one function; run them as separate programs`);
  const [leaf] = leaves;
  return leaf ? { expected: 'leak', expectedLeaf: leaf } : { expected: 'stable', expectedLeaf: null };
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node dist/src/cli.js ...args`, with a hard timeout; a non-zero exit is a result, not an error. */
async function cli(root: string, args: string[], timeoutMs: number): Promise<CliRun> {
  try {
    const r = await run(process.execPath, [join(root, 'dist', 'src', 'cli.js'), ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string; signal?: string };
    if (typeof err.code !== 'number') throw new Error(`leakwatch ${args[0]} did not finish (${String(err.code ?? err.signal)}): ${firstLine(err.stderr ?? '')}`);
    return { code: err.code, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
  }
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0]?.slice(0, 300) ?? '';
}

/** Runs `node cli.js record ... --every E --for F` to its end; the child is registered in `children` for cleanup. */
function recordLoop(root: string, args: string[], children: Set<ChildProcess>, timeoutMs: number): Promise<CliRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'src', 'cli.js'), 'record', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout = (stdout + c.toString('utf8')).slice(-65536)));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-65536)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      children.delete(child);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (code === null) reject(new Error(`leakwatch record was killed (${signal}) after ${timeoutMs} ms: ${firstLine(stderr)}`));
      else resolvePromise({ code, stdout, stderr });
    });
  });
}

/** The first and last sample times of the recording (unix seconds). */
function sampleSpan(data: string, name: string): { first: number; last: number } | null {
  const samples = readRecording(data, name).samples;
  return samples.length > 0 ? { first: samples[0]!.tsSeconds, last: samples[samples.length - 1]!.tsSeconds } : null;
}

/**
 * `check --until` at cutoffs from the first sample + MIN_SPAN_SECONDS on, every stepSeconds, up to the last
 * sample: a leak stops at the first exit 1, a benign control counts its non-zero exits.
 */
async function scanCutoffs(root: string, data: string, r: LiveResult, stepSeconds: number): Promise<void> {
  const span = sampleSpan(data, r.id);
  if (span === null) return;
  const { first, last } = span;
  const alarms = { nonZero: 0, cannotJudge: 0, checks: 0 };
  // exit 4 says "cannot judge", not "leak": counted apart, as EVAL.md's benign weeks do
  const tally = (code: number | null) => {
    if (code === 4) alarms.cannotJudge++;
    else if (code !== 0) alarms.nonZero++;
  };
  for (let offset = MIN_SPAN_SECONDS; ; offset += stepSeconds) {
    const until = Math.ceil(first + offset);
    if (until >= last) break;
    const c = await cli(root, ['check', '--data', data, '--until', String(until)], 120_000);
    alarms.checks++;
    r.cutoffExits.push({ atSeconds: offset, exitCode: c.code });
    tally(c.code);
    if (r.expected === 'leak' && c.code === 1) {
      r.firstLeakExitSeconds = offset;
      return;
    }
  }
  // the whole recording's check (already run) is the last cutoff
  alarms.checks++;
  if (r.exitCode !== null) r.cutoffExits.push({ atSeconds: Math.round(last - first), exitCode: r.exitCode });
  tally(r.exitCode);
  if (r.expected === 'leak' && r.exitCode === 1) r.firstLeakExitSeconds = Math.round(last - first);
  if (r.expected === 'stable') r.falseAlarms = alarms;
}

interface JsonSuspect {
  leafFunction: string;
  confirmed?: boolean;
}
interface JsonTarget {
  name: string;
  verdict: string;
  verdictReason?: string;
  confidence?: string;
  samples: number;
  suspects: JsonSuspect[];
  runtimeLeaks?: { total: number } | null;
}

/** Runs up to `limit` of the tasks at once (check/report are CPU-bound; the machine has few cores). */
async function inBatches<T>(items: T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(limit, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await task(item);
    }),
  );
}

/**
 * Starts every program at once, records each with its own `leakwatch record --every --for` loop, then runs
 * `check` and `report --json` on each recording. One result per program, in the order given; a program that
 * fails is a result with `error` set, never an exception (except when leakpatterns cannot be built).
 */
export async function runLivePrograms(opts: LiveOptions = {}): Promise<LiveResult[]> {
  const programs = opts.programs ?? DEFAULT_PROGRAMS;
  const recordEvery = opts.recordEvery ?? '2s';
  const recordFor = opts.recordFor ?? '4m';
  const log = opts.log ?? (() => {});
  const leakProfileMinutes = opts.leakProfileMinutes === undefined ? 1 : opts.leakProfileMinutes;
  const recordForMs = parseDurationSeconds(recordFor, '--for') * 1000;
  const checkStepSeconds = opts.checkStep === '0' ? 0 : parseDurationSeconds(opts.checkStep ?? '30s', 'checkStep');
  const root = await findRepoRoot();
  const ids = new Set(programs.map((p) => p.id));
  if (ids.size !== programs.length) throw new Error('live program ids must be unique');

  const build = await buildLeakPatterns();
  let expectations: ReturnType<typeof expectation>[];
  try {
    expectations = programs.map((p) => expectation(p.pattern, build.leafOf));
  } catch (err) {
    await rm(build.dir, { recursive: true, force: true });
    throw err;
  }
  const work = await mkdtemp(join(tmpdir(), 'leakwatch-live-'));
  const services: DemoService[] = [];
  const children = new Set<ChildProcess>();
  const results: LiveResult[] = programs.map((p, i) => ({
    ...p,
    ...expectations[i]!,
    verdict: null,
    verdictReason: null,
    confidence: null,
    exitCode: null,
    checkLine: '',
    suspects: [],
    suspectsExact: false,
    confirmed: false,
    runtimeLeaked: null,
    firstLeakExitSeconds: null,
    falseAlarms: null,
    cutoffExits: [],
    leakProfileMinutes,
    samples: 0,
    seconds: 0,
    pass: false,
  }));
  // On an early exit (a signal, see below): kill the record loops still running (the services have
  // startDemoService's own hook) and remove our temp dirs, synchronously as 'exit' requires.
  const killRecorders = () => {
    for (const child of children) child.kill('SIGKILL');
  };
  const onExit = () => {
    killRecorders();
    for (const dir of [work, build.dir, ...services.map((svc) => dirname(svc.portfile))]) rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  const started = new Map<string, number>();
  const fail = (r: LiveResult, err: unknown) => {
    r.error ??= firstLine(err instanceof Error ? err.message : String(err));
  };
  try {
    log(`live programs: ${programs.length} programs, record every ${recordEvery} for ${recordFor}${build.leakProfile ? ', with the goroutineleak profile' : ''}`);
    // Start and record every program at once: the rates are per wall-clock time, so running them one after
    // another would only make the suite longer.
    const recordings = results.map(async (r) => {
      started.set(r.id, Date.now());
      try {
        const svc = await startDemoService({
          binary: build.binary,
          args: ['-pattern', r.pattern, '-every', r.every, '-idle', String(r.idle)],
          timeoutMs: 30_000,
        });
        services.push(svc);
        let target = ['--name', r.id, '--pid', String(svc.pid), '--pprof', svc.pprofUrl];
        if (leakProfileMinutes !== null) {
          const config = join(work, `${r.id}.config.json`);
          const t = { name: r.id, pid: svc.pid, pprof: svc.pprofUrl, leakProfileMinutes };
          await writeFile(config, JSON.stringify({ targets: [t] }) + '\n', { flag: 'wx' });
          target = ['--config', config];
        }
        const rec = await recordLoop(
          root,
          [...target, '--data', join(work, r.id), '--every', recordEvery, '--for', recordFor],
          children,
          recordForMs + 120_000,
        );
        // exit 1 = some tick could not sample (its row says why); the analysis judges what was recorded
        if (rec.code !== 0 && rec.code !== 1) throw new Error(`leakwatch record exited ${rec.code}: ${firstLine(rec.stderr)}`);
        await svc.stop();
      } catch (err) {
        fail(r, err);
      }
    });
    await Promise.all(recordings);
    for (const svc of services) await svc.stop();
    log('live programs: recorded; judging');

    await inBatches(results, 2, async (r) => {
      if (r.error) return;
      const data = join(work, r.id);
      try {
        const check = await cli(root, ['check', '--data', data], 120_000);
        r.exitCode = check.code;
        r.checkLine = firstLine(check.stdout) || firstLine(check.stderr);
        const jsonPath = join(work, `${r.id}.json`);
        const report = await cli(root, ['report', '--data', data, '--out', join(work, `${r.id}.html`), '--json', jsonPath], 120_000);
        if (report.code !== 0) throw new Error(`leakwatch report exited ${report.code}: ${firstLine(report.stderr)}`);
        const summary = JSON.parse(await readFile(jsonPath, 'utf8')) as { targets: JsonTarget[] };
        const t = summary.targets.find((x) => x.name === r.id);
        if (!t) throw new Error(`report --json has no target ${r.id}`);
        r.verdict = t.verdict;
        r.verdictReason = t.verdictReason ?? null;
        r.confidence = t.confidence ?? null;
        r.samples = t.samples;
        r.suspects = t.suspects.map((s) => s.leafFunction);
        r.suspectsExact = r.expectedLeaf === null ? r.suspects.length === 0 : r.suspects.length > 0 && r.suspects.every((l) => l === r.expectedLeaf);
        r.confirmed = t.suspects.some((s) => s.confirmed === true && s.leafFunction === r.expectedLeaf);
        r.runtimeLeaked = t.runtimeLeaks ? t.runtimeLeaks.total : null;
        if (checkStepSeconds > 0) await scanCutoffs(root, data, r, checkStepSeconds);
        r.pass = r.suspectsExact && (r.expected === 'leak' ? r.verdict === 'leak' && r.exitCode === 1 : r.verdict === 'stable' && r.exitCode === 0);
      } catch (err) {
        fail(r, err);
      }
      r.seconds = (Date.now() - (started.get(r.id) ?? Date.now())) / 1000;
      log(`  ${r.id}: ${r.verdict ?? 'error'} (exit ${r.exitCode ?? '-'}) ${r.pass ? 'as expected' : `NOT as expected${r.error ? `: ${r.error}` : ''}`}`);
    });
  } finally {
    process.removeListener('exit', onExit);
    killRecorders();
    await Promise.all(services.map((s) => s.stop()));
    await rm(work, { recursive: true, force: true });
    await rm(build.dir, { recursive: true, force: true });
  }
  for (const r of results) if (r.seconds === 0) r.seconds = (Date.now() - (started.get(r.id) ?? Date.now())) / 1000;
  return results;
}

// Run directly: print the section (progress on stderr).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const forIdx = process.argv.indexOf('--for');
  const recordFor = forIdx > 0 ? process.argv[forIdx + 1] : undefined;
  // Ctrl-C or a kill: exit through process.exit, so the 'exit' hooks kill every program and record loop.
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) process.once(signal, () => process.exit(code));
  runLivePrograms({ recordFor, log: (line) => process.stderr.write(line + '\n') }).then(
    (results) => process.stdout.write(renderLiveSection(results)),
    (err) => {
      process.stderr.write(`livePrograms: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
