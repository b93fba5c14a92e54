// Does a series leak? One judgement for a goroutine stack, a label group, the goroutine total, the Go heap and
// RSS: on the current process lifetime up to `until`, with everything recorded before as context. Pure.
//
// A leak only takes: leaked goroutines are never given back, so a leaking stack's count never falls by much,
// while a stack that follows traffic (connection readers, handlers) rises every morning and falls every night.
// The judgement, first match wins (every threshold is a named constant):
//  1. not-rising when classifyTrend (trend.ts) over the current lifetime, from the series' first non-zero point,
//     has too few points.
//  2. Elastic or not: ELASTIC means that somewhere in the recorded history (this lifetime or an earlier one, each on
//     its own) the series fell from a high by at least max(minAbsRise, ELASTIC_DROP_SHARE of that high). A leak's
//     count only dips by the few goroutines in flight on the same frames.
//  3. Not elastic ("its floor only rises"): not-rising unless classifyTrend says 'rising'; then
//     - known-leaker: it also rose through an earlier lifetime (classifyTrend 'rising' there), or an earlier one read
//       only from its middle was still rising when it ended (stillRisingAtEnd): a leak in every lifetime, reported as
//       soon as this lifetime's rise is significant;
//     - bounded-before: an earlier lifetime reached at least this level and stopped there (a pool warming up again
//       after a deploy): not a leak until it passes that level by a material amount;
//     - otherwise leaking: floor-rises.
//  4. Elastic (it gave goroutines or memory back before, so a rise may be the daily curve; the plain trend test
//     does not gate these, the daily cycle would drown a slow leak in its amplitude):
//     - with two whole days in this lifetime: leaking when the floor rises day over day (seasonal Kendall over the
//       24 hours of the day, daily floors: seasonal.ts dailyFloorRises) by more than the series' own wander from
//       day to day explains (seasonal.ts walkZ: long-lived sessions drift; stacks and the total, beyondWander), else
//       within-daily-range;
//     - else, when the same hours of earlier days are known: leaking when each of the last ABOVE_RANGE_HOURS hours
//       stands a material amount above the highest that hour of the day ever was (for a stack: more than
//       Z_SIGNIFICANT times its wander in a day, seasonal.ts hourlyStepVariance), and the excess is not fading
//       (excessFading: for memory, not by more than noise); else within-daily-range;
//     - else, if classifyTrend says 'rising', unsure: less than a day of history cannot tell a morning from a leak
//       (the headline says so); else not-rising.
// Where only "is it rising?" matters, trend.ts couldRise answers no first without the slopes for most series; the
// trend is then computed only if read (a stack that follows traffic never needs it).

import type { SuspectEvidence } from '../core/model.js';
import { dailyFloorRises, dayOverDayStepVariance, excessOverDailyRange, HOUR_SECONDS, hourlyMedians, hourlyStepVariance, type HourlyMedians } from './seasonal.js';
import {
  classifyFrame,
  classifyTrend,
  couldRiseFrame,
  insufficientReason,
  MATERIAL_REL_RISE,
  RECENT_FRACTION,
  RECENT_SLOPE_FRACTION,
  trendFrame,
  Z_RECENT,
  Z_SIGNIFICANT,
  type FrameOrTooShort,
  type TrendResult,
} from './trend.js';
import { extent, median } from './robustStats.js';

/**
 * A fall from a high of at least this share (and minAbsRise) makes a series elastic. 10%: a traffic-following stack
 * of 200 goroutines with Poisson noise (sd ~14) falls that far within an hour; a leak of 200 with a few in flight
 * on the same frames dips by those few.
 */
export const ELASTIC_DROP_SHARE = 0.1;

export interface Points {
  ts: ArrayLike<number>;
  vs: ArrayLike<number>;
  /**
   * For an earlier lifetime: when its process started (unix seconds), if known. Tells a lifetime read from its start
   * from one read only after it had run a while (see stillRisingAtEnd).
   */
  processStartTs?: number | null;
}

