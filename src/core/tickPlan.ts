// What one tick writes for one target, decided purely from the previous state and what was observed.
// The recorder (io/recordTick.ts recordTarget) observes, calls these, and writes the result.
import type { TargetConfig } from './config.js';
import { stackHash, stackKey } from './goroutineProfile.js';
import type { GoroutineProfile, SampleEvent, SampleRow, SampleStatus, StackCount, StackRecord } from './model.js';
import { diffCounts, formatHistoryLine, KEYFRAME_EVERY, sortedEntries } from './stackHistory.js';

/**
 * data/<target>/state.json: a cache of what the last tick saw. Deleting it loses nothing recorded:
 * stack ids are rebuilt from stacks.jsonl (and stack-history.log, so no id is handed out twice) and the next
 * history line is a keyframe.
 */
export interface TargetState {
  /** 3: stack ids moved out to stack-ids.idx (append-only); another version is rebuilt from the files. */
  version: 3;
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
  /**
   * stackHash(stack key) -> id. Not in state.json: it grows with every stack ever seen, so it lives in the
   * append-only stack-ids.idx and is loaded from there (rebuilt from stacks.jsonl when sizes disagree).
   */
  stackIds: Map<string, number>;
  /** Size of stacks.jsonl and of stack-ids.idx right after our last append; other sizes mean "rebuild the ids". */
  stacksBytes: number;
  idsBytes: number;
  /** Warnings already shown once for this target (e.g. pprof exposed without auth). */
  warned: string[];
  /** Optional endpoints that answered 404 are not asked again before these times (unix seconds). */
  varsRetryTsSeconds: number;
  leakRetryTsSeconds: number;
  lastLeakFetchTsSeconds: number;
  lastDebug2TsSeconds: number;
  lastHeapFetchTsSeconds: number;
  /** The last tick whose row had status ok (for leakwatch_last_success_timestamp_seconds). */
  lastOkTsSeconds: number | null;
  /**
   * Label churn (issue 10): per (frames, label key), the distinct values seen so far, at most LABEL_VALUES_KEPT.
   * Keyed by labelGroupId(). Bounded: distinct frames x label keys x LABEL_VALUES_KEPT values.
   */
  labelValues: Record<string, string[]>;
  /** Groups whose key is stored with LABEL_PLACEHOLDER from now on, with a count of the distinct values seen. */
  collapsedLabels: Record<string, CollapsedLabel>;
}

/** A label key whose values churn on one set of frames: how many distinct values were seen (estimated). */
export interface CollapsedLabel {
  key: string;
  /** Linear-counting bitmap over the values' hashes, base64 (LABEL_SKETCH_BITS bits). */
  sketch: string;
  /** The estimate from the sketch; at saturation, a lower bound (`saturated`). */
  distinctValues: number;
  saturated: boolean;
  /** The first values seen (at most LABEL_VALUES_KEPT), to show what the key held. */
  examples: string[];
}

/**
 * Past this many distinct values of one label key on the same frames, the key is stored with LABEL_PLACEHOLDER.
 * Labels worth telling apart (route, handler, tenant tier, worker kind) take a handful of values per call site;
 * a request id, trace id or user id takes a new one per request and would make each request a stack of its own
 * (issue 10: 375 MB a day at 500 requests in flight). 16 keeps every meaningful split seen in practice while the
 * dictionary and state grow with distinct frames x 16 label values at most, never with requests.
 */
export const LABEL_VALUES_KEPT = 16;
/** The value stored for a collapsed key; the record's `collapsedLabels` says it is a placeholder, not a value. */
export const LABEL_PLACEHOLDER = '(many values)';
/**
 * Bits of the linear-counting sketch per collapsed key: 2048 bits = 344 base64 characters in state.json.
 * Its estimate n = -m ln(zeros/m) is within a few % up to ~10,000 distinct values and saturates at m ln m (15,615).
 */
export const LABEL_SKETCH_BITS = 2048;

function isNum(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}
function isNumOrNull(v: unknown): boolean {
  return v === null || isNum(v);
}
function isStrArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/**
 * state.json as parsed, if every field has the type the recorder relies on; otherwise a one-line reason.
 * Anything short of this (issue 10: `{"version":2,"lastCounts":null}` failed every tick) is rebuilt from the files.
 */
