// The first day ever recorded: no same hours of an earlier day to compare with, so a series that has risen since
// the process started while the load rose too may be a pool filling with the day's first traffic (a high-water
// mark), long-lived sessions following the curve hours late, or the goroutine total and the heap of a service whose
// morning it is, as much as a leak. While load rises that cannot be told apart; some hours after load has peaked
// (sessions of H hours peak about H/2 after it: LOAD_PEAK_LAG_SECONDS), a leak goes on rising and the others have
// stopped (peakHeld); and what rose while the load fell to its trough is no morning (the trough rule). One hold for
// every series judged on a first day: a stack, a label group, the goroutine total, the Go heap (suspects.ts,
// analyze.ts). The hold ends with the first day (FIRST_DAY_SECONDS): a leak held that long is then judged by the
// rules of every other day. Pure.

import type { GrowthJudgement, Points } from './growth.js';
import { tail } from './growth.js';
import { hourlyMedians, HOUR_SECONDS } from './seasonal.js';
import { lowerBound } from '../core/tickSeries.js';
import { classifyTrend, MATERIAL_REL_RISE, MIN_POINTS, RECENT_FRACTION, Z_RECENT, Z_SIGNIFICANT } from './trend.js';

/** Less history than this (since the first tick ever recorded) is "the first day": no daily cycle seen yet. */
export const FIRST_DAY_SECONDS = 86400;
/**
 * A series whose rise began within this long of the lifetime's first tick grew "since the process started" (pools
 * and connection caches fill from the first requests on); one that began later is new, and not held.
 */
export const WARM_UP_START_SECONDS = 15 * 60;
/**
 * How long the load counts as "at its top" after its highest hour (the rising-load rule), and how long after a peak
 * the load did not climb to for LOAD_RAMP_MIN_SECONDS the part after it is first judged on its own (peakHeld): two
 * hours, 120 points at one a minute (the trend test's recent third then has 40).
 */
export const LOAD_PEAK_SETTLE_SECONDS = 2 * 3600;
/**
 * How long after the load's peak a series that rose with it is held before the part after the peak is judged on its
 * own (peakHeld). Long-lived sessions (websocket or gRPC streams) follow the load late: a session held H hours
 * counts the arrivals of the last H hours, whose sum peaks about H/2 after the load does, and keeps rising until
 * then. Judged 2 hours after the peak, the eval's long-sessions service (sessions of 2-12 h) read "leak" at every
 * check from 18:00 to 23:00 of its first day when recorded from 03:00 or 06:00 (27 of its 60 first-day alarms); held
 * 8 hours, sessions of up to ~12 h have peaked and turned down. The cost: a leak that began with a recording made
 * before the load's peak is found about 8 hours after that peak on the first day (EVAL.md "First days": 4-7 hours
 * later than before from 03:00-12:00), and at the latest when the first day ends; a leak recorded from after the
 * peak, or that rose through the night, is not held by this (the trough rule).
 */
export const LOAD_PEAK_LAG_SECONDS = 8 * 3600;
/**
 * A peak holds series for LOAD_PEAK_LAG_SECONDS only when the load climbed into it for at least this long: that many
 * consecutive hours before the peak's hour, each hourly median at least the one before (climbSeconds). A daily ramp
 * climbs for hours (the eval's curve: 12 h from trough to peak); a nightly batch or a burst stands an hour above a
 * load that was flat or falling. Without it the eval's nightly batch (02:00, one hour above the curve) was a "peak"
 * that held a unique-label leak found at 2 h from 3 h to 22 h; measured from the lowest hour since the series began
 * instead, a batch at 22:00 of a recording made from 06:00 "climbed" 16 hours and held a leak past its first day.
 */
export const LOAD_RAMP_MIN_SECONDS = 3 * 3600;
/**
 * The trough rule needs at least this much recorded before the end of the load's lowest hour: a recording that
 * starts on the morning ramp has its lowest hour first, and an hour of a rising load is no night (a session stack
 * rising with it read as a leak "before the load rose").
 */
export const TROUGH_MIN_SECONDS = 2 * 3600;

/** The load (the sum of the stacks that follow traffic) over a first day, and how it holds a series back. */
export class FirstDayLoad {
  private readonly rising: boolean;
  /** The hour of the load's highest hourly median: where it starts, and that median. */
  private readonly peak: { tsSeconds: number; value: number } | null;
  private readonly byHour: Map<number, number>;
  /** How long the load climbed into its peak (climbSeconds); 0 without a peak. */
  private readonly peakClimbSeconds: number;
  /** The hold as of the end of the load's lowest hour, and that time; null when the trough rule does not apply. */
  private readonly atTrough: { untilTs: number; load: FirstDayLoad } | null;

