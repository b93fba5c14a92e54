// data/<target>/stack-history.log: every stack's goroutine count at every tick, compactly, so the report
// can chart any stack over a month without re-reading 43,200 profiles.
//
//   K <ts_seconds> <lifetime> <total> <id>:<count> <id>:<count> ...   keyframe: every non-zero count
//   D <ts_seconds> <lifetime> <total> <id>:<count> ...                 delta: only counts that changed (0 = gone)
//   H <ts_seconds> <lifetime> <total> <from_ts_seconds> <ticks> <id>:<last>:<min>:<max> ...
//                                         an hour of older history compacted (src/core/historyCompaction.ts)
//
// Most stacks keep their count between ticks, so deltas are short. A keyframe is written at the start of a
// lifetime, at least every KEYFRAME_EVERY lines, and whenever the writer is not sure what the file's last
// line said (its state cache disagrees with the file size), so a torn or lost line never corrupts what follows.
import type { HistoryTick } from './model.js';
import { BucketThinner } from './readResolution.js';

/** Keyframe interval, in lines: bounds how much one damaged line can affect (one hour at one tick a minute). */
export const KEYFRAME_EVERY = 60;

export function formatHistoryLine(
  kind: 'K' | 'D',
  tsSeconds: number,
  lifetime: string,
  total: number,
  counts: Iterable<[number, number]>,
): string {
  let line = `${kind} ${Number(tsSeconds.toFixed(3))} ${lifetime} ${total}`;
  for (const [id, count] of counts) line += ` ${id}:${count}`;
  return line + '\n';
}

/** The entries of `next` that differ from `prev`, with 0 for stacks that disappeared. Sorted by id. */
export function diffCounts(prev: Map<number, number>, next: Map<number, number>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [id, c] of next) if (prev.get(id) !== c) out.push([id, c]);
  for (const id of prev.keys()) if (!next.has(id)) out.push([id, 0]);
  return out.sort((a, b) => a[0] - b[0]);
}

export function sortedEntries(m: Map<number, number>): Array<[number, number]> {
  return [...m.entries()].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
}

/** A tick's counts as typed arrays, for loops over every count: the id of entry j is `ids[j]`, or `base + j` when
 * `ids` is null (dense: every id of a range, 0 where a stack has none). */
export interface RawCounts {
  ids: ArrayLike<number> | null;
  base: number;
  vals: ArrayLike<number>;
}

type Vals = Uint8Array | Uint16Array | Int32Array;

/**
 * Frozen counts that are a copy of their own (not chained), as plain typed arrays: what crosses to another thread
 * (io/hourlyReadAhead.ts) and back into a CompactCounts there, unchanged.
 */
export interface CompactRaw {
  ids: Int32Array | Uint16Array | null;
  vals: Vals;
  base: number;
  n: number;
}

/** Bytes a count takes in the narrowest typed array that holds 0..max. */
function countBytes(max: number): 1 | 2 | 4 {
  return max < 256 ? 1 : max < 65536 ? 2 : 4;
}

/** The smallest typed array that holds 0..max. */
function valsFor(max: number, length: number): Vals {
  const bytes = countBytes(max);
  return bytes === 1 ? new Uint8Array(length) : bytes === 2 ? new Uint16Array(length) : new Int32Array(length);
}

/**
 * The layout rule: dense (a count per id of a range of `range` ids) when it is smaller than sparse (an id and a count
 * for each of the `n` stacks with goroutines, ids up to `maxId`).
 */
function denseIsSmaller(range: number, n: number, maxId: number, valBytes: number): boolean {
  return n > 0 && range * valBytes < n * ((maxId < 65536 ? 2 : 4) + valBytes);
}

/**
 * A tick made from the one before by a delta is kept as that delta (its ids and counts) over the tick before, up to
 * CHAIN_MAX - 1 in a row; the next is a copy of its own. At 5,000 stacks with 10 % churning a minute a copy is 5-10 KB
 * and a delta ~1-2 KB: a week of context for a last-day report held ~110 MB of counts as copies. A count is looked
 * up through at most CHAIN_MAX - 1 deltas (a binary search each); readers of every tick in order read the deltas
 * themselves (changedIds, changedCounts) and never look back.
 */
export const CHAIN_MAX = 16;

/** Ids below this fit LiveCounts (4 MiB of counts at most); past it, each tick is a copy of its own, as before. */
const LIVE_MAX_ID = 1 << 20;

/**
 * The counts as of the last tick a reader froze, by id, for the next delta (CompactCounts.withChanges): what a
 * changed id had before, and the copy every CHAIN_MAX-th tick, without looking up a chain. One per reader.
 */
export class LiveCounts {
  counts = new Int32Array(1024);
  /** The frozen counts these are (their seq), 0 for none. */
  seq = 0;
  /** The highest id set since the last load. */
  top = 0;

  reserve(maxId: number): void {
    if (maxId < this.counts.length) return;
    const grown = new Int32Array(Math.max(maxId + 1, 2 * this.counts.length));
    grown.set(this.counts);
    this.counts = grown;
  }
}

/**
 * One tick's counts, frozen, in whichever of two layouts is smaller: sparse (ids ascending in one typed array, counts
 * in another; lookups a binary search) or dense (one count per id of the range the tick spans, 0 = none; lookups
 * direct). Each array is the narrowest that holds its numbers. A year of ticks at one a minute is 525,600 of
 * these; as Maps (~2.5 KB each at 60 stacks) they took 1.3 GB, sparse ~0.6 KB. A service with 5,000 stacks has
 * most of them at every tick: dense with one byte a count is 5 KB a tick, against 20 KB sparse at 16 bits (a
 * 6-day lifetime read for a last-day report: 200 MB of counts became ~50 MB). Read-only, like every tick handed out.
 */
