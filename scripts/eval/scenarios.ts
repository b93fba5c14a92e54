// Production-shaped recordings for the evaluation suite (issue 9 item 8, `npm run eval` -> EVAL.md) and the
// end-to-end verdict tests. Written in leakwatch's own on-disk format (data/README.md) by the one generator writer
// (scripts/generateRecording.ts openRecordingWriter), as if `leakwatch record` had run every minute.
//
// Deterministic: a scenario and its seed give the same bytes (scripts/lib/seededRandom.ts). Each scenario carries
// its ground truth: the functions whose stacks leak (none for benign ones), the leak's onset, the expected verdict.
//
// The shapes (all per minute, per process lifetime):
//   load          1 ± 0.7 on a daily sine (peak 15:00 UTC, trough 03:00), times 1 + weeklyGrowth per week;
//   connections   net/http connection readers and three handler stacks: Poisson around (their mean x load);
//   idle ballast  goroutines parked for the whole lifetime (subscriptions, watchers), flat;
//   warm-up       an HTTP client's idle connections filling in the first ~30 minutes after each start, and a DB pool
//                 that grows to the highest load it has met (capped), then stays: both plateau, never shrink;
//   nightly batch at 02:00 UTC, N workers fanned out at once that finish over ~30 minutes;
//   deploys       restarts every 24-48 h (new pid and start time, event=restart, every count from zero);
//   memory        heap follows load with a lag (falls after load falls) plus what leaks hold; RSS is sticky:
//                 it rises at once and decays slowly toward heap (the scavenger), never below it;
//   gaps          minutes with no row at all (cron not running), the process and its leaks carry on meanwhile;
//   sessions      long-lived streams (websocket, gRPC watch) on stacks of their own: clients connect at a rate
//                 that follows load and stay for hours, so each stack's count follows the daily curve late and
//                 wanders from day to day (a birth-death process, M/M/inf); a deploy reconnects them all at once.
import { join } from 'node:path';
import type { Frame, SampleRow } from '../../src/core/model.js';
import { lifetimeOf } from '../../src/core/tickPlan.js';
import { DEFAULT_END_TS, f, GO, int, openRecordingWriter, PARK, poisson, row, type StackDef } from '../generateRecording.js';
import { seededRandom } from '../lib/seededRandom.js';

export type ExpectedVerdict = 'leak' | 'growing' | 'stable';

export interface LeakSpec {
  /** The leaking function (ground truth): a frame of every leaked goroutine's stack. */
  fn: string;
  perHour: number;
  /** Hours after the recording's first tick. */
  onsetHour: number;
  /** A label key whose value is unique per leaked goroutine (request ids): one stack per goroutine. */
  uniqueLabel?: string;
  /** Heap each leaked goroutine keeps reachable. */
  heapBytesEach?: number;
  /** Goroutines it had leaked before the recording began (a recorder installed on a process up for weeks): the first lifetime only. */
  leakedAtStart?: number;
  /**
   * The leaked goroutines park on the frames of the orders handler, beside its in-flight requests (a handler that
   * sometimes blocks forever where it normally waits briefly): the stack follows traffic and leaks at once, so it is
   * judged by its daily floors (growth.ts, elastic), not by a stack of its own. `fn` must then be that handler.
   */
  onOrdersHandler?: boolean;
}

