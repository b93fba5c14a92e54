// Classify a time series (unevenly spaced points allowed) as rising / flat / plateau / step / falling,
// with robust statistics: the Theil–Sen slope (median of pairwise slopes) and the Mann–Kendall trend
// test (S statistic, variance with the ties correction, z score). Pure and deterministic.
//
// How a series is classified (first match wins; every threshold is a named constant below):
//  1. insufficient-data: fewer than MIN_POINTS points or a span under MIN_SPAN_SECONDS. perHour null.
//  2. step: the best single split point (least squares) leaves two sides that are each flat (their own
//     Theil–Sen drift is at most STEP_MAX_SIDE_DRIFT of the jump), the jump between the sides' medians
//     is material and at least STEP_MIN_JUMP_NOISE times the sides' noise, and each side holds at least
//     STEP_MIN_SIDE_FRACTION of the points.
//  3. rising: Mann–Kendall z >= Z_SIGNIFICANT over the whole window, AND the most recent third has its
//     own positive slope with z >= Z_RECENT (Theil–Sen; when ties make that 0, the rise between the means of
//     the third's halves: recentSlope), AND either
//       (a) sustained: the overall Theil–Sen slope is positive, its rise over the window (slope x span)
//           is material, the recent slope is >= RECENT_SLOPE_FRACTION of the overall slope (growth
//           continues), and the floor rose with it, third by third: the FLOOR_QUANTILE of each third
//           exceeds that of the previous third by >= FLOOR_RISE_SHARE / 2 of the rise (a GC-like
//           sawtooth whose ramps are long enough to fool Mann–Kendall keeps returning to the same floor;
//           a leak lifts it steadily), or
//       (b) late onset: the recent third alone is significant (z >= Z_SIGNIFICANT) with a material rise
//           of its own, and the series broke out of its earlier range: the median of the last
//           HEAD_FRACTION of the window is materially above the (1 - FLOOR_QUANTILE) quantile of
//           everything before the recent third (a leak that started late in a long window, which the
//           overall median slope misses; a sawtooth ramp stays within the range of earlier ramps).
//  4. falling: z <= -Z_SIGNIFICANT, negative slope, material decline.
//  5. plateau: z >= Z_SIGNIFICANT and the floor (FLOOR_QUANTILE) of the last third is materially above
//     the floor of the first HEAD_FRACTION of the window, but growth did not continue (3 failed).
//  6. flat: everything else (noise, GC sawtooth, periodic bursts, immaterial drift).
// "Material" means >= max(MATERIAL_REL_RISE x |median level|, opts.minAbsRise).
//
// Long series (more than MAX_EXACT_POINTS, robustStats.ts) are first reduced to MAX_EXACT_POINTS buckets of consecutive
// points, each replaced by its median time and median value, so a month of one-minute samples (43,200
// points) costs about the same as six hours: exact Theil–Sen and Mann–Kendall over MAX_EXACT_POINTS points in
// O(n log n) (robustStats.ts), a fraction of a millisecond.

import type { SeriesTrend } from '../core/model.js';
import { bucketMedians, finitePairsByTime, mad, mannKendall, median, quantile, theilSenExact, MAX_EXACT_POINTS } from './robustStats.js';

/**
 * Fewer points than this cannot show a trend: even a perfectly monotone series of 7 points only just
 * reaches Mann–Kendall z = 3.0 (8 points: 3.3), so 8 is the least with any margin.
 */
export const MIN_POINTS = 8;
/** A window shorter than a minute says nothing about hours-long growth (and one-minute sampling is the norm). */
export const MIN_SPAN_SECONDS = 60;
/**
 * |z| for a significant overall trend. 3 (two-sided p ~ 0.003) rather than 1.96: a report tests every
 * stack of every target, so at p = 0.05 one in twenty flat series would be flagged.
 */
