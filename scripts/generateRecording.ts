// Writes a synthetic per-minute recording in leakwatch's own on-disk format (data/README.md), as if
// `leakwatch record` had run from cron every minute for --days days against --targets Go services.
// For the report-at-scale, storage and year benchmarks (scripts/bench/reportScale.ts, storage.ts, yearScale.ts).
//
//   node dist/scripts/generateRecording.js --out DIR --days 30 --targets 3 [--seed 1] [--end 2026-11-01T00:00:00Z]
//       [--churn-targets 1 [--churn-stacks 5000] [--churn-share 0.1] [--churn-kind leaky|stable]]
//       [--segmented [--full-resolution-days 31]]
//
// Deterministic: the same arguments give the same bytes (a seeded PRNG, a fixed default end time).
// Per target, ~60 distinct stacks with realistic histories:
//   - leaks: a linear leak (a few goroutines a minute, never released), a slow leak (one every ~15 minutes);
//   - flat: worker pools, tickers, the HTTP server, signal handling — constant counts;
//   - variable: connection goroutines following a daily traffic curve, changing most ticks;
//   - bursty: short-lived batch goroutines that appear for a few minutes, then vanish;
// RSS and heap draw a sawtooth (heap growth, then GC) on top of what the goroutines hold; the process restarts
// about twice a month (new pid and start time, leaks reset, one `no-process` row while it is down); a few ticks
// fail with `pprof-timeout` (empty goroutine cells, no history line). Snapshots are copies of real fixture
// profiles (test/fixtures) under the names and retention the recorder uses (first of each lifetime, first of
// each UTC hour within retentionDays, the newest).
// --churn-targets adds targets (`churn`, `churn-2`, …) that also run --churn-stacks more stacks, of which a
// --churn-share changes count every minute (a large service: the issue 10 goal of 5,000 stacks at 10 %).
// --segmented leaves what the recorder leaves after months of cron (data/README.md): closed monthly segments,
// history older than --full-resolution-days compacted to hourly lines, the current month in the live files.
// Everything streams: memory is the current counts, never the recording.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { snapshotFileName, snapshotsToDelete, type SnapshotKind } from '../src/core/snapshots.js';
import { emptyState, lifetimeOf } from '../src/core/tickPlan.js';
import { BASE_NAMES, Churner, churnStacks, gauss, int, KINDS, poisson, templatesFor, type ChurnPlan, type StackTemplate, type TargetKind } from './lib/generatorStacks.js';
import { openRecordingWriter, row, type ClosedSegment, type StackDef } from './lib/recordingWriter.js';
import { seededRandom } from './lib/seededRandom.js';

// The pieces other scripts and tests build their own recordings from.
export { f, GO, int, PARK, poisson } from './lib/generatorStacks.js';
export { openRecordingWriter, row, type StackDef } from './lib/recordingWriter.js';

export interface GenerateOptions {
  outDir: string;
  days: number;
  targets: number;
  seed?: number;
  /** Unix seconds of the last tick's minute. Default 2026-11-01T00:00:00Z (fixed, so output is reproducible). */
  endTsSeconds?: number;
  /** Folder with the real profiles copied as snapshots. Default: <repo>/test/fixtures. */
  fixturesDir?: string;
  retentionDays?: number;
  /** Remove outDir first. Default true. */
  clean?: boolean;
  /** Extra targets with `churnStacks` more stacks whose counts churn (default none). */
  churnTargets?: number;
  /** Default 5,000. */
  churnStacks?: number;
  /** Share of the churning stacks whose count changes each minute (default 0.1). */
  churnShare?: number;
  /**
   * What the churning targets' other ~60 stacks do (default 'leaky': their leak must stay findable among thousands of
   * stacks); 'stable' makes a target with no leak at all, whose only movement is the churn.
   */
  churnKind?: 'leaky' | 'stable';
  /** Monthly segments and hourly compaction, as the recorder leaves them at the end time. */
  segmented?: { fullResolutionDays: number };
}

export interface GeneratedTarget {
  name: string;
  kind: TargetKind;
  ticks: number;
  okTicks: number;
  failedTicks: number;
  restarts: number;
  stacks: number;
  snapshots: number;
  maxGoroutines: number;
  /** Closed segments (segmented output only), oldest first. */
  samplesSegments: ClosedSegment[];
  historySegments: ClosedSegment[];
  /** Every history byte written at full resolution (before compaction). */
  historyFullResolutionBytes: number;
}