/**
 * An earlier lifetime whose first point read is this long after its process started was read only from its middle:
 * the recorder started late, was down, or a window's week of context began there. The recorder's first tick after
 * a deploy comes within a minute or two; 15 minutes is also how long "grew since the process started" lasts for
 * suspects (WARM_UP_START_SECONDS).
 */
export const READ_AFTER_START_SECONDS = 15 * 60;

export interface GrowthInput {
  /** The current lifetime's points up to `until`, sorted by time (a stack: every tick, 0 where absent). */
  current: Points;
  /** Earlier lifetimes' points, each sorted by time, oldest lifetime first. */
  earlier: Points[];
  /** The least rise (and fall) that is material, in the series' unit (5 goroutines, 4 MiB). */
  minAbsRise: number;
  /** Start the trend at the first non-zero point (stacks: a new stack's history starts when it appears). */
  fromFirstNonZero?: boolean;
  /**
   * Look for falls in the series' rolling floor (the least of ROLLING_FLOOR_POINTS points) rather than in the raw
   * values: for a sum of stacks (the goroutine total), where short bursts of one stack come and go on top of a
   * floor another stack lifts.
   */
  fallsOfFloor?: boolean;
  /**
   * Hold the elastic rules to rises beyond the series' own wander (seasonal.ts walkZ, hourlyStepVariance): for a
   * goroutine stack, which may be long-lived sessions drifting from day to day, and the goroutine total, a sum of
   * them (without it, the eval's sessions week read "growing" on day 3). Not for memory: the Go heap's GC sawtooth
   * is noise, not a walk, and with under four days of points the wander test reads all of it as walk (the golden
   * recording's heap, 18 -> 57 MiB over three days beside a goroutine leak, read as a plateau).
   */
  beyondWander?: boolean;
}

/** Points of the rolling floor used with fallsOfFloor: a quarter of an hour at one-minute sampling. */
export const ROLLING_FLOOR_POINTS = 15;

/** The least of each point and the ROLLING_FLOOR_POINTS - 1 before it; NaN until a whole window is there. */
export function rollingFloor(vs: ArrayLike<number>): Float64Array {
  const out = new Float64Array(vs.length).fill(NaN);
  for (let i = ROLLING_FLOOR_POINTS - 1; i < vs.length; i++) {
    let m = Infinity;
    for (let j = Math.max(0, i - ROLLING_FLOOR_POINTS + 1); j <= i; j++) if (vs[j]! < m) m = vs[j]!;
    out[i] = m;
  }
  return out;
}

export type GrowthStatus = 'leaking' | 'not-rising' | 'bounded-before' | 'within-daily-range' | 'unsure';

export interface GrowthJudgement {
  status: GrowthStatus;
  /** Why it leaks (status 'leaking' only). */
  evidence: SuspectEvidence | null;
  /** The trend over the current lifetime (from the first non-zero point when asked). */
  trend: TrendResult;
  /** Index into `current` where the trend starts. */
  startIndex: number;
  elastic: boolean;
  /** The largest material fall seen (elastic only). */
  largestFall: number | null;
  /** One line saying why (for --json readers and the tests). */
  reason: string;
}

/** The largest fall from a running high that is material (>= max(minAbs, ELASTIC_DROP_SHARE x the high)), or null. */
export function largestMaterialFall(vs: ArrayLike<number>, minAbs: number): number | null {
  // Every stack of a report passes here over its whole lifetime (46 million points for a last-day report at 5,000
  // stacks), so the loop is kept to numbers: 0 stands for "none yet" (a fall that counts is > 0), and a NaN point
  // fails every comparison, so it neither raises the high nor makes a fall.
  let high = -Infinity;
  let best = 0;
  for (let i = 0; i < vs.length; i++) {
    const v = vs[i]!;
    if (v > high) {
      high = v;
      continue;
    }
    const fall = high - v;
    if (fall > best && fall >= minAbs && fall >= ELASTIC_DROP_SHARE * high) best = fall;
  }
  return best > 0 ? best : null;
}

