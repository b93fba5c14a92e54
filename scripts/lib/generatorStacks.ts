// The generated recordings' stacks and randomness (scripts/generateRecording.ts): per target ~60 distinct stacks
// with realistic behaviours (leaks, flat pools and daemons, traffic-following connections, bursty batches), and
// for the year-scale benchmark a target with thousands more whose counts churn (a share of them change each minute).
import type { Frame } from '../../src/core/model.js';
import { seededRandom } from './seededRandom.js';
import type { StackDef } from './recordingWriter.js';

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

export type TargetKind = 'leaky' | 'slow-leak' | 'stable';
export const KINDS: TargetKind[] = ['leaky', 'slow-leak', 'stable'];
export const BASE_NAMES = ['api', 'worker', 'gateway'];

export type Behaviour =
  | { type: 'leak'; perMinute: number }
  | { type: 'flat'; count: number }
  | { type: 'variable'; mean: number; sd: number }
  | { type: 'bursty'; perHour: number; minCount: number; maxCount: number; minMinutes: number; maxMinutes: number };

export interface StackTemplate {
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

export function templatesFor(name: string, kind: TargetKind, r: () => number): StackTemplate[] {
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

/**
 * The churning stacks of a large service (the issue 10 goal: 5,000 stacks with 10 % of counts changing a minute):
 * per-shard session and stream goroutines, each its own stack (frames differ by line, labels by shard). Their
 * counts are drawn and changed by generateTarget, not by a Behaviour (one draw per changed stack, not per stack).
 */
export function churnStacks(name: string, count: number): StackDef[] {
  const mod = `example.com/${name}`;
  const src = (p: string) => `/build/${name}/${p}`;
  const out: StackDef[] = [];
  for (let i = 0; i < count; i++) {
    const park = [PARK.select, PARK.recv, PARK.netpoll, PARK.sleep][i % 4];
    const kind = ['sessions.(*Session).serve', 'streams.(*Stream).pump', 'shards.(*Shard).replicate', 'cache.(*Loader).fill'][i % 4];
    const pkg = kind.split('.')[0];
    out.push({
      frames: [...park, f(`${mod}/internal/${kind}`, src(`internal/${pkg}/${pkg}.go`), 100 + Math.floor(i / 4)), f(`${mod}/internal/${pkg}.Start.gowrap1`, src(`internal/${pkg}/start.go`), 31)],
      labels: { shard: `s${i % 97}` },
    });
  }
  return out;
}

/** Stacks whose counts churn: `share` of them change each minute. */
export interface ChurnPlan {
  stacks: StackDef[];
  share: number;
  seed: number;
}

/**
 * Counts of the churning stacks, per minute: all drawn anew at a lifetime's start, then `share` of them changed
 * (the process runs on while a tick fails, so the changes pile up until the next profiled tick takes them).
 */
export class Churner {
  private readonly r: () => number;
  private readonly counts: Int32Array;
  private readonly pending = new Set<number>();
  total = 0;

  constructor(private readonly c: ChurnPlan) {
    this.r = seededRandom(c.seed);
    this.counts = new Int32Array(c.stacks.length);
  }

  minute(fresh: boolean): void {
    const { r, counts } = this;
    if (fresh) {
      this.total = 0;
      for (let i = 0; i < counts.length; i++) {
        this.total += counts[i] = int(r, 1, 20);
        this.pending.add(i);
      }
      return;
    }
    for (let k = Math.round(counts.length * this.c.share); k > 0; k--) {
      const i = Math.floor(r() * counts.length);
      const was = counts[i]!;
      const step = int(r, 1, 3);
      // A walk that always changes: down (0 = the stack is gone for now) or up, kept around 1..40.
      counts[i] = was > 0 && (was > 40 || r() < 0.5) ? Math.max(0, was - step) : was + step;
      this.total += counts[i]! - was;
      this.pending.add(i);
    }
  }

  /** The changes since the last profiled tick. */
  take(): Array<readonly [StackDef, number]> {
    const out: Array<readonly [StackDef, number]> = [];
    for (const i of this.pending) out.push([this.c.stacks[i]!, this.counts[i]!]);
    this.pending.clear();
    return out;
  }
}
