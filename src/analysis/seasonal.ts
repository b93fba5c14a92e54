// Comparing like with like across days: services follow a daily traffic curve, so a stack of connection readers
// rises every morning. Within one morning that looks like a trend; compared hour by hour with the same hours of
// earlier days it does not. Pure statistics on (time, value) points; times are unix seconds, days are UTC days.

import { Z_SIGNIFICANT } from './trend.js';
import { mannKendall, median, medianOfRange, medianOfRangeKept } from './robustStats.js';

export const HOUR_SECONDS = 3600;
export const DAY_SECONDS = 86400;

/** One value per clock hour (the median of the points in it): hour index = floor(ts / 3600). */
export interface HourlyMedians {
  hours: number[];
  values: number[];
}

/**
 * Where each clock hour's run of points starts in `ts` (sorted by time), and its hour; starts has one more entry, the
 * end. Kept per `ts` array: a report judges thousands of stacks on one array of tick times, and finding the runs
 * once instead of per stack was ~0.3 s of a last-day report at 5,000 stacks. So `ts` must not change once passed.
 */
const hourRunsCache = new WeakMap<object, { hours: number[]; starts: Int32Array }>();

export function hourRuns(ts: ArrayLike<number>, n: number): { hours: number[]; starts: Int32Array } {
  const cached = ts.length === n ? hourRunsCache.get(ts as object) : undefined;
  if (cached) return cached;
  const hours: number[] = [];
  const starts: number[] = [];
  let cur = NaN;
  for (let i = 0; i < n; i++) {
    const h = Math.floor(ts[i]! / HOUR_SECONDS);
    if (h === cur) continue;
    hours.push(h);
    starts.push(i);
    cur = h;
  }
  starts.push(n);
  const runs = { hours, starts: Int32Array.from(starts) };
  if (ts.length === n) hourRunsCache.set(ts as object, runs);
  return runs;
}

/** Reused for the values' copy (a new one per stack was most of this function's time in a large report). */
let scratch = new Float64Array(0);

/**
 * Medians per UTC clock hour, oldest first. Points must be sorted by time. A typed array is medianed hour by hour
 * where it lies (medianOfRangeKept: counted, or a copy of the hour); anything else is copied once and each hour's run
 * reordered in place (an array per hour was most of judging 5,000 churning stacks). The runs of hours are kept per
 * `ts` array (hourRuns): an array passed here must not change afterwards.
 */
export function hourlyMedians(ts: ArrayLike<number>, vs: ArrayLike<number>): HourlyMedians {
  const n = Math.min(ts.length, vs.length);
  const { hours, starts } = hourRuns(ts, n);
  if (scratch.length < n) scratch = new Float64Array(Math.max(n, 2 * scratch.length));
  const values = new Array<number>(hours.length);
  // a series of counts (Float32, from sumSeries) or numbers in a typed array: each hour medianed where it lies
  if (vs instanceof Float32Array || vs instanceof Float64Array) {
    for (let r = 0; r < hours.length; r++) values[r] = medianOfRangeKept(vs, starts[r]!, starts[r + 1]!, scratch);
    return { hours: hours.slice(), values };
  }
  for (let i = 0; i < n; i++) scratch[i] = vs[i]!;
  for (let r = 0; r < hours.length; r++) values[r] = medianOfRange(scratch, starts[r]!, starts[r + 1]!);
  return { hours: hours.slice(), values };
}

/**
 * Seasonal Kendall test (Hirsch, Slack & Smith 1982) with the 24 hours of the day as seasons: the Mann–Kendall S
 * of each hour-of-day's values across days, summed; the variances summed; z with continuity correction. A daily
 * curve contributes nothing (each season compares 09:00 with 09:00); a floor that rises day after day makes every
 * season's S positive.
 */
export function seasonalKendall(h: HourlyMedians): { s: number; variance: number; z: number; seasons: number } {
  const bySeason = new Map<number, number[]>();
  for (let i = 0; i < h.hours.length; i++) {
    const season = ((h.hours[i]! % 24) + 24) % 24;
    let list = bySeason.get(season);
    if (!list) bySeason.set(season, (list = []));
    list.push(h.values[i]!);
  }
  let s = 0;
  let variance = 0;
  let seasons = 0;
  for (const list of bySeason.values()) {
    if (list.length < 2) continue;
    const mk = mannKendall(list);
    s += mk.s;
    variance += mk.variance;
    seasons++;
  }
  const z = variance > 0 && s !== 0 ? (s - Math.sign(s)) / Math.sqrt(variance) : 0;
  return { s, variance, z, seasons };
}