/** The points of `a` from index `from` on: a view of a typed array, a copy of anything else. */
export function tail(a: ArrayLike<number>, from: number): ArrayLike<number> {
  return a instanceof Float64Array || a instanceof Float32Array ? a.subarray(from) : (Array.prototype.slice.call(a, from) as number[]);
}

function slice(p: Points, from: number): Points {
  return { ts: tail(p.ts, from), vs: tail(p.vs, from) };
}

function firstNonZero(vs: ArrayLike<number>): number {
  for (let i = 0; i < vs.length; i++) if (vs[i]! > 0) return i;
  return vs.length;
}

/** Finite points of a series and the time they span (what decides whether a trend can be computed at all). */
function finiteExtent(p: Points): { n: number; spanSeconds: number } {
  let n = 0;
  let lo = Infinity;
  let hi = -Infinity;
  const len = Math.min(p.ts.length, p.vs.length);
  for (let i = 0; i < len; i++) {
    const t = p.ts[i]!;
    if (!Number.isFinite(t) || !Number.isFinite(p.vs[i]!)) continue;
    n++;
    if (t < lo) lo = t;
    if (t > hi) hi = t;
  }
  return { n, spanSeconds: n > 0 ? hi - lo : 0 };
}

/**
 * The judgement with its `trend` computed when first read: a stack judged by its daily floors never needs it, and at
 * 5,000 churning stacks the trend tests were most of a report's time. The value is the same either way.
 */
function withLazyTrend(j: Omit<GrowthJudgement, 'trend'>, trendOf: () => TrendResult): GrowthJudgement {
  return Object.defineProperty(j, 'trend', { get: trendOf, enumerable: true }) as GrowthJudgement;
}

/** The judgement with a reason that quotes the trend made when first read (which computes the trend). */
function withLazyReason(j: GrowthJudgement, reasonOf: () => string): GrowthJudgement {
  let cached: string | null = null;
  return Object.defineProperty(j, 'reason', { get: () => (cached ??= reasonOf()), enumerable: true });
}

/**
 * An earlier lifetime read only from its middle (READ_AFTER_START_SECONDS) that had not stopped rising when it ended:
 * significant Mann–Kendall over what was read of it and over its last third, which rose by at least minAbsRise at no
 * less than RECENT_SLOPE_FRACTION of this lifetime's pace. A leak of 48/hour read for the last 14 hours of its
 * lifetime, at 21,000 goroutines, rose 730: under a tenth of its level, so classifyTrend calls that flat, and
 * "reached 21,000 and stopped there" read the leak as a warm-up after the deploy (the last day of a generated year:
 * the leak, 7,400 goroutines in 6 days, was not a suspect). A warm-up that stopped is flat in its last third. A
 * lifetime read from its start keeps the plain rule: one cut short by a deploy while its pool was still filling is
 * still rising when it ends, and is no leak.
 */
function stillRisingAtEnd(before: TrendResult, now: TrendResult, minAbsRise: number): boolean {
  const r = before.details.recent;
  if (!r || r.slopePerSecond === null || !(r.slopePerSecond > 0) || now.perHour === null) return false;
  return (
    before.details.mkZ >= Z_SIGNIFICANT &&
    r.mkZ >= Z_RECENT &&
    r.slopePerSecond * RECENT_FRACTION * before.details.spanSeconds >= minAbsRise &&
    r.slopePerSecond >= (RECENT_SLOPE_FRACTION * now.perHour) / 3600
  );
}

/** The least day-over-day rise of an elastic series that is material: minAbsRise, or a tenth of its hourly level. */
export function dailyMaterial(hours: HourlyMedians, minAbsRise: number): number {
  return Math.max(minAbsRise, MATERIAL_REL_RISE * Math.abs(median(Array.from(hours.values))));
}

