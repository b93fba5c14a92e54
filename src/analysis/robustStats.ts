// The robust-statistics kit the trend classifier and the analyses build on: quickselect median and quantiles,
// the median absolute deviation, the Theil–Sen slope and the Mann–Kendall trend test. Pure and deterministic;
// loops instead of spreads, so a year of one-minute samples never meets the call-stack limit.

/** Series longer than this are reduced to this many bucket medians: 6 h of one-minute samples stay exact. */
export const MAX_EXACT_POINTS = 360;

/** k-th smallest (0-based) of a[0..length), in place (Hoare quickselect). */
function select(a: Float64Array | number[], k: number, length = a.length): number {
  return selectIn(a, k, 0, length);
}

/** The element that belongs at index k (from <= k < to) once a[from..to) is sorted, found in place (quickselect). */
function selectIn(a: Float64Array | number[], k: number, from: number, to: number): number {
  let lo = from;
  let hi = to - 1;
  while (hi > lo) {
    const x = a[lo]!;
    const y = a[(lo + hi) >> 1]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y; // median of three
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/**
 * Median of a[0..length) (all of `a` by default), possibly reordering it (mean of the two middle values for even n);
 * NaN for empty input.
 */
export function medianInPlace(a: Float64Array, length = a.length): number {
  return medianOfRange(a, 0, length);
}

/**
 * Median of a[from..to), possibly reordering that part (mean of the two middle values for even n); NaN when empty.
 * Whole numbers in a narrow range (goroutine counts: an hour of a stack's counts, for the daily-cycle tests) are
 * counted instead (countingMedian); the same number either way.
 */
export function medianOfRange(a: Float64Array, from: number, to: number): number {
  const n = to - from;
  if (n <= 0) return NaN;
  if (n >= COUNTING_MIN_POINTS) {
    const m = countingMedian(a, from, to);
    if (m !== null) return m;
  }
  const mid = from + (n >> 1);
  const hi = selectIn(a, mid, from, to);
  if (n % 2 === 1) return hi;
  // after select, everything left of the middle is <= hi: the lower middle is the max of that part
  let lo = -Infinity;
  for (let i = from; i < mid; i++) if (a[i]! > lo) lo = a[i]!;
  return (lo + hi) / 2;
}

/**
 * medianOfRange of a[from..to) without reordering `a`: counted where it can be (countingMedian), else selected on a
 * copy of that range in `scratch` (at least to - from long). For hourlyMedians, which medians every hour of every
 * stack's series (46 million points at 5,000 churning stacks over a 6-day lifetime): a copy of each whole series for
 * quickselect to reorder was a share of that function's time, and the counting path needs none (with the counting in
 * one pass by runs, hourlyMedians went from 17 % to 14 % of a last-day report's CPU profile at 5,000 stacks).
 */
export function medianOfRangeKept(a: Float32Array | Float64Array, from: number, to: number, scratch: Float64Array): number {
  const n = to - from;
  if (n <= 0) return NaN;
  if (n >= COUNTING_MIN_POINTS) {
    const m = countingMedian(a, from, to);
    if (m !== null) return m;
  }
  for (let i = 0; i < n; i++) scratch[i] = a[from + i]!;
  return medianOfRange(scratch, 0, n);
}

/** countingMedian is tried from this many points (below it quickselect's few passes cost less than its two). */
const COUNTING_MIN_POINTS = 24;
/** ...and for values spanning fewer than this many whole numbers (a counter per number). */
const COUNTING_MAX_RANGE = 256;
/** Counters for values within COUNTING_MAX_RANGE - 1 of an hour's first, either way; all zero between calls. */
const countingScratch = new Int32Array(2 * COUNTING_MAX_RANGE - 1);

/**
 * The median of a[from..to) (n >= 1) by counting when every value is a whole number (below 2^31 in size, not -0) and
 * they span fewer than COUNTING_MAX_RANGE numbers; null otherwise, or when a value is NaN. The ranks it takes are
 * medianOfRange's: the middle one, or the two middle ones averaged as (lower + upper) / 2. Judging 5,000 churning
 * stacks over a 6-day lifetime takes 46 million points through hourly medians; quickselect's swaps and branches
 * there were ~0.5 s of a last-day report.
 */
function countingMedian(a: Float32Array | Float64Array, from: number, to: number): number | null {
  // One pass: each value counted at its distance from the first (within COUNTING_MAX_RANGE - 1 either way), the
  // counters used cleared on the way out, so they are all zero between calls (a range check first, then the counts,
  // was two passes over every point).
  const counts = countingScratch;
  const first = a[from]!;
  if ((first | 0) !== first) return null;
  const base = first - (COUNTING_MAX_RANGE - 1);
  let lo = first;
  let hi = first;
  let whole = true;
  // A stack's count holds for minutes at a time: a run of one value is counted once, at its end (a counter
  // incremented point after point waits on its own last store).
  let runValue = first;
  let run = 0;
  for (let i = from; i < to; i++) {
    const v = a[i]!;
    if (v === runValue && (v !== 0 || 1 / v > 0)) {
      run++;
      continue;
    }
    // a fraction, NaN or past 2^31; -0 (a zero slope keeps its sign, theilSenExact, counting would not); too far
    if ((v | 0) !== v || (v === 0 && 1 / v < 0) || v - base < 0 || v - base >= counts.length) {
      whole = false;
      break;
    }
    counts[runValue - base]! += run;
    runValue = v;
    run = 1;
    if (v < lo) lo = v;
    else if (v > hi) hi = v;
  }
  counts[runValue - base]! += run;
  const span = hi - lo + 1;
  if (!whole || span > COUNTING_MAX_RANGE) {
    counts.fill(0, lo - base, hi - base + 1);
    return null;
  }
  const n = to - from;
  const kLow = (n - 1) >> 1; // 0-based ranks: equal for odd n
  const kHigh = n >> 1;
  let seen = 0;
  let low = NaN;
  let median = NaN;
  for (let v = lo; v <= hi; v++) {
    const k = v - base;
    seen += counts[k]!;
    counts[k] = 0;
    if (!Number.isNaN(median)) continue;
    if (Number.isNaN(low) && seen > kLow) low = v;
    if (seen > kHigh) median = kLow === kHigh ? low : (low + v) / 2;
  }
  return median;
}

/**
 * Smallest and largest value, by a loop: Math.min(...xs) spreads its argument onto the call stack and throws
 * RangeError past ~125,000 values (87 days of samples at one a minute).
 */
export function extent(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** Median (mean of the two middle values for even n); NaN for empty input. Does not modify `values`. */
export function median(values: ArrayLike<number>): number {
  return medianInPlace(Float64Array.from(values as ArrayLike<number>));
}

/** q-quantile (0..1, nearest rank on the sorted copy); NaN for empty input. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) return NaN;
  const a = Float64Array.from(values as ArrayLike<number>);
  return select(a, Math.min(n - 1, Math.max(0, Math.round(q * (n - 1)))));
}

/** Median absolute deviation. */
export function mad(values: ArrayLike<number>): number {
  const m = median(values);
  const d = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) d[i] = Math.abs(values[i]! - m);
  return median(d);
}

/**
 * Theil–Sen slope: the median of (y_j - y_i) / (x_j - x_i) over pairs with x_j != x_i. For more than
 * MAX_EXACT_POINTS points the finite ones are first sorted by x and reduced to MAX_EXACT_POINTS bucket medians
 * (deterministic; inputs the O(n log n) path cannot prove exact fall back to O(n^2) pairs). Null when fewer than
 * two distinct x.
 */
export function theilSenSlope(xs: ArrayLike<number>, ys: ArrayLike<number>): number | null {
  let x: ArrayLike<number> = xs;
  let y: ArrayLike<number> = ys;
  if (xs.length > MAX_EXACT_POINTS) {
    const sorted = finitePairsByTime(xs, ys);
    const b = bucketMedians(sorted.t, sorted.v, MAX_EXACT_POINTS);
    x = b.t;
    y = b.v;
  }
  return theilSenExact(x, y);
}

/**
 * The pairs (t, v) with a finite time and value, sorted by time; stable, so equal times keep their order (which
 * sample came first still decides the bucket it lands in). Already sorted input, the norm, is not re-sorted.
 */
export function finitePairsByTime(ts: ArrayLike<number>, vs: ArrayLike<number>): { t: Float64Array; v: Float64Array } {
  const len = Math.min(ts.length, vs.length);
  const rawT = new Float64Array(len);
  const rawV = new Float64Array(len);
  let count = 0;
  let sorted = true;
  for (let i = 0; i < len; i++) {
    const ti = ts[i]!;
    const vi = vs[i]!;
    if (!Number.isFinite(ti) || !Number.isFinite(vi)) continue;
    if (count > 0 && ti < rawT[count - 1]!) sorted = false;
    rawT[count] = ti;
    rawV[count] = vi;
    count++;
  }
  const t = rawT.subarray(0, count);
  const v = rawV.subarray(0, count);
  if (sorted) return { t, v };
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => t[a]! - t[b]! || a - b);
  return { t: Float64Array.from(order, (i) => t[i]!), v: Float64Array.from(order, (i) => v[i]!) };
}

/** Reused buffer for pairwise slopes (allocating ~0.5 MB per call made timings jittery from GC). */
let slopeScratch = new Float64Array(0);

/**
 * Theil–Sen slope of the points as given: the median of (y_j - y_i) / (x_j - x_i) over pairs i < j with
 * x_j != x_i (mean of the two middle slopes for an even count); null when fewer than two distinct x. From
 * THEIL_SEN_FAST_MIN_POINTS points on, by exact slope selection in O(n log n) (theilSenFast); the same number, bit
 * for bit, as the O(n^2) theilSenExactReference, which still serves small or unprovable inputs.
 */
export function theilSenExact(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  if (Math.min(x.length, y.length) >= THEIL_SEN_FAST_MIN_POINTS) {
    const fast = theilSenFast(x, y);
    if (fast !== undefined) return fast;
  }
  return theilSenExactReference(x, y);
}

/** The O(n^2) definition: every pairwise slope materialised, then the median. Kept for small n and for tests. */
export function theilSenExactReference(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = Math.min(x.length, y.length);
  const pairs = (n * (n - 1)) / 2;
  if (slopeScratch.length < pairs) slopeScratch = new Float64Array(pairs);
  const slopes = slopeScratch;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const yi = y[i]!;
    for (let j = i + 1; j < n; j++) {
      const dx = x[j]! - xi;
      if (dx !== 0) slopes[m++] = (y[j]! - yi) / dx;
    }
  }
  if (m === 0) return null;
  return medianInPlace(slopes.subarray(0, m));
}