export const Z_SIGNIFICANT = 3;
/**
 * z the most recent third must reach to confirm growth continues. Lower than Z_SIGNIFICANT because it
 * confirms an already significant trend on a third of the points (2 ~ p 0.05, one-sided ~0.02).
 */
export const Z_RECENT = 2;
/** Recent slope must be at least this share of the overall slope: growth that slowed 4x is a plateau in the making. */
export const RECENT_SLOPE_FRACTION = 0.25;
/** The most recent part of the window examined for continuing growth: the last third. */
export const RECENT_FRACTION = 1 / 3;
/** Minimum points in the recent part: with 5 points Mann–Kendall z can reach 2.2, with 4 only 1.7. */
export const MIN_RECENT_POINTS = 5;
/** A rise under 10% of the series' level is within normal variation of RSS or a pool size. */
export const MATERIAL_REL_RISE = 0.1;
/** Part of the window whose median is the "before" level of a plateau (warm-up shows up early). */
export const HEAD_FRACTION = 0.1;
/** Minimum points in the head part. */
export const MIN_HEAD_POINTS = 3;
/** Each side of a step keeps at least this share of points, so a burst at an edge is not a step. */
export const STEP_MIN_SIDE_FRACTION = 0.1;
/** A side whose own Theil–Sen drift exceeds a quarter of the jump is a ramp, not flat (a line split in two drifts 100%). */
export const STEP_MAX_SIDE_DRIFT = 0.25;
/** The jump must stand out of the sides' noise (robust sigma = 1.4826 x MAD) by this factor. */
export const STEP_MIN_JUMP_NOISE = 4;
/**
 * Low quantile used as a series' "floor" (robust minimum): the 10th percentile ignores a few noisy dips
 * yet sits near the troughs of a sawtooth.
 */
export const FLOOR_QUANTILE = 0.1;
/**
 * For sustained growth the floor of each third must exceed the floor of the previous third by
 * FLOOR_RISE_SHARE / 2 of the Theil–Sen rise. A straight line (any noise) lifts it by ~1/3 of the rise
 * per third; a sawtooth on a flat baseline by ~0 (some third contains a trough), so 1/6 leaves margin
 * both ways.
 */
export const FLOOR_RISE_SHARE = 1 / 3;

export type TrendShape = SeriesTrend['shape'];

export interface TrendOptions {
  /** Absolute minimum rise that counts as material, in the series' unit (e.g. 10 goroutines, 4 MiB). Default 0. */
  minAbsRise?: number;
  /** Override MIN_POINTS. */
  minPoints?: number;
  /** Override MIN_SPAN_SECONDS. */
  minSpanSeconds?: number;
}

export interface TrendDetails {
  /** Finite points given. */
  n: number;
  /** Points analysed (bucket medians when downsampled). */
  nUsed: number;
  downsampled: boolean;
  spanSeconds: number;
  /** Mann–Kendall S and z over the whole window. */
  mkS: number;
  mkZ: number;
  /** Theil–Sen slope over the whole window, units per second. */
  slopePerSecond: number | null;
  /** slopePerSecond x span. */
  rise: number | null;
  /** Median of the values. */
  level: number;
  /** max(MATERIAL_REL_RISE x |level|, minAbsRise). */
  materialThreshold: number;
  /** The recent third's own statistics. */
  recent: { n: number; mkZ: number; slopePerSecond: number | null } | null;
  /** Floor (FLOOR_QUANTILE) of the recent third minus floor of the head (first HEAD_FRACTION). */
  levelRise: number | null;
  /** Floor of the recent third minus floor of the first third. */
  floorRise: number | null;
  /** Floor (FLOOR_QUANTILE) of each third of the window, oldest first. */
  floors: [number, number, number] | null;
  /** Median of the last HEAD_FRACTION minus the (1 - FLOOR_QUANTILE) quantile before the recent third. */
  breakout: number | null;
  /** The best step found, when it qualified. */
  step: { tSeconds: number; jump: number } | null;
  /** One line saying why the shape was chosen. */
  reason: string;
}