/**
 * Whether the excess of the last hours over their usual range (oldest first) is fading. For a series that wanders
 * (`walks`: goroutine stacks and their total, GrowthInput.beyondWander) any fall counts, the last below the first: a
 * stack of long-lived sessions drifts above yesterday and back, and a drift turning back is no leak (with a margin
 * here, the eval's benign week of session stacks raised 2 alarms in every window). For memory, whose hourly medians
 * are a GC sawtooth around the live heap (noise, not a walk), only a fall of more than half of what the first
 * excess stood above `material`: a surge that passes loses its margin hour by hour, while a leak keeps the excess it
 * built up, give or take its noise. With "any fall" for memory too, the eval's heap leak of 3 MiB/hour, standing
 * 72 MiB above its range (4-5 times the material amount), read leaking or not from hour to hour on its second day as
 * the sawtooth's medians went up or down by a few MiB (33 of 45 hourly checks).
 */
export function excessFading(excess: readonly number[], material: number, walks = false): boolean {
  const first = excess[0]!;
  const last = excess[excess.length - 1]!;
  return walks ? last < first : last < first - Math.max(0, first - material) / 2;
}

/** Judge one series; see the header for the rules. */
export function judgeGrowth(input: GrowthInput): GrowthJudgement {
  const { current, earlier, minAbsRise } = input;
  const start = input.fromFirstNonZero ? firstNonZero(current.vs) : 0;
  const own = start > 0 ? slice(current, start) : current;
  let frameCache: FrameOrTooShort | null = null;
  const frame = () => (frameCache ??= trendFrame(own.ts, own.vs, { minAbsRise }));
  let trendCache: TrendResult | null = null;
  const trendOf = () => (trendCache ??= classifyFrame(frame()));
  // Most series in a report are not rising: couldRise proves that without the slopes, and the trend (and the reason
  // quoting it) is then computed only if read. The status is the same either way.
  const rising = () => couldRiseFrame(frame()) && trendOf().shape === 'rising';
  const base = { startIndex: start, evidence: null, elastic: false, largestFall: null };
  const judged = (j: Omit<GrowthJudgement, 'trend' | 'startIndex'>) => withLazyTrend({ ...j, startIndex: start }, trendOf);
  const notRising = (j: Omit<GrowthJudgement, 'trend' | 'startIndex' | 'status' | 'reason'>) =>
    withLazyReason(judged({ ...j, status: 'not-rising', reason: '' }), () => `${trendOf().shape}: ${trendOf().details.reason}`);
  const finite = finiteExtent(own);
  if (insufficientReason(finite.n, finite.spanSeconds) !== null) {
    const trend = trendOf();
    return judged({ ...base, status: 'not-rising', reason: `insufficient-data: ${trend.details.reason}` });
  }

  let largestFall: number | null = null;
  for (const p of [...earlier, current]) {
    const f = largestMaterialFall(input.fallsOfFloor ? rollingFloor(p.vs) : p.vs, minAbsRise);
    if (f !== null && (largestFall === null || f > largestFall)) largestFall = f;
  }

  if (largestFall === null) {
    if (!rising()) return notRising(base);
    const trend = trendOf();
    const lastLevel = median(tail(own.vs, Math.max(0, own.vs.length - 5)));
    const seenBefore = earlier.filter((p) => extent(p.vs).max > 0);
    for (const p of seenBefore) {
      const s = input.fromFirstNonZero ? firstNonZero(p.vs) : 0;
      const before = s > 0 ? slice(p, s) : p;
      const bt = classifyTrend(before.ts, before.vs, { minAbsRise });
      if (bt.shape === 'rising') {
        return judged({ ...base, status: 'leaking', evidence: 'known-leaker', reason: 'rises in this lifetime and rose through an earlier one' });
      }
      const readFromMiddle = p.processStartTs != null && p.ts.length > 0 && p.ts[0]! - p.processStartTs > READ_AFTER_START_SECONDS;
      if (readFromMiddle && stillRisingAtEnd(bt, trend, minAbsRise)) {
        return judged({ ...base, status: 'leaking', evidence: 'known-leaker', reason: 'rises in this lifetime and an earlier one, read only from its middle, was still rising when it ended' });
      }
    }
    if (seenBefore.length > 0) {
      const priorMax = seenBefore.reduce((m, p) => Math.max(m, extent(p.vs).max), -Infinity);
      const material = Math.max(minAbsRise, MATERIAL_REL_RISE * priorMax);
      if (lastLevel < priorMax + material) {
        return judged({
          ...base,
          status: 'bounded-before',
          reason: `rises, but earlier lifetimes reached ${priorMax} and stopped there (now ${lastLevel})`,
        });
      }
    }
    return judged({ ...base, status: 'leaking', evidence: 'floor-rises', reason: `never fell back; ${trend.details.reason}` });
  }

  // Elastic: compare like with like. The plain trend does not gate this: over days the daily curve drowns a slow
  // rise of the floor in its own amplitude, and within a day it makes every morning look like a trend.
  const elastic = { ...base, elastic: true, largestFall };
  const curHours = hourlyMedians(current.ts, current.vs);
  const material = dailyMaterial(curHours, minAbsRise);
  const until = current.ts.length > 0 ? current.ts[current.ts.length - 1]! : 0;
  const wander = input.beyondWander === true;
  const days = dailyFloorRises(curHours, until, material, wander);
  const walkNote = days.walkZ === null ? '' : `, beyond its wander z=${days.walkZ.toFixed(1)}`;
  if (days.days >= 2) {
    return days.rises
      ? judged({ ...elastic, status: 'leaking', evidence: 'daily-floor-rises', reason: `floor +${days.floorRise} over ${days.days} days (seasonal z=${days.z.toFixed(1)}${walkNote})` })
      : judged({ ...elastic, status: 'within-daily-range', reason: `gave back ${largestFall} before; daily floor +${days.floorRise} over ${days.days} days, peaks +${days.peakRise} (seasonal z=${days.z.toFixed(1)}${walkNote})` });
  }
  const refPoints: Points = {
    ts: earlier.flatMap((p) => Array.from(p.ts)),
    vs: earlier.flatMap((p) => Array.from(p.vs)),
  };
  const refHours = hourlyMedians(refPoints.ts, refPoints.vs);
  const range = excessOverDailyRange(curHours, refHours);
  if (!range.known) {
    return rising()
      ? judged({ ...elastic, status: 'unsure', reason: `gave back ${largestFall} before and less than a day of history to compare the same hours with` })
      : notRising(elastic);
  }
  // Above the range by a material amount, and by more than the series wanders in a day: a stack of long-lived
  // sessions drifts from one day to the next, and with one day to compare it stands above yesterday half the time.
  // Z_SIGNIFICANT day-long wanders of a walk with its hourly steps, from its day-over-day differences
  // (dayOverDayStepVariance), else, in a lifetime of a few hours, from each lifetime's second differences
  // (hourlyStepVariance); NaN (no three consecutive hours) leaves the material floor alone.
  let dayWander = NaN;
  if (wander) {
    // only a lifetime that reaches into the day before this one holds a reference (a year's lifetimes are many)
    const dayBefore = current.ts.length > 0 ? current.ts[0]! - 25 * HOUR_SECONDS : -Infinity;
    const earlierHours = earlier.filter((p) => p.ts.length > 0 && p.ts[p.ts.length - 1]! >= dayBefore).map((p) => hourlyMedians(p.ts, p.vs));
    const fromDays = dayOverDayStepVariance(curHours, earlierHours);
    dayWander = Math.sqrt(24 * (Number.isFinite(fromDays) ? fromDays : hourlyStepVariance([curHours, ...earlierHours])));
  }
  const rangeMaterial = Math.max(minAbsRise, MATERIAL_REL_RISE * Math.abs(range.referenceLevel), Number.isFinite(dayWander) ? Z_SIGNIFICANT * dayWander : 0);
  const above = range.excess.every((e) => e >= rangeMaterial) && !excessFading(range.excess, rangeMaterial, wander);
  return above
    ? judged({ ...elastic, status: 'leaking', evidence: 'above-daily-range', reason: `last hours stand ${range.excess.map((e) => Math.round(e)).join(', ')} above their usual range` })
    : judged({ ...elastic, status: rising() ? 'within-daily-range' : 'not-rising', reason: `gave back ${largestFall} before; within the usual range of these hours (excess ${range.excess.map((e) => Math.round(e)).join(', ')})` });
}