/**
 * Mann–Kendall test on values in time order: S = sum over i<j of sign(v_j - v_i); variance with the
 * ties correction Var(S) = [n(n-1)(2n+5) - sum_t t(t-1)(2t+5)] / 18 over groups of t equal values;
 * z = (S - sign(S)) / sqrt(Var) (continuity correction), 0 when Var is 0.
 * From MANN_KENDALL_FAST_MIN_POINTS values on, S comes from a merge sort in O(n log n) (Knight's method, as in Kendall's
 * tau-b): S = pairs - tied pairs - 2 x (pairs in descending order). The same s, variance and z as
 * mannKendallReference: S is a whole number either way, and the rest is computed by the same expressions.
 */
export function mannKendall(vs: ArrayLike<number>): { s: number; variance: number; z: number } {
  const n = vs.length;
  if (n < MANN_KENDALL_FAST_MIN_POINTS) return mannKendallReference(vs);
  const keys = f64Scratch(F64_MK, n);
  for (let i = 0; i < n; i++) keys[i] = vs[i]!;
  // NaN compares false both ways: the reference counts its pairs as ties, a sort would not group them
  for (let i = 0; i < n; i++) if (keys[i] !== keys[i]) return mannKendallReference(vs);
  const order = identityOrder(I32_MK, n);
  // v_j - v_i is > 0, < 0 or 0 exactly when v_j > v_i, v_j < v_i or v_j == v_i (IEEE subtraction of two
  // different finite doubles is never 0; Infinity - Infinity is NaN, a tie, as Infinity == Infinity):
  // so signs of differences are comparisons, and the sorted order counts them
  const descending = sortByKeyCountingInversions(order, keys, n);
  let tiedPairs = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    const v = keys[order[i]!]!;
    let j = i + 1;
    while (j < n && keys[order[j]!] === v) j++;
    const t = j - i;
    if (t > 1) {
      tiedPairs += (t * (t - 1)) / 2;
      tieTerm += t * (t - 1) * (2 * t + 5);
    }
    i = j;
  }
  const s = (n * (n - 1)) / 2 - tiedPairs - 2 * descending;
  return mannKendallFromS(n, s, tieTerm);
}