export interface ScenarioSpec {
  name: string;
  description: string;
  /** Length in days (fractions allowed: the gap scenario is 85 minutes). */
  days: number;
  seed: number;
  /** Deploy restarts, hours after the first tick. */
  restartHours: number[];
  idleGoroutines: number;
  /** Connection readers at load 1 (0 = no traffic-following stacks at all). */
  connectionsAtMeanLoad: number;
  weeklyGrowth: number;
  nightlyBatch: number;
  leaks: LeakSpec[];
  /** A heap-only leak (a cache never evicted): bytes per hour of lifetime from heapLeakOnsetHour. */
  heapLeakBytesPerHour: number;
  heapLeakOnsetHour: number;
  /** Gaps: no rows from `atMinute` for `minutes` (fractional: the rest shifts later rows). */
  gaps: { atMinute: number; minutes: number }[];
  expected: ExpectedVerdict;
  /** Benign scenarios at least this long get the sliding-window false-alarm count. */
  slidingWindows: boolean;
  /** Stacks of long-lived sessions (see the header); 0 = none. */
  sessionStacks: number;
  /** How long a session stays, in hours (each stack draws its own mean in this range). */
  sessionHoldHours: [number, number];
  /** Sessions per stack at load 1 (each stack draws its own in this range). */
  sessionLevel: [number, number];
  /** How long after onset the evaluation looks for the first right alarm. */
  detectWithinHours: number;
}

export interface ScenarioTruth {
  name: string;
  description: string;
  expected: ExpectedVerdict;
  leakingFunctions: string[];
  /** Unix seconds of the first leak's onset; null for benign scenarios. */
  onsetTsSeconds: number | null;
  firstTsSeconds: number;
  lastTsSeconds: number;
  restarts: number;
  ticks: number;
  rows: number;
  stacks: number;
  maxGoroutines: number;
  slidingWindows: boolean;
  days: number;
  detectWithinHours: number;
}

const HOUR = 3600;
const MiB = 1048576;

/** Deploys every 24-48 h, in working hours (09:00-17:00 UTC), for a recording starting at midnight UTC. */
export function deploySchedule(seed: number, days: number, skip: (hour: number) => boolean = () => false): number[] {
  const r = seededRandom(seed ^ 0x5eed);
  const out: number[] = [];
  for (let day = 1 + int(r, 0, 1); day < days; day += 1 + int(r, 0, 1)) {
    const h = day * 24 + 9 + r() * 8;
    if (!skip(h)) out.push(Math.round(h * 60) / 60);
  }
  return out;
}

// ---------- stacks ----------

const SRC = (p: string) => `/build/shop/${p}`;
const MOD = 'example.com/shop';

function stack(park: readonly Frame[], fn: string, file: string, line: number, caller: Frame[] = [], labels: Record<string, string> = {}): StackDef {
  return { frames: [...park, f(`${MOD}/${fn}`, SRC(file), line), ...caller], labels };
}

export const LEAK_FUNCTIONS = {
  slow: `${MOD}/internal/notify.(*Notifier).deliver.func1`,
  late: `${MOD}/internal/search.(*Indexer).fanout.func2`,
  lifetime: `${MOD}/internal/upstream.(*Client).watch.func1`,
  unique: `${MOD}/internal/checkout.(*Handler).confirm.func1`,
  heapGoroutine: `${MOD}/internal/export.(*Exporter).stream.func1`,
  gap: `${MOD}/internal/fanout.(*Fanout).publish.func1`,
  /** The orders handler (stacksFor: handlers[0]), for a leak onOrdersHandler. */
  ordersHandler: `${MOD}/internal/api.(*Orders).ServeHTTP`,
} as const;

function leakStack(fn: string, labels: Record<string, string> = {}): StackDef {
  const short = fn.slice(MOD.length + 1);
  const pkg = short.split('.')[0];
  const park = fn === LEAK_FUNCTIONS.lifetime || fn === LEAK_FUNCTIONS.late ? PARK.select : fn === LEAK_FUNCTIONS.heapGoroutine ? PARK.recv : PARK.send;
  return stack(park, short, `${pkg}/${pkg.split('/').pop()}.go`, 100 + short.length, [f('runtime.goexit', `${GO}/runtime/asm_amd64.s`, 1700)], labels);
}

interface Stacks {
  connReader: StackDef;
  handlers: StackDef[];
  idle: Array<{ def: StackDef; share: number }>;
  daemons: StackDef[];
  clientIdle: StackDef;
  dbPool: StackDef;
  batchWorker: StackDef;
  batchWait: StackDef;
  leaks: StackDef[];
  sessions: Array<{ def: StackDef; holdMinutes: number; level: number }>;
}