export class CompactCounts implements ReadonlyMap<number, number> {
  private static nextSeq = 1;
  /**
   * Which frozen counts these are (a number, not a reference: a tick must not keep the ticks before it alive; a
   * chained tick, below, keeps at most CHAIN_MAX - 1 of them).
   */
  private readonly seq = CompactCounts.nextSeq++;
  /**
   * Set by withChanges: the seq of the counts these were made from, the ids the delta set (ascending) and their
   * counts now (aligned with them; 0 = gone).
   */
  private fromSeq = 0;
  private changed: Uint16Array | Int32Array | null = null;
  private changedVals: Vals | null = null;
  /** How many chained ticks lead from these counts to a copy of its own (0: these are one). */
  private readonly depth: number;

  private constructor(
    /** null: dense, the id of vals[j] is base + j; chained (`up` set): the ids the delta changed */
    private readonly ids: Int32Array | Uint16Array | null,
    /** chained: the changed ids' counts (0 = gone) */
    private readonly vals: Vals,
    private readonly base: number,
    /** Non-zero entries. */
    private readonly n: number,
    /**
     * Chained: the counts these were made from by one delta (ids and vals above), which every id the delta did not
     * change reads through. See CHAIN_MAX.
     */
    private readonly up: CompactCounts | null = null,
  ) {
    this.depth = up === null ? 0 : up.depth + 1;
  }

  /** These counts as their arrays (CompactRaw); null for chained counts, which read through the ticks before them. */
  toRaw(): CompactRaw | null {
    return this.up === null ? { ids: this.ids, vals: this.vals, base: this.base, n: this.n } : null;
  }

  /** Counts from toRaw's arrays (made by this class, on this thread or another). */
  static fromRaw(r: CompactRaw): CompactCounts {
    return new CompactCounts(r.ids, r.vals, r.base, r.n);
  }

  /** The first `n` entries of ascending ids with non-zero counts, in the smaller layout. */
  private static of(ids: Int32Array, vals: Int32Array, n: number): CompactCounts {
    let maxVal = 0;
    for (let i = 0; i < n; i++) if (vals[i]! > maxVal) maxVal = vals[i]!;
    const valBytes = countBytes(maxVal);
    const maxId = n > 0 ? ids[n - 1]! : 0;
    const range = n > 0 ? maxId - ids[0]! + 1 : 0;
    if (denseIsSmaller(range, n, maxId, valBytes)) {
      const base = ids[0]!;
      const dense = valsFor(maxVal, range);
      for (let i = 0; i < n; i++) dense[ids[i]! - base] = vals[i]!;
      return new CompactCounts(null, dense, base, n);
    }
    const narrowIds = maxId < 65536 ? new Uint16Array(ids.subarray(0, n)) : ids.slice(0, n);
    const narrowVals = valsFor(maxVal, n);
    narrowVals.set(vals.subarray(0, n));
    return new CompactCounts(narrowIds, narrowVals, 0, n);
  }

  /** Non-zero entries of a map, sorted by id. */
  static from(m: ReadonlyMap<number, number>): CompactCounts {
    const ids = new Int32Array(m.size);
    let n = 0;
    for (const [id, c] of m) if (c > 0) ids[n++] = id;
    const sorted = ids.subarray(0, n).sort();
    const vals = new Int32Array(n);
    for (let i = 0; i < n; i++) vals[i] = m.get(sorted[i]!)!;
    return CompactCounts.of(ids, vals, n);
  }

  /**
   * The non-zero entries of a K or H line (`width` numbers each, id first, count second) as written: ids strictly
   * ascending, so no Map and no sort. Null when they are not ascending (a hand-edited line): build from the Map.
   */
  static fromEntries(entries: ArrayLike<number>, width: number): CompactCounts | null {
    // One pass for what `of` decides the layout by; a dense tick (5,000 stacks: every hourly line) is then written
    // straight from the entries, without the two lists `of` takes (a third of this function's time in a year's
    // report). Ids or counts past 31 bits go the general way, which `of` narrows as before.
    let n = 0;
    let prev = -Infinity;
    let maxVal = 0;
    let firstId = 0;
    let lastId = 0;
    for (let i = 0; i < entries.length; i += width) {
      const id = entries[i]!;
      if (!(id > prev)) return null;
      prev = id;
      const c = entries[i + 1]!;
      if (c > 0) {
        if (n++ === 0) firstId = id;
        lastId = id; // of the stacks with goroutines: an hourly line also lists stacks gone by its end (0)
        if (c > maxVal) maxVal = c;
      }
    }
    const wide = lastId > 0x7fffffff || maxVal > 0x7fffffff;
    const range = n > 0 ? lastId - firstId + 1 : 0;
    if (!wide && denseIsSmaller(range, n, lastId, countBytes(maxVal))) {
      const dense = valsFor(maxVal, range);
      for (let i = 0; i < entries.length; i += width) {
        const c = entries[i + 1]!;
        if (c > 0) dense[entries[i]! - firstId] = c;
      }
      return new CompactCounts(null, dense, firstId, n);
    }
    return CompactCounts.fromEntriesSparse(entries, width);
  }

  /** fromEntries by way of `of` (ids already checked ascending). */
  private static fromEntriesSparse(entries: ArrayLike<number>, width: number): CompactCounts {
    const cap = entries.length / width;
    const ids = new Int32Array(cap);
    const vals = new Int32Array(cap);
    let n = 0;
    for (let i = 0; i < entries.length; i += width) {
      const c = entries[i + 1]!;
      if (c > 0) {
        ids[n] = entries[i]!;
        vals[n++] = c;
      }
    }
    return CompactCounts.of(ids, vals, n);
  }