/** The O(n^2) definition of mannKendall (same contract). Kept for small n and for tests. */
export function mannKendallReference(vs: ArrayLike<number>): { s: number; variance: number; z: number } {
  const n = vs.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const vi = vs[i]!;
    for (let j = i + 1; j < n; j++) {
      const d = vs[j]! - vi;
      if (d > 0) s++;
      else if (d < 0) s--;
    }
  }
  const sorted = Float64Array.from(vs as ArrayLike<number>).sort();
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && sorted[j] === sorted[i]) j++;
    const t = j - i;
    if (t > 1) tieTerm += t * (t - 1) * (2 * t + 5);
    i = j;
  }
  return mannKendallFromS(n, s, tieTerm);
}

function mannKendallFromS(n: number, s: number, tieTerm: number): { s: number; variance: number; z: number } {
  const variance = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  const z = variance > 0 && s !== 0 ? (s - Math.sign(s)) / Math.sqrt(variance) : 0;
  return { s, variance, z };
}

// ---------------------------------------------------------------- O(n log n) pair statistics

/**
 * From this many points on, theilSenExact takes the O(n log n) path. Below, the O(n^2) loop is as fast or faster:
 * measured on bucket medians of whole counts (CPU time a call, loaded 2-core machine): n = 64 reference 41 µs,
 * fast 55 µs; n = 96 84 µs both; n = 128 160 µs vs 106 µs; n = 360 975 µs vs 367 µs.
 */
