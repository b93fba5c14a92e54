// Writes a synthetic per-minute recording in leakwatch's own on-disk format (data/README.md), as if
// `leakwatch record` had run from cron every minute for --days days against --targets Go services.
// For the report-at-scale and storage benchmarks (scripts/bench/reportScale.ts, storage.ts).
//
//   node dist/scripts/generateRecording.js --out DIR --days 30 --targets 3 [--seed 1] [--end 2026-11-01T00:00:00Z]
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
import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { stackKey } from '../src/core/goroutineProfile.js';
import type { Frame, SampleRow, SampleStatus } from '../src/core/model.js';
import { formatSampleRow, SAMPLES_HEADER } from '../src/core/samplesCsv.js';
import { snapshotFileName, snapshotsToDelete, type SnapshotKind } from '../src/core/snapshots.js';
import { diffCounts, formatHistoryLine, KEYFRAME_EVERY, sortedEntries } from '../src/core/stackHistory.js';
import { emptyState, lifetimeOf, stackHash } from '../src/core/tickPlan.js';
import { seededRandom } from './lib/seededRandom.js';

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
}

export interface GenerateResult {
  outDir: string;
  days: number;
  startTsSeconds: number;
  endTsSeconds: number;
  targets: GeneratedTarget[];
}

export const DEFAULT_END_TS = Date.UTC(2026, 10, 1) / 1000;

// ---------- deterministic randomness ----------

const rng = seededRandom;

export function poisson(r: () => number, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gauss(r)));
  const l = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= r();
  } while (p > l && k < 1000);
  return k - 1;
}