export type TrendResult = SeriesTrend & { details: TrendDetails };

// ---------------------------------------------------------------- the classifier

function emptyDetails(n: number, spanSeconds: number, reason: string): TrendDetails {
  return {
    n,
    nUsed: n,
    downsampled: false,
    spanSeconds,
    mkS: 0,
    mkZ: 0,
    slopePerSecond: null,
    rise: null,
    level: NaN,
    materialThreshold: NaN,
    recent: null,
    levelRise: null,
    floorRise: null,
    floors: null,
    breakout: null,
    step: null,
    reason,
  };
}

interface StepFound {
  index: number;
  tSeconds: number;
  jump: number;
}

/** Best single change point by least squares (prefix sums), then the robust checks that make it a step. */
function findStep(t: Float64Array, v: Float64Array, material: number): StepFound | null {
  const n = v.length;
  const minSide = Math.max(3, Math.ceil(STEP_MIN_SIDE_FRACTION * n));
  if (n < 2 * minSide) return null;
  const pre = new Float64Array(n + 1);
  const pre2 = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    pre[i + 1] = pre[i]! + v[i]!;
    pre2[i + 1] = pre2[i]! + v[i]! * v[i]!;
  }
  let best = -1;
  let bestCost = Infinity;
  for (let k = minSide; k <= n - minSide; k++) {
    const sl = pre[k]!;
    const sr = pre[n]! - sl;
    const cost = pre2[n]! - (sl * sl) / k - (sr * sr) / (n - k);
    if (best < 0 || cost < bestCost - 1e-9 * Math.abs(bestCost)) {
      bestCost = cost;
      best = k;
    }
  }
  if (best < 0) return null;
  const lv = v.slice(0, best);
  const rv = v.slice(best);
  const jump = median(rv) - median(lv);
  if (!(Math.abs(jump) >= material) || jump === 0) return null;
  const noise = 1.4826 * Math.max(mad(lv), mad(rv));
  if (Math.abs(jump) < STEP_MIN_JUMP_NOISE * noise) return null;
  for (const [st, sv] of [
    [t.slice(0, best), lv],
    [t.slice(best), rv],
  ] as const) {
    const slope = theilSenExact(st, sv) ?? 0;
    const drift = Math.abs(slope * (st[st.length - 1]! - st[0]!));
    if (drift > STEP_MAX_SIDE_DRIFT * Math.abs(jump)) return null;
  }
  return { index: best, tSeconds: t[best]!, jump };
}

/** Why `n` finite points over `spanSeconds` are too few for a trend (shape insufficient-data), or null when enough. */
export function insufficientReason(n: number, spanSeconds: number, opts: TrendOptions = {}): string | null {
  const minPoints = opts.minPoints ?? MIN_POINTS;
  const minSpan = opts.minSpanSeconds ?? MIN_SPAN_SECONDS;
  if (n < minPoints) return `${n} points, need at least ${minPoints}`;
  if (spanSeconds < minSpan) return `span ${spanSeconds} s, need at least ${minSpan} s`;
  return null;
}

/**
 * What classifyTrend and couldRise both compute before any slope: the finite points by time, bucketed when long,
 * the level, what rise is material, the window's parts and their floors. One definition, so the screen in couldRise
 * tests exactly the quantities the classifier decides on.
 */
interface TrendFrame {
  n: number;
  first: number;
  last: number;
  span: number;
  downsampled: boolean;
  /** The points analysed (bucket medians when downsampled). */
  t: Float64Array;
  v: Float64Array;
  usedSpan: number;
  level: number;
  material: number;
  /** Where the recent third starts. */
  rStart: number;
  firstFloor: number;
  midFloor: number;
  recentFloor: number;
  /** Floor of the recent third minus floor of the head. */
  levelRise: number;
  /** -Infinity when there is nothing before the recent third. */
  breakout: number;
  /**
   * Mann–Kendall over `v` and over the recent third, once each: couldRiseFrame asks first, and classifyFrame again
   * for the series it lets through (1,068 stacks of a one-day recording at 5,000 churning stacks: their tests twice
   * were ~0.2 s of that report). Filled on first use (frameMannKendall).
   */
  mk?: MannKendall;
  recentMk?: MannKendall;
}