/** Where long-lived sessions park: a websocket or gRPC stream's read loop, one call site per feed. */
const SESSION_FEEDS = ['orders', 'prices', 'alerts', 'chat', 'presence', 'audit', 'metrics', 'inventory', 'search', 'billing'];

function stacksFor(spec: ScenarioSpec): Stacks {
  const httpServe = f('net/http.(*conn).serve', `${GO}/net/http/server.go`, 2092);
  return {
    connReader: { frames: [...PARK.netpoll, f('net.(*conn).Read', `${GO}/net/net.go`, 196), f('net/http.(*connReader).backgroundRead', `${GO}/net/http/server.go`, 690)], labels: {} },
    handlers: ['orders', 'search', 'inventory'].map((h, i) =>
      stack(PARK.select, `internal/api.(*${h[0].toUpperCase() + h.slice(1)}).ServeHTTP`, `internal/api/${h}.go`, 40 + 9 * i, [httpServe], { handler: `/api/${h}` }),
    ),
    idle: [
      { def: stack(PARK.recv, 'internal/pubsub.(*Subscription).wait', 'internal/pubsub/sub.go', 61), share: 0.6 },
      { def: stack(PARK.select, 'internal/watch.(*Watcher).loop', 'internal/watch/watch.go', 88), share: 0.25 },
      { def: stack(PARK.mutex, 'internal/session.(*Shard).expire', 'internal/session/shard.go', 132), share: 0.1 },
      { def: stack(PARK.sleep, 'internal/lease.(*Lease).keepalive', 'internal/lease/lease.go', 47), share: 0.05 },
    ],
    daemons: ['metrics.(*Reporter).loop', 'config.(*Watcher).poll', 'health.(*Checker).run', 'tracing.(*Exporter).export', 'db.(*Pool).reaper'].map((fn, i) =>
      stack(i % 2 ? PARK.sleep : PARK.select, `internal/${fn}`, `internal/${fn.split('.')[0]}/${fn.split('.')[0]}.go`, 30 + i),
    ),
    clientIdle: { frames: [...PARK.select, f('net/http.(*persistConn).readLoop', `${GO}/net/http/transport.go`, 2395)], labels: {} },
    dbPool: stack(PARK.recv, 'internal/db.(*Conn).serve', 'internal/db/conn.go', 210),
    batchWorker: stack(PARK.netpoll, 'internal/batch.(*Reindexer).worker', 'internal/batch/reindex.go', 77),
    batchWait: stack([...PARK.recv.slice(0, 1), f('sync.runtime_SemacquireWaitGroup', `${GO}/runtime/sema.go`, 114), f('sync.(*WaitGroup).Wait', `${GO}/sync/waitgroup.go`, 118)], 'internal/batch.(*Reindexer).Run', 'internal/batch/reindex.go', 52),
    leaks: spec.leaks.map((l) => leakStack(l.fn)),
    sessions: sessionStacks(spec),
  };
}

function sessionStacks(spec: ScenarioSpec): Stacks['sessions'] {
  const r = seededRandom(spec.seed ^ 0x5e55);
  const [hLo, hHi] = spec.sessionHoldHours;
  const [lLo, lHi] = spec.sessionLevel;
  return Array.from({ length: spec.sessionStacks }, (_, i) => {
    const feed = SESSION_FEEDS[i % SESSION_FEEDS.length]!;
    const variant = Math.floor(i / SESSION_FEEDS.length);
    return {
      def: stack(i % 2 ? PARK.netpoll : PARK.select, `internal/stream/${feed}.(*Stream${variant}).pump`, `internal/stream/${feed}/${feed}.go`, 60 + variant),
      holdMinutes: Math.round(60 * (hLo + r() * (hHi - hLo))),
      level: lLo + r() * (lHi - lLo),
    };
  });
}

// ---------- the simulation ----------

export interface GeneratedScenario extends ScenarioTruth {
  dir: string;
}