  /**
   * `prev` with one delta's changes applied (flat `[id, count, ...]`, ids strictly ascending as the recorder
   * writes them; count 0 = gone): a dense tick copied with the changes written in, else one merge of two sorted
   * lists; no Map, no sort. At 5,000 stacks with 10 % churning, building every tick from the Map (sort + lookups)
   * was the reader's largest cost (8.3 s of a 52 s report over 40 days). The result remembers what it was made
   * from (changedIds). Null when the ids are not ascending (a hand-edited line): the caller builds from the Map.
   */
  static withChanges(prev: CompactCounts, changes: ArrayLike<number>, live: LiveCounts | null = null): CompactCounts | null {
    for (let j = 2; j < changes.length; j += 2) if (!(changes[j]! > changes[j - 2]!)) return null;
    const chained = live !== null ? CompactCounts.fromLive(prev, changes, live) : null;
    if (chained) return chained;
    const from = prev.up === null ? prev : prev.copied();
    const next = CompactCounts.dense(from, changes) ?? CompactCounts.merged(from, changes);
    // what a reader walking the ticks in order needs to read of this one (changedIds)
    const m = changes.length >> 1;
    const maxId = m > 0 ? changes[changes.length - 2]! : 0;
    const changed = maxId < 65536 ? new Uint16Array(m) : new Int32Array(m);
    let maxVal = 0;
    for (let j = 0; j < m; j++) {
      changed[j] = changes[2 * j]!;
      if (changes[2 * j + 1]! > maxVal) maxVal = changes[2 * j + 1]!;
    }
    const changedVals = valsFor(maxVal, m);
    for (let j = 0; j < m; j++) changedVals[j] = changes[2 * j + 1]!;
    next.fromSeq = prev.seq;
    next.changed = changed;
    next.changedVals = changedVals;
    return next;
  }

  /**
   * The next tick by way of `live` (the counts as of `prev`, by id): chained to `prev` (the delta's ids and counts
   * only) unless CHAIN_MAX - 1 chained ticks lead to it already, then a copy of its own made from `live`. Null when
   * the ids or counts do not fit LiveCounts (withChanges then merges as before).
   */
  private static fromLive(prev: CompactCounts, changes: ArrayLike<number>, live: LiveCounts): CompactCounts | null {
    const m = changes.length >> 1;
    if (m === 0) return null;
    const maxId = changes[changes.length - 2]!;
    let maxVal = 0;
    for (let j = 1; j < changes.length; j += 2) if (changes[j]! > maxVal) maxVal = changes[j]!;
    if (!(maxId < LIVE_MAX_ID) || !(maxVal <= 0x7fffffff)) return null;
    if (live.seq !== prev.seq && !CompactCounts.loadLive(prev, live)) return null;
    live.reserve(maxId);
    const counts = live.counts;
    let n = prev.n;
    for (let j = 0; j < changes.length; j += 2) {
      const id = changes[j]!;
      const c = changes[j + 1]!;
      if (counts[id]! > 0) n--;
      if (c > 0) n++;
      counts[id] = c;
    }
    if (maxId > live.top) live.top = maxId;
    const ids = maxId < 65536 ? new Uint16Array(m) : new Int32Array(m);
    const vals = valsFor(maxVal, m);
    for (let j = 0; j < m; j++) {
      ids[j] = changes[2 * j]!;
      vals[j] = changes[2 * j + 1]!;
    }
    let next: CompactCounts;
    if (prev.depth + 1 < CHAIN_MAX) next = new CompactCounts(ids, vals, 0, n, prev);
    else {
      const all = new Int32Array(n);
      const allVals = new Int32Array(n);
      let k = 0;
      for (let id = 0; id <= live.top && k < n; id++) {
        const c = counts[id]!;
        if (c > 0) {
          all[k] = id;
          allVals[k++] = c;
        }
      }
      next = CompactCounts.of(all, allVals, k);
    }
    next.fromSeq = prev.seq;
    next.changed = ids;
    next.changedVals = vals;
    live.seq = next.seq;
    return next;
  }

  /** Makes `live` hold `prev`'s counts; false when its ids do not fit (see LIVE_MAX_ID). */
  private static loadLive(prev: CompactCounts, live: LiveCounts): boolean {
    const { ids, vals, base } = prev.flat();
    const len = vals.length;
    const maxId = len === 0 ? 0 : ids === null ? base + len - 1 : ids[len - 1]!;
    if (!(maxId < LIVE_MAX_ID)) return false;
    live.counts.fill(0, 0, Math.min(live.counts.length, live.top + 1));
    live.reserve(maxId);
    for (let j = 0; j < len; j++) if (vals[j]! > 0) live.counts[ids === null ? base + j : ids[j]!] = vals[j]!;
    live.top = maxId;
    live.seq = prev.seq;
    return true;
  }

  /**
   * The counts as typed arrays: a copy's own, or, for a chained tick, made afresh (dense over the ids the chain
   * touches: its copy's range and every changed id) and not kept, so a chained tick stays the size of its delta.
   */
  private flat(): { ids: Int32Array | Uint16Array | null; vals: Vals; base: number } {
    if (this.up === null) return { ids: this.ids, vals: this.vals, base: this.base };
    const chain: CompactCounts[] = [];
    let c: CompactCounts = this;
    while (c.up !== null) {
      chain.push(c);
      c = c.up;
    }
    const copy = c;
    let lo = Infinity;
    let hi = -Infinity;
    const len = copy.vals.length;
    if (len > 0) {
      lo = copy.ids === null ? copy.base : copy.ids[0]!;
      hi = copy.ids === null ? copy.base + len - 1 : copy.ids[len - 1]!;
    }
    for (const d of chain) {
      if (d.ids!.length === 0) continue;
      lo = Math.min(lo, d.ids![0]!);
      hi = Math.max(hi, d.ids![d.ids!.length - 1]!);
    }
    if (!(hi >= lo)) return { ids: null, vals: new Uint8Array(0), base: 0 };
    const vals = new Int32Array(hi - lo + 1);
    for (let j = 0; j < len; j++) vals[(copy.ids === null ? copy.base + j : copy.ids[j]!) - lo] = copy.vals[j]!;
    for (let k = chain.length - 1; k >= 0; k--) {
      const d = chain[k]!;
      for (let j = 0; j < d.ids!.length; j++) vals[d.ids![j]! - lo] = d.vals[j]!;
    }
    return { ids: null, vals, base: lo };
  }

