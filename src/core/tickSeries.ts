// Per-tick sums of groups of stacks (a stack, or a label group's members) over a run of ticks, in one pass: the
// suspect search judges every stack this way and the page charts every suspect. Pure.
import type { HistoryTick } from './model.js';
import { CompactCounts } from './stackHistory.js';

/**
 * A tick read whole is looked up at the series' ids one by one when the ids between their lowest and highest are more
 * than this many times as many (see sumSeries).
 */
const SPARSE_IDS_SHARE = 8;

/**
 * For each series (a list of stack ids), its goroutines at each tick: Float32 (counts are whole numbers far below
 * 2^24, so exact, and 5,000 series over a week of ticks are 200 MB at 4 bytes a point); undefined for a series with
 * no goroutines in these ticks. A stack may belong to several series (a stack and its label group).
 *
 * `pool`: where the series are written instead of arrays of their own (series k at [k * ticks, (k + 1) * ticks)),
 * zeroed here first; at least series.length x ticks.length long. A caller that sums block after block (the suspect
 * search) reuses one: a block's series over a week at 5,000 stacks are 20 MB, and left to the collector they were
 * ~100 MB of a last-day report's peak. What is kept past the next call must be copied.
 */
export function sumSeries(ticks: readonly HistoryTick[], series: ReadonlyArray<readonly number[]>, pool?: Float32Array): (Float32Array | undefined)[] {
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
  const n = ticks.length;
  if (pool !== undefined) {
    if (pool.length < series.length * n) throw new RangeError(`sumSeries: a pool of ${pool.length} for ${series.length} x ${n} points`);
    pool.fill(0, 0, series.length * n);
  }
  // Every series is written in place, series k at [k * n, (k + 1) * n) of one array, and marked when it has a
  // goroutine (the rest come out undefined): one typed array for every store. A list of arrays made on first write
  // (`out[k] ??= new Float32Array`), and a look over every series at each whole tick, were ~1 s of a year's report at
  // 5,000 stacks (the dense-tick loop 2.4 -> 1.4 s of CPU profile, pages and --json unchanged).
  const store = pool ?? new Float32Array(series.length * n);
  const seen = new Uint8Array(series.length);
  // Each series' sum at the tick being read, and since which tick it has had it: a sum is written once per run of
  // ticks it held (one fill), and a tick made from the one before by a delta is read only at the ids it changed.
  // At 5,000 stacks with 10 % changing a minute, reading every count of every tick was ~1.4 s of a last-day report.
  const cur = new Float64Array(series.length);
  const from = new Int32Array(series.length);
  const next = new Float64Array(series.length);
  const settle = (k: number, i: number) => {
    const v = cur[k]!;
    const f = from[k]!;
    from[k] = i;
    if (!(v > 0) || i <= f) return;
    seen[k] = 1;
    // most runs are a few ticks (a churning stack changes every ~10): a loop is cheaper than a call to fill
    const at = k * n;
    if (i - f < 32) for (let t = at + f; t < at + i; t++) store[t] = v;
    else store.fill(v, at + f, at + i);
  };
  // each stack's count at the tick before (what a delta changes it from), for the ids summed
  const last = new Float64Array(maxId + 1);
  const add = (id: number, c: number, moreOnly = false) => {
    if (!moreOnly) next[firstOf[id]!]! += c;
    if (hasMore[id] !== 0) for (const k2 of moreOf.get(id)!) next[k2]! += c;
  };
  // Every series one stack of its own (the suspect search's blocks): a dense tick's counts are then the sums, written
  // straight to their series with no per-series pass after (~30 % of this function on a year read hourly).
  const single = moreOf.size === 0 && series.every((ids) => ids.length === 1);
  // A tick read whole: its sums become the series' values at i, and their runs go on from i + 1.
  const closeTick = (i: number) => {
    for (let k = 0; k < series.length; k++) {
      const v = next[k]!;
      next[k] = 0;
      cur[k] = v;
      from[k] = i + 1;
      if (v > 0) {
        store[k * n + i] = v;
        seen[k] = 1;
      }
    }
  };
  // the last tick read whole: every run was then settled through it, and the next whole tick need not look
  let wholeAt = -2;
  // A few series over ids far apart (the page's suspects, each with the others' ids between them): a tick read whole
  // is then looked up at their ids, not read from the lowest to the highest. Read in full, a year's dense hourly
  // ticks at 5,000 stacks were ~0.45 s of that report's page for its three suspects.
  const wanted: number[] = [];
  for (let id = minId; id <= maxId; id++) if (firstOf[id]! >= 0) wanted.push(id);
  const sparse = wanted.length * SPARSE_IDS_SHARE < maxId - minId + 1;
  walkTicks(
    ticks,
    (i, counts) => {
      // runs still open end here; this tick's sums are then written as they are read, and runs go on from i + 1
      if (wholeAt !== i - 1) for (let k = 0; k < series.length; k++) if (from[k]! < i) settle(k, i);
      wholeAt = i;
      const raw = CompactCounts.rawOf(counts);
      if (sparse && raw !== null && raw.ids === null) {
        const { vals, base } = raw;
        for (let w = 0; w < wanted.length; w++) {
          const id = wanted[w]!;
          const c = id >= base && id - base < vals.length ? vals[id - base]! : 0;
          last[id] = c > 0 ? c : 0;
          if (c > 0) add(id, c);
        }
        closeTick(i);
        return;
      }
      if (maxId >= minId) last.fill(0, minId, maxId + 1);
      // the typed arrays in a loop of their own (a callback per count here was ~1 s of a year's report)
      // a dense tick of one-stack series: each count is its series' sum, written at once (no pass after)
      const direct = single && raw !== null && raw.ids === null;
      if (direct) {
        cur.fill(0);
        from.fill(i + 1);
      }
      if (raw && raw.ids === null) {
        const { vals, base } = raw;
        const to = Math.min(vals.length, maxId - base + 1);
        for (let j = Math.max(0, minId - base); j < to; j++) {
          const c = vals[j]!;
          if (!(c > 0)) continue;
          const k = firstOf[base + j]!;
          if (k < 0) continue;
          last[base + j] = c;
          if (direct) {
            cur[k] = c;
            store[k * n + i] = c;
            seen[k] = 1;
            continue;
          }
          next[k]! += c;
          if (hasMore[base + j] !== 0) add(base + j, c, true);
        }
        if (direct) return;
      } else if (raw) {
        const { ids, vals } = raw as { ids: ArrayLike<number>; vals: ArrayLike<number> };
        for (let j = lowerBound(ids, minId); j < ids.length; j++) {
          const id = ids[j]!;
          if (id > maxId) break;
          const c = vals[j]!;
          if (!(c > 0)) continue;
          const k = firstOf[id]!;
          if (k < 0) continue;
          last[id] = c;
          next[k]! += c;
          if (hasMore[id] !== 0) add(id, c, true);
        }
      } else {
        forEachCountBetween(counts, minId, maxId, (id, c) => {
          if (firstOf[id]! < 0) return;
          last[id] = c;
          add(id, c);
        });
      }
      closeTick(i);
    },
    (i, ids, vals, counts) => {
      for (let j = lowerBound(ids, minId); j < ids.length; j++) {
        const id = ids[j]!;
        if (id > maxId) break;
        const k = firstOf[id]!;
        if (k < 0) continue;
        const now = positive(vals !== null ? vals[j] : counts.get(id));
        const d = now - last[id]!;
        last[id] = now;
        if (d === 0) continue;
        settle(k, i);
        cur[k]! += d;
        if (hasMore[id] !== 0) {
          for (const k2 of moreOf.get(id)!) {
            settle(k2, i);
            cur[k2]! += d;
          }
        }
      }
    },
  );
  for (let k = 0; k < series.length; k++) settle(k, n);
  const out = new Array<Float32Array | undefined>(series.length);
  for (let k = 0; k < series.length; k++) out[k] = seen[k] !== 0 ? store.subarray(k * n, (k + 1) * n) : undefined;
  return out;
}

