// Synthetic recordings and summaries for the report's tests, screenshots and size checks.
// Deterministic (seeded), no I/O. Lives in scripts/ (not test/) because node --test would run
// every file under dist/test/ as a test.

import { seededRandom } from './lib/seededRandom.js';
import type {
  Frame,
  HistoryTick,
  SampleRow,
  SnapshotFile,
  StackRecord,
  Summary,
  Suspect,
  TargetRecording,
  TargetSummary,
} from '../src/core/model.js';

export const HOSTILE_LABEL = '<script>alert(1)</script>';
export const HOSTILE_LABEL_2 = '</script><b>x';
export const HOSTILE_FUNCTION = 'main.(*Server).<img src=x onerror=alert(1)>';

export interface SyntheticTargetOptions {
  name: string;
  /** Minutes of recording (one sample and one tick per minute). */
  minutes: number;
  /** Minute index where the process restarts (event 'restart'), or null. */
  restartAt?: number | null;
  /** Leaking stacks grow; false gives a stable service. */
  leaky?: boolean;
  /** Include hostile strings in labels, function names and messages. */
  hostile?: boolean;
  /** Extra small, short-lived stacks (to exercise the compare limits). */
  noiseStacks?: number;
  /** Minute index with a one-sample spike in goroutines/RSS/CPU, or null. */
  spikeAt?: number | null;
  /** Minutes (inclusive range) where the pprof endpoint timed out: null metrics, status pprof-timeout. */
  outage?: [number, number] | null;
  seed?: number;
}

export interface SyntheticOptions {
  startTs?: number;
  targets: SyntheticTargetOptions[];
}

const rng = seededRandom;

const f = (fn: string, file: string, line: number): Frame => ({ function: fn, file, line });

/** A frame of the Go runtime or standard library, its file under GOROOT. */
const std = (fn: string, path: string, line: number): Frame => f(fn, `/usr/local/go/src/${path}`, line);

const GOPARK = std('runtime.gopark', 'runtime/proc.go', 435);
const GOEXIT = std('runtime.goexit', 'runtime/asm_amd64.s', 1700);

/** The runtime and standard-library frames under a goroutine parked each way (leaf first), as Go 1.2x reports them. */
const PARKED = {
  send: [GOPARK, std('runtime.chansend', 'runtime/chan.go', 259), std('runtime.chansend1', 'runtime/chan.go', 145)],
  select: [GOPARK, std('runtime.selectgo', 'runtime/select.go', 335)],
  mutex: [
    GOPARK, std('runtime.goparkunlock', 'runtime/proc.go', 441), std('runtime.semacquire1', 'runtime/sema.go', 160),
    std('sync.runtime_SemacquireMutex', 'runtime/sema.go', 95), std('sync.(*Mutex).lockSlow', 'sync/mutex.go', 173), std('sync.(*Mutex).Lock', 'sync/mutex.go', 92),
  ],
  recv2: [GOPARK, std('runtime.chanrecv', 'runtime/chan.go', 583), std('runtime.chanrecv2', 'runtime/chan.go', 447)],
  recv1: [GOPARK, std('runtime.chanrecv', 'runtime/chan.go', 583), std('runtime.chanrecv1', 'runtime/chan.go', 442)],
  connRead: [
    GOPARK, std('runtime.netpollblock', 'runtime/netpoll.go', 573), std('internal/poll.runtime_pollWait', 'runtime/netpoll.go', 345),
    std('internal/poll.(*pollDesc).wait', 'internal/poll/fd_poll_runtime.go', 84), std('internal/poll.(*FD).Read', 'internal/poll/fd_unix.go', 165),
    std('net.(*netFD).Read', 'net/fd_posix.go', 55), std('net.(*conn).Read', 'net/net.go', 194), std('net/http.(*connReader).backgroundRead', 'net/http/server.go', 690),
  ],
};

interface StackTemplate {
  frames: Frame[];
  labels: Record<string, string>;
  /** count at minute m (within the lifetime, minutes since lifetime start `lm`), given rand. */
  count: (lm: number, r: () => number) => number;
}