  /** A chained tick as a copy of its own (for the merge of withChanges, which reads a copy's arrays). */
  private copied(): CompactCounts {
    const { vals, base } = this.flat();
    const ids = new Int32Array(this.n);
    const counts = new Int32Array(this.n);
    let k = 0;
    for (let j = 0; j < vals.length; j++) {
      if (vals[j]! > 0) {
        ids[k] = base + j;
        counts[k++] = vals[j]!;
      }
    }
    return CompactCounts.of(ids, counts, k);
  }

  /**
   * The ids whose count may differ from `prev` to `next` (ascending), when `next` was made from `prev` by one delta
   * (withChanges) or is the same object (none); null when that is not known (a keyframe, a thinned read, ticks left
   * out between them): read every count then. A reader of every tick in order (sums per stack, spans, maxima) reads
   * a churning tick's ~10 % of changed counts instead of all 5,000.
   */
  static changedIds(prev: ReadonlyMap<number, number>, next: ReadonlyMap<number, number>): ArrayLike<number> | null {
    if (next === prev) return NO_IDS;
    return next instanceof CompactCounts && prev instanceof CompactCounts && next.fromSeq === prev.seq ? next.changed : null;
  }

  /** The counts at changedIds(prev, next), aligned with them (0 = none), when those are known. */
  static changedCounts(prev: ReadonlyMap<number, number>, next: ReadonlyMap<number, number>): ArrayLike<number> | null {
    if (next === prev) return NO_IDS;
    return next instanceof CompactCounts && prev instanceof CompactCounts && next.fromSeq === prev.seq ? next.changedVals : null;
  }

  /**
   * A dense `prev` with the changes written into a copy (the merge below costs a pass over every stack with
   * conversions), its range grown to take a new stack past either end. A stack at an end that has none now stays
   * in the range as a 0 (what `of` would trim): at 5,000 churning stacks the stacks at the ends of the range reach 0
   * now and then, and refusing those ticks sent a fifth of them through the merge. Null when the counts no longer
   * fit their width, or sparse would now be smaller (the merge and `of` then choose afresh).
   */
  private static dense(prev: CompactCounts, changes: ArrayLike<number>): CompactCounts | null {
    const { vals: pVals, base } = prev;
    if (prev.ids !== null) return null;
    const len = pVals.length;
    const cap = pVals instanceof Uint8Array ? 256 : pVals instanceof Uint16Array ? 65536 : 2 ** 31;
    let lo = base;
    let hi = base + len - 1;
    for (let j = 0; j < changes.length; j += 2) {
      const id = changes[j]!;
      const c = changes[j + 1]!;
      if (!(c < cap)) return null;
      if (c > 0 && id < lo) lo = id;
      if (c > 0 && id > hi) hi = id;
    }
    // a new stack far past the range: sparse is smaller whatever the counts (no array of that range is made)
    const bytes = pVals.BYTES_PER_ELEMENT;
    if (!denseIsSmaller(hi - lo + 1, prev.n + (changes.length >> 1), hi, bytes)) return null;
    let vals: Vals;
    if (lo === base && hi === base + len - 1) vals = pVals.slice();
    else {
      vals = new (pVals.constructor as new (n: number) => Vals)(hi - lo + 1);
      vals.set(pVals, base - lo);
    }
    let n = prev.n;
    let maxVal = 0;
    for (let j = 0; j < changes.length; j += 2) {
      const at = changes[j]! - lo;
      const c = changes[j + 1]!;
      if (at < 0 || at >= vals.length) continue; // gone, and outside the range: it had none already
      if (vals[at]! > 0) n--;
      if (c > 0) n++;
      vals[at] = c;
    }
    if (n === 0) return null;
    // The width `of` would choose: the narrowest that holds the largest count. Bytes hold every count here (the
    // changes were checked against the cap); a wider array is right once one count needs it, so the scan stops at
    // the first (a pass over every count of every tick was a third of this function at 5,000 stacks).
    const narrower = vals instanceof Uint8Array ? 0 : vals instanceof Uint16Array ? 256 : 65536;
    if (narrower > 0) for (let i = 0; i < vals.length && maxVal < narrower; i++) if (vals[i]! > maxVal) maxVal = vals[i]!;
    const valBytes = narrower === 0 ? 1 : countBytes(maxVal);
    // sparse would list ids up to the highest with goroutines (a stack gone at the top end is kept here as a 0)
    let top = vals.length - 1;
    while (top > 0 && vals[top] === 0) top--;
    if (valBytes !== vals.BYTES_PER_ELEMENT || !denseIsSmaller(vals.length, n, lo + top, valBytes)) return null;
    return new CompactCounts(null, vals, lo, n);
  }

  /** `prev` with the changes applied, by one merge of two ascending lists. */
  private static merged(prev: CompactCounts, changes: ArrayLike<number>): CompactCounts {
    const { ids: pIds, vals: pVals, base } = prev;
    const cap = prev.n + changes.length / 2;
    const ids = new Int32Array(cap);
    const vals = new Int32Array(cap);
    let i = 0;
    let j = 0;
    let n = 0;
    const pLen = pVals.length;
    while (i < pLen || j < changes.length) {
      // a dense tick's zeros are no entries
      if (i < pLen && pVals[i] === 0) {
        i++;
        continue;
      }
      const pid = i < pLen ? (pIds === null ? base + i : pIds[i]!) : Infinity;
      const cid = j < changes.length ? changes[j]! : Infinity;
      if (pid < cid) {
        ids[n] = pid;
        vals[n++] = pVals[i++]!;
        continue;
      }
      // the change wins over the old count of the same id
      const c = changes[j + 1]!;
      if (c > 0) {
        ids[n] = cid;
        vals[n++] = c;
      }
      if (pid === cid) i++;
      j += 2;
    }
    return CompactCounts.of(ids, vals, n);
  }