/** A count as summed: absent or not positive is 0. */
function positive(c: number | undefined): number {
  return c !== undefined && c > 0 ? c : 0;
}

/**
 * Visits ticks in order: `whole(i, counts)` when tick i's counts must be read whole (the first tick, a keyframe, a
 * thinned read), else `changed(i, ids, vals, counts)` with the ids whose count may differ from tick i - 1's
 * (CompactCounts.changedIds: ascending, possibly none) and, when known, their counts now (changedCounts, aligned
 * with ids, 0 = none; null: ask `counts`). A chained tick's count is a walk back through its chain
 * (stackHistory.ts CHAIN_MAX): a walker keeps what it needs of the tick before itself.
 */
export function walkTicks(
  ticks: readonly HistoryTick[],
  whole: (i: number, counts: ReadonlyMap<number, number>) => void,
  changed: (i: number, ids: ArrayLike<number>, vals: ArrayLike<number> | null, counts: ReadonlyMap<number, number>) => void,
): void {
  for (let i = 0; i < ticks.length; i++) {
    const counts = ticks[i]!.counts;
    const before = i > 0 ? ticks[i - 1]!.counts : null;
    const ids = before ? CompactCounts.changedIds(before, counts) : null;
    if (ids === null) whole(i, counts);
    else changed(i, ids, CompactCounts.changedCounts(before!, counts), counts);
  }
}