/**
 * Floor and peak of each whole day, counted back from `endTs` (so the last day ends now): the lowest and highest
 * hourly median of each 24-hour block that is at least 90% covered by hourly medians. Oldest first.
 */
export function dailyFloorsAndPeaks(h: HourlyMedians, endTs: number): { floors: number[]; peaks: number[] } {
  const endHour = Math.floor(endTs / HOUR_SECONDS);
  const blocks = new Map<number, number[]>();
  for (let i = 0; i < h.hours.length; i++) {
    const back = Math.floor((endHour - h.hours[i]!) / 24);
    if (back < 0) continue;
    let list = blocks.get(back);
    if (!list) blocks.set(back, (list = []));
    list.push(h.values[i]!);
  }
  const floors: number[] = [];
  const peaks: number[] = [];
  for (const back of [...blocks.keys()].sort((a, b) => b - a)) {
    const list = blocks.get(back)!;
    if (list.length < 0.9 * 24) continue; // a partial day's floor would miss the night
    floors.push(Math.min(...list));
    peaks.push(Math.max(...list));
  }
  return { floors, peaks };
}

/**
 * Is the day-over-day rise more than the series' own wander? A stack of long-lived sessions (websocket or gRPC
 * streams held for hours, a birth-death process) follows the daily curve late and drifts from one day to the next;
 * compared hour by hour with yesterday it can stand higher at every hour of the day, so the seasonal Kendall test,
 * which takes the 24 hours as independent, gives z 4-5 on two days of a drift (40 session stacks over a benign week:
 * a false "leak" in 167 of 190 hourly windows). A leak differs in that its rise does not wander: it adds about the
 * same every day.
 *
 * The model: the hourly medians are the daily curve, plus a walk with no drift (hourly steps of variance s2), plus
 * white noise (variance n2: the traffic on the same frames, read each minute). The day-over-day differences
 * D(h) = v(h + 24 h) - v(h), for every hour that has both, cancel the curve; under the model their sum has variance
 * s2 x sum of w(j)^2 (w(j): how many D span hour j) + n2 x sum of c(h)^2 (c(h): how often v(h) enters the sum, + or -).
 * z = sum D / that standard deviation: how far beyond such a wander the rise is.
 *
 * s2 and n2 from the changes of D over k hours, V(k) = mean (D(h + k) - D(h))^2 = 2 s2 (k - 1/3) + 4 n2 (the curve cancels
 * in these too), fitted over k = 1..WALK_FIT_LAGS with the slope taken WALK_FIT_SLOPE_SE standard errors high. With
 * fewer than WALK_FIT_MIN_DIFFERENCES differences that fit is too loose, so all of V(1) is taken as the walk's
 * (walkStepOfChanges), n2 = 0: conservative, it reads a leak's own noise as wander (a leak of 2/hour inside traffic whose level moves
 * 5-10% from hour to hour beyond Poisson is then found at 4 days, not 2).
 * What that costs and buys is measured by `npm run eval` (EVAL.md, "The daily-floor test on simulated stacks":
 * sessions and walks checked every 2 hours over 8 days, and the hour leaks in a traffic-following stack are first
 * found, with and without this test).
 */
export const WALK_FIT_LAGS = 8;
/** Standard errors of the fitted slope added to it (see walkZ): the walk is never read as smaller than that. */
export const WALK_FIT_SLOPE_SE = 2;
/**
 * Three days of day-over-day differences (four days of points): the least that fits walk and noise apart. With two
 * (48) the fit let a session stack through in the eval's benign week (floors 5, 14, 26 over three days, walk z 3.1)
 * and 2 of 60 simulated day-long sessions; at 72 none, for leaks of 1/hour or less in a stack of ~120 found a day
 * later (EVAL.md).
 */
export const WALK_FIT_MIN_DIFFERENCES = 72;