  get size(): number {
    return this.n;
  }

  /** How many ticks back a lookup may walk (0: a copy of its own; see CHAIN_MAX). */
  get chainDepth(): number {
    return this.depth;
  }

  /** Bytes of counts and ids these hold of their own (a chained tick: its delta), for tests and benchmarks. */
  get ownBytes(): number {
    let b = (this.ids?.byteLength ?? 0) + this.vals.byteLength;
    if (this.changed !== null && this.changed !== this.ids) b += this.changed.byteLength;
    if (this.changedVals !== null && this.changedVals !== this.vals) b += this.changedVals.byteLength;
    return b;
  }

  /** The typed arrays of a tick's counts when they are a CompactCounts, for loops over every count (RawCounts). */
  static rawOf(m: ReadonlyMap<number, number>): RawCounts | null {
    if (!(m instanceof CompactCounts)) return null;
    const { ids, base, vals } = m.flat();
    return { ids, base, vals };
  }

  private indexOf(id: number): number {
    if (this.ids === null) {
      const j = id - this.base;
      return j >= 0 && j < this.vals.length && this.vals[j]! > 0 ? j : -1;
    }
    let lo = 0;
    let hi = this.ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.ids[mid]!;
      if (v === id) return mid;
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  get(id: number): number | undefined {
    // a chained tick: the newest delta that set this id says its count, else the copy the chain starts from
    let c: CompactCounts = this;
    while (c.up !== null) {
      const ids = c.ids!;
      let lo = 0;
      let hi = ids.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const v = ids[mid]!;
        if (v === id) {
          const n = c.vals[mid]!;
          return n > 0 ? n : undefined;
        }
        if (v < id) lo = mid + 1;
        else hi = mid - 1;
      }
      c = c.up;
    }
    const i = c.indexOf(id);
    return i < 0 ? undefined : c.vals[i];
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  forEach(fn: (count: number, id: number, map: ReadonlyMap<number, number>) => void, thisArg?: unknown): void {
    const { ids, vals, base } = this.flat();
    for (let i = 0; i < vals.length; i++) {
      const c = vals[i]!;
      if (c === 0) continue; // a dense tick's stack with none
      if (thisArg === undefined) fn(c, ids === null ? base + i : ids[i]!, this);
      else fn.call(thisArg, c, ids === null ? base + i : ids[i]!, this);
    }
  }

  *entries(): MapIterator<[number, number]> {
    const { ids, vals, base } = this.flat();
    for (let i = 0; i < vals.length; i++) if (vals[i]! > 0) yield [ids === null ? base + i : ids[i]!, vals[i]!];
  }

  *keys(): MapIterator<number> {
    for (const [id] of this.entries()) yield id;
  }

  *values(): MapIterator<number> {
    for (const c of this.flat().vals) if (c > 0) yield c;
  }

  [Symbol.iterator](): MapIterator<[number, number]> {
    return this.entries();
  }
}

const NO_IDS = new Uint16Array(0);

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const COLON = 58;
const SPACE = 32;

/**
 * Where parseEntries collects numbers before one copy out: growing a plain array by push was half of a year's parse.
 * A reader that keeps a line's entries as a view (HistoryCounts) has its own.
 */
interface EntryScratch {
  buf: Float64Array;
}
const sharedScratch: EntryScratch = { buf: new Float64Array(4096) };

/**
 * `<id>:<n>[:<n>...]` entries of `width` numbers each, separated by single spaces, from `from` to the end of the
 * line, flat (no tuple per entry: a year of 5,000 stacks is billions of entries). Null when damaged. Numbers of
 * more than 15 digits are damage (the largest safe integer has 16; no id or count comes near).
 */
function parseEntries(line: string, from: number, width: number, view: EntryScratch | null): Float64Array | null {
  const n = line.length;
  const scratch = view ?? sharedScratch;
  // At most one number per two characters: size the scratch once per line, not per number.
  if (scratch.buf.length < (n - from + 1) >> 1) scratch.buf = new Float64Array(Math.max((n - from + 1) >> 1, scratch.buf.length * 2));
  const out = scratch.buf;
  let m = 0;
  let v = 0;
  let digits = 0;
  let k = 0; // which number of its entry the current one is
  // One pass, one branch per digit: this loop reads every byte of a year's history.
  for (let i = from; i < n; i++) {
    const c = line.charCodeAt(i);
    if (c >= DIGIT_0 && c <= DIGIT_9) {
      v = v * 10 + (c - DIGIT_0);
      digits++;
      continue;
    }
    if (digits === 0 || digits > 15) return null;
    if (c === COLON && k < width - 1) k++;
    else if (c === SPACE && k === width - 1 && i + 1 < n) k = 0;
    else return null;
    out[m++] = v;
    v = 0;
    digits = 0;
  }
  if (digits === 0 || digits > 15 || k !== width - 1) return null;
  out[m++] = v;
  return view ? out.subarray(0, m) : out.slice(0, m);
}

/**
 * One history line, parsed. `entries` is flat: `[id, count, id, count, ...]` for K and D; for H
 * `[id, last, min, max, ...]` (ENTRY_WIDTH says how many numbers per entry).
 */
export interface HistoryLine {
  kind: 'K' | 'D' | 'H';
  tsSeconds: number;
  lifetime: string;
  total: number;
  /** H only: the bucket's first tick and how many ticks it merges (0 for K and D). */
  fromTsSeconds: number;
  ticks: number;
  entries: Float64Array;
}

/** Numbers per entry: `<id>:<count>` or, in an hourly line, `<id>:<last>:<min>:<max>`. */
export const ENTRY_WIDTH = { K: 2, D: 2, H: 4 } as const;

/** How many space-separated fields precede the entries. */
const HEAD_FIELDS = { K: 4, D: 4, H: 6 } as const;

/**
 * The one parser of stack-history lines (replay, compaction), or null when the line is damaged: an unknown
 * kind, a missing or non-numeric field, a stray or trailing space, an entry that is not all digits. With
 * `entriesView` the entries are a view of that scratch, valid only until the next line parsed into it (HistoryCounts,
 * which copies them out when it keeps them longer); else a copy of their own.
 */
export function parseHistoryLine(line: string, entriesView: EntryScratch | null = null): HistoryLine | null {
  const kind = line[0];
  if ((kind !== 'K' && kind !== 'D' && kind !== 'H') || line.charCodeAt(1) !== SPACE) return null;
  // Scanned by hand rather than split(' '): a year of lines is ~50 MB, and the substrings were most of its cost.
  const head = HEAD_FIELDS[kind];
  const cuts = [1];
  let at = 1;
  for (let f = 1; f < head; f++) {
    const next = line.indexOf(' ', at + 1);
    cuts.push(next < 0 ? line.length : next);
    if (next < 0) {
      if (f < head - 1) return null; // a field missing
      break;
    }
    at = next;
  }
  // Number('') is 0: an empty field is damage, not zero.
  const field = (f: number) => (cuts[f]! > cuts[f - 1]! + 1 ? line.slice(cuts[f - 1]! + 1, cuts[f]) : 'x');
  const tsSeconds = Number(field(1));
  const lifetime = cuts[2]! > cuts[1]! + 1 ? line.slice(cuts[1]! + 1, cuts[2]) : '';
  const total = Number(field(3));
  const fromTsSeconds = kind === 'H' ? Number(field(4)) : 0;
  const ticks = kind === 'H' ? Number(field(5)) : 0;
  if (!lifetime || !Number.isFinite(tsSeconds) || !Number.isFinite(total) || !Number.isFinite(fromTsSeconds)) return null;
  if (kind === 'H' && !(Number.isSafeInteger(ticks) && ticks > 0)) return null;
  const end = cuts[head - 1]!;
  if (end === line.length - 1) return null; // a trailing space
  const entries = end < line.length ? parseEntries(line, end + 1, ENTRY_WIDTH[kind], entriesView) : new Float64Array(0);
  if (!entries) return null;
  return { kind, tsSeconds, lifetime, total, fromTsSeconds, ticks, entries };
}

/** A line's `ts_seconds` (the second field of every kind), for binary search; null when it has none. */
export function historyLineTsSeconds(line: string): number | null {
  const a = line.indexOf(' ');
  const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
  if (b < 0 || a !== 1 || (line[0] !== 'K' && line[0] !== 'D' && line[0] !== 'H')) return null;
  const v = Number(line.slice(a + 1, b));
  return Number.isFinite(v) ? v : null;
}

/** A line's lifetime (the third field of every kind), for a thinned read; null when it has none. */
export function historyLineLifetime(line: string): string | null {
  const a = line.indexOf(' ');
  const b = a < 0 ? -1 : line.indexOf(' ', a + 1);
  const c = b < 0 ? -1 : line.indexOf(' ', b + 1);
  return c > b + 1 ? line.slice(b + 1, c) : null;
}

/** K and H lines set every count (replay can start at one); D lines change some. */
export function isKeyframeLine(line: string): boolean {
  return line.startsWith('K ') || line.startsWith('H ');
}

/**
 * The counts as of the last line, with the rules for damage that every reader of the log shares: a damaged line
 * forgets the counts (what the next delta is relative to is no longer known); a delta with no counts of its own
 * lifetime before it is skipped until the next keyframe, so a wrong number is never invented. A K line sets the
 * counts; an H line (an hourly compacted bucket, src/core/historyCompaction.ts) sets them to its `last` counts.
 */
export class HistoryCounts {
  /** stack id -> non-zero count, or null when unknown (nothing read yet, or after damage); see `counts`. */
  private map: Map<number, number> | null = null;
  /**
   * With keepFrozen, the counts as frozen ticks: each delta makes the next one (CompactCounts.withChanges) and no Map
   * is kept beside them. A replay of every tick at 5,000 stacks updated a Map of 5,000 entries with every delta only
   * to freeze the same counts again.
   */
  private compact: CompactCounts | null = null;