export interface GenerateResult {
  outDir: string;
  days: number;
  startTsSeconds: number;
  endTsSeconds: number;
  targets: GeneratedTarget[];
}

export const DEFAULT_END_TS = Date.UTC(2026, 10, 1) / 1000;

// ---------- one target ----------

interface TargetPlan {
  name: string;
  kind: TargetKind;
  templates: StackTemplate[];
  churn: ChurnPlan | null;
}

function generateTarget(
  plan: TargetPlan,
  dir: string,
  startMinute: number,
  minutes: number,
  seed: number,
  fixtures: { goroutine: Buffer; debug2: Buffer },
  retentionDays: number,
  segmented: GenerateOptions['segmented'],
): GeneratedTarget {
  const r = seededRandom(seed);
  mkdirSync(join(dir, 'snapshots'), { recursive: true, mode: 0o700 });
  const endTs = (startMinute + minutes) * 60;
  const out = openRecordingWriter(dir, segmented ? { segments: { nowSeconds: endTs, fullResolutionDays: segmented.fullResolutionDays } } : {});
  const churn = plan.churn ? new Churner(plan.churn) : null;
  let churnFresh = true;

  // Restarts: about two a month, at random minutes (not in the first or last hour).
  const restartCount = Math.round((minutes / 43200) * 2);
  const restartAt = new Set<number>();
  for (let tries = 0; restartAt.size < restartCount && tries < 1000; tries++) restartAt.add(int(r, 60, minutes - 60));
  // Failed ticks: ~1 in 2,000 at random, plus one 10-minute outage a month.
  const outageStart = minutes >= 1440 ? int(r, 120, minutes - 120) : -1;
  const outageLen = Math.max(1, Math.round((minutes / 43200) * 10));

  let pid = int(r, 1000, 60000);
  let startTs = startMinute * 60 - int(r, 30, 3000);
  let lifetime = lifetimeOf(pid, startTs);
  let lifetimeMinute = 0;
  let event: '' | 'start' | 'restart' = 'start';
  let counts = new Map<number, number>(); // template index -> count
  const burst = new Map<number, number>(); // template index -> minutes left
  let cpuTotal = 0.05;
  let lastCpu: number | null = null;
  let lastTs: number | null = null;
  let downTicks = 0;
  const t: GeneratedTarget = {
    name: plan.name,
    kind: plan.kind,
    ticks: 0,
    okTicks: 0,
    failedTicks: 0,
    restarts: 0,
    stacks: 0,
    snapshots: 0,
    maxGoroutines: 0,
    samplesSegments: [],
    historySegments: [],
    historyFullResolutionBytes: 0,
  };
  // Snapshot candidates (every snapshot retention could keep): kind -> [ts, pid]
  const snaps: Array<{ kind: SnapshotKind; ts: number; pid: number }> = [];
  let lastSnapHour = -1;
  let lastSnapLifetime = '';
  let lastDebug2Ts = -Infinity;
  let lastDebug2Hour = -1;
  let lastDebug2Lifetime = '';
  let lastOk: { ts: number; pid: number } | null = null;
  let lastDebug2: { ts: number; pid: number } | null = null;
  const sawPeriod = plan.kind === 'stable' ? 23 : 37; // minutes between GCs (a slow GC cycle, for the sawtooth)
  const sawHeight = (plan.kind === 'stable' ? 24 : 40) * 1048576;

  for (let m = 0; m < minutes; m++) {
    const minute = startMinute + m;
    const ts = Math.round((minute * 60 + 0.25 + r() * 0.6) * 1000) / 1000;
    t.ticks++;

    if (restartAt.has(m) && downTicks === 0) downTicks = 1;
    if (downTicks > 0) {
      // The process is down for this tick: a no-process row, then a new lifetime.
      downTicks--;
      out.unprofiled(
        row(ts, plan.name, 'no-process', {
          message: `no process named "${plan.name}-server" is running; start it, or fix "process" in the config`,
        }),
      );
      t.failedTicks++;
      pid = int(r, 1000, 60000);
      startTs = Math.floor(ts) + 20 + int(r, 0, 20);
      lifetime = lifetimeOf(pid, startTs);
      lifetimeMinute = 0;
      event = 'restart';
      counts = new Map();
      churnFresh = true;
      burst.clear();
      cpuTotal = 0.05;
      lastCpu = null;
      t.restarts++;
      continue;
    }

    // Counts for this minute.
    const hourOfDay = (minute / 60) % 24;
    const traffic = 1 + 0.6 * Math.sin(((hourOfDay - 9) / 24) * 2 * Math.PI);
    plan.templates.forEach((tp, i) => {
      const b = tp.behaviour;
      let c = counts.get(i) ?? 0;
      if (b.type === 'leak') c += poisson(r, b.perMinute);
      else if (b.type === 'flat') c = b.count;
      else if (b.type === 'variable') c = Math.max(0, Math.round(b.mean * traffic + b.sd * gauss(r)));
      else {
        const left = burst.get(i) ?? 0;
        if (left > 0) {
          burst.set(i, left - 1);
          c = left - 1 > 0 ? int(r, b.minCount, b.maxCount) : 0;
        } else if (r() < b.perHour / 60) {
          burst.set(i, int(r, b.minMinutes, b.maxMinutes));
          c = int(r, b.minCount, b.maxCount);
        } else c = 0;
      }
      if (c > 0) counts.set(i, c);
      else counts.delete(i);
    });
    let total = 0;
    for (const c of counts.values()) total += c;
    if (churn) {
      churn.minute(churnFresh);
      churnFresh = false;
      total += churn.total;
    }
    t.maxGoroutines = Math.max(t.maxGoroutines, total);

    // Process figures.
    const saw = ((lifetimeMinute % sawPeriod) / sawPeriod) * sawHeight;
    const heap = 18 * 1048576 + total * 2300 + saw;
    const rss = Math.round(36 * 1048576 + total * 8400 + heap * 1.1 + r() * 262144) & ~4095;
    const vsz = 1_300_000_000 + Math.round(total * 12000 / 65536) * 65536;
    cpuTotal += (0.35 + 0.4 * traffic + total / 40000) * (0.8 + 0.4 * r());
    const cpuSecondsTotal = Math.round(cpuTotal * 100) / 100;
    const cpuPercent = lastCpu !== null && lastTs !== null && event === '' ? ((cpuSecondsTotal - lastCpu) / (ts - lastTs)) * 100 : null;
    const threads = 7 + Math.min(12, Math.floor(total / 4000)) + int(r, 0, 2);
    const fds = 9 + Math.round(((counts.get(28) ?? 0) + (counts.get(29) ?? 0)) / 2) + int(r, 0, 3);
    lastCpu = cpuSecondsTotal;
    lastTs = ts;

    const failed = (m >= outageStart && m < outageStart + outageLen) || r() < 1 / 2000;
    const base = { pid, startTs, rss, vsz, cpuSecondsTotal, cpuPercent, threads, fds, event };
    if (failed) {
      out.unprofiled(
        row(ts, plan.name, 'pprof-timeout', {
          ...base,
          message: `no complete answer from 127.0.0.1:6060 within 10 s; is the service overloaded? raise "timeoutSeconds" if it is just slow`,
        }),
      );
      t.failedTicks++;
      event = '';
      lifetimeMinute++;
      continue;
    }

    // Stack ids, dictionary and history line: the shared writer, in the recorder's order.
    // Every template's count (0 = gone; ids are handed out in template order, as the recorder meets them), then
    // the churning stacks that changed.
    const changes: Array<readonly [StackDef, number]> = plan.templates.map((tp, i) => [tp, counts.get(i) ?? 0]);
    if (churn) for (const c of churn.take()) changes.push(c);
    out.changed(row(ts, plan.name, 'ok', { ...base, heapInuse: Math.round(heap) }), lifetime, changes);
    t.stacks = out.stackCount();
    t.okTicks++;

    // Snapshot candidates: the first of each lifetime and of each UTC hour, and the newest (kept by retention).
    const hour = Math.floor(ts / 3600);
    if (hour !== lastSnapHour || lifetime !== lastSnapLifetime) snaps.push({ kind: 'goroutine', ts, pid });
    lastSnapHour = hour;
    lastSnapLifetime = lifetime;
    lastOk = { ts, pid };
    if (total <= 5000 && ts - lastDebug2Ts >= 30 * 60 - 1) {
      lastDebug2Ts = ts;
      if (hour !== lastDebug2Hour || lifetime !== lastDebug2Lifetime) snaps.push({ kind: 'goroutine-debug2', ts, pid });
      lastDebug2Hour = hour;
      lastDebug2Lifetime = lifetime;
      lastDebug2 = { ts, pid };
    }
    event = '';
    lifetimeMinute++;
  }
  if (lastOk) snaps.push({ kind: 'goroutine', ...lastOk });
  if (lastDebug2) snaps.push({ kind: 'goroutine-debug2', ...lastDebug2 });

  const end = out.close();

  t.samplesSegments = end.samplesSegments;
  t.historySegments = end.historySegments;
  t.historyFullResolutionBytes = end.historyFullResolutionBytes;

  // Retention as the recorder leaves it after the last tick (core/snapshots.ts decides).
  for (const kind of ['goroutine', 'goroutine-debug2'] as const) {
    const names = [...new Set(snaps.filter((s) => s.kind === kind).map((s) => snapshotFileName(s.ts, s.pid, kind)))];
    const drop = new Set(snapshotsToDelete(names, endTs, retentionDays, pid, kind));
    for (const n of names) {
      if (drop.has(n)) continue;
      writeFileSync(join(dir, 'snapshots', n), kind === 'goroutine' ? fixtures.goroutine : fixtures.debug2, { mode: 0o600 });
      t.snapshots++;
    }
  }

  // state.json as the recorder leaves it (a cache; the report does not read it).
  const state = {
    ...emptyState(),
    lifetime,
    pid,
    processStartTsSeconds: startTs,
    comm: `${plan.name}-server`,
    lastTsSeconds: lastTs,
    lastCpuSecondsTotal: lastCpu,
    historyBytes: end.historyBytes,
    linesSinceKeyframe: end.linesSinceKeyframe,
    lastCounts: Object.fromEntries(end.lastCounts),
    nextStackId: end.nextStackId,
    stackIds: end.stackIdsByHash,
    stacksBytes: end.stacksBytes,
    lastDebug2TsSeconds: Number.isFinite(lastDebug2Ts) ? lastDebug2Ts : 0,
    leakRetryTsSeconds: endTs + 6 * 3600,
    varsRetryTsSeconds: endTs + 6 * 3600,
  };
  writeFileSync(join(dir, 'state.json'), JSON.stringify(state), { mode: 0o600 });
  return t;
}