export const THEIL_SEN_FAST_MIN_POINTS = 100;

/**
 * From this many values on, mannKendall counts S by merge sort: it wins almost at once (n = 16: 2.1 µs vs
 * 0.7 µs; n = 48: 8.5 µs vs 3.8 µs; n = 360: 290 µs vs 45 µs).
 */
export const MANN_KENDALL_FAST_MIN_POINTS = 16;

/**
 * Scratch buffers of the O(n log n) paths, reused across calls: a fresh typed array per call (off-heap memory,
 * zeroed, and the garbage collections its accounting triggers) cost more than the arithmetic. Each buffer has
 * one user at a time (the slots below); none of these functions calls back into the others' callers.
 */
const F64_X = 0, F64_Y = 1, F64_XU = 2, F64_YU = 3, F64_BX = 4, F64_BY = 5, F64_KEY = 6, F64_SAMPLE = 7;
const F64_SAMPLE_SCRATCH = 8, F64_KEY2 = 9, F64_INNER = 10, F64_MK = 11;
const I32_BY_POINT = 0, I32_SAMPLE_P = 1, I32_SAMPLE_Q = 2, I32_ORDER1 = 3, I32_MK = 4, I32_PAIRS = 5;
const f64Buffers: Float64Array[] = [];
const i32Buffers: Int32Array[] = [];

/** A Float64Array view of `length` from slot `slot` (contents left over from earlier calls). */
function f64Scratch(slot: number, length: number): Float64Array {
  let buffer = f64Buffers[slot];
  if (buffer === undefined || buffer.length < length) f64Buffers[slot] = buffer = new Float64Array(Math.max(length, 2 * (buffer?.length ?? 0)));
  return buffer.subarray(0, length);
}

/** An Int32Array view of `length` from slot `slot` (contents left over from earlier calls). */
function i32Scratch(slot: number, length: number): Int32Array {
  let buffer = i32Buffers[slot];
  if (buffer === undefined || buffer.length < length) i32Buffers[slot] = buffer = new Int32Array(Math.max(length, 2 * (buffer?.length ?? 0)));
  return buffer.subarray(0, length);
}

/** 0, 1, ..., n-1 in scratch slot `slot`. */
function identityOrder(slot: number, n: number): Int32Array {
  const order = i32Scratch(slot, n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

let mergeScratch = new Int32Array(0);

/**
 * Stable bottom-up merge sort of `order[0..n)` by key[order[i]] ascending, in place. Returns how many pairs the
 * sort had to swap: pairs a before b in the input with key[b] < key[a] (equal keys keep their order, not
 * counted). A whole number below 2^53 for any n that fits in memory. With `inversionPairs`, also lists those
 * pairs there as (a, b), two entries each, as far as the buffer holds them.
 */
function sortByKeyCountingInversions(order: Int32Array, key: Float64Array, n: number, inversionPairs: Int32Array | null = null): number {
  if (mergeScratch.length < n) mergeScratch = new Int32Array(n);
  let src: Int32Array = order;
  let dst: Int32Array = mergeScratch;
  let inversions = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const a = src[i]!;
        const b = src[j]!;
        if (key[b]! < key[a]!) {
          if (inversionPairs !== null && 2 * (inversions + mid - i) <= inversionPairs.length) {
            let w = 2 * inversions;
            for (let t = i; t < mid; t++) {
              inversionPairs[w++] = src[t]!;
              inversionPairs[w++] = b;
            }
          }
          dst[k++] = b;
          j++;
          inversions += mid - i; // b jumps over every left element still waiting
        } else {
          dst[k++] = a;
          i++;
        }
      }
      while (i < mid) dst[k++] = src[i++]!;
      while (j < hi) dst[k++] = src[j++]!;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== order) order.set(src.subarray(0, n));
  return inversions;
}

/**
 * The smallest power-of-two exponent e with every value a whole multiple of 2^e (from the IEEE-754 bits: the
 * lowest set bit of the significand); 0 values do not count. Infinity when all values are 0.
 */