function templates(o: SyntheticTargetOptions): StackTemplate[] {
  const leaky = o.leaky ?? false;
  const hostile = o.hostile ?? false;
  const svc = `example.com/${o.name}`;
  const t: StackTemplate[] = [
    {
      // Leak 1: handler goroutine blocked forever sending on an unbuffered channel.
      frames: [
        ...PARKED.send,
        f(`${svc}/internal/fanout.(*Fanout).publish.func1`, `/src/${o.name}/internal/fanout/fanout.go`, 88),
        GOEXIT,
      ],
      labels: hostile ? { handler: HOSTILE_LABEL, tenant: HOSTILE_LABEL_2 } : { handler: '/v1/events' },
      count: (lm) => (leaky ? 3 + Math.floor(lm * 0.9) : 3),
    },
    {
      // Leak 2: waiting on a response body nobody closes (select in a read loop).
      frames: [
        ...PARKED.select,
        f(hostile ? HOSTILE_FUNCTION : `${svc}/api.(*Server).watch`, `/src/${o.name}/api/watch.go`, 142),
        f(`${svc}/api.(*Server).handleWatch`, `/src/${o.name}/api/watch.go`, 61),
        std('net/http.HandlerFunc.ServeHTTP', 'net/http/server.go', 2220),
        GOEXIT,
      ],
      labels: hostile ? { handler: '/v1/watch', note: 'a "quoted" & <tagged> value' } : { handler: '/v1/watch' },
      count: (lm) => (leaky ? 1 + Math.floor(lm / 6) : 1),
    },
    {
      // Leak 3: slow growth behind a mutex.
      frames: [
        ...PARKED.mutex,
        f(`${svc}/cache.(*LRU).Get`, `/src/${o.name}/cache/lru.go`, 47),
        GOEXIT,
      ],
      labels: {},
      count: (lm) => (leaky ? Math.floor(lm / 30) : 0),
    },
    {
      // Steady worker pool.
      frames: [
        ...PARKED.recv2,
        f(`${svc}/worker.(*Pool).run`, `/src/${o.name}/worker/pool.go`, 33),
        GOEXIT,
      ],
      labels: { pool: 'default' },
      count: () => 32,
    },
    {
      // Connections: fluctuate.
      frames: [
        ...PARKED.connRead,
        GOEXIT,
      ],
      labels: {},
      count: (_lm, r) => 5 + Math.floor(r() * 20),
    },
    {
      frames: [std('time.Sleep', 'runtime/time.go', 300), f(`${svc}/metrics.flushLoop`, `/src/${o.name}/metrics/flush.go`, 20), GOEXIT],
      labels: {},
      count: () => 1,
    },
    {
      // Leaked once at startup and never again: flat, so not a suspect, but the runtime's leak profile has it.
      frames: [
        ...PARKED.recv1,
        f(`${svc}/config.(*Watcher).waitReload`, `/src/${o.name}/config/watch.go`, 51),
        GOEXIT,
      ],
      labels: {},
      count: () => (leaky ? 2 : 0),
    },
  ];
  const noise = o.noiseStacks ?? 0;
  for (let k = 0; k < noise; k++) {
    const period = 30 + (k % 17) * 11;
    t.push({
      frames: [
        ...PARKED.select,
        f(`${svc}/jobs.job${k}`, `/src/${o.name}/jobs/job${k % 40}.go`, 10 + k),
        f(`${svc}/jobs.(*Runner).Run`, `/src/${o.name}/jobs/runner.go`, 77),
        GOEXIT,
      ],
      labels: { job: `job-${k}` },
      count: (lm, r) => ((lm + k * 7) % period < 3 ? 1 + Math.floor(r() * (1 + (k % 5))) : 0),
    });
  }
  return t;
}

/** A plausible minutes-blocked histogram (bins 0, 1, 5, 15, 60, 240, 1440+) for n goroutines leaking steadily. */
function histogram(n: number, seed: number): NonNullable<Suspect['blockedMinutes']>['histogram'] {
  const edges = [0, 1, 5, 15, 60, 240, 1440];
  const weights = seed === 1 ? [3, 4, 10, 45, 180, 60, 0] : [3, 4, 10, 45, 120, 0, 0];
  const sum = weights.reduce((a, w) => a + w, 0);
  let left = n;
  return edges.map((from, i) => {
    const count = i === edges.length - 1 ? left : Math.min(left, Math.round((n * weights[i]) / sum));
    left -= count;
    const to = edges[i + 1] ?? null;
    return { label: to === null ? `${from}+` : String(from), fromMinutes: from, toMinutes: to, count };
  });
}