  /**
   * keepFrozen: a reader that freezes every tick (HistoryReplay at full resolution); thinned reads and compaction keep
   * a Map for their deltas (what a keyframe froze to is kept until a delta comes, see frozen()).
   */
  constructor(private readonly keepFrozen = false) {
    this.live = keepFrozen ? new LiveCounts() : null;
  }
  /** With keepFrozen: the counts by id beside the frozen ticks, so a delta makes a chained tick (see CHAIN_MAX). */
  private readonly live: LiveCounts | null;
  /** Where this reader's lines are parsed: its own, so no other parse can overwrite a keyframe held as a view. */
  private readonly scratch: EntryScratch = { buf: new Float64Array(4096) };
  /**
   * The last K or H line's entries while no delta came after it: the Map is built only when a delta needs it.
   * `view`: the entries are still this reader's scratch, valid until its next line is parsed; apply copies them out
   * first if they are still needed then. Most are not: a report freezes each kept keyframe before the next line, and
   * a copy of every hourly line (160 KB at 5,000 stacks) was 1.4 GB of copying in a year's report.
   */
  private keyframe: { entries: Float64Array; width: number; view: boolean } | null = null;
  lifetime = '';
  /** Lines that did not parse. */
  bad = 0;
  /** Non-empty lines seen (to tell a file with some damage from one that is not a history at all). */
  lines = 0;
  /** Deltas skipped after damage or a lifetime change, until the next keyframe. */
  orphanDeltas = 0;

  /** stack id -> non-zero count, or null when unknown (nothing read yet, or after damage). */
  get counts(): Map<number, number> | null {
    if (this.keyframe) {
      const { entries: e, width } = this.keyframe;
      const m = new Map<number, number>();
      for (let i = 0; i < e.length; i += width) if (e[i + 1]! > 0) m.set(e[i]!, e[i + 1]!);
      this.map = m;
      this.keyframe = null;
    } else if (this.compact) {
      this.map = new Map(this.compact);
      this.compact = null;
    }
    return this.map;
  }