const bitsView = new DataView(new ArrayBuffer(8));

function granularityExponent(values: Float64Array): number {
  const view = bitsView;
  let e = Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v === 0) continue;
    view.setFloat64(0, v);
    const hi = view.getUint32(0);
    const lo = view.getUint32(4);
    const biased = (hi >>> 20) & 0x7ff;
    const mantissaHi = (hi & 0xfffff) | (biased === 0 ? 0 : 0x100000); // the implicit leading 1 of a normal number
    const trailingZeros = lo !== 0 ? 31 - Math.clz32(lo & -lo) : 32 + 31 - Math.clz32(mantissaHi & -mantissaHi);
    const lsb = (biased === 0 ? -1074 : biased - 1075) + trailingZeros;
    if (lsb < e) e = lsb;
  }
  return e;
}

/**
 * Whole numbers (v - min) / 2^e for values that are all multiples of 2^e: exact, and every difference of two
 * original values is then exact in doubles too (it is a multiple of 2^e below 2^(53+e)). Null when the range
 * in those units reaches 2^52 (we need headroom for the products below), or for extreme exponents.
 */
function wholeUnits(values: Float64Array, slot: number): { units: Float64Array; max: number } | null {
  const e = granularityExponent(values);
  const { min, max } = extent(values);
  const units = f64Scratch(slot, values.length);
  if (e === Infinity) {
    units.fill(0);
    return { units, max: 0 }; // all zero
  }
  if (e < -1000 || e > 1000) return null;
  const scale = Math.pow(2, -e);
  const range = (max - min) * scale;
  if (!(range < 2 ** 52)) return null;
  for (let i = 0; i < values.length; i++) units[i] = (values[i]! - min) * scale;
  return { units, max: range };
}

/**
 * Exact Theil–Sen by slope selection, or undefined when exactness cannot be proven (the caller then runs the
 * reference; exported so tests can tell which path ran). Why it returns the reference's number bit for bit:
 *  - the inputs must be finite, and each of x and y whole multiples of a power of two with a range
 *    below 2^52 units, with 2·range(X)·range(Y) < 2^53 (X, Y in those units). Then every y_j - y_i and
 *    x_j - x_i is exact, so each computed slope is round(q) of the exact rational q = dy/dx, and all the
 *    products below are exact whole numbers;
 *  - round() is monotone, so the k-th smallest computed slope is round(k-th smallest q): selecting among the
 *    exact q, then computing that pair's slope as the reference does, gives the reference's value;
 *  - q < v (v = DY0/DX0, another pair's slope) is decided exactly by comparing Y·DX0 - X·DY0 of the two points,
 *    so counting the pairs below v is counting inversions of a sort by that key: O(n log n), exact, ties exact;
 *  - the only slopes whose bits depend on the orientation are zeros (+0 or -0): with x non-decreasing in input
 *    order both orientations agree, and without -0 among the y (-0 - 0 is -0) every zero slope is +0;
 *    otherwise a zero result is left to the reference. (A -0 among the x changes no difference: x - -0 = x.)
 */