  /**
   * `ts`, `load`: the load at the current lifetime's ticks (sorted). `lifetimeStartTs`: its first tick. `minAbsRise`:
   * the least rise of the load that is material (the stacks' minIncrease).
   */
  constructor(
    ts: Float64Array,
    load: Float64Array,
    private readonly lifetimeStartTs: number,
    minAbsRise: number,
    withTrough = true,
  ) {
    const t = classifyTrend(ts, load, { minAbsRise });
    const h = hourlyMedians(ts, load);
    this.byHour = new Map(h.hours.map((hour, i) => [hour, h.values[i]!] as const));
    let best = 0;
    let low = 0;
    for (let i = 1; i < h.values.length; i++) {
      if (h.values[i]! > h.values[best]!) best = i;
      if (h.values[i]! < h.values[low]!) low = i;
    }
    // A night's hourly medians are often equal (a handful of goroutines hour after hour): the trough is the end of
    // the first run of lowest hours, not its first hour, which can lie within TROUGH_MIN_SECONDS of the start and
    // leave the rule off all day (a leak found at night then taken back on the morning ramp).
    while (low + 1 < h.values.length && h.hours[low + 1] === h.hours[low]! + 1 && h.values[low + 1] === h.values[low]) low++;
    // the first tick of the peak hour
    this.peak = h.values.length > 0 ? { tsSeconds: firstAtOrAfter(ts, h.hours[best]! * HOUR_SECONDS), value: h.values[best]! } : null;
    this.peakClimbSeconds = h.values.length > 0 ? climbSeconds(h.hours, h.values, best) : 0;
    // Rising: over the lifetime, or rising now (a deploy at night sees load fall to the trough, then the morning
    // ramp), or up significantly, by less than a tenth (MATERIAL_REL_RISE) yet by minAbsRise, with its highest hour
    // within the last LOAD_PEAK_SETTLE_SECONDS: still climbing, or at its top. The first hours of a morning ramp
    // (+7 % an hour) read so, while a session stack rising with it by +16 % is already a "leak" by its own floor (the
    // eval's long-sessions service recorded from 09:00 said "leak" at 1 h). A peak longer ago is peakHeld's to judge:
    // a leak that began with the ramp is held LOAD_PEAK_LAG_SECONDS after the peak, and found then if it goes on.
    const recent = t.details.recent;
    const recentRise = recent && recent.slopePerSecond !== null ? recent.slopePerSecond * RECENT_FRACTION * t.details.spanSeconds : 0;
    const lastTs = ts.length > 0 ? ts[ts.length - 1]! : 0;
    const overall = t.perHour !== null ? (t.perHour * t.details.spanSeconds) / 3600 : 0;
    const atTop = this.peak !== null && lastTs - this.peak.tsSeconds < LOAD_PEAK_SETTLE_SECONDS;
    this.rising =
      t.shape === 'rising' ||
      (recent !== null && recent.mkZ >= Z_RECENT && recentRise >= t.details.materialThreshold) ||
      (atTop && t.details.mkZ >= Z_SIGNIFICANT && overall >= minAbsRise);
    let atTrough: FirstDayLoad['atTrough'] = null;
    if (withTrough && h.values.length > 0) {
      // the ticks up to the end of the lowest hour; the cut is that hour's end, not the next tick: the totals, heap
      // and RSS (samples.csv) are cut at the same time, and have rows where the stack history has a gap
      const untilTs = (h.hours[low]! + 1) * HOUR_SECONDS;
      const end = lowerBound(ts, untilTs);
      if (end >= MIN_POINTS && end < ts.length && ts[end - 1]! - lifetimeStartTs >= TROUGH_MIN_SECONDS) {
        atTrough = { untilTs, load: new FirstDayLoad(ts.subarray(0, end), load.subarray(0, end), lifetimeStartTs, minAbsRise, false) };
      }
    }
    this.atTrough = atTrough;
  }

  /** Where the trough rule cuts: a series is judged again on its points before this time. Null when it does not apply. */
  get troughUntilTs(): number | null {
    return this.atTrough?.untilTs ?? null;
  }

  /**
   * Held back now: `j` says leaking by its floor alone (not a known leaker, not the daily-cycle tests), its rise
   * began with the process, and the load is rising, or has peaked and the series stopped there (peakHeld).
   */
  heldNow(j: GrowthJudgement, series: Points, minAbsRise: number): boolean {
    return (
      j.status === 'leaking' &&
      j.evidence === 'floor-rises' &&
      series.ts[j.startIndex]! - this.lifetimeStartTs <= WARM_UP_START_SECONDS &&
      (this.rising || this.peakHeld(series, j.startIndex, minAbsRise))
    );
  }