  /** Whether the counts are known (without building them). */
  get known(): boolean {
    return this.keyframe !== null || this.map !== null || this.compact !== null;
  }

  /**
   * The counts frozen, straight from the last K or H line when no delta followed it (no Map: a year of hourly lines
   * at 5,000 stacks spent 7 s building Maps only to freeze them); null when unknown.
   */
  frozen(): CompactCounts | null {
    if (this.compact) return this.compact;
    const fromKeyframe = this.keyframe && CompactCounts.fromEntries(this.keyframe.entries, this.keyframe.width);
    if (fromKeyframe) {
      // the keyframe's counts are these now: its entries (maybe the parser's scratch) are not needed again
      this.compact = fromKeyframe;
      this.keyframe = null;
      return fromKeyframe;
    }
    const m = this.counts;
    const c = m && CompactCounts.from(m);
    if (this.keepFrozen && c) {
      // from now on the frozen counts are the state (one object while nothing changes)
      this.compact = c;
      this.keyframe = null;
      this.map = null;
    }
    return c;
  }

  /** A keyframe line (K or H) parsed and frozen elsewhere, as apply would take its text; null for one that did not parse. */
  applyParsed(k: { lifetime: string; counts: CompactCounts } | null): void {
    this.lines++;
    this.map = null;
    this.keyframe = null;
    this.compact = k?.counts ?? null;
    if (k === null) this.bad++;
    else this.lifetime = k.lifetime;
  }

  /** Applies one line (without its newline); returns it parsed when it is a tick, null when skipped. */
  apply(text: string): HistoryLine | null {
    // a file that passed through a Windows editor or a CRLF copy: the line ending is not part of the line
    if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    if (text === '' || text.startsWith('#')) return null;
    this.lines++;
    if (this.keyframe?.view) this.keyframe = { entries: this.keyframe.entries.slice(), width: this.keyframe.width, view: false };
    const line = parseHistoryLine(text, this.scratch);
    if (!line) {
      this.bad++;
      this.map = null;
      this.keyframe = null;
      this.compact = null;
      return null;
    }
    const e = line.entries;
    const width = ENTRY_WIDTH[line.kind];
    if (line.kind === 'D' && this.keepFrozen && this.lifetime === line.lifetime && this.known) {
      if (e.length === 0) return line; // nothing changed: the same frozen counts
      const before = this.frozen();
      const next = before && CompactCounts.withChanges(before, e, this.live);
      if (next) {
        this.compact = next;
        return line;
      }
      // ids out of order (a hand-edited line): the Map takes them, below
    }
    if (line.kind === 'D') {
      const counts = this.lifetime === line.lifetime ? this.counts : null;
      if (!counts) {
        this.orphanDeltas++;
        return null;
      }
      for (let i = 0; i < e.length; i += width) {
        if (e[i + 1] === 0) counts.delete(e[i]!);
        else counts.set(e[i]!, e[i + 1]!);
      }
    } else {
      this.map = null;
      this.compact = null;
      this.keyframe = { entries: e, width, view: true };
      this.lifetime = line.lifetime;
    }
    return line;
  }
}

/**
 * Strings cut from lines, each as a string of its own, one per value. A slice of a line keeps the whole line alive in
 * V8 (a sliced string points into its parent): a tick holding its lifetime that way kept its 100 KB keyframe line,
 * 0.5 GB over a year at 5,000 stacks (and a worker's answer for half a year's hourly files ~250 MB of heap).
 */
export class OwnStrings {
  private readonly seen = new Map<string, string>();

  of(s: string): string {
    let own = this.seen.get(s);
    if (own === undefined) {
      own = JSON.parse(JSON.stringify(s)) as string; // a new flat string (once per value)
      this.seen.set(own, own);
    }
    return own;
  }
}

/**
 * A keyframe line parsed elsewhere: its tick with its counts frozen, or one that did not parse, with what its text
 * still gave of its time and lifetime (historyLineTsSeconds, historyLineLifetime: thinning decides by them).
 */
export type ParsedKeyframe =
  | { tsSeconds: number; lifetime: string; total: number; counts: CompactCounts }
  | { bad: true; tsSeconds: number | null; lifetime: string | null }
  /** An empty or `#` line: no tick and no damage, but a thinned read passes on what it held (as line() does). */
  | { blank: true };

/**
 * What every reader of history lines (replay, compaction) shares: one HistoryCounts, so both skip damage alike,
 * and its tallies for the caller's warning lines.
 */
export abstract class HistoryLineReader {
  protected readonly counts: HistoryCounts;

  constructor(keepFrozen = false) {
    this.counts = new HistoryCounts(keepFrozen);
  }

  /** Lines that did not parse. */
  get bad(): number {
    return this.counts.bad;
  }

  /** Non-empty lines seen. */
  get lines(): number {
    return this.counts.lines;
  }

  /** Deltas skipped after damage, until the next keyframe. */
  get skippedDeltas(): number {
    return this.counts.orphanDeltas;
  }

  /** One line without its newline. */
  abstract line(text: string): void;
}

export interface ReplayResult {
  ticks: HistoryTick[];
  warnings: string[];
}

/**
 * Replays the log into per-tick counts, one line at a time, so a reader can stream a file of any size (never
 * one string: V8 strings stop at ~512 MiB). Damage is handled as HistoryCounts says. An H line is one tick at its
 * `ts_seconds` (so old, compacted data keeps one point per hour). `keep(ts)` filters ticks (e.g. --since/--until)
 * without breaking the replay.
 */
export class HistoryReplay extends HistoryLineReader {
  readonly ticks: HistoryTick[] = [];
  /** Thinned reads: the counts as of the last tick emitted, frozen (the same object while they do not change). */
  private frozen: CompactCounts | null = null;
  /** Thinned reads (stepSeconds > 0): the counts changed since `frozen` was built. */
  private dirty = true;
  private readonly thinner: BucketThinner<Omit<HistoryTick, 'counts'>> | null;