type MannKendall = ReturnType<typeof mannKendall>;

/** Mann–Kendall of a frame's points (`recent`: of its recent third), computed once per frame. */
function frameMannKendall(f: TrendFrame, recent: boolean): MannKendall {
  return recent ? (f.recentMk ??= mannKendall(f.v.subarray(f.rStart))) : (f.mk ??= mannKendall(f.v));
}

/** A series prepared once for couldRiseFrame and classifyFrame (judgeGrowth asks both of one series). */
export type FrameOrTooShort = { frame: TrendFrame } | { tooShort: string; n: number; span: number; first: number | null; last: number | null };

export function trendFrame(ts: ArrayLike<number>, vs: ArrayLike<number>, opts: TrendOptions): FrameOrTooShort {
  const minAbsRise = Math.max(0, opts.minAbsRise ?? 0);

  const { t: rawT, v: rawV } = finitePairsByTime(ts, vs);
  const n = rawT.length;
  const first = n > 0 ? rawV[0]! : null;
  const last = n > 0 ? rawV[n - 1]! : null;
  const span = n > 0 ? rawT[n - 1]! - rawT[0]! : 0;

  const tooShort = insufficientReason(n, span, opts);
  if (tooShort !== null) return { tooShort, n, span, first, last };

  const downsampled = n > MAX_EXACT_POINTS;
  const { t, v } = downsampled ? bucketMedians(rawT, rawV, MAX_EXACT_POINTS) : { t: rawT, v: rawV };
  const m = t.length;
  const t0 = t[0]!;
  const tEnd = t[m - 1]!;
  const usedSpan = tEnd - t0;

  const level = median(rawV);
  const material = Math.max(MATERIAL_REL_RISE * Math.abs(level), minAbsRise);

  // The window's parts by time: where the last `fraction` of the span starts (falling back to the last
  // `fallbackCount` points when that holds fewer than `minCount`), and where the first `fraction` ends (at
  // least `minCount` points).
  const partStart = (fraction: number, minCount: number, fallbackCount: number): number => {
    const s = t.findIndex((x) => x >= tEnd - fraction * usedSpan);
    return s < 0 || m - s < minCount ? Math.max(0, m - fallbackCount) : s;
  };
  const partEnd = (fraction: number, minCount: number): number => {
    let e = t.findIndex((x) => x > t0 + fraction * usedSpan);
    if (e < 0) e = m;
    return Math.min(m, Math.max(e, minCount));
  };

  // recent third (by time; by count when the time third is too sparse)
  const rStart = partStart(RECENT_FRACTION, MIN_RECENT_POINTS, Math.max(MIN_RECENT_POINTS, Math.ceil(m * RECENT_FRACTION)));
  // head: first HEAD_FRACTION of the window; tail: last HEAD_FRACTION; first third
  const hEnd = partEnd(HEAD_FRACTION, MIN_HEAD_POINTS);
  const fEnd = partEnd(RECENT_FRACTION, MIN_RECENT_POINTS);
  const midEnd = Math.max(fEnd + 1, rStart);
  const tStart = partStart(HEAD_FRACTION, MIN_HEAD_POINTS, MIN_HEAD_POINTS);
  const recentFloor = quantile(v.subarray(rStart), FLOOR_QUANTILE);
  const levelRise = recentFloor - quantile(v.slice(0, hEnd), FLOOR_QUANTILE);
  const firstFloor = quantile(v.slice(0, fEnd), FLOOR_QUANTILE);
  const midFloor = fEnd < midEnd ? quantile(v.slice(fEnd, midEnd), FLOOR_QUANTILE) : (firstFloor + recentFloor) / 2;
  const breakout = rStart > 0 ? median(v.slice(tStart)) - quantile(v.slice(0, rStart), 1 - FLOOR_QUANTILE) : -Infinity;
  return {
    frame: { n, first: first!, last: last!, span, downsampled, t, v, usedSpan, level, material, rStart, firstFloor, midFloor, recentFloor, levelRise, breakout },
  };
}