/** Writes `<dataDir>/<spec.name>/` and returns the ground truth. The recording ends at `endTsSeconds` (midnight UTC). */
export function generateScenario(spec: ScenarioSpec, dataDir: string, endTsSeconds = DEFAULT_END_TS): GeneratedScenario {
  const r = seededRandom(spec.seed);
  const minutes = Math.round(spec.days * 1440);
  const startMinute = Math.floor(endTsSeconds / 60) - minutes;
  const dir = join(dataDir, spec.name);
  const out = openRecordingWriter(dir);
  const st = stacksFor(spec);
  const restartMinutes = new Set(spec.restartHours.map((h) => Math.round(h * 60)));

  let pid = int(r, 1000, 60000);
  let startTs = startMinute * 60 - int(r, 600, 3000);
  let lifetime = lifetimeOf(pid, startTs);
  let lifeMinute = Math.round((startMinute * 60 - startTs) / 60);
  let event: '' | 'start' | 'restart' = 'start';
  const leakCounts = spec.leaks.map((l) => l.leakedAtStart ?? 0);
  let uniqueDefs: StackDef[][] = spec.leaks.map(() => []);
  let uniqueSerial = 0;
  const sessions = new Int32Array(st.sessions.length);
  let sessionsFresh = true;
  let dbPool = 0;
  let batchLeft = 0;
  let heapSmooth = 0;
  let rss = 0;
  let heapLeak = 0;
  let cpu = 0;
  let lastCpu: number | null = null;
  let lastTs: number | null = null;
  let shiftSeconds = 0;
  const truth = { ticks: 0, rows: 0, restarts: 0, maxGoroutines: 0 };
  let firstTs = Infinity;
  let lastWrittenTs = 0;

  for (let m = 0; m < minutes; m++) {
    const minute = startMinute + m;
    const hour = m / 60;
    if (restartMinutes.has(m) && m > 0) {
      // A deploy: the old process is gone before this tick; the new one started ~20 s ago with every count at zero.
      pid = int(r, 1000, 60000);
      startTs = minute * 60 - 20 - int(r, 0, 20);
      lifetime = lifetimeOf(pid, startTs);
      lifeMinute = 0;
      event = 'restart';
      leakCounts.fill(0);
      sessionsFresh = true;
      uniqueDefs = spec.leaks.map(() => []);
      dbPool = 0;
      batchLeft = 0;
      heapSmooth = 0;
      rss = 0;
      heapLeak = 0;
      cpu = 0;
      lastCpu = null;
      truth.restarts++;
    }
    const hourOfDay = (minute / 60) % 24;
    const load = (1 + (spec.weeklyGrowth * hour) / 168) * (1 + 0.7 * Math.sin(((hourOfDay - 9) / 24) * 2 * Math.PI));

    // Counts for this minute.
    const counts = new Map<StackDef, number>();
    const put = (d: StackDef, c: number) => c > 0 && counts.set(d, c);
    for (const d of st.daemons) put(d, 1);
    if (spec.idleGoroutines > 0) for (const { def, share } of st.idle) put(def, Math.round(spec.idleGoroutines * share));
    if (spec.connectionsAtMeanLoad > 0) {
      put(st.connReader, poisson(r, spec.connectionsAtMeanLoad * load));
      st.handlers.forEach((h, i) => put(h, poisson(r, spec.connectionsAtMeanLoad * [0.4, 0.15, 0.06][i] * load)));
      put(st.clientIdle, Math.round(32 * (1 - Math.exp(-lifeMinute / 8))));
      dbPool = Math.min(48, Math.max(dbPool, Math.ceil(poisson(r, 20 * load))));
      put(st.dbPool, dbPool);
    }
    st.sessions.forEach((s, i) => {
      // steady state of M/M/inf is Poisson(arrivals x hold); a deploy's clients reconnect at once
      if (sessionsFresh) sessions[i] = poisson(r, s.level * load);
      else sessions[i] = Math.max(0, sessions[i]! + poisson(r, (s.level * load) / s.holdMinutes) - poisson(r, sessions[i]! / s.holdMinutes));
      put(s.def, sessions[i]!);
    });
    sessionsFresh = false;
    if (spec.nightlyBatch > 0) {
      if (Math.abs(hourOfDay - 2) < 1 / 120) batchLeft = spec.nightlyBatch;
      else if (batchLeft > 0) batchLeft = Math.max(0, batchLeft - poisson(r, spec.nightlyBatch / 30));
      put(st.batchWorker, batchLeft);
      put(st.batchWait, batchLeft > 0 ? 1 : 0);
    }
    let leakedHeap = 0;
    spec.leaks.forEach((l, i) => {
      if (hour < l.onsetHour) return;
      const n = poisson(r, l.perHour / 60);
      if (l.uniqueLabel) {
        for (let k = 0; k < n; k++) {
          uniqueSerial++;
          const id = ((spec.seed * 2654435761 + uniqueSerial * 40503) >>> 0).toString(16).padStart(8, '0');
          uniqueDefs[i].push(leakStack(l.fn, { [l.uniqueLabel]: `req-${id}${uniqueSerial.toString(36)}` }));
        }
        for (const d of uniqueDefs[i]) put(d, 1);
        leakCounts[i] = uniqueDefs[i].length;
      } else if (l.onOrdersHandler) {
        leakCounts[i] += n;
        put(st.handlers[0]!, (counts.get(st.handlers[0]!) ?? 0) + leakCounts[i]);
      } else {
        leakCounts[i] += n;
        put(st.leaks[i], leakCounts[i]);
      }
      leakedHeap += leakCounts[i] * (l.heapBytesEach ?? 0);
    });
    let total = 0;
    for (const c of counts.values()) total += c;
    truth.maxGoroutines = Math.max(truth.maxGoroutines, total);

    // Memory: heap follows load with a ~20-minute lag; RSS rises at once and gives back 0.4%/minute of its excess
    // over what is needed (the scavenger returns idle pages slowly), so it stays high for hours after a peak.
    if (hour >= spec.heapLeakOnsetHour) heapLeak += spec.heapLeakBytesPerHour / 60;
    const heapNow = 24 * MiB + 60 * MiB * Math.max(0.2, load) + total * 1200;
    heapSmooth = heapSmooth === 0 ? heapNow : heapSmooth + (heapNow - heapSmooth) / 20;
    const heap = Math.round(heapSmooth * (0.94 + 0.12 * r()) + heapLeak + leakedHeap);
    const needed = 20 * MiB + heap * 1.25 + total * 8192;
    rss = rss < needed ? needed : rss - (rss - needed) * 0.004;
    const rssBytes = Math.round(rss) & ~4095;

    lifeMinute++;
    const inGap = spec.gaps.find((g) => m >= g.atMinute && m < g.atMinute + Math.floor(g.minutes) - 1);
    for (const g of spec.gaps) if (m === g.atMinute + Math.floor(g.minutes) - 1) shiftSeconds += (g.minutes - Math.floor(g.minutes)) * 60;
    truth.ticks++;
    cpu += (0.3 + 0.5 * load + total / 50000) * (0.8 + 0.4 * r());
    if (inGap) continue;

    const ts = Math.round((minute * 60 + shiftSeconds + 0.25 + r() * 0.6) * 1000) / 1000;
    const cpuSecondsTotal = Math.round(cpu * 100) / 100;
    const cpuPercent = lastCpu !== null && lastTs !== null && event === '' ? ((cpuSecondsTotal - lastCpu) / (ts - lastTs)) * 100 : null;
    lastCpu = cpuSecondsTotal;
    lastTs = ts;
    const base = {
      pid,
      startTs,
      rss: rssBytes,
      vsz: 1_400_000_000 + Math.round((total * 16384) / 65536) * 65536,
      cpuSecondsTotal,
      cpuPercent,
      threads: 9 + int(r, 0, 3),
      fds: 12 + (counts.get(st.connReader) ?? 0) + (counts.get(st.dbPool) ?? 0),
      event,
      heapInuse: heap,
    };
    const sample: SampleRow = row(ts, spec.name, 'ok', base);
    out.profiled(sample, lifetime, counts);
    truth.rows++;
    firstTs = Math.min(firstTs, ts);
    lastWrittenTs = ts;
    event = '';
  }
  const end = out.close();
  const onsets = [...spec.leaks.map((l) => l.onsetHour), ...(spec.heapLeakBytesPerHour > 0 ? [spec.heapLeakOnsetHour] : [])];
  return {
    dir,
    name: spec.name,
    description: spec.description,
    expected: spec.expected,
    leakingFunctions: spec.leaks.map((l) => l.fn),
    onsetTsSeconds: onsets.length ? startMinute * 60 + Math.min(...onsets) * HOUR : null,
    firstTsSeconds: firstTs,
    lastTsSeconds: lastWrittenTs,
    restarts: truth.restarts,
    ticks: truth.ticks,
    rows: truth.rows,
    stacks: end.nextStackId - 1,
    maxGoroutines: truth.maxGoroutines,
    slidingWindows: spec.slidingWindows,
    days: spec.days,
    detectWithinHours: spec.detectWithinHours,
  };
}