function defaultFixturesDir(): string {
  // dist/scripts/generateRecording.js -> <repo>/test/fixtures (also works from scripts/ via a TS runner)
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'test', 'fixtures');
    dir = dirname(dir);
  }
  return resolve('test/fixtures');
}

export function generateRecording(opts: GenerateOptions): GenerateResult {
  if (!(opts.days > 0) || !(opts.targets >= 0) || !(opts.targets + (opts.churnTargets ?? 0) >= 1)) {
    throw new Error('--days must be positive and there must be at least one target (--targets, --churn-targets)');
  }
  const seed = opts.seed ?? 1;
  const endTs = Math.floor((opts.endTsSeconds ?? DEFAULT_END_TS) / 60) * 60;
  const minutes = Math.round(opts.days * 1440);
  const startMinute = endTs / 60 - minutes;
  const fixturesDir = opts.fixturesDir ?? defaultFixturesDir();
  const retentionDays = opts.retentionDays ?? 14;
  if (opts.clean !== false) rmSync(opts.outDir, { recursive: true, force: true });
  mkdirSync(opts.outDir, { recursive: true, mode: 0o700 });
  const debug2 = gzipSync(readFileSync(join(fixturesDir, 'leaky-t2.debug2.txt')));
  const profileFor: Record<TargetKind, Buffer> = {
    leaky: readFileSync(join(fixturesDir, 'leaky-t2.pb.gz')),
    'slow-leak': readFileSync(join(fixturesDir, 'leaky-t1.pb.gz')),
    stable: readFileSync(join(fixturesDir, 'quiet.pb.gz')),
  };
  const churnTargets = opts.churnTargets ?? 0;
  if (!(Number.isInteger(churnTargets) && churnTargets >= 0)) throw new Error('--churn-targets must be 0 or more');
  const churnCount = opts.churnStacks ?? 5000;
  const churnShare = opts.churnShare ?? 0.1;
  if (opts.segmented && !(opts.segmented.fullResolutionDays > 0)) throw new Error('--full-resolution-days must be positive');
  if (churnTargets > 0 && !(Number.isInteger(churnCount) && churnCount > 0 && churnShare > 0 && churnShare <= 1)) {
    throw new Error('--churn-stacks must be a positive integer and --churn-share in (0, 1]');
  }
  const targets: GeneratedTarget[] = [];
  for (let i = 0; i < opts.targets + churnTargets; i++) {
    const churning = i >= opts.targets;
    const j = churning ? i - opts.targets : i;
    // A churning target leaks like the first one (its leak must stay findable among thousands of stacks), unless asked.
    const kind = churning ? (opts.churnKind ?? 'leaky') : KINDS[i % KINDS.length];
    const name = churning
      ? `churn${j > 0 ? `-${j + 1}` : ''}`
      : BASE_NAMES[i % BASE_NAMES.length] + (i >= BASE_NAMES.length ? `-${Math.floor(i / BASE_NAMES.length) + 1}` : '');
    const r = seededRandom(seed * 7919 + i * 104729);
    const churn = churning ? { stacks: churnStacks(name, churnCount), share: churnShare, seed: seed * 65537 + j } : null;
    const plan: TargetPlan = { name, kind, templates: templatesFor(name, kind, r), churn };
    const fixtures = { goroutine: profileFor[kind], debug2 };
    targets.push(generateTarget(plan, join(opts.outDir, name), startMinute, minutes, seed * 31 + i, fixtures, retentionDays, opts.segmented));
  }
  return { outDir: opts.outDir, days: opts.days, startTsSeconds: startMinute * 60, endTsSeconds: endTs, targets };
}