/**
 * False when classifyTrend cannot say 'rising', found without a slope (the Theil–Sen estimates are most of a
 * trend's cost, and a report judges thousands of stacks that follow traffic). 'rising' needs a significant
 * Mann–Kendall z over the window (Z_SIGNIFICANT) and over the recent third (Z_RECENT), and either floors that rise
 * third by third by at least (FLOOR_RISE_SHARE / 2) x a rise that is itself at least material, or a breakout of
 * at least material: those are checked here on the same frame, nothing else. True does not mean rising.
 */
export function couldRise(ts: ArrayLike<number>, vs: ArrayLike<number>, opts: TrendOptions = {}): boolean {
  return couldRiseFrame(trendFrame(ts, vs, opts));
}

/** couldRise of a prepared series. */
export function couldRiseFrame(f: FrameOrTooShort): boolean {
  if (!('frame' in f)) return false;
  const { firstFloor, midFloor, recentFloor, breakout, material } = f.frame;
  // rise >= material >= 0 and x -> (FLOOR_RISE_SHARE / 2) x x rounds monotonically: a floor step under the share of
  // material is under the share of the rise
  const floorsMay = midFloor - firstFloor >= (FLOOR_RISE_SHARE / 2) * material && recentFloor - midFloor >= (FLOOR_RISE_SHARE / 2) * material;
  if (!floorsMay && !(breakout >= material)) return false;
  if (!(frameMannKendall(f.frame, false).z >= Z_SIGNIFICANT)) return false;
  return frameMannKendall(f.frame, true).z >= Z_RECENT;
}

/**
 * The recent third's slope: Theil–Sen, unless ties make it 0 while Mann–Kendall finds the third rising. A slow leak
 * of whole goroutines is a staircase: with its few steps near the ends of the third, most pairs of points lie on one
 * step and the median pairwise slope is 0 although every step goes up (the eval's 3/hour leak beside idle
 * goroutines read "plateau: recent z=8.0, slope 0/h" at 4.5 h, after an alarm at 4 h, and flapped). Then the rise
 * between the means of the third's two halves over the time between their mean times: Mann–Kendall (z >= Z_RECENT)
 * has already said the third rises, and this only says by how much.
 */
function recentSlope(rt: Float64Array, rv: Float64Array, rmkZ: number): number {
  const sen = theilSenExact(rt, rv) ?? 0;
  if (sen !== 0 || !(rmkZ >= Z_RECENT) || rv.length < 2 * MIN_RECENT_POINTS) return sen;
  const half = rv.length >> 1;
  const mean = (a: Float64Array) => a.reduce((x, y) => x + y, 0) / a.length;
  const dv = mean(rv.subarray(half)) - mean(rv.subarray(0, half));
  const dt = mean(rt.subarray(half)) - mean(rt.subarray(0, half));
  return dv > 0 && dt > 0 ? dv / dt : sen;
}

/**
 * Classify a time series. `ts` in seconds (any order, unevenly spaced allowed), `vs` the values; pairs
 * with a non-finite time or value are skipped. perHour is the Theil–Sen slope per hour (for a late-onset
 * rise: the recent third's slope), null only for insufficient data.
 */
export function classifyTrend(ts: ArrayLike<number>, vs: ArrayLike<number>, opts: TrendOptions = {}): TrendResult {
  return classifyFrame(trendFrame(ts, vs, opts));
}

