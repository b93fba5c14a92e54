// What one tick writes for one target, decided purely from the previous state and what was observed.
// The recorder (io/recordTarget.ts) observes, calls these, and writes the result.
import type { TargetConfig } from './config.js';
import type { GoroutineProfile, SampleEvent, SampleRow, SampleStatus, StackRecord } from './model.js';
import { diffCounts, formatHistoryLine, KEYFRAME_EVERY, sortedEntries } from './stackHistory.js';

/**
 * data/<target>/state.json: a cache of what the last tick saw. Deleting it loses nothing recorded:
 * stack ids are rebuilt from stacks.jsonl and the next history line is a keyframe.
 */
export interface TargetState {
  /** 2: stackIds keyed by the FNV hash (1 used sha1); another version is rebuilt from the files. */
  version: 2;
  lifetime: string | null;
  pid: number | null;
  processStartTsSeconds: number | null;
  comm: string;
  lastTsSeconds: number | null;
  lastCpuSecondsTotal: number | null;
  /** Size of stack-history.log right after our last append; any other size means "write a keyframe". */
  historyBytes: number;
  linesSinceKeyframe: number;
  lastCounts: Record<string, number>;
  nextStackId: number;
  /** sha1(stack key) -> id; rebuilt from stacks.jsonl when stacksBytes disagrees with the file. */
  stackIds: Record<string, number>;
  stacksBytes: number;
  /** Warnings already shown once for this target (e.g. pprof exposed without auth). */
  warned: string[];
  /** Optional endpoints that answered 404 are not asked again before these times (unix seconds). */
  varsRetryTsSeconds: number;
  leakRetryTsSeconds: number;
  lastLeakFetchTsSeconds: number;
  lastDebug2TsSeconds: number;
  /** The last tick whose row had status ok (for leakwatch_last_success_timestamp_seconds). */
  lastOkTsSeconds: number | null;
}

export function emptyState(): TargetState {
  return {
    version: 2,
    lifetime: null,
    pid: null,
    processStartTsSeconds: null,
    comm: '',
    lastTsSeconds: null,
    lastCpuSecondsTotal: null,
    historyBytes: -1,
    linesSinceKeyframe: 0,
    lastCounts: {},
    nextStackId: 1,
    stackIds: {},
    stacksBytes: -1,
    warned: [],
    varsRetryTsSeconds: 0,
    leakRetryTsSeconds: 0,
    lastLeakFetchTsSeconds: 0,
    lastDebug2TsSeconds: 0,
    lastOkTsSeconds: null,
  };
}

/**
 * A short, stable id for a stack key, used only to find the key's numeric id in state.json (a cache that
 * stacks.jsonl can rebuild). Two 32-bit FNV-1a lanes with different offsets: 64 bits, so a collision among
 * even 100,000 stacks has odds of about 1 in 10^9. Not node:crypto: loading it costs the once-a-minute
 * recorder ~11 ms (BENCHMARKS.md), a tenth of Node's own start-up.
 */
export function stackHash(key: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (a >>> 15);
  }
  return (a >>> 0).toString(36) + '.' + (b >>> 0).toString(36);
}

export interface ObservedProcess {
  pid: number;
  comm: string;
  processStartTsSeconds: number | null;
  rssBytes: number | null;
  vszBytes: number | null;
  cpuSecondsTotal: number | null;
  threads: number | null;
  fds: number | null;
  note: string;
}

export type Identity =
  | { kind: 'process'; lifetime: string; event: SampleEvent; proc: ObservedProcess }
  | { kind: 'url-only'; lifetime: 'url'; event: SampleEvent }
  | { kind: 'failed'; status: SampleStatus; message: string; pid: number | null };

export function lifetimeOf(pid: number, startTs: number | null): string {
  return `${pid}@${startTs ?? '?'}`;
}

/**
 * Decides which process lifetime this tick belongs to. A target fixed by `pid` cannot follow a restart: when the
 * pid's start time changes, the pid now belongs to another process and we say so rather than record its numbers.
 */
export function identify(
  state: TargetState,
  target: TargetConfig,
  found: { pid: number } | { error: SampleStatus; message: string } | null,
  proc: ObservedProcess | null,
): Identity {
  if (found === null) {
    return { kind: 'url-only', lifetime: 'url', event: state.lifetime === 'url' ? '' : 'start' };
  }
  if ('error' in found) return { kind: 'failed', status: found.error, message: found.message, pid: null };
  if (proc === null) {
    return { kind: 'failed', status: 'no-process', message: `pid ${found.pid} is not running (exited?)`, pid: found.pid };
  }
  const lifetime = lifetimeOf(proc.pid, proc.processStartTsSeconds);
  if (target.pid !== undefined && state.lifetime !== null && state.lifetime !== lifetime && state.pid === proc.pid) {
    return {
      kind: 'failed',
      status: 'pid-reused',
      message: `pid ${proc.pid} now belongs to another process ("${proc.comm}"); the one recorded has exited: use "process" or "pidfile" to follow restarts`,
      pid: proc.pid,
    };
  }
  const event: SampleEvent = state.lifetime === lifetime ? '' : state.lifetime === null || state.lifetime === 'url' ? 'start' : 'restart';
  return { kind: 'process', lifetime, event, proc };
}

export type ProfileOutcome =
  | { ok: true; profile: GoroutineProfile }
  | { ok: false; status: SampleStatus; message: string }
  | null; // no pprof URL configured, or not fetched