export function walkZ(h: HourlyMedians, minFitDifferences = WALK_FIT_MIN_DIFFERENCES): { z: number; differences: number } {
  // Dense by hour (NaN: no median that hour): every stack of a report that follows traffic passes here, and Maps
  // by hour were 0.6 s of a last-day report at 5,000 stacks.
  const n = h.hours.length;
  if (n === 0) return { z: 0, differences: 0 };
  const first = h.hours[0]!;
  const span = h.hours[n - 1]! - first + 1;
  const dn = span - 24;
  if (dn <= 0) return { z: 0, differences: 0 };
  const v = new Float64Array(span).fill(NaN);
  for (let i = 0; i < n; i++) if (Number.isFinite(h.values[i]!)) v[h.hours[i]! - first] = h.values[i]!;
  // D(i) = v(i + 24) - v(i): NaN unless both hours have a median
  const d = new Float64Array(dn);
  let differences = 0;
  for (let i = 0; i < dn; i++) if (!Number.isNaN((d[i] = v[i + 24]! - v[i]!))) differences++;
  const none = { z: 0, differences };
  if (differences < 2) return none;
  // V(k) for k = 1..WALK_FIT_LAGS, each from at least 4 pairs
  const lags: number[] = [];
  const vk: number[] = [];
  for (let k = 1; k <= WALK_FIT_LAGS; k++) {
    let sq = 0;
    let pairs = 0;
    for (let i = 0; i + k < dn; i++) {
      const change = d[i + k]! - d[i]!;
      if (Number.isNaN(change)) continue;
      sq += change * change;
      pairs++;
    }
    if (pairs >= 4 || (k === 1 && pairs > 0)) {
      lags.push(k);
      vk.push(sq / pairs);
    }
  }
  if (vk.length === 0) return none;
  let s2 = walkStepOfChanges(vk[0]!, lags[0]!);
  let n2 = 0;
  if (differences >= minFitDifferences && lags.length >= 3) {
    // least squares of V(k) on k: slope 2 s2, intercept 4 n2; a negative part is taken as none of it
    const mk = lags.reduce((a, b) => a + b, 0) / lags.length;
    const mv = vk.reduce((a, b) => a + b, 0) / vk.length;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < lags.length; i++) {
      sxy += (lags[i]! - mk) * (vk[i]! - mv);
      sxx += (lags[i]! - mk) ** 2;
    }
    // the slope's upper bound, WALK_FIT_SLOPE_SE standard errors above it: where hourly noise dominates V(k), the
    // slope comes out near 0 or below, and a walk read as none made drift a leak (sessions beside noisy traffic on
    // the same frames: 10 of 30 simulated weeks flagged; with the bound 0)
    const intercept0 = mv - (sxy / sxx) * mk;
    let rss = 0;
    for (let i = 0; i < lags.length; i++) rss += (vk[i]! - intercept0 - (sxy / sxx) * lags[i]!) ** 2;
    const slope = sxy / sxx + WALK_FIT_SLOPE_SE * Math.sqrt(rss / (lags.length - 2) / sxx);
    // V(k) = slope (k - 1/3) + 4 n2 (walkStepOfChanges): the noise's part is the intercept plus slope / 3
    const noisePart = mv - slope * mk + slope / 3;
    if (noisePart >= 0) {
      s2 = Math.max(0, slope / 2);
      n2 = noisePart / 4;
    } else s2 = Math.max(s2, slope / 2); // no room for noise: all walk
  }
  // sum D; w(j): how many D(i) span hour j in (i, i + 24] (a difference array, then a running sum); c(i): how often
  // v(i) enters the sum, + or -
  let sum = 0;
  const delta = new Float64Array(span + 1);
  const c = new Float64Array(span);
  for (let i = 0; i < dn; i++) {
    if (Number.isNaN(d[i]!)) continue;
    sum += d[i]!;
    delta[i + 1]! += 1;
    delta[i + 25]! -= 1;
    c[i + 24]! += 1;
    c[i]! -= 1;
  }
  let w = 0;
  let w2 = 0;
  for (let j = 0; j <= span; j++) {
    w += delta[j]!;
    w2 += w * w;
  }
  let c2 = 0;
  for (let i = 0; i < span; i++) c2 += c[i]! * c[i]!;
  let variance = s2 * w2 + n2 * c2;
  if (!(variance > 0)) {
    // No change of D within WALK_FIT_LAGS hours, yet the D may differ: a one-off step across a gap of more hours in
    // the recording (an elastic stack, flat hour by hour, and a night without the recorder: z was Infinity). Their
    // spread is then all there is to go by, taken as a day's walk (D of a walk has variance 24 s2).
    const mean = sum / differences;
    let spread = 0;
    for (let i = 0; i < dn; i++) if (!Number.isNaN(d[i]!)) spread += (d[i]! - mean) ** 2;
    variance = (spread / differences / 24) * w2;
  }
  // no wander and no noise at all (a flat series, or one rising by exactly the same each hour): any rise is beyond it
  if (!(variance > 0)) return { z: sum === 0 ? 0 : Math.sign(sum) * Infinity, differences };
  return { z: sum / Math.sqrt(variance), differences };
}