  constructor(
    private readonly source: string,
    private readonly keep: (ts: number) => boolean = () => true,
    /**
     * Keep one tick per bucket of this many seconds of a lifetime, the last (and each lifetime's first); 0 keeps
     * every tick. See core/readResolution.ts. Thinned ticks cost a parse and a Map update, never a frozen copy.
     */
    stepSeconds = 0,
  ) {
    // every tick kept frozen: the frozen counts are the state (HistoryCounts keepFrozen)
    super(!(stepSeconds > 0));
    this.thinner = stepSeconds > 0 ? new BucketThinner(stepSeconds, (t) => this.emitThinned(t)) : null;
  }

  /** One string per lifetime, copied out of its line (OwnStrings). */
  private readonly lifetimes = new OwnStrings();

  private own(lifetime: string): string {
    return this.lifetimes.of(lifetime);
  }

  /** Ticks passed over by a thinned read. */
  get thinnedAway(): number {
    return this.thinner?.dropped ?? 0;
  }

  /** One line without its newline. */
  line(text: string): void {
    if (this.thinner) return this.thinnedLine(text, this.thinner);
    const line = this.counts.apply(text);
    if (!line) return;
    // The counts as of this line, frozen: a delta that changes nothing shares the previous tick's object, one that
    // changes some is merged into it (HistoryCounts keepFrozen).
    if (this.keep(line.tsSeconds)) {
      this.ticks.push({ tsSeconds: line.tsSeconds, lifetime: this.own(line.lifetime), total: line.total, counts: this.counts.frozen()! });
    }
  }

  /**
   * A keyframe line parsed and frozen elsewhere (hourly history read on another thread, io/hourlyReadAhead.ts), in
   * file order, as line() would take its text: the same ticks, thinning and damage counts.
   */
  parsedKeyframe(k: ParsedKeyframe): void {
    const thinner = this.thinner;
    const ts = 'blank' in k ? null : k.tsSeconds;
    if (thinner) this.passOnHeld(thinner, ts, 'blank' in k || ts === null ? null : k.lifetime);
    if ('blank' in k || 'bad' in k) {
      if (!('blank' in k)) this.counts.applyParsed(null);
      if (thinner) this.afterSkipped(thinner);
      return;
    }
    this.counts.applyParsed(k);
    if (thinner) {
      this.dirty = true;
      if (this.keep(k.tsSeconds)) thinner.add({ tsSeconds: k.tsSeconds, lifetime: this.own(k.lifetime), total: k.total }, k.tsSeconds, k.lifetime);
    } else if (this.keep(k.tsSeconds)) {
      this.ticks.push({ tsSeconds: k.tsSeconds, lifetime: this.own(k.lifetime), total: k.total, counts: this.counts.frozen()! });
    }
  }

  /** The tick held is the state before the line at `ts` of `lifetime` (null: unreadable): passed on unless it takes its place. */
  private passOnHeld(thinner: BucketThinner<Omit<HistoryTick, 'counts'>>, ts: number | null, lifetime: string | null): void {
    if (ts === null || lifetime === null || !this.keep(ts) || !thinner.replacesHeld(ts, lifetime)) thinner.flush();
  }

  /** After a line that made no tick: damage forgot the counts, and what was held is gone with them. */
  private afterSkipped(thinner: BucketThinner<Omit<HistoryTick, 'counts'>>): void {
    if (!this.counts.known) thinner.reset();
  }

  private thinnedLine(text: string, thinner: BucketThinner<Omit<HistoryTick, 'counts'>>): void {
    const ts = historyLineTsSeconds(text);
    this.passOnHeld(thinner, ts, ts === null ? null : historyLineLifetime(text));
    const line = this.counts.apply(text);
    if (!line) return this.afterSkipped(thinner);
    if (line.kind !== 'D' || line.entries.length > 0) this.dirty = true;
    if (this.keep(line.tsSeconds)) thinner.add({ tsSeconds: line.tsSeconds, lifetime: this.own(line.lifetime), total: line.total }, line.tsSeconds, line.lifetime);
  }

  private emitThinned(t: Omit<HistoryTick, 'counts'>): void {
    if (!this.counts.known) return;
    if (this.dirty || !this.frozen) {
      this.frozen = this.counts.frozen();
      this.dirty = false;
    }
    if (this.frozen) this.ticks.push({ tsSeconds: t.tsSeconds, lifetime: t.lifetime, total: t.total, counts: this.frozen });
  }

  /** After the last line: a thinned read emits the tick it holds. */
  finish(): void {
    this.thinner?.flush();
  }

  warnings(): string[] {
    const w: string[] = [];
    if (this.bad) w.push(`${this.source}: skipped ${this.bad} damaged line(s)`);
    if (this.skippedDeltas) w.push(`${this.source}: skipped ${this.skippedDeltas} tick(s) after damage, until the next keyframe`);
    return w;
  }
}

/** Replays a whole log held as text (tests, small files); readers of data files stream it (src/io/readRecording.ts). */
export function replayHistory(text: string, source: string, keep: (ts: number) => boolean = () => true): ReplayResult {
  const r = new HistoryReplay(source, keep);
  const end = text.endsWith('\n') ? text.length : text.lastIndexOf('\n') + 1;
  const torn = end < text.length ? [`${source}: skipped a torn last line (the recorder was killed mid-write)`] : [];
  let pos = 0;
  while (pos < end) {
    const nl = text.indexOf('\n', pos);
    r.line(text.slice(pos, nl));
    pos = nl + 1;
  }
  r.finish();
  return { ticks: r.ticks, warnings: [...torn, ...r.warnings()] };
}