export function validateState(raw: unknown): { state: Omit<TargetState, 'stackIds'> } | { reason: string } {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return { reason: 'not a JSON object' };
  const o = raw as Record<string, unknown>;
  if (o.version !== 3) return { reason: `version ${JSON.stringify(o.version)?.slice(0, 20)} is not 3` };
  const bad = (field: string) => ({ reason: `field ${field} is missing or of the wrong type` });
  if (!(o.lifetime === null || typeof o.lifetime === 'string')) return bad('lifetime');
  if (typeof o.comm !== 'string') return bad('comm');
  for (const f of ['pid', 'processStartTsSeconds', 'lastTsSeconds', 'lastCpuSecondsTotal', 'lastOkTsSeconds']) if (!isNumOrNull(o[f])) return bad(f);
  for (const f of ['historyBytes', 'linesSinceKeyframe', 'stacksBytes', 'idsBytes', 'varsRetryTsSeconds', 'leakRetryTsSeconds', 'lastLeakFetchTsSeconds', 'lastDebug2TsSeconds', 'lastHeapFetchTsSeconds']) {
    if (!isNum(o[f])) return bad(f);
  }
  if (!Number.isSafeInteger(o.nextStackId) || (o.nextStackId as number) < 1) return bad('nextStackId');
  if (!isStrArray(o.warned)) return bad('warned');
  const lc = o.lastCounts;
  if (!lc || typeof lc !== 'object' || Array.isArray(lc)) return bad('lastCounts');
  for (const [k, v] of Object.entries(lc)) if (!/^\d+$/.test(k) || !Number.isSafeInteger(v) || (v as number) < 0) return bad('lastCounts');
  const lv = o.labelValues;
  if (!lv || typeof lv !== 'object' || Array.isArray(lv) || !Object.values(lv).every(isStrArray)) return bad('labelValues');
  const cl = o.collapsedLabels;
  if (!cl || typeof cl !== 'object' || Array.isArray(cl)) return bad('collapsedLabels');
  for (const c of Object.values(cl) as Array<Record<string, unknown>>) {
    if (!c || typeof c.key !== 'string' || typeof c.sketch !== 'string' || !isNum(c.distinctValues) || typeof c.saturated !== 'boolean' || !isStrArray(c.examples)) {
      return bad('collapsedLabels');
    }
  }
  return { state: o as unknown as Omit<TargetState, 'stackIds'> };
}

export function emptyState(): TargetState {
  return {
    version: 3,
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
    stackIds: new Map(),
    stacksBytes: -1,
    idsBytes: -1,
    warned: [],
    varsRetryTsSeconds: 0,
    leakRetryTsSeconds: 0,
    lastLeakFetchTsSeconds: 0,
    lastDebug2TsSeconds: 0,
    lastHeapFetchTsSeconds: 0,
    lastOkTsSeconds: null,
    labelValues: {},
    collapsedLabels: {},
  };
}

// stackHash: a short, stable id for a stack key (see core/goroutineProfile.ts), kept here for its importers.
export { stackHash } from './goroutineProfile.js';

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

