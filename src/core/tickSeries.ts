// Per-tick sums of groups of stacks (a stack, or a label group's members) over a run of ticks, in one pass: the
// suspect search judges every stack this way and the page charts every suspect. Pure.
import type { HistoryTick } from './model.js';
import { CompactCounts } from './stackHistory.js';

/**
 * For each series (a list of stack ids), its goroutines at each tick: Float32 (counts are whole numbers far below
 * 2^24, so exact, and 5,000 series over a week of ticks are 200 MB at 4 bytes a point); undefined for a series with
 * no goroutines in these ticks. A stack may belong to several series (a stack and its label group).
 */
export function sumSeries(ticks: readonly HistoryTick[], series: ReadonlyArray<readonly number[]>): (Float32Array | undefined)[] {
  // Which series a stack id adds to, by id (ids are dense from 1): the first in a typed array, any more in a Map
  // looked up only when flagged. A Map lookup per count was most of this pass: a year at 5,000 stacks is 44 million
  // counts.
  let minId = Infinity;
  let maxId = 0;
  for (const ids of series) {
    for (const id of ids) {
      if (id > maxId) maxId = id;
      if (id < minId) minId = id;
    }
  }
  const firstOf = new Int32Array(maxId + 1).fill(-1);
  const hasMore = new Uint8Array(maxId + 1);
  const moreOf = new Map<number, number[]>();
  series.forEach((ids, k) => {
    for (const id of ids) {
      if (firstOf[id]! < 0) firstOf[id] = k;
      else {
        hasMore[id] = 1;
        const list = moreOf.get(id);
        if (list) list.push(k);
        else moreOf.set(id, [k]);
      }
    }
  });
  const out = new Array<Float32Array | undefined>(series.length).fill(undefined);
  const n = ticks.length;
  const addMore = (i: number, id: number, c: number) => {
    for (const k2 of moreOf.get(id)!) (out[k2] ??= new Float32Array(n))[i]! += c;
  };
  for (let i = 0; i < n; i++) {
    const counts = ticks[i]!.counts;
    const raw = CompactCounts.rawOf(counts);
    if (raw) {
      // The typed arrays themselves, one inlined loop over only the ids asked for (they are ascending: from the
      // first id >= minId to the last <= maxId), so judging stacks a block of ids at a time reads each count once.
      // A closure per count was 2.2 s of a last-day report at 5,000 stacks over a 6-day lifetime (46 million).
      // (dense: the id is base + j)
      const { ids, vals, base } = raw;
      let j = ids === null ? Math.max(0, minId - base) : lowerBound(ids, minId);
      for (; j < vals.length; j++) {
        const id = ids === null ? base + j : ids[j]!;
        if (id > maxId) break;
        const c = vals[j]!;
        if (!(c > 0)) continue;
        const k = firstOf[id]!;
        if (k < 0) continue;
        let a = out[k];
        if (a === undefined) a = out[k] = new Float32Array(n);
        a[i]! += c;
        if (hasMore[id] !== 0) addMore(i, id, c);
      }
    } else {
      counts.forEach((c, id) => {
        if (!(c > 0) || id > maxId) return;
        const k = firstOf[id]!;
        if (k < 0) return;
        (out[k] ??= new Float32Array(n))[i]! += c;
        if (hasMore[id] !== 0) addMore(i, id, c);
      });
    }
  }
  return out;
}

/** The first index of ascending `a` whose value is >= x (a.length when none). */
function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Each stack's largest count over the ticks, indexed by id (0: never counted). Ticks that share one counts object
 * (nothing changed) are read once. A Map here cost seconds at 5,000 stacks over a week of ticks.
 */
export function maxCountById(ticks: readonly HistoryTick[]): Float64Array {
  let max = new Float64Array(1024);
  const see = (id: number, c: number) => {
    if (id >= max.length) {
      const grown = new Float64Array(Math.max(id + 1, max.length * 2));
      grown.set(max);
      max = grown;
    }
    if (c > max[id]!) max[id] = c;
  };
  let last: ReadonlyMap<number, number> | null = null;
  for (const t of ticks) {
    if (t.counts === last) continue;
    last = t.counts;
    const raw = CompactCounts.rawOf(t.counts);
    if (raw) {
      const { ids, vals, base } = raw;
      for (let i = 0; i < vals.length; i++) see(ids === null ? base + i : ids[i]!, vals[i]!);
    }
    else t.counts.forEach((c, id) => see(id, c));
  }
  return max;
}