  /**
   * Held back: heldNow, unless it leaked already before the load began to rise: `before(untilTs)` judges the series
   * on its points before the end of the load's lowest hour, under the same rules, and when that says leaking and
   * the hold as of then does not take it back, the rise is no morning's. A pool or a session stack rises with load
   * and stands still or falls while load falls to its trough; a leak rises at night too. Without this a leak found
   * in the night was taken back as "stable" for the whole morning ramp (the eval's unique-label leak: an alarm at
   * 70 min, then exit 0 from 5 h to 16 h).
   */
  held(j: GrowthJudgement, series: Points, minAbsRise: number, before: (untilTs: number) => { j: GrowthJudgement; series: Points } | null): boolean {
    if (!this.heldNow(j, series, minAbsRise)) return false;
    if (this.atTrough === null) return true;
    const pre = before(this.atTrough.untilTs);
    return !(pre !== null && pre.j.status === 'leaking' && !this.atTrough.load.heldNow(pre.j, pre.series, minAbsRise));
  }

  /**
   * Held as a warm-up after the load's peak: the load peaked after the series began, at least MATERIAL_REL_RISE above
   * where it stood then, and either the peak is less than LOAD_PEAK_LAG_SECONDS ago (too soon to tell a leak from
   * sessions that follow the load late) or the series has not gone on rising since (the trend test on its points
   * from the peak). A DB pool that grew to the day's highest load and a stack of sessions held for hours stop there;
   * a leak does not care about load and goes on (the eval's first days: a pool and a session stack were "leaks" at
   * 18:00 and 21:00).
   */
  private peakHeld(series: Points, startIndex: number, minAbsRise: number): boolean {
    if (this.peak === null) return false;
    const ts = series.ts;
    const at = lowerBound(ts, this.peak.tsSeconds);
    if (at <= startIndex || at >= ts.length) return false;
    const atStart = this.byHour.get(Math.floor(ts[startIndex]! / HOUR_SECONDS)) ?? NaN;
    if (!(this.peak.value >= (1 + MATERIAL_REL_RISE) * atStart)) return false;
    const sincePeak = ts[ts.length - 1]! - ts[at]!;
    if (sincePeak < LOAD_PEAK_LAG_SECONDS && this.peakClimbSeconds >= LOAD_RAMP_MIN_SECONDS) return true;
    // a peak that is no daily ramp's: the part after it is judged on its own once it is long enough
    if (sincePeak < LOAD_PEAK_SETTLE_SECONDS) return false;
    const since = classifyTrend(tail(ts, at), tail(series.vs, at), { minAbsRise });
    return since.shape !== 'rising';
  }
}

/**
 * How long a load climbed into its peak (hourly medians, oldest first; the peak at `peak`): the unbroken run of
 * consecutive clock hours before the peak's hour whose medians never fell from one hour to the next. A daily ramp
 * climbs for hours; a batch or a burst stands one hour above a load that was flat or falling before it. An hour with
 * no points ends the run (an outage is no climb), and so does a wobble near a flat top: the hold then falls back to
 * judging the part after the peak, as without it.
 */
function climbSeconds(hours: readonly number[], values: readonly number[], peak: number): number {
  let j = peak;
  while (j > 0 && hours[j - 1] === hours[j]! - 1 && values[j - 1]! <= values[j]!) j--;
  return (hours[peak]! - hours[j]!) * HOUR_SECONDS;
}

/** The first time of sorted `ts` at or after t (t itself when none). */
function firstAtOrAfter(ts: ArrayLike<number>, t: number): number {
  const i = lowerBound(ts, t);
  return i < ts.length ? ts[i]! : t;
}

/**
 * The first n points of an array: a view of a typed array (one per array and n, so every stack judged on a prefix
 * shares one array of times, which seasonal.ts hourRuns keeps its runs of hours by), a copy of anything else.
 */
const heads = new WeakMap<object, Map<number, ArrayLike<number>>>();
function head(a: ArrayLike<number>, n: number): ArrayLike<number> {
  if (!(a instanceof Float64Array || a instanceof Float32Array)) return Array.prototype.slice.call(a, 0, n) as number[];
  let byN = heads.get(a);
  if (!byN) heads.set(a, (byN = new Map()));
  let h = byN.get(n);
  if (!h) byN.set(n, (h = a.subarray(0, n)));
  return h;
}

/** The points of a series (sorted by time) before `untilTs`. */
export function pointsBefore(p: Points, untilTs: number): Points {
  const n = lowerBound(p.ts, untilTs);
  return { ts: head(p.ts, n), vs: head(p.vs, n) };
}