/** When a lifetime's process started (unix seconds), from its key (lifetimeOf); null when the key does not say. */
export function processStartOf(lifetime: string): number | null {
  const at = lifetime.indexOf('@');
  const v = at < 0 ? NaN : Number(lifetime.slice(at + 1));
  return at > 0 && lifetime.length > at + 1 && Number.isFinite(v) ? v : null;
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
  // `prev` is never changed: lastCounts is only ever replaced, the label maps are copied (small), and the id map
  // (100,000 entries in a big service) is copied only on the first new stack, so a steady tick copies nothing big.
  const state: TargetState = {
    ...prev,
    labelValues: { ...prev.labelValues },
    collapsedLabels: { ...prev.collapsedLabels },
  };
  let idsCopied = false;
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
    const collapsed = collapseLabelChurn(state, prof.stacks);
    for (const s of prof.stacks) {
      const c = collapsed.get(s);
      // The key only for a new stack (a decoded stack builds it on demand): a steady tick goes by hash alone.
      const h = c ? stackHash(c.key) : (s.hash ?? stackHash(s.key));
      let sid = state.stackIds.get(h);
      if (sid === undefined) {
        if (!idsCopied) {
          state.stackIds = new Map(prev.stackIds);
          idsCopied = true;
        }
        sid = state.nextStackId++;
        state.stackIds.set(h, sid);
        const rec: StackRecord = { id: sid, key: c ? c.key : s.key, frames: s.frames, labels: c ? c.labels : s.labels, firstSeenTsSeconds: tsSeconds, hash: h };
        if (c) rec.collapsedLabels = c.collapsed;
        newStacks.push(rec);
      }
      counts.set(sid, (counts.get(sid) ?? 0) + s.count);
    }
    const prevCounts = new Map<number, number>();
    for (const k in prev.lastCounts) prevCounts.set(Number(k), prev.lastCounts[k]);
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

/** Which label group a (frames, label key) pair belongs to: stackHash of the frames-only key, then the key. */
export function labelGroupId(framesHash: string, labelKey: string): string {
  return `${framesHash}|${labelKey}`;
}

/** 32-bit FNV-1a of a string: the sketch's bit index. */
function fnv32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Adds `values` to a collapsed group's sketch and refreshes its estimate (mutates `c`). */
export function countDistinct(c: CollapsedLabel, values: Iterable<string>): void {
  const bits = c.sketch ? Buffer.from(c.sketch, 'base64') : Buffer.alloc(LABEL_SKETCH_BITS / 8);
  for (const v of values) {
    const i = fnv32(v) % LABEL_SKETCH_BITS;
    bits[i >> 3] |= 1 << (i & 7);
  }
  // Set bits counted a byte at a time (popcount), by index: a for-of over the Buffer testing 2,048 bits one by one
  // was ~3 ms of a cron tick, whose code never gets past V8's interpreter (issue 10, item 7).
  let ones = 0;
  for (let i = 0; i < bits.length; i++) {
    let b = bits[i];
    b -= (b >> 1) & 0x55;
    b = (b & 0x33) + ((b >> 2) & 0x33);
    ones += (b + (b >> 4)) & 0x0f;
  }
  const zeros = bits.length * 8 - ones;
  c.sketch = bits.toString('base64');
  c.saturated = zeros === 0;
  // Linear counting; all bits set means at least m ln m values (the estimate with one zero bit left).
  c.distinctValues = Math.round(-LABEL_SKETCH_BITS * Math.log(Math.max(zeros, 1) / LABEL_SKETCH_BITS));
}

/**
 * Label churn (issue 10, item 2): finds label keys that take more than LABEL_VALUES_KEPT distinct values on the
 * same frames (over this tick and earlier ones) and returns, for each stack carrying such a key, the key and labels
 * it is stored under: the value replaced by LABEL_PLACEHOLDER. Stacks that then share a key are one stack whose
 * count is the sum, so a leak spread over unique request ids is one rising stack. Updates `state`'s label fields.
 */
export function collapseLabelChurn(
  state: TargetState,
  stacks: StackCount[],
): Map<StackCount, { key: string; labels: Record<string, string>; collapsed: Record<string, number> }> {
  const out = new Map<StackCount, { key: string; labels: Record<string, string>; collapsed: Record<string, number> }>();
  const framesHashOf = new Map<StackCount, string>();
  const tickValues = new Map<string, Set<string>>();
  for (const s of stacks) {
    const keys = Object.keys(s.labels);
    if (keys.length === 0) continue;
    const fh = s.framesHash ?? stackHash(stackKey(s.frames, {}));
    framesHashOf.set(s, fh);
    for (const k of keys) {
      const g = labelGroupId(fh, k);
      let set = tickValues.get(g);
      if (!set) tickValues.set(g, (set = new Set()));
      set.add(s.labels[k]);
    }
  }
  for (const [g, values] of tickValues) {
    const c = state.collapsedLabels[g];
    if (c) {
      const next = { ...c, examples: [...c.examples] };
      countDistinct(next, values);
      state.collapsedLabels[g] = next;
      continue;
    }
    const known = state.labelValues[g] ?? [];
    const union = new Set(known);
    for (const v of values) union.add(v);
    if (union.size > LABEL_VALUES_KEPT) {
      const fresh: CollapsedLabel = { key: g.slice(g.indexOf('|') + 1), sketch: '', distinctValues: 0, saturated: false, examples: known.slice(0, LABEL_VALUES_KEPT) };
      for (const v of union) if (fresh.examples.length < LABEL_VALUES_KEPT && !fresh.examples.includes(v)) fresh.examples.push(v);
      countDistinct(fresh, union);
      state.collapsedLabels[g] = fresh;
      delete state.labelValues[g];
    } else if (union.size > known.length) {
      state.labelValues[g] = [...union];
    }
  }
  for (const [s, fh] of framesHashOf) {
    let labels: Record<string, string> | null = null;
    const collapsed: Record<string, number> = {};
    for (const k of Object.keys(s.labels)) {
      const c = state.collapsedLabels[labelGroupId(fh, k)];
      if (!c) continue;
      labels ??= { ...s.labels };
      labels[k] = LABEL_PLACEHOLDER;
      collapsed[k] = c.distinctValues;
    }
    if (labels) out.set(s, { key: stackKey(s.frames, labels), labels, collapsed });
  }
  return out;
}