// ---------- the scenarios ----------

/** A scenario with the production defaults (1,000 idle, 300 connections at mean load, batch of 2,000, +15%/week), overridden by `o`. */
export const scenario = (o: Partial<ScenarioSpec> & Pick<ScenarioSpec, 'name' | 'description' | 'days' | 'seed' | 'expected'>): ScenarioSpec => ({
  restartHours: [],
  idleGoroutines: 1000,
  connectionsAtMeanLoad: 300,
  weeklyGrowth: 0.15,
  nightlyBatch: 2000,
  leaks: [],
  heapLeakBytesPerHour: 0,
  heapLeakOnsetHour: 0,
  gaps: [],
  slidingWindows: false,
  sessionStacks: 0,
  sessionHoldHours: [2, 12],
  sessionLevel: [4, 60],
  detectWithinHours: 48,
  ...o,
});

/** Mid-week onset: day 3, 11:00 UTC (hour 83); no deploy in the 48 h after it, so detection time is not cut short. */
const MID_WEEK_HOUR = 3 * 24 + 11;
const noDeployAfterOnset = (h: number) => h >= MID_WEEK_HOUR - 6 && h < MID_WEEK_HOUR + 48;

export function evalScenarios(): ScenarioSpec[] {
  return [
    scenario({
      name: 'benign-week-deploys',
      description: '8 days: daily traffic ±70% with Poisson noise, 1,000 idle, nightly batch of 2,000, pools warming up, deploys every 24-48 h, load +15%/week',
      days: 8,
      seed: 101,
      restartHours: deploySchedule(101, 8),
      expected: 'stable',
      slidingWindows: true,
    }),
    scenario({
      name: 'benign-week-one-lifetime',
      description: '8 days in one process lifetime (no deploy): the daily curve must read as seasonal, not as a trend; load +15%/week',
      days: 8,
      seed: 202,
      expected: 'stable',
      slidingWindows: true,
    }),
    scenario({
      name: 'benign-week-long-sessions',
      description:
        '8 days in one lifetime, plus 40 stacks of long-lived sessions (4-60 each at mean load, staying 2-12 h): each follows the daily curve late and wanders day to day',
      days: 8,
      seed: 1212,
      sessionStacks: 40,
      expected: 'stable',
      slidingWindows: true,
    }),
    scenario({
      name: 'slow-leak-idle-ballast',
      description: '3 days, one lifetime: 3 goroutines/hour leak beside 1,000 idle goroutines and the daily curve',
      days: 3,
      seed: 303,
      leaks: [{ fn: LEAK_FUNCTIONS.slow, perHour: 3, onsetHour: 0 }],
      expected: 'leak',
    }),
    scenario({
      name: 'late-onset-30-per-hour',
      description: '6 days with deploys; from day 3 11:00 a new stack leaks 30/hour (no deploy in the 48 h after onset)',
      days: 6,
      seed: 404,
      restartHours: deploySchedule(404, 6, noDeployAfterOnset),
      leaks: [{ fn: LEAK_FUNCTIONS.late, perHour: 30, onsetHour: MID_WEEK_HOUR }],
      expected: 'leak',
    }),
    scenario({
      name: 'late-onset-4-per-hour',
      description: '6 days with deploys; from day 3 11:00 a new stack leaks 4/hour (no deploy in the 48 h after onset)',
      days: 6,
      seed: 505,
      restartHours: deploySchedule(505, 6, noDeployAfterOnset),
      leaks: [{ fn: LEAK_FUNCTIONS.late, perHour: 4, onsetHour: MID_WEEK_HOUR }],
      expected: 'leak',
    }),
    scenario({
      name: 'leak-every-lifetime',
      description: '8 days, deploys every 24-48 h; 10 goroutines/hour leak in every lifetime, reset by each deploy',
      days: 8,
      seed: 606,
      restartHours: deploySchedule(606, 8),
      leaks: [{ fn: LEAK_FUNCTIONS.lifetime, perHour: 10, onsetHour: 0 }],
      expected: 'leak',
    }),
    scenario({
      name: 'leak-in-traffic-stack',
      description:
        '6 days, one lifetime: the orders handler (~120 goroutines at mean load, following the daily curve) leaks 2/hour on its own frames, so only its daily floors show it',
      days: 6,
      seed: 1313,
      leaks: [{ fn: LEAK_FUNCTIONS.ordersHandler, perHour: 2, onsetHour: 0, onOrdersHandler: true }],
      expected: 'leak',
      detectWithinHours: 96,
    }),
    scenario({
      name: 'leak-seen-late',
      description:
        '3 days: the recorder starts on a process that has leaked 20,000 goroutines (40/hour for 3 weeks); a deploy after 20 h; the new process leaks 40/hour too',
      days: 3,
      seed: 1111,
      restartHours: [20],
      leaks: [{ fn: LEAK_FUNCTIONS.lifetime, perHour: 40, onsetHour: 0, leakedAtStart: 20_000 }],
      expected: 'leak',
    }),
    scenario({
      name: 'unique-label-leak',
      description: '3 days, one lifetime: 10/hour leak, every leaked goroutine with its own request_id label (one stack each)',
      days: 3,
      seed: 707,
      leaks: [{ fn: LEAK_FUNCTIONS.unique, perHour: 10, onsetHour: 0, uniqueLabel: 'request_id' }],
      expected: 'leak',
    }),
    scenario({
      name: 'heap-only-leak',
      description: '3 days, one lifetime: the heap grows 3 MiB/hour (a cache never evicted), goroutines benign',
      days: 3,
      seed: 808,
      heapLeakBytesPerHour: 3 * MiB,
      expected: 'growing',
    }),
    scenario({
      name: 'heap-and-goroutine-leak',
      description: '3 days, one lifetime: 20 goroutines/hour leak, each keeping 256 KiB of heap reachable',
      days: 3,
      seed: 909,
      leaks: [{ fn: LEAK_FUNCTIONS.heapGoroutine, perHour: 20, onsetHour: 0, heapBytesEach: 256 * 1024 }],
      expected: 'leak',
    }),
    scenario({
      name: 'gap-rising',
      description: '72 samples rising ~520 -> ~1,190 (9-10/minute), a 6.5-minute gap, 6 more samples',
      days: 83 / 1440,
      seed: 1010,
      idleGoroutines: 500,
      connectionsAtMeanLoad: 0,
      nightlyBatch: 0,
      weeklyGrowth: 0,
      leaks: [{ fn: LEAK_FUNCTIONS.gap, perHour: 560, onsetHour: 0 }],
      gaps: [{ atMinute: 72, minutes: 6.5 }],
      expected: 'leak',
    }),
  ];
}