export function theilSenFast(xIn: ArrayLike<number>, yIn: ArrayLike<number>): number | null | undefined {
  const n = Math.min(xIn.length, yIn.length);
  const x = f64Scratch(F64_X, n);
  const y = f64Scratch(F64_Y, n);
  let xAscending = true;
  let yNegativeZero = false;
  for (let i = 0; i < n; i++) {
    const xi = xIn[i]!;
    const yi = yIn[i]!;
    if (!Number.isFinite(xi) || !Number.isFinite(yi)) return undefined;
    if (Object.is(yi, -0)) yNegativeZero = true;
    if (i > 0 && xi < x[i - 1]!) xAscending = false;
    x[i] = xi;
    y[i] = yi;
  }
  const wx = wholeUnits(x, F64_XU);
  const wy = wholeUnits(y, F64_YU);
  if (wx === null || wy === null || !(2 * wx.max * wy.max < 2 ** 53)) return undefined;

  // points in base order: by X, then Y, then input order (so two points with one x never count as a pair: see
  // countAt). Times come ascending, so usually only runs of one x need sorting by Y (insertion sort, short runs).
  const byPoint = identityOrder(I32_BY_POINT, n);
  const xu = wx.units;
  const yu = wy.units;
  if (!xAscending) {
    const baseKey = f64Scratch(F64_KEY, n);
    baseKey.set(yu);
    sortByKeyCountingInversions(byPoint, baseKey, n);
    baseKey.set(xu);
    sortByKeyCountingInversions(byPoint, baseKey, n); // stable: by X, then Y, then input order
  } else {
    for (let p = 1; p < n; p++) {
      const moving = byPoint[p]!;
      let q = p;
      while (q > 0 && xu[byPoint[q - 1]!] === xu[moving] && yu[byPoint[q - 1]!]! > yu[moving]!) {
        byPoint[q] = byPoint[q - 1]!;
        q--;
      }
      byPoint[q] = moving;
    }
  }
  const X = f64Scratch(F64_BX, n);
  const Y = f64Scratch(F64_BY, n);
  for (let p = 0; p < n; p++) {
    X[p] = xu[byPoint[p]!]!;
    Y[p] = yu[byPoint[p]!]!;
  }
  // pairs with one x (no slope) and pairs of identical points (always tied by any key)
  let sameXPairs = 0;
  let samePointPairs = 0;
  for (let p = 0; p < n; ) {
    let q = p + 1;
    while (q < n && X[q] === X[p]) q++;
    sameXPairs += ((q - p) * (q - p - 1)) / 2;
    for (let r = p; r < q; ) {
      let s = r + 1;
      while (s < q && Y[s] === Y[r]) s++;
      samePointPairs += ((s - r) * (s - r - 1)) / 2;
      r = s;
    }
    p = q;
  }
  const m = (n * (n - 1)) / 2 - sameXPairs;
  if (m === 0) return null;
  const kHi = Math.floor(m / 2); // 0-based ranks of the middle slope(s), as medianInPlace takes them
  const kLo = m % 2 === 1 ? kHi : kHi - 1;

  // The reference's slope for base points p, q (X[p] < X[q]): the same subtraction and division on the input
  // numbers. Nonzero results do not depend on orientation (IEEE rounding is symmetric).
  const slopeOf = (p: number, q: number): number => {
    const i = byPoint[p]!;
    const j = byPoint[q]!;
    return (y[j]! - y[i]!) / (x[j]! - x[i]!);
  };

  // Pairs with q < v and with q == v, for v the slope of base points (p0, q0), X[p0] < X[q0]. Sorts `order` by
  // key = Y·dx0 - X·dy0, exact (|each product| <= range X · range Y < 2^52). For p before q in base order with
  // X[p] < X[q], key[q] - key[p] = dy·dx0 - dx·dy0 is negative, zero or positive as q is below, at or above v;
  // with X[p] == X[q] it is (Y[q] - Y[p])·dx0 >= 0, zero only for identical points.
  //  - tiesXDescending false: the sort starts from base order, ties keep it; q ends before p exactly when q < v,
  //    so the inversions are the pairs below v.
  //  - tiesXDescending true: the sort starts from X descending (base order within one X), so a tie puts the
  //    larger X first; q ends before p exactly when q <= v, and the inversions counted (from that start, where
  //    q came before p) are the pairs above v. This order is the one slopesBetween needs at the lower pivot.
  const key = f64Scratch(F64_KEY, n);
  const countAt = (p0: number, q0: number, order: Int32Array, tiesXDescending: boolean): { below: number; equal: number } => {
    const dx0 = X[q0]! - X[p0]!;
    const dy0 = Y[q0]! - Y[p0]!;
    for (let p = 0; p < n; p++) key[p] = Y[p]! * dx0 - X[p]! * dy0;
    if (tiesXDescending) {
      let w = 0;
      for (let end = n; end > 0; ) {
        let start = end - 1;
        while (start > 0 && X[start - 1] === X[end - 1]) start--;
        for (let p = start; p < end; p++) order[w++] = p;
        end = start;
      }
    } else for (let p = 0; p < n; p++) order[p] = p;
    const inversions = sortByKeyCountingInversions(order, key, n);
    const equal = tiedPairs(order, key) - samePointPairs; // identical points tie at any v but have no slope
    return { below: tiesXDescending ? m - inversions - equal : inversions, equal };
  };

  // a deterministic sample of pair slopes, to bracket the middle ranks
  const sampleSize = Math.min(m, 4 * n);
  const sample = f64Scratch(F64_SAMPLE, sampleSize);
  const sampleP = i32Scratch(I32_SAMPLE_P, sampleSize);
  const sampleQ = i32Scratch(I32_SAMPLE_Q, sampleSize);
  // a deterministic pseudo-random pair sequence (mulberry32, inlined: called through a closure, its 32-bit
  // results were boxed as heap numbers and the sampling cost more than the counting)
  let state = (0x9e3779b9 ^ n) >>> 0;
  let drawn = 0;
  for (let attempt = 0; drawn < sampleSize && attempt < 20 * sampleSize; attempt++) {
    state = (state + 0x6d2b79f5) | 0;
    let h = Math.imul(state ^ (state >>> 15), state | 1);
    h ^= h + Math.imul(h ^ (h >>> 7), h | 61);
    h ^= h >>> 14;
    // two 16-bit halves (past 65,536 points the sample sees only the first ones: slower, still exact)
    let p = (h & 0xffff) % n;
    let q = (h >>> 16) % n;
    if (X[p] === X[q]) continue;
    if (X[p]! > X[q]!) {
      const t = p;
      p = q;
      q = t;
    }
    sample[drawn] = slopeOf(p, q);
    sampleP[drawn] = p;
    sampleQ[drawn] = q;
    drawn++;
  }
  if (drawn < 16) return undefined; // nearly every x the same: the reference is cheap then anyway
  // two order statistics of the sample by quickselect (a typed-array sort of 4n slopes costs more than all the rest)
  const sampleScratch = f64Scratch(F64_SAMPLE_SCRATCH, drawn);
  const indexOf = (v: number): number => {
    for (let i = 0; i < drawn; i++) if (sample[i] === v) return i;
    return 0; // not reached: v is one of the sample
  };
  const clampRank = (rank: number) => Math.min(drawn - 1, Math.max(0, rank));
  const order1 = i32Scratch(I32_ORDER1, n);
  for (let spread = 2; spread <= 8; spread *= 2) {
    // ranks +-spread standard deviations (at most sqrt(drawn)/2 for a sample quantile's rank) around the targets
    const halfWidth = Math.ceil(spread * 0.5 * Math.sqrt(drawn));
    const r1 = clampRank(Math.floor((kLo / m) * drawn) - halfWidth);
    const r2 = clampRank(Math.ceil((kHi / m) * drawn) + halfWidth);
    sampleScratch.set(sample.subarray(0, drawn));
    const s2 = indexOf(select(sampleScratch, r2));
    const s1 = indexOf(select(sampleScratch.subarray(0, r2 + 1), r1)); // after select, those are the r2 + 1 smallest
    let p1 = sampleP[s1]!, q1 = sampleQ[s1]!, p2 = sampleP[s2]!, q2 = sampleQ[s2]!;
    // exact order of the two pivots (their rounded slopes may tie): dy1/dx1 vs dy2/dx2 by cross products
    const cross = (Y[q1]! - Y[p1]!) * (X[q2]! - X[p2]!) - (Y[q2]! - Y[p2]!) * (X[q1]! - X[p1]!);
    if (cross > 0) {
      [p1, q1, p2, q2] = [p2, q2, p1, q1];
    }
    const at1 = countAt(p1, q1, order1, true);
    if (at1.below > kLo) continue; // the lower pivot is above the lower middle: widen
    const atOrBelow1 = at1.below + at1.equal;
    // one pivot value (the common case of a flat series: both are 0): the one count says it all
    let between = 0; // pairs with v1 < q < v2
    let belowOrAt2 = atOrBelow1;
    let inner = f64Scratch(F64_INNER, 0);
    if (cross !== 0) {
      // at most a third of the pairs (else the reference is as cheap) and 64 per point (a bounded scratch list)
      const above1 = slopesBetween(p2, q2, order1, Math.min(Math.floor(m / 3), 64 * n), X, Y, byPoint, x, y);
      between = above1.between;
      belowOrAt2 = atOrBelow1 + between + above1.equalTo2 - samePointPairs;
      if (above1.slopes === null) return undefined; // too many between: only with a pathological sample
      if (belowOrAt2 <= kHi) continue; // the upper pivot is below the upper middle: widen
      inner = above1.slopes;
    }
    const v1 = slopeOf(p1, q1);
    const v2 = slopeOf(p2, q2);
    // the ranks in order: below v1 | equal to v1 | `inner`, strictly between | equal to v2 | above
    const valueAt = (rank: number): number => {
      if (rank < atOrBelow1) return v1; // rank >= at1.below (checked above): one of the slopes equal to v1
      if (rank < atOrBelow1 + between) return select(inner, rank - atOrBelow1);
      return v2; // below belowOrAt2 (checked above)
    };
    const hi = valueAt(kHi);
    let result = hi;
    if (kLo !== kHi) {
      const k = kHi - atOrBelow1;
      // as medianInPlace: after selecting rank k of `inner`, the rank below is the largest of the part before
      let lo: number;
      if (k >= 1 && k < between) {
        lo = -Infinity;
        for (let i = 0; i < k; i++) if (inner[i]! > lo) lo = inner[i]!;
      } else lo = valueAt(kLo);
      result = (lo + hi) / 2;
    }
    // a zero slope is -0 in the reference when its pair's x decreases in input order, or for -0 - 0
    if (result === 0 && (!xAscending || yNegativeZero)) return undefined;
    return result;
  }
  return undefined;
}