/** Every positive count of stacks minId..maxId, ascending by id (typed arrays when they are, see RawCounts). */
export function forEachCountBetween(counts: ReadonlyMap<number, number>, minId: number, maxId: number, fn: (id: number, c: number) => void): void {
  const raw = CompactCounts.rawOf(counts);
  if (!raw) {
    counts.forEach((c, id) => {
      if (c > 0 && id >= minId && id <= maxId) fn(id, c);
    });
    return;
  }
  const { ids, vals, base } = raw;
  if (ids === null) {
    const to = Math.min(vals.length, maxId - base + 1);
    for (let j = Math.max(0, minId - base); j < to; j++) {
      const c = vals[j]!;
      if (c > 0) fn(base + j, c);
    }
    return;
  }
  for (let j = lowerBound(ids, minId); j < ids.length; j++) {
    const id = ids[j]!;
    if (id > maxId) break;
    const c = vals[j]!;
    if (c > 0) fn(id, c);
  }
}

/** The first index of ascending `a` whose value is >= x (a.length when none): ids in a tick, times in a series. */
export function lowerBound(a: ArrayLike<number>, x: number): number {
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
 * Each stack's largest count over the ticks, indexed by id (0: never counted). A tick made from the one before by a
 * delta is read at its changes only (walkTicks). A Map here cost seconds at 5,000 stacks over a week of ticks.
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
  walkTicks(
    ticks,
    (_i, counts) => {
      // a dense tick in a loop of its own: one callback per count was ~0.7 s of a year's report at 5,000 stacks
      const raw = CompactCounts.rawOf(counts);
      if (raw && raw.ids === null) {
        const { vals, base } = raw;
        if (vals.length > 0) see(base + vals.length - 1, 0); // grows max once for the whole tick
        for (let j = 0; j < vals.length; j++) if (vals[j]! > max[base + j]!) max[base + j] = vals[j]!;
        return;
      }
      forEachCountBetween(counts, 0, Infinity, see);
    },
    (_i, ids, vals, counts) => {
      for (let j = 0; j < ids.length; j++) {
        const c = vals !== null ? vals[j]! : counts.get(ids[j]!);
        if (c !== undefined && c > 0) see(ids[j]!, c);
      }
    },
  );
  return max;
}

/**
 * Each stack's least and largest count over the ticks (the least is 0 when it had no goroutines at some tick), by
 * id up to maxId, and the ids in the order they first have goroutines. A tick made from the one before by a delta is
 * read only at the ids it changed: reading every count of every tick was ~0.8 s of a last-day report at 5,000
 * stacks over a 6-day lifetime.
 */
export function lifetimeSpans(ticks: readonly HistoryTick[], maxId: number): { order: number[]; min: Float64Array; max: Float64Array } {
  const min = new Float64Array(maxId + 1);
  const max = new Float64Array(maxId + 1);
  const seen = new Uint8Array(maxId + 1);
  // absent at some tick (then its least count is 0); now: its count at the tick being read
  const absent = new Uint8Array(maxId + 1);
  const now = new Float64Array(maxId + 1);
  const stamp = new Int32Array(maxId + 1).fill(-1);
  const order: number[] = [];
  const present = (i: number, id: number, c: number) => {
    if (seen[id] !== 0) {
      if (c > max[id]!) max[id] = c;
      if (c < min[id]!) min[id] = c;
    } else {
      min[id] = max[id] = c;
      seen[id] = 1;
      order.push(id);
      if (i > 0) absent[id] = 1;
    }
    now[id] = c;
  };
  walkTicks(
    ticks,
    (i, counts) => {
      forEachCountBetween(counts, 0, maxId, (id, c) => {
        present(i, id, c);
        stamp[id] = i;
      });
      // stacks that had goroutines at the tick before and have none at this one
      for (const id of order) {
        if (now[id]! > 0 && stamp[id] !== i) {
          now[id] = 0;
          absent[id] = 1;
        }
      }
    },
    (i, ids, vals, counts) => {
      for (let j = 0; j < ids.length; j++) {
        const id = ids[j]!;
        if (id > maxId) break;
        const c = vals !== null ? vals[j]! : counts.get(id);
        if (c !== undefined && c > 0) present(i, id, c);
        else if (now[id]! > 0) {
          now[id] = 0;
          absent[id] = 1;
        }
      }
    },
  );
  for (const id of order) if (absent[id] !== 0) min[id] = 0;
  return { order, min, max };
}
