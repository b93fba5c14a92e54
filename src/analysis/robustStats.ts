// The robust-statistics kit the trend classifier and the analyses build on: quickselect median and quantiles,
// the median absolute deviation, the Theil–Sen slope and the Mann–Kendall trend test. Pure and deterministic;
// loops instead of spreads, so a year of one-minute samples never meets the call-stack limit.

/** Series longer than this are reduced to this many bucket medians: 6 h of one-minute samples stay exact. */
export const MAX_EXACT_POINTS = 360;

/** k-th smallest (0-based) of a, in place (Hoare quickselect). */
function select(a: Float64Array | number[], k: number): number {
  let lo = 0;
  let hi = a.length - 1;
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

/** Median of a scratch buffer, reordering it in place. */
/** Median of `a`, reordering it (mean of the two middle values for even n); NaN for empty input. */
export function medianInPlace(a: Float64Array): number {
  const n = a.length;
  if (n === 0) return NaN;
  const hi = select(a, n >> 1);
  if (n % 2 === 1) return hi;
  // after select, everything left of n>>1 is <= hi: the lower middle is the max of that part
  let lo = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (a[i]! > lo) lo = a[i]!;
  return (lo + hi) / 2;
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
 * Theil–Sen slope: the median of (y_j - y_i) / (x_j - x_i) over pairs with x_j != x_i. O(n^2) pairs, so
 * for more than MAX_EXACT_POINTS points the finite ones are first sorted by x and reduced to MAX_EXACT_POINTS
 * bucket medians (deterministic). Null when fewer than two distinct x.
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

export function theilSenExact(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
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
 */
export function mannKendall(vs: ArrayLike<number>): { s: number; variance: number; z: number } {
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
  const variance = (n * (n - 1) * (2 * n + 5) - tieTerm) / 18;
  const z = variance > 0 && s !== 0 ? (s - Math.sign(s)) / Math.sqrt(variance) : 0;
  return { s, variance, z };
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
    const segT = scratch.subarray(0, hi - lo);
    for (let i = lo; i < hi; i++) segT[i - lo] = ts[i]!;
    t[m] = medianInPlace(segT);
    for (let i = lo; i < hi; i++) segT[i - lo] = vs[i]!;
    v[m] = medianInPlace(segT);
    m++;
  }
  return { t: t.subarray(0, m), v: v.subarray(0, m) };
}