/**
 * A walk's hourly step variance s2 from the mean square change of its hourly medians over k hours. Hourly medians
 * of a walk read each minute are nearly its hourly means, and the mean of a walk over an hour moves less than the
 * walk itself: their change over k hours has variance 2 s2 (k - 1/3), so V(1) / 2 is only 2/3 of s2 (review; on 400
 * simulated walks V(1) / 2 averaged 0.74 s2).
 */
export function walkStepOfChanges(meanSquareChange: number, lagHours: number): number {
  return meanSquareChange / (2 * (lagHours - 1 / 3));
}

/**
 * The variance of one hour's step of a series' wander, for the excess over the same hours of earlier days when fewer
 * than two days are there for walkZ (growth.ts, elastic): day-over-day differences D(h) = v(h) - v(h - 24 h) of the
 * current lifetime's hours, against the same hour a day before in this lifetime or an earlier one; V(1) = mean of
 * (D(h + 1) - D(h))^2 over consecutive hours whose references lie in one lifetime (a deploy's drop is no step),
 * read as a walk's (walkStepOfChanges), noise and all, as walkZ does with under WALK_FIT_MIN_DIFFERENCES
 * differences. The daily curve cancels in D. NaN with fewer than MIN_STEP_PAIRS pairs (a lifetime of a few hours).
 */
export function dayOverDayStepVariance(current: HourlyMedians, earlier: readonly HourlyMedians[]): number {
  const all = [...earlier, current];
  if (current.hours.length === 0) return NaN;
  // only the day before the current lifetime is ever a reference
  const first = current.hours[0]! - 24;
  let last = -Infinity;
  for (const h of all) if (h.hours.length > 0) last = Math.max(last, h.hours[h.hours.length - 1]!);
  const span = last - first + 1;
  const value = new Float64Array(span).fill(NaN);
  const life = new Int32Array(span).fill(-1);
  // an hour two lifetimes share (a restart within it) holds the new process's first minutes: no reference, no step
  const shared = -2;
  all.forEach((h, l) => {
    for (let i = 0; i < h.hours.length; i++) {
      const at = h.hours[i]! - first;
      if (at < 0 || !Number.isFinite(h.values[i]!)) continue;
      if (life[at] !== -1 && life[at] !== l) life[at] = shared;
      else {
        value[at] = h.values[i]!;
        life[at] = l;
      }
    }
  });
  let sq = 0;
  let pairs = 0;
  let prevD = NaN;
  let prevLife = -1;
  for (let i = 0; i < current.hours.length; i++) {
    const at = current.hours[i]! - first;
    const ref = at - 24;
    const usable = at >= 0 && ref >= 0 && life[at] !== shared && life[ref]! >= 0;
    const d = usable ? current.values[i]! - value[ref]! : NaN;
    const refLife = usable ? life[ref]! : -1;
    if (!Number.isNaN(d) && !Number.isNaN(prevD) && refLife === prevLife && i > 0 && current.hours[i - 1] === current.hours[i]! - 1) {
      sq += (d - prevD) ** 2;
      pairs++;
    }
    prevD = d;
    prevLife = refLife;
  }
  return pairs >= MIN_STEP_PAIRS ? walkStepOfChanges(sq / pairs, 1) : NaN;
}

/**
 * Fewer consecutive day-over-day pairs than this say too little of a wander (dayOverDayStepVariance): with 3, the
 * eval's sessions week had 3 false alarms at 04:00-06:00 of day 2 (the night's slow hours were all it had); with 6
 * none, and the leak inside the orders handler is found at 33 h (3: 27.5 h; 12: 36.5 h).
 */
export const MIN_STEP_PAIRS = 6;

/**
 * The variance of one hour's step of a series' wander when not even MIN_STEP_PAIRS day-over-day pairs exist (a
 * lifetime of a few hours): from the second differences of consecutive hourly medians, each series (lifetime) on its
 * own, v(h + 1) - 2 v(h) + v(h - 1) = (step at h + 1) - (step at h) + noise, so s2 + 3 n2 and the daily curve's bend
 * (a ±70% curve of amplitude A adds about 0.0012 A^2) in all: large, as a last resort should be; it only ever holds
 * a verdict back. NaN when no three consecutive hours.
 */