function syntheticTarget(o: SyntheticTargetOptions, startTs: number): { rec: TargetRecording; sum: TargetSummary } {
  const r = rng(o.seed ?? 7);
  const tpl = templates(o);
  const stacks: StackRecord[] = tpl.map((t, i) => ({
    id: i + 1,
    key: `${t.frames.map((fr) => `${fr.function} ${fr.file}:${fr.line}`).join('\n')}\n#${Object.keys(t.labels).sort().map((k) => `${k}=${t.labels[k]}`).join('\u0000')}`,
    frames: t.frames,
    labels: t.labels,
    firstSeenTsSeconds: 0,
  }));
  const samples: SampleRow[] = [];
  const ticks: HistoryTick[] = [];
  const snapshots: SnapshotFile[] = [];
  let pid = 4242;
  let lifeStart = startTs - 30;
  let lifeStartMinute = 0;
  let cpuTotal = 0;
  for (let m = 0; m < o.minutes; m++) {
    const ts = startTs + m * 60;
    let event: SampleRow['event'] = m === 0 ? 'start' : '';
    if (o.restartAt !== undefined && o.restartAt !== null && m === o.restartAt) {
      pid += 17;
      lifeStart = ts - 5;
      lifeStartMinute = m;
      cpuTotal = 0;
      event = 'restart';
    }
    const lm = m - lifeStartMinute;
    const down = o.outage ? m >= o.outage[0] && m <= o.outage[1] : false;
    const counts = new Map<number, number>();
    let total = 0;
    tpl.forEach((t, i) => {
      const c = t.count(lm, r);
      if (c > 0) {
        counts.set(i + 1, c);
        total += c;
        if (stacks[i].firstSeenTsSeconds === 0) stacks[i].firstSeenTsSeconds = ts;
      }
    });
    const spike = o.spikeAt === m;
    const goroutines = total + (spike ? 900 : 0);
    const rss = Math.round((38 + goroutines * 0.009 + r() * 1.5 + (spike ? 90 : 0)) * 1048576 / 4096) * 4096;
    // Go heap (GC sawtooth on top of what the goroutines keep alive) and expvar memstats.
    const heap = Math.round((12 + goroutines * 0.004 + ((m % 7) / 7) * 3 + r() * 0.5) * 1048576);
    const stackInuse = Math.round((goroutines * 8192 + 262144) / 8192) * 8192;
    const cpuPct = Math.round((spike ? 180 : 2 + r() * 6 + goroutines * 0.002) * 10) / 10;
    cpuTotal += (cpuPct / 100) * 60;
    const lifetime = `${pid}@${lifeStart}`;
    if (!down) {
      ticks.push({ tsSeconds: ts, lifetime, total: goroutines, counts });
      if (m % 360 === 0 || m === o.minutes - 1) {
        const stamp = new Date(ts * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
        snapshots.push({ path: `${o.name}/snapshots/goroutine-${stamp}-pid${pid}.pb.gz`, kind: 'goroutine', tsSeconds: ts, pid, bytes: 4000 + Math.floor(r() * 3000) });
        if (m === o.minutes - 1 && o.leaky) {
          snapshots.push({ path: `${o.name}/snapshots/goroutine-debug2-${stamp}-pid${pid}.txt.gz`, kind: 'goroutine-debug2', tsSeconds: ts, pid, bytes: 90_000 });
          snapshots.push({ path: `${o.name}/snapshots/goroutineleak-${stamp}-pid${pid}.pb.gz`, kind: 'goroutineleak', tsSeconds: ts, pid, bytes: 3_000 });
        }
      }
    }
    samples.push({
      tsSeconds: ts,
      target: o.name,
      status: down ? 'pprof-timeout' : 'ok',
      pid,
      processStartTsSeconds: lifeStart,
      rssBytes: rss,
      vszBytes: rss * 4 + 1_200_000_000,
      cpuSecondsTotal: Math.round(cpuTotal * 100) / 100,
      cpuPercent: lm === 0 ? null : cpuPct,
      threads: 12 + Math.floor(r() * 3) + (spike ? 20 : 0),
      fds: 24 + Math.floor(r() * 10),
      goroutines: down ? null : goroutines,
      stacksDistinct: down ? null : counts.size,
      event,
      message: down ? (o.hostile ? `=HYPERLINK("http://x") timeout after 5s\t<b>${HOSTILE_LABEL}</b>` : 'timeout after 5s') : '',
      heapInuseBytes: down ? null : heap,
      memstatsHeapInuseBytes: down ? null : heap + 1_500_000,
      memstatsStackInuseBytes: down ? null : stackInuse,
      memstatsSysBytes: down ? null : rss + 6_000_000,
      memstatsNumGc: down ? null : Math.floor(m / 2),
      // the leak profile is fetched every 10 minutes: the send and select leaks (ids 1, 2) plus the startup leak
      leakedConfirmed:
        down || !o.leaky || m % 10 !== 0 ? null : (counts.get(1) ?? 0) + (counts.get(2) ?? 0) + (counts.get(7) ?? 0),
    });
  }

  const lastTick = ticks[ticks.length - 1];
  const firstTickOfLife = ticks.find((t) => t.lifetime === lastTick?.lifetime);
  const hours = lastTick && firstTickOfLife ? Math.max(1 / 60, (lastTick.tsSeconds - firstTickOfLife.tsSeconds) / 3600) : 1;
  const suspects: Suspect[] = [];
  if (o.leaky && lastTick && firstTickOfLife) {
    for (const id of [1, 2, 3]) {
      const st = stacks[id - 1];
      const first = firstTickOfLife.counts.get(id) ?? 0;
      const last = lastTick.counts.get(id) ?? 0;
      const leafIdx = st.frames.findIndex((fr) => !/^(runtime|sync|internal\/)/.test(fr.function));
      const leaf = st.frames[leafIdx];
      suspects.push({
        stackId: id,
        leafFunction: leaf.function,
        frames: st.frames,
        labels: st.labels,
        kind: id === 1 ? 'chan send' : id === 2 ? 'select' : 'mutex',
        first,
        last,
        perHour: Math.round(((last - first) / hours) * 10) / 10,
        consistency: id === 1 ? 0.98 : 0.9,
        share: lastTick.total > 0 ? last / lastTick.total : 0,
        score: 10 - id,
        firstSeenTsSeconds: st.firstSeenTsSeconds,
        confirmed: id !== 3,
        createdBy: id === 3 ? null : `${leaf.function.replace(/\.func1$/, '')}`,
        createdAt: id === 3 ? null : `${leaf.file}:${leaf.line - 2}`,
        waitReason: id === 1 ? 'chan send' : id === 2 ? 'select' : null,
        blockedMinutes:
          id === 3
            ? null
            : {
                min: 0,
                median: id === 1 ? 95 : 40,
                max: id === 1 ? 290 : 170,
                goroutines: last,
                stamped: last - 3,
                leaked: 0,
                histogram: histogram(last, id),
                mergedWithOtherLabels: false,
                dumpTsSeconds: lastTick.tsSeconds,
              },
        source:
          id === 1
            ? {
                file: leaf.file,
                line: leaf.line,
                startLine: leaf.line - 4,
                lines: [
                  'func (f *Fanout) publish(ev Event) {',
                  '\tfor _, sub := range f.subs {',
                  '\t\tgo func(ch chan<- Event) {',
                  '\t\t\t// nobody reads ch after the subscriber left',
                  '\t\t\tch <- ev',
                  '\t\t}(sub.ch)',
                  '\t}',
                  o.hostile ? `\t// ${HOSTILE_LABEL} </script><b>x` : '}',
                ],
              }
            : null,
      });
    }
  }
  const gFirst = samples.find((s) => s.goroutines !== null)?.goroutines ?? null;
  const gLast = [...samples].reverse().find((s) => s.goroutines !== null)?.goroutines ?? null;
  const rFirst = samples[0]?.rssBytes ?? null;
  const rLast = samples[samples.length - 1]?.rssBytes ?? null;
  const perHourG = suspects.reduce((a, s) => a + s.perHour, 0);
  const holdNow = suspects.reduce((a, s) => a + s.last, 0) * 8192;
  const sum: TargetSummary = {
    name: o.name,
    verdict: o.minutes < 30 ? 'insufficient-data' : o.leaky ? 'leak' : 'stable',
    headline:
      o.minutes < 30
        ? `Only ${o.minutes} minutes recorded; leakwatch needs at least 30 to judge.`
        : o.leaky
          ? `Goroutines grow by about ${Math.round(perHourG)} per hour and never come back down: ${suspects[0]?.leafFunction ?? ''} is leaking.`
          : 'Goroutines and memory are flat: no leak.',
    samples: samples.length,
    lifetimes: o.restartAt ? 2 : 1,
    goroutines: { first: gFirst, last: gLast, perHour: o.leaky ? perHourG : 0.1, shape: o.leaky ? 'rising' : 'flat' },
    rssBytes: { first: rFirst, last: rLast, perHour: o.leaky ? perHourG * 9000 : 1000, shape: o.leaky ? 'rising' : 'flat' },
    heapInuseBytes: {
      first: samples.find((x) => x.heapInuseBytes != null)?.heapInuseBytes ?? null,
      last: [...samples].reverse().find((x) => x.heapInuseBytes != null)?.heapInuseBytes ?? null,
      perHour: o.leaky ? perHourG * 4200 : 0,
      shape: o.leaky ? 'rising' : 'flat',
    },
    memoryExplained: o.leaky
      ? {
          rssGrowthBytes: 6_815_744,
          stackGrowthBytes: 3_250_585,
          stackGrowthSource: 'memstats',
          heapGrowthBytes: 2_097_152,
          goroutineGrowth: 420,
          sentence: 'goroutine stacks grew 3.1 MiB of the 6.5 MiB RSS growth; the Go heap grew 2 MiB',
        }
      : { rssGrowthBytes: 0, stackGrowthBytes: 0, stackGrowthSource: 'memstats', heapGrowthBytes: 0, goroutineGrowth: 0, sentence: 'RSS did not grow (+0 B); goroutine stacks +0 B, Go heap +0 B' },
    runtimeLeaks:
      o.leaky && lastTick
        ? {
            tsSeconds: lastTick.tsSeconds,
            path: snapshots.find((x) => x.kind === 'goroutineleak')?.path ?? '',
            total: [1, 2, 7].reduce((a, id) => a + (lastTick.counts.get(id) ?? 0), 0),
            stacks: [1, 2, 7]
              .map((id) => {
                const st = stacks[id - 1];
                const leaf = st.frames.find((fr) => !/^(runtime|sync|internal\/)/.test(fr.function))!;
                return {
                  stackId: id,
                  leafFunction: leaf.function,
                  kind: (id === 1 ? 'chan send' : id === 2 ? 'select' : 'chan receive') as Suspect['kind'],
                  frames: st.frames,
                  labels: st.labels,
                  count: lastTick.counts.get(id) ?? 0,
                  suspectRank: id === 7 ? null : id,
                };
              })
              .sort((a, b) => b.count - a.count),
          }
        : null,
    goroutineDump:
      o.leaky && lastTick
        ? { tsSeconds: lastTick.tsSeconds, path: snapshots.find((x) => x.kind === 'goroutine-debug2')?.path ?? '', goroutines: lastTick.total, truncated: false }
        : null,
    bytesPerGoroutine: o.leaky ? 9437 : null,
    suspectsHoldBytes: o.leaky ? holdNow : null,
    suspectsHoldBytesInADay: o.leaky ? holdNow + perHourG * 24 * 8192 : null,
    suspects,
    warnings: o.hostile ? [`skipped 1 torn line in stack-history.log: ${HOSTILE_LABEL}`] : [],
  };
  return { rec: { name: o.name, samples, stacks, ticks, snapshots, warnings: [] }, sum };
}

export function syntheticReport(opts: SyntheticOptions): { summary: Summary; recordings: TargetRecording[] } {
  const startTs = opts.startTs ?? 1_795_000_000; // 2026-11-18
  const built = opts.targets.map((t, i) => syntheticTarget({ seed: 11 + i, ...t }, startTs));
  return {
    summary: { generatedAt: new Date((startTs + 60 * Math.max(...opts.targets.map((t) => t.minutes))) * 1000).toISOString(), targets: built.map((b) => b.sum) },
    recordings: built.map((b) => b.rec),
  };
}

/** The page-test scenario: two targets (one leaking with a restart and hostile strings, one stable). */
export function smallScenario() {
  return syntheticReport({
    targets: [
      { name: 'api', minutes: 8 * 60, restartAt: 150, leaky: true, hostile: true, spikeAt: 300, outage: [200, 212], noiseStacks: 12 },
      { name: 'worker', minutes: 8 * 60, leaky: false, noiseStacks: 4 },
    ],
  });
}

/** The size scenario: 30 days per minute, three targets, plenty of distinct stacks. */
export function thirtyDayScenario() {
  const minutes = 30 * 24 * 60;
  return syntheticReport({
    targets: [
      { name: 'api', minutes, restartAt: 20 * 24 * 60, leaky: true, hostile: true, spikeAt: 12345, noiseStacks: 400 },
      { name: 'worker', minutes, leaky: false, noiseStacks: 400 },
      { name: 'gateway', minutes, restartAt: 5000, leaky: true, noiseStacks: 400 },
    ],
  });
}