export function gauss(r: () => number): number {
  const u = Math.max(r(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

export const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

// ---------- stacks ----------

type TargetKind = 'leaky' | 'slow-leak' | 'stable';
const KINDS: TargetKind[] = ['leaky', 'slow-leak', 'stable'];
const BASE_NAMES = ['api', 'worker', 'gateway'];

type Behaviour =
  | { type: 'leak'; perMinute: number }
  | { type: 'flat'; count: number }
  | { type: 'variable'; mean: number; sd: number }
  | { type: 'bursty'; perHour: number; minCount: number; maxCount: number; minMinutes: number; maxMinutes: number };

interface StackTemplate {
  frames: Frame[];
  labels: Record<string, string>;
  behaviour: Behaviour;
}

export const GO = '/usr/local/go/src';
export const f = (fn: string, file: string, line: number): Frame => ({ function: fn, file, line });
const GOPARK = f('runtime.gopark', `${GO}/runtime/proc.go`, 462);
export const PARK = {
  send: [GOPARK, f('runtime.chansend', `${GO}/runtime/chan.go`, 283), f('runtime.chansend1', `${GO}/runtime/chan.go`, 161)],
  recv: [GOPARK, f('runtime.chanrecv', `${GO}/runtime/chan.go`, 667), f('runtime.chanrecv1', `${GO}/runtime/chan.go`, 509)],
  select: [GOPARK, f('runtime.selectgo', `${GO}/runtime/select.go`, 351)],
  mutex: [
    GOPARK,
    f('runtime.goparkunlock', `${GO}/runtime/proc.go`, 468),
    f('runtime.semacquire1', `${GO}/runtime/sema.go`, 192),
    f('internal/sync.runtime_SemacquireMutex', `${GO}/runtime/sema.go`, 95),
    f('internal/sync.(*Mutex).lockSlow', `${GO}/internal/sync/mutex.go`, 149),
  ],
  sleep: [GOPARK, f('time.Sleep', `${GO}/runtime/time.go`, 363)],
  netpoll: [
    GOPARK,
    f('runtime.netpollblock', `${GO}/runtime/netpoll.go`, 575),
    f('internal/poll.runtime_pollWait', `${GO}/runtime/netpoll.go`, 351),
    f('internal/poll.(*pollDesc).wait', `${GO}/internal/poll/fd_poll_runtime.go`, 84),
    f('internal/poll.(*FD).Read', `${GO}/internal/poll/fd_unix.go`, 165),
  ],
} as const;

function templatesFor(name: string, kind: TargetKind, r: () => number): StackTemplate[] {
  const mod = `example.com/${name}`;
  const src = (p: string) => `/build/${name}/${p}`;
  const t: StackTemplate[] = [];
  const add = (frames: Frame[], labels: Record<string, string>, behaviour: Behaviour) => t.push({ frames, labels, behaviour });

  // The leaks (3 stacks): a linear leak, a second one behind a select, a slow mutex leak.
  const fast = kind === 'leaky' ? 0.8 : 0;
  const select = kind === 'leaky' ? 0.15 : 0;
  const slow = kind === 'stable' ? 0 : 1 / 15;
  add(
    [...PARK.send, f(`${mod}/internal/fanout.(*Fanout).publish.func1`, src('internal/fanout/fanout.go'), 88), f('runtime/pprof.Do', `${GO}/runtime/pprof/runtime.go`, 51), f(`${mod}/internal/fanout.(*Fanout).Publish`, src('internal/fanout/fanout.go'), 80)],
    { handler: '/api/orders' },
    fast > 0 ? { type: 'leak', perMinute: fast } : { type: 'bursty', perHour: 2, minCount: 1, maxCount: 4, minMinutes: 1, maxMinutes: 2 },
  );
  add(
    [...PARK.select, f(`${mod}/internal/upstream.(*Client).watch.func2`, src('internal/upstream/client.go'), 214), f(`${mod}/internal/upstream.(*Client).Watch`, src('internal/upstream/client.go'), 190)],
    { handler: '/api/stream' },
    select > 0 ? { type: 'leak', perMinute: select } : { type: 'flat', count: 2 },
  );
  add(
    [...PARK.mutex, f('sync.(*Mutex).Lock', `${GO}/sync/mutex.go`, 46), f(`${mod}/internal/cache.(*Cache).refresh`, src('internal/cache/cache.go'), 131), f(`${mod}/internal/cache.(*Cache).Get`, src('internal/cache/cache.go'), 77)],
    {},
    slow > 0 ? { type: 'leak', perMinute: slow } : { type: 'flat', count: 1 },
  );

  // Flat (25): worker pools, tickers, servers, signal handling.
  for (let i = 0; i < 10; i++) {
    add(
      [...PARK.recv, f(`${mod}/internal/pool.(*Pool).run`, src('internal/pool/pool.go'), 58 + i), f(`${mod}/internal/pool.New.gowrap1`, src('internal/pool/pool.go'), 40)],
      { pool: `w${i}` },
      { type: 'flat', count: [4, 8, 16, 2, 4, 8, 1, 32, 4, 2][i] },
    );
  }
  const daemons = [
    'internal/metrics.(*Reporter).loop', 'internal/config.(*Watcher).poll', 'internal/health.(*Checker).run',
    'internal/lease.(*Keeper).renew', 'internal/audit.(*Sink).flush', 'internal/queue.(*Consumer).consume',
    'internal/queue.(*Producer).batch', 'internal/db.(*Pool).reaper', 'internal/ratelimit.(*Bucket).refill',
    'internal/tracing.(*Exporter).export', 'internal/sessions.(*Store).gc', 'internal/grpc.(*Server).serveStreams',
  ];
  daemons.forEach((fn, i) => {
    const file = src(`${fn.split('.')[0]}/${fn.split('.')[0].split('/').pop()}.go`);
    add([...(i % 3 === 0 ? PARK.select : i % 3 === 1 ? PARK.sleep : PARK.recv), f(`${mod}/${fn}`, file, 40 + 7 * i)], {}, { type: 'flat', count: i % 4 === 0 ? 2 : 1 });
  });
  add([...PARK.netpoll, f('net.(*netFD).accept', `${GO}/net/fd_unix.go`, 172), f('net/http.(*Server).Serve', `${GO}/net/http/server.go`, 3424)], {}, { type: 'flat', count: 2 });
  add([f('os/signal.signal_recv', `${GO}/runtime/sigqueue.go`, 152), f('os/signal.loop', `${GO}/os/signal/signal_unix.go`, 23)], {}, { type: 'flat', count: 1 });
  add([...PARK.select, f('main.main', src('cmd/server/main.go'), 97)], {}, { type: 'flat', count: 1 });

  // Variable (8): connection goroutines, following traffic.
  const handlers = ['/api/orders', '/api/inventory', '/api/search', '/api/checkout', '/api/users', '/api/stream', '/metrics', '/healthz'];
  handlers.forEach((h, i) => {
    add(
      [...PARK.netpoll, f('net.(*conn).Read', `${GO}/net/net.go`, 196), f('net/http.(*connReader).backgroundRead', `${GO}/net/http/server.go`, 690 + i)],
      { handler: h },
      { type: 'variable', mean: [24, 12, 18, 6, 9, 4, 2, 1][i] * (kind === 'stable' ? 2 : 1), sd: [4, 3, 4, 2, 2, 1, 1, 0.6][i] },
    );
  });

  // Bursty (24): short-lived batch and fan-out goroutines.
  for (let i = 0; i < 24; i++) {
    const park = [PARK.sleep, PARK.recv, PARK.select, PARK.netpoll][i % 4];
    add(
      [...park, f(`${mod}/internal/batch.(*Job${i}).process.func1`, src(`internal/batch/job${i}.go`), 30 + i), f(`${mod}/internal/batch.(*Runner).Run`, src('internal/batch/runner.go'), 112)],
      i % 3 === 0 ? { job: `job-${i}` } : {},
      { type: 'bursty', perHour: 0.5 + r() * (kind === 'stable' ? 4 : 2), minCount: 5, maxCount: 50 + int(r, 0, 150), minMinutes: 1, maxMinutes: 4 },
    );
  }
  return t;
}

// ---------- one target ----------

interface TargetPlan {
  name: string;
  kind: TargetKind;
  templates: StackTemplate[];
}

interface Writer {
  write(s: string): void;
  close(): number;
}

function bufferedWriter(path: string): Writer {
  const fd = openSync(path, 'w', 0o600);
  let buf = '';
  let total = 0;
  const flush = () => {
    if (buf) {
      const b = Buffer.from(buf);
      writeSync(fd, b);
      total += b.length;
      buf = '';
    }
  };
  return {
    write(s: string) {
      buf += s;
      if (buf.length > 1 << 20) flush();
    },
    close() {
      flush();
      closeSync(fd);
      return total;
    },
  };
}

/** One distinct stack as a generator describes it; the writer gives it an id the first time it has a count. */
export interface StackDef {
  frames: Frame[];
  labels: Record<string, string>;
}

export interface RecordingWriterEnd {
  historyBytes: number;
  stacksBytes: number;
  linesSinceKeyframe: number;
  lastCounts: Map<number, number>;
  nextStackId: number;
  stackIdsByHash: Record<string, number>;
}

/**
 * The one writer of samples.csv, stacks.jsonl and stack-history.log for generated recordings (the bench's
 * generateTarget and the evaluation scenarios, scripts/eval/scenarios.ts), in the order the recorder writes them:
 * a new stack's dictionary line before the first history line that counts it, a keyframe at each lifetime's first
 * profiled tick and every KEYFRAME_EVERY lines, deltas otherwise. Stacks are keyed by object identity.
 */
export interface RecordingWriter {
  /** A tick that got a profile: `goroutines` and `stacks_distinct` of the row are filled in from `counts`. */
  profiled(row: SampleRow, lifetime: string, counts: Map<StackDef, number>): { total: number; ids: Map<number, number> };
  /** A row without a profile (process down, pprof failed): no history line. */
  unprofiled(row: SampleRow): void;
  /** Distinct stacks written to the dictionary so far. */
  stackCount(): number;
  close(): RecordingWriterEnd;
}

export function openRecordingWriter(dir: string): RecordingWriter {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const samples = bufferedWriter(join(dir, 'samples.csv'));
  const history = bufferedWriter(join(dir, 'stack-history.log'));
  const stacksOut = bufferedWriter(join(dir, 'stacks.jsonl'));
  samples.write(SAMPLES_HEADER);
  const ids = new Map<StackDef, number>();
  const stackIdsByHash: Record<string, number> = {};
  let nextId = 1;
  let prevIdCounts = new Map<number, number>();
  let linesSinceKeyframe = 0;
  let lastLifetime: string | null = null;
  return {
    profiled(r, lifetime, counts) {
      const idCounts = new Map<number, number>();
      let total = 0;
      for (const [def, c] of counts) {
        if (!(c > 0)) continue;
        let id = ids.get(def);
        if (id === undefined) {
          id = nextId++;
          ids.set(def, id);
          stackIdsByHash[stackHash(stackKey(def.frames, def.labels))] = id;
          stacksOut.write(JSON.stringify({ id, frames: def.frames, labels: def.labels, firstSeenTsSeconds: r.tsSeconds }) + '\n');
        }
        idCounts.set(id, c);
        total += c;
      }
      const keyframe = lifetime !== lastLifetime || linesSinceKeyframe + 1 >= KEYFRAME_EVERY;
      history.write(
        keyframe
          ? formatHistoryLine('K', r.tsSeconds, lifetime, total, sortedEntries(idCounts))
          : formatHistoryLine('D', r.tsSeconds, lifetime, total, diffCounts(prevIdCounts, idCounts)),
      );
      linesSinceKeyframe = keyframe ? 0 : linesSinceKeyframe + 1;
      lastLifetime = lifetime;
      prevIdCounts = idCounts;
      samples.write(formatSampleRow({ ...r, goroutines: total, stacksDistinct: idCounts.size }));
      return { total, ids: idCounts };
    },
    stackCount: () => nextId - 1,
    unprofiled(r) {
      samples.write(formatSampleRow(r));
    },
    close() {
      samples.close();
      const historyBytes = history.close();
      const stacksBytes = stacksOut.close();
      return { historyBytes, stacksBytes, linesSinceKeyframe, lastCounts: prevIdCounts, nextStackId: nextId, stackIdsByHash };
    },
  };
}

function generateTarget(
  plan: TargetPlan,
  dir: string,
  startMinute: number,
  minutes: number,
  seed: number,
  fixtures: { goroutine: Buffer; debug2: Buffer },
  retentionDays: number,
): GeneratedTarget {
  const r = rng(seed);
  mkdirSync(join(dir, 'snapshots'), { recursive: true, mode: 0o700 });
  const out = openRecordingWriter(dir);

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
  const t: GeneratedTarget = { name: plan.name, kind: plan.kind, ticks: 0, okTicks: 0, failedTicks: 0, restarts: 0, stacks: 0, snapshots: 0, maxGoroutines: 0 };
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
    out.profiled(
      row(ts, plan.name, 'ok', { ...base, heapInuse: Math.round(heap) }),
      lifetime,
      new Map([...counts].map(([i, c]) => [plan.templates[i], c])),
    );
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

  // Retention as the recorder leaves it after the last tick (core/snapshots.ts decides).
  const endTs = (startMinute + minutes) * 60;
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

export function row(
  ts: number,
  target: string,
  status: SampleStatus,
  o: {
    pid?: number;
    startTs?: number;
    rss?: number;
    vsz?: number;
    cpuSecondsTotal?: number;
    cpuPercent?: number | null;
    threads?: number;
    fds?: number;
    goroutines?: number;
    stacksDistinct?: number;
    event?: '' | 'start' | 'restart';
    message?: string;
    heapInuse?: number;
  },
): SampleRow {
  return {
    tsSeconds: ts,
    target,
    status,
    pid: o.pid ?? null,
    processStartTsSeconds: o.startTs ?? null,
    rssBytes: o.rss ?? null,
    vszBytes: o.vsz ?? null,
    cpuSecondsTotal: o.cpuSecondsTotal ?? null,
    cpuPercent: o.cpuPercent ?? null,
    threads: o.threads ?? null,
    fds: o.fds ?? null,
    goroutines: o.goroutines ?? null,
    stacksDistinct: o.stacksDistinct ?? null,
    event: o.event ?? '',
    message: o.message ?? '',
    heapInuseBytes: o.heapInuse ?? null,
    memstatsHeapInuseBytes: null,
    memstatsStackInuseBytes: null,
    memstatsSysBytes: null,
    memstatsNumGc: null,
    leakedConfirmed: null,
  };
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
  if (!(opts.days > 0) || !(opts.targets >= 1)) throw new Error('--days and --targets must be positive');
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
  const targets: GeneratedTarget[] = [];
  for (let i = 0; i < opts.targets; i++) {
    const kind = KINDS[i % KINDS.length];
    const name = BASE_NAMES[i % BASE_NAMES.length] + (i >= BASE_NAMES.length ? `-${Math.floor(i / BASE_NAMES.length) + 1}` : '');
    const r = rng(seed * 7919 + i * 104729);
    const plan: TargetPlan = { name, kind, templates: templatesFor(name, kind, r) };
    targets.push(
      generateTarget(plan, join(opts.outDir, name), startMinute, minutes, seed * 31 + i, { goroutine: profileFor[kind], debug2 }, retentionDays),
    );
  }
  return { outDir: opts.outDir, days: opts.days, startTsSeconds: startMinute * 60, endTsSeconds: endTs, targets };
}

// ---------- command line ----------

const USAGE = `usage: node dist/scripts/generateRecording.js --out DIR [--days 30] [--targets 3] [--seed 1] [--end 2026-11-01T00:00:00Z]`;

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
  const t0 = performance.now();
  const res = generateRecording({
    outDir: resolve(values.out),
    days: Number(values.days),
    targets: Number(values.targets),
    seed: Number(values.seed),
    endTsSeconds: end,
    fixturesDir: values.fixtures ? resolve(values.fixtures) : undefined,
  });
  for (const t of res.targets) {
    console.log(
      `${t.name} (${t.kind}): ${t.ticks} ticks (${t.failedTicks} failed), ${t.restarts} restart(s), ${t.stacks} stacks, ` +
        `${t.snapshots} snapshots, up to ${t.maxGoroutines} goroutines`,
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