export function hourlyStepVariance(series: readonly HourlyMedians[]): number {
  let sum = 0;
  let n = 0;
  for (const h of series) {
    for (let i = 2; i < h.hours.length; i++) {
      if (h.hours[i]! - h.hours[i - 2]! !== 2) continue;
      const d2 = h.values[i]! - 2 * h.values[i - 1]! + h.values[i - 2]!;
      if (!Number.isFinite(d2)) continue;
      sum += d2 * d2;
      n++;
    }
  }
  return n > 0 ? sum / (2 * n) : NaN;
}

/** Share of the rise in daily peaks the floors must rise too: a leak adds to night and noon alike, load growth scales. */
export const FLOOR_TO_PEAK_RISE = 0.5;

/**
 * Does the floor rise day over day? Needs two whole days. `material` is the least rise that counts. Leak: the
 * seasonal Kendall z is significant, the last day's floor stands `material` above the first's, it never fell back
 * by more than half of `material` from one day to the next, the floors rose by at least FLOOR_TO_PEAK_RISE of
 * what the peaks rose (traffic growing week over week lifts the peaks far more than the night floor), and, unless
 * `beyondWander` is false, the rise is beyond the series' own wander (walkZ at least Z_SIGNIFICANT).
 */
export function dailyFloorRises(
  h: HourlyMedians,
  endTs: number,
  material: number,
  beyondWander = true,
): { days: number; rises: boolean; floorRise: number; peakRise: number; z: number; walkZ: number | null } {
  const { floors, peaks } = dailyFloorsAndPeaks(h, endTs);
  const sk = seasonalKendall(h);
  if (floors.length < 2) return { days: floors.length, rises: false, floorRise: 0, peakRise: 0, z: sk.z, walkZ: null };
  const floorRise = floors[floors.length - 1]! - floors[0]!;
  const peakRise = peaks[peaks.length - 1]! - peaks[0]!;
  let steady = true;
  for (let i = 1; i < floors.length; i++) if (floors[i]! < floors[i - 1]! - material / 2) steady = false;
  const floorsRise = sk.z >= Z_SIGNIFICANT && floorRise >= material && steady && floorRise >= FLOOR_TO_PEAK_RISE * Math.max(0, peakRise);
  // the wander test only where the rest says "rises" (most elastic stacks do not get that far); walkZ null otherwise
  const walk = beyondWander && floorsRise ? walkZ(h).z : null;
  return { days: floors.length, rises: floorsRise && (walk === null || walk >= Z_SIGNIFICANT), floorRise, peakRise, z: sk.z, walkZ: walk };
}

/** How many of the most recent clock hours must stand above their usual range to count. */
export const ABOVE_RANGE_HOURS = 3;
/** Hours that must separate a reference hour from now: the same hour of an earlier day, not this morning. */
export const REFERENCE_MIN_AGE_HOURS = 20;

/**
 * The most recent ABOVE_RANGE_HOURS clock hours of `current` against the same hours of the day in `reference`
 * (earlier lifetimes, and the current one's points at least REFERENCE_MIN_AGE_HOURS old): for each recent hour the
 * excess of its median over the highest median that hour of the day ever had. `known` is false when some recent
 * hour has no reference (less than a day of history): nothing can be said then.
 */
export function excessOverDailyRange(
  current: HourlyMedians,
  reference: HourlyMedians,
): { known: boolean; excess: number[]; referenceLevel: number } {
  const n = current.hours.length;
  if (n < ABOVE_RANGE_HOURS) return { known: false, excess: [], referenceLevel: NaN };
  const lastHour = current.hours[n - 1]!;
  const maxBySeason = new Map<number, number>();
  const refValues: number[] = [];
  const add = (hour: number, v: number) => {
    if (hour > lastHour - REFERENCE_MIN_AGE_HOURS) return;
    const season = ((hour % 24) + 24) % 24;
    maxBySeason.set(season, Math.max(maxBySeason.get(season) ?? -Infinity, v));
    refValues.push(v);
  };
  reference.hours.forEach((hr, i) => add(hr, reference.values[i]!));
  current.hours.forEach((hr, i) => add(hr, current.values[i]!));
  const excess: number[] = [];
  for (let i = n - ABOVE_RANGE_HOURS; i < n; i++) {
    const ref = maxBySeason.get(((current.hours[i]! % 24) + 24) % 24);
    if (ref === undefined) return { known: false, excess: [], referenceLevel: NaN };
    excess.push(current.values[i]! - ref);
  }
  return { known: true, excess, referenceLevel: refValues.length > 0 ? median(refValues) : NaN };
}
