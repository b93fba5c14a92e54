// Display downsampling for the report's charts. Pure functions, no I/O.
//
// Charts share one x axis per chart, so every function here takes one x array and several y
// series of the same length. `null` in a series means "not measured" and must stay a gap: it is
// never turned into zero, and a time range with no rows at all becomes an explicit gap too.

export type Series = (number | null)[];

export interface XYSeries {
  xs: number[];
  series: Series[];
}

/**
 * Min/max bucketing: split the x range into `floor(maxPoints / 2)` equal-width buckets and, per
 * bucket, keep each series' minimum and maximum (in the order they occurred) at the bucket's first
 * and last x. A single one-sample spike is the maximum of its bucket, so it survives. A bucket
 * whose values are all null for a series yields nulls (a gap); a bucket with no rows at all yields
 * one all-null point, so uPlot breaks the line there instead of bridging the hole.
 *
 * Inputs must be sorted by x. When there are already at most `maxPoints` points, the data is
 * returned unchanged (copied). The output never has more than `maxPoints` points.
 */
export function downsampleMinMax(xs: readonly number[], series: readonly Series[], maxPoints: number): XYSeries {
  const n = xs.length;
  for (const s of series) {
    if (s.length !== n) throw new Error(`downsampleMinMax: series length ${s.length} != x length ${n}`);
  }
  if (n <= maxPoints) return { xs: xs.slice(), series: series.map((s) => s.slice()) };
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const x0 = xs[0];
  const x1 = xs[n - 1];
  const width = (x1 - x0) / buckets;
  const outX: number[] = [];
  const outS: Series[] = series.map(() => []);
  let i = 0;
  let lastWasGap = false;
  for (let b = 0; b < buckets; b++) {
    const end = b === buckets - 1 ? Infinity : x0 + width * (b + 1);
    const start = i;
    while (i < n && xs[i] < end) i++;
    if (i === start) {
      // No rows in this time range: one gap point (at most one in a row).
      if (!lastWasGap && outX.length > 0) {
        outX.push(x0 + width * b);
        for (const s of outS) s.push(null);
        lastWasGap = true;
      }
      continue;
    }
    lastWasGap = false;
    const first = start;
    const last = i - 1;
    const twoSlots = last > first;
    outX.push(xs[first]);
    if (twoSlots) outX.push(xs[last]);
    for (let k = 0; k < series.length; k++) {
      const s = series[k];
      let minV = Infinity;
      let maxV = -Infinity;
      let minI = -1;
      let maxI = -1;
      for (let j = first; j <= last; j++) {
        const v = s[j];
        if (v === null || v === undefined || Number.isNaN(v)) continue;
        if (v < minV) {
          minV = v;
          minI = j;
        }
        if (v > maxV) {
          maxV = v;
          maxI = j;
        }
      }
      const o = outS[k];
      if (minI < 0) {
        o.push(null);
        if (twoSlots) o.push(null);
      } else if (!twoSlots) {
        o.push(minV);
      } else if (minI <= maxI) {
        o.push(minV, maxV);
      } else {
        o.push(maxV, minV);
      }
    }
  }
  return { xs: outX, series: outS };
}

/** The median of successive x differences (0 with fewer than two points). */
export function medianStep(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const d: number[] = [];
  for (let i = 1; i < xs.length; i++) d.push(xs[i] - xs[i - 1]);
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)];
}

/**
 * Insert an all-null point wherever successive x values are further apart than `maxGap`, so a
 * period without any rows (recorder not running) shows as a gap rather than a straight line.
 */
export function insertGaps(xs: readonly number[], series: readonly Series[], maxGap: number): XYSeries {
  const outX: number[] = [];
  const outS: Series[] = series.map(() => []);
  for (let i = 0; i < xs.length; i++) {
    if (i > 0 && maxGap > 0 && xs[i] - xs[i - 1] > maxGap) {
      outX.push(xs[i - 1] + (xs[i] - xs[i - 1]) / 2);
      for (const o of outS) o.push(null);
    }
    outX.push(xs[i]);
    for (let k = 0; k < series.length; k++) {
      const v = series[k][i];
      outS[k].push(v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? null : v);
    }
  }
  return { xs: outX, series: outS };
}

/**
 * What the charts use: gaps for missing time ranges, then min/max downsampling to `maxPoints`.
 * The gap threshold is five typical steps (at least `minGapSeconds`).
 */
export function prepareChartSeries(
  xs: readonly number[],
  series: readonly Series[],
  maxPoints: number,
  minGapSeconds = 180,
): XYSeries & { downsampled: boolean } {
  const step = medianStep(xs);
  const gapped = insertGaps(xs, series, Math.max(minGapSeconds, step * 5));
  if (gapped.xs.length <= maxPoints) return { ...gapped, downsampled: false };
  return { ...downsampleMinMax(gapped.xs, gapped.series, maxPoints), downsampled: true };
}

/**
 * Evenly thin a sorted list of indices 0..n-1 to at most `max` picks, always keeping the ones in
 * `mustKeep` (as long as they alone fit) plus the first and last index.
 */
export function thinIndices(n: number, max: number, mustKeep: Iterable<number> = []): number[] {
  if (n <= 0 || max <= 0) return [];
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  const keep = new Set<number>([0, n - 1]);
  const must = [...new Set([...mustKeep].filter((i) => i >= 0 && i < n))].sort((a, b) => a - b);
  if (must.length + 2 <= max) {
    for (const i of must) keep.add(i);
  } else {
    // Too many mandatory points: thin them evenly too.
    const room = Math.max(0, max - 2);
    for (let k = 0; k < room; k++) keep.add(must[Math.floor((k * must.length) / room)]);
  }
  const room = max - keep.size;
  if (room > 0) {
    for (let k = 1; k <= room; k++) {
      keep.add(Math.round((k * (n - 1)) / (room + 1)));
      if (keep.size >= max) break;
    }
  }
  return [...keep].sort((a, b) => a - b).slice(0, Math.max(max, 2));
}