/** classifyTrend of a prepared series. */
export function classifyFrame(f: FrameOrTooShort): TrendResult {
  if (!('frame' in f)) return { first: f.first, last: f.last, perHour: null, shape: 'insufficient-data', details: emptyDetails(f.n, f.span, f.tooShort) };
  const { n, first, last, span, downsampled, t, v, usedSpan, level, material, rStart, firstFloor, midFloor, recentFloor, levelRise, breakout } = f.frame;
  const m = t.length;
  const mk = frameMannKendall(f.frame, false);
  const slope = theilSenExact(t, v) ?? 0;
  const rise = slope * usedSpan;

  const rt = t.subarray(rStart);
  const rv = v.subarray(rStart);
  const rmk = frameMannKendall(f.frame, true);
  const rSlope = recentSlope(rt, rv, rmk.z);
  const rRise = rSlope * (rt[rt.length - 1]! - rt[0]!);
  const floorRise = recentFloor - firstFloor;

  const details: TrendDetails = {
    n,
    nUsed: m,
    downsampled,
    spanSeconds: span,
    mkS: mk.s,
    mkZ: mk.z,
    slopePerSecond: slope,
    rise,
    level,
    materialThreshold: material,
    recent: { n: rv.length, mkZ: rmk.z, slopePerSecond: rSlope },
    levelRise,
    floorRise,
    floors: [firstFloor, midFloor, recentFloor],
    breakout: Number.isFinite(breakout) ? breakout : null,
    step: null,
    reason: '',
  };
  const result = (shape: TrendShape, reason: string, slopePerSecond = slope): TrendResult => {
    details.reason = reason;
    return { first, last, perHour: slopePerSecond * 3600, shape, details };
  };
  const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3));

  const step = findStep(t, v, material);
  if (step) {
    details.step = { tSeconds: step.tSeconds, jump: step.jump };
    return result('step', `step of ${fmt(step.jump)} at t=${step.tSeconds}, flat on both sides`);
  }

  if (mk.z >= Z_SIGNIFICANT) {
    const recentGrows = rmk.z >= Z_RECENT && rSlope > 0;
    const sustained =
      slope > 0 && rise >= material && rSlope >= RECENT_SLOPE_FRACTION * slope &&
      midFloor - firstFloor >= (FLOOR_RISE_SHARE / 2) * rise &&
      recentFloor - midFloor >= (FLOOR_RISE_SHARE / 2) * rise;
    const lateOnset = rmk.z >= Z_SIGNIFICANT && rRise >= material && breakout >= material;
    if (recentGrows && sustained) {
      return result(
        'rising',
        `MK z=${mk.z.toFixed(1)}, rise ${fmt(rise)} >= ${fmt(material)}, floor +${fmt(floorRise)}, ` +
          `recent z=${rmk.z.toFixed(1)} slope ${(rSlope / slope).toFixed(2)}x overall`,
      );
    }
    if (recentGrows && lateOnset) {
      return result(
        'rising',
        `late onset: recent third z=${rmk.z.toFixed(1)}, rise ${fmt(rRise)} >= ${fmt(material)}, above earlier range by ${fmt(breakout)}`,
        Math.max(slope, rSlope),
      );
    }
    if (levelRise >= material) {
      return result(
        'plateau',
        `floor rose ${fmt(levelRise)} (>= ${fmt(material)}) but growth did not continue ` +
          `(recent z=${rmk.z.toFixed(1)}, slope ${fmt(rSlope * 3600)}/h, floor +${fmt(floorRise)})`,
      );
    }
    return result(
      'flat',
      `MK z=${mk.z.toFixed(1)} but no lasting rise (rise ${fmt(rise)}, floor +${fmt(floorRise)}, material ${fmt(material)})`,
    );
  }
  if (mk.z <= -Z_SIGNIFICANT && slope < 0 && -rise >= material) {
    return result('falling', `MK z=${mk.z.toFixed(1)}, decline ${fmt(-rise)} >= ${fmt(material)}`);
  }
  return result('flat', `no significant trend (MK z=${mk.z.toFixed(1)})`);
}