/** Pairs of entries with equal keys in `order`, sorted by key: the sum of g(g-1)/2 over runs of g equal keys. */
function tiedPairs(order: Int32Array, key: Float64Array): number {
  const n = order.length;
  let pairs = 0;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    while (j < n && key[order[j]!] === key[order[i]!]) j++;
    pairs += ((j - i) * (j - i - 1)) / 2;
    i = j;
  }
  return pairs;
}

/**
 * The slopes strictly between v1 and v2 = slope of base points (p2, q2) > v1, from `order1`: the base points
 * sorted by key at v1 with ties by X descending, as countAt leaves them (re-sorted here, in place). A stable sort
 * of it by key at v2 gives the order at v2 with ties by base order: for a pair with distinct x, order1 puts q
 * before p exactly when q <= v1, a tie at v2 (q == v2 > v1) finds p first and keeps it; two points with one x are
 * in base order in both. So the pairs the sort inverts are exactly those with v1 < q < v2 (O(n log n + count)),
 * and its runs of equal keys count the pairs at v2 (identical points included: the caller takes them out).
 * `slopes` is null when more than `limit` pairs lie between.
 */
function slopesBetween(
  p2: number,
  q2: number,
  order1: Int32Array,
  limit: number,
  X: Float64Array,
  Y: Float64Array,
  byPoint: Int32Array,
  x: Float64Array,
  y: Float64Array,
): { between: number; equalTo2: number; slopes: Float64Array | null } {
  const n = order1.length;
  const dx2 = X[q2]! - X[p2]!;
  const dy2 = Y[q2]! - Y[p2]!;
  const key = f64Scratch(F64_KEY2, n);
  for (let p = 0; p < n; p++) key[p] = Y[p]! * dx2 - X[p]! * dy2; // exact, as in countAt
  const pairs = i32Scratch(I32_PAIRS, 2 * limit);
  const between = sortByKeyCountingInversions(order1, key, n, pairs);
  const equalTo2 = tiedPairs(order1, key);
  if (between > limit) return { between, equalTo2, slopes: null };
  const slopes = f64Scratch(F64_INNER, between);
  for (let w = 0; w < between; w++) {
    // as slopeOf in theilSenFast, the input numbers oriented by ascending x: a pair above v1 has its smaller x
    // first in order1, so it is listed (smaller x, larger x)
    const i = byPoint[pairs[2 * w]!]!;
    const j = byPoint[pairs[2 * w + 1]!]!;
    slopes[w] = (y[j]! - y[i]!) / (x[j]! - x[i]!);
  }
  return { between, equalTo2, slopes };
}