// ---------- command line ----------

const USAGE =
  'usage: node dist/scripts/generateRecording.js --out DIR [--days 30] [--targets 3] [--seed 1] [--end 2026-11-01T00:00:00Z]\n' +
  '         [--churn-targets 0] [--churn-stacks 5000] [--churn-share 0.1] [--churn-kind leaky|stable] [--segmented]\n' +
  '         [--full-resolution-days 31]';

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      days: { type: 'string', default: '30' },
      targets: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      end: { type: 'string' },
      fixtures: { type: 'string' },
      'churn-targets': { type: 'string', default: '0' },
      'churn-stacks': { type: 'string', default: '5000' },
      'churn-share': { type: 'string', default: '0.1' },
      'churn-kind': { type: 'string', default: 'leaky' },
      segmented: { type: 'boolean' },
      'full-resolution-days': { type: 'string', default: '31' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || !values.out) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const end = values.end === undefined ? undefined : values.end === 'now' ? Date.now() / 1000 : Date.parse(values.end) / 1000;
  if (end !== undefined && !Number.isFinite(end)) {
    console.error(`--end: "${values.end}" is not a date-time`);
    return 2;
  }
  const churnKind = values['churn-kind'];
  if (churnKind !== 'leaky' && churnKind !== 'stable') {
    console.error(`--churn-kind: "${churnKind}" is not leaky or stable`);
    return 2;
  }
  const t0 = performance.now();
  const res = generateRecording({
    outDir: resolve(values.out),
    days: Number(values.days),
    targets: Number(values.targets),
    seed: Number(values.seed),
    endTsSeconds: end,
    fixturesDir: values.fixtures ? resolve(values.fixtures) : undefined,
    churnTargets: Number(values['churn-targets']),
    churnStacks: Number(values['churn-stacks']),
    churnShare: Number(values['churn-share']),
    churnKind,
    segmented: values.segmented ? { fullResolutionDays: Number(values['full-resolution-days']) } : undefined,
  });
  for (const t of res.targets) {
    console.log(
      `${t.name} (${t.kind}): ${t.ticks} ticks (${t.failedTicks} failed), ${t.restarts} restart(s), ${t.stacks} stacks, ` +
        `${t.snapshots} snapshots, up to ${t.maxGoroutines} goroutines` +
        (t.historySegments.length ? `; ${t.samplesSegments.length} + ${t.historySegments.length} closed segments (${t.historySegments.filter((x) => x.compaction).length} compacted)` : ''),
    );
  }
  console.log(`wrote ${res.outDir} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: unknown) => {
      console.error(`generateRecording: ${(e as Error).message}`);
      process.exitCode = 2;
    },
  );
}