/** What the optional endpoints added this tick (heap, expvar memstats, the runtime's leak profile). */
export interface TickExtras {
  heapInuseBytes: number | null;
  memstats: { heapInuseBytes: number | null; stackInuseBytes: number | null; sysBytes: number | null; numGc: number | null } | null;
  leakedConfirmed: number | null;
  /** One-line notes for the message column (an optional endpoint failing never fails the row). */
  notes: string[];
}

export interface TickPlan {
  row: SampleRow;
  historyLine: string | null;
  newStacks: StackRecord[];
  state: TargetState;
}

/**
 * The row, history line, new stack dictionary entries and next state for one tick.
 * `historyBytesNow` is the current size of stack-history.log (or -1 if absent): when it differs from what the
 * state remembers, the log was damaged or edited and the next line must be a keyframe.
 */
export function planTick(
  prev: TargetState,
  target: TargetConfig,
  tsSeconds: number,
  id: Identity,
  outcome: ProfileOutcome,
  historyBytesNow: number,
  extras: TickExtras | null = null,
): TickPlan {
  const state: TargetState = { ...prev, lastCounts: { ...prev.lastCounts }, stackIds: { ...prev.stackIds } };
  const row: SampleRow = {
    tsSeconds,
    target: target.name,
    status: 'ok',
    pid: null,
    processStartTsSeconds: null,
    rssBytes: null,
    vszBytes: null,
    cpuSecondsTotal: null,
    cpuPercent: null,
    threads: null,
    fds: null,
    goroutines: null,
    stacksDistinct: null,
    event: '',
    message: '',
  };
  if (id.kind === 'failed') {
    row.status = id.status;
    row.pid = id.pid;
    row.message = id.message;
    return { row, historyLine: null, newStacks: [], state };
  }
  const messages: string[] = [];
  row.event = id.event;
  if (id.kind === 'process') {
    const p = id.proc;
    Object.assign(row, {
      pid: p.pid,
      processStartTsSeconds: p.processStartTsSeconds,
      rssBytes: p.rssBytes,
      vszBytes: p.vszBytes,
      cpuSecondsTotal: p.cpuSecondsTotal,
      threads: p.threads,
      fds: p.fds,
    });
    if (p.note) messages.push(p.note);
    // CPU % only within one lifetime, over the interval since its previous row: a cumulative counter differenced.
    if (id.event === '' && prev.lastTsSeconds !== null && prev.lastCpuSecondsTotal !== null && p.cpuSecondsTotal !== null) {
      const dt = tsSeconds - prev.lastTsSeconds;
      const dcpu = p.cpuSecondsTotal - prev.lastCpuSecondsTotal;
      if (dt > 0 && dcpu >= 0) row.cpuPercent = (dcpu / dt) * 100;
    }
    state.pid = p.pid;
    state.processStartTsSeconds = p.processStartTsSeconds;
    state.comm = p.comm;
    state.lastCpuSecondsTotal = p.cpuSecondsTotal;
  } else {
    state.pid = null;
    state.processStartTsSeconds = null;
    state.lastCpuSecondsTotal = null;
  }
  state.lifetime = id.lifetime;
  state.lastTsSeconds = tsSeconds;

  let historyLine: string | null = null;
  const newStacks: StackRecord[] = [];
  if (outcome && !outcome.ok) {
    row.status = outcome.status;
    messages.unshift(outcome.message);
  } else if (outcome && outcome.ok) {
    const prof = outcome.profile;
    row.goroutines = prof.total;
    row.stacksDistinct = prof.stacks.length;
    const counts = new Map<number, number>();
    for (const s of prof.stacks) {
      const h = stackHash(s.key);
      let sid = state.stackIds[h];
      if (sid === undefined) {
        sid = state.nextStackId++;
        state.stackIds[h] = sid;
        newStacks.push({ id: sid, key: s.key, frames: s.frames, labels: s.labels, firstSeenTsSeconds: tsSeconds });
      }
      counts.set(sid, (counts.get(sid) ?? 0) + s.count);
    }
    const prevCounts = new Map(Object.entries(prev.lastCounts).map(([k, v]) => [Number(k), v]));
    const keyframe =
      id.event !== '' ||
      prev.lifetime !== id.lifetime ||
      historyBytesNow <= 0 ||
      historyBytesNow !== prev.historyBytes ||
      prev.linesSinceKeyframe + 1 >= KEYFRAME_EVERY;
    historyLine = keyframe
      ? formatHistoryLine('K', tsSeconds, id.lifetime, prof.total, sortedEntries(counts))
      : formatHistoryLine('D', tsSeconds, id.lifetime, prof.total, diffCounts(prevCounts, counts));
    state.linesSinceKeyframe = keyframe ? 0 : prev.linesSinceKeyframe + 1;
    state.lastCounts = Object.fromEntries(counts);
  }
  if (extras) {
    row.heapInuseBytes = extras.heapInuseBytes;
    row.memstatsHeapInuseBytes = extras.memstats?.heapInuseBytes ?? null;
    row.memstatsStackInuseBytes = extras.memstats?.stackInuseBytes ?? null;
    row.memstatsSysBytes = extras.memstats?.sysBytes ?? null;
    row.memstatsNumGc = extras.memstats?.numGc ?? null;
    row.leakedConfirmed = extras.leakedConfirmed;
    messages.push(...extras.notes);
  }
  row.message = messages.join('; ');
  if (row.status === 'ok') state.lastOkTsSeconds = tsSeconds;
  return { row, historyLine, newStacks, state };
}