/** Consecutive equal-count buckets, each reduced to (median t, median v). Input sorted by t. */
export function bucketMedians(ts: ArrayLike<number>, vs: ArrayLike<number>, buckets: number): { t: Float64Array; v: Float64Array } {
  const n = ts.length;
  const t = new Float64Array(buckets);
  const v = new Float64Array(buckets);
  const scratch = new Float64Array(Math.ceil(n / buckets) + 1);
  let m = 0;
  for (let b = 0; b < buckets; b++) {
    const lo = Math.floor((b * n) / buckets);
    const hi = Math.floor(((b + 1) * n) / buckets);
    if (hi <= lo) continue;
    // the first hi - lo entries of one scratch buffer (a subarray view a bucket cost more than its median)
    for (let i = lo; i < hi; i++) scratch[i - lo] = ts[i]!;
    t[m] = smallMedian(scratch, hi - lo);
    for (let i = lo; i < hi; i++) scratch[i - lo] = vs[i]!;
    v[m] = smallMedian(scratch, hi - lo);
    m++;
  }
  return { t: t.subarray(0, m), v: v.subarray(0, m) };
}

/**
 * medianInPlace for the few points of a bucket: up to 16 by insertion sort (a day of one-minute points makes buckets
 * of 4, and quickselect's set-up was most of bucketMedians), the same number either way: the middle of the sorted
 * values, or the mean of the two middle ones.
 */
function smallMedian(a: Float64Array, n: number): number {
  if (n > 16) return medianInPlace(a, n);
  if (n === 0) return NaN;
  for (let i = 1; i < n; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > x) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
  return n % 2 === 1 ? a[n >> 1]! : (a[(n >> 1) - 1]! + a[n >> 1]!) / 2;
}
