// Which goroutine stacks grow: per-stack count series over one process lifetime, classified with
// classifyTrend; the 'rising' ones are suspects, ranked by evidence. Pure.

import type { HistoryTick, StackRecord, Suspect, TargetRecording } from '../core/model.js';
import { blockingKind, isBenignRuntime, leafFunction, matchesIgnore } from './frames.js';
import { classifyTrend, MIN_POINTS } from './trend.js';

/**
 * Default absolute rise (goroutines over the lifetime) before a stack can be a suspect: below 5, a pool
 * resizing or a few slow requests explain it, and the report would drown in noise.
 */
export const SUSPECT_MIN_INCREASE = 5;

export interface SuspectOptions {
  /** goleak-style ignore list (exact function names, or prefixes ending with `*`). */
  ignore?: string[];
  /** Absolute minimum rise in goroutines for a stack to count as growing; default SUSPECT_MIN_INCREASE. */
  minIncrease?: number;
}

/**
 * Evidence score used to rank suspects (higher first):
 *
 *   score = log2(1 + perHour) x consistency x (1 + share)
 *
 * - perHour (goroutines/hour, Theil–Sen): the growth rate dominates; log2 keeps a 100x faster leak ahead
 *   without letting it make every other factor irrelevant.
 * - consistency (0..1, share of tick-to-tick steps that did not decrease since the stack first appeared):
 *   a leak only goes up; a stack that drifts up while often dropping is weaker evidence.
 * - share (0..1, the stack's part of all goroutines at the last tick): up to 2x for a stack that
 *   dominates the process.
 */
export function suspectScore(perHour: number, consistency: number, share: number): number {
  return Math.log2(1 + Math.max(0, perHour)) * consistency * (1 + share);
}

/** Ticks of one lifetime, sorted by time (stable for equal times). */
export function ticksOfLifetime(ticks: HistoryTick[], lifetime: string): HistoryTick[] {
  return ticks
    .map((t, i) => ({ t, i }))
    .filter(({ t }) => t.lifetime === lifetime)
    .sort((a, b) => a.t.tsSeconds - b.t.tsSeconds || a.i - b.i)
    .map(({ t }) => t);
}

/**
 * Suspects for one lifetime of a recording: for each stack, its count at every tick of that lifetime
 * (absent from a tick = 0) is classified with classifyTrend (minAbsRise = minIncrease); 'rising' stacks
 * that are neither runtime internals (isBenignRuntime) nor ignored are suspects. Constant pools, tickers,
 * servers, bursts, plateaus and steps are not 'rising'. Sorted by suspectScore, then perHour, then id.
 * `firstSeenTsSeconds` is the first tick of this lifetime where the stack had goroutines; `source` is
 * null (reading files is the caller's job, see source.ts) and `confirmed` false.
 */
export function findSuspects(recording: TargetRecording, lifetime: string, opts: SuspectOptions = {}): Suspect[] {
  const minIncrease = opts.minIncrease ?? SUSPECT_MIN_INCREASE;
  const ignore = opts.ignore ?? [];
  const ticks = ticksOfLifetime(recording.ticks, lifetime);
  const n = ticks.length;
  if (n < MIN_POINTS) return [];

  const ts = Float64Array.from(ticks, (t) => t.tsSeconds);
  // sparse per-stack series: tick indices and counts (one pass over the history)
  const sparse = new Map<number, { idx: number[]; cnt: number[] }>();
  ticks.forEach((tick, i) => {
    for (const [id, c] of tick.counts) {
      if (!(c > 0)) continue;
      let s = sparse.get(id);
      if (!s) sparse.set(id, (s = { idx: [], cnt: [] }));
      s.idx.push(i);
      s.cnt.push(c);
    }
  });
  const stacksById = new Map<number, StackRecord>(recording.stacks.map((s) => [s.id, s]));
  const lastTick = ticks[n - 1]!;
  let lastTotal = lastTick.total;
  if (!(lastTotal > 0)) for (const c of lastTick.counts.values()) lastTotal += c > 0 ? c : 0;

  const series = new Float64Array(n);
  const suspects: Suspect[] = [];
  for (const [id, s] of sparse) {
    const rec = stacksById.get(id);
    if (!rec) continue; // the history names a stack the dictionary lost (torn line): nothing to show
    // cheap pre-filter: a stack whose counts never span minIncrease cannot rise materially
    let max = 0;
    let min = s.idx.length < n ? 0 : Infinity;
    for (const c of s.cnt) {
      if (c > max) max = c;
      if (c < min) min = c;
    }
    if (max - min < minIncrease || max - min <= 0) continue;
    if (isBenignRuntime(rec.frames) || matchesIgnore(rec.frames, ignore)) continue;

    series.fill(0);
    s.idx.forEach((i, k) => (series[i] = s.cnt[k]!));
    const trend = classifyTrend(ts, series, { minAbsRise: minIncrease });
    if (trend.shape !== 'rising' || trend.perHour === null) continue;

    const firstIdx = s.idx[0]!;
    let steps = 0;
    let nonDecreasing = 0;
    for (let i = firstIdx + 1; i < n; i++) {
      steps++;
      if (series[i]! >= series[i - 1]!) nonDecreasing++;
    }
    const consistency = steps > 0 ? nonDecreasing / steps : 1;
    const last = series[n - 1]!;
    const share = lastTotal > 0 ? Math.min(1, last / lastTotal) : 0;
    suspects.push({
      stackId: id,
      leafFunction: leafFunction(rec.frames),
      frames: rec.frames,
      labels: rec.labels,
      kind: blockingKind(rec.frames),
      first: series[0]!,
      last,
      perHour: trend.perHour,
      consistency,
      share,
      score: suspectScore(trend.perHour, consistency, share),
      firstSeenTsSeconds: ts[firstIdx]!,
      confirmed: false,
      source: null,
    });
  }
  suspects.sort((a, b) => b.score - a.score || b.perHour - a.perHour || a.stackId - b.stackId);
  return suspects;
}
