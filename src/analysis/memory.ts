// Memory of the current lifetime: how much each goroutine costs, how the RSS growth splits into the Go heap,
// goroutine stacks and the rest (parts that add up to the whole), and how much the suspects hold. Pure.

import type { MemoryExplained, SampleRow } from '../core/model.js';
import { formatBytes, formatCount, formatSignedBytes } from '../core/format.js';
import { MIN_POINTS } from './trend.js';
import { extent, median, theilSenSlope } from './robustStats.js';

/** RSS must rise by at least 4 MiB to be material: allocator and GC noise on small services is in the MiB range. */
export const RSS_MIN_RISE_BYTES = 4 * 1024 * 1024;
/**
 * The Go heap is judged like RSS: heap_inuse_bytes is the runtime's sampled estimate as of the last GC,
 * so it jumps by MiBs between GCs on small services too.
 */
export const HEAP_MIN_RISE_BYTES = RSS_MIN_RISE_BYTES;
/** Memory growth levels: the median of the first and of the last tenth of a series (at least 3 points each). */
export const GROWTH_LEVEL_FRACTION = 0.1;
/** bytesPerGoroutine needs the goroutine count to vary by at least this much, or memory noise dominates the slope. */
export const BPG_MIN_GOROUTINE_RANGE = 50;
/** The smallest a goroutine can cost: its initial stack (2 KiB since Go 1.4). */
export const MIN_BYTES_PER_GOROUTINE = 2048;

export interface Series {
  ts: number[];
  vs: number[];
}

/** The memory series of some rows: RSS, the Go heap (pprof heap when recorded, else expvar), stack memory. */
export interface MemorySeries {
  rss: Series;
  heap: Series;
  stackMem: Series;
  goroutines: Series;
}

export function memorySeries(rows: readonly SampleRow[]): MemorySeries {
  const m: MemorySeries = { rss: { ts: [], vs: [] }, heap: { ts: [], vs: [] }, stackMem: { ts: [], vs: [] }, goroutines: { ts: [], vs: [] } };
  // The pprof heap (inuse_space) when recorded, else expvar's HeapInuse: one source for the whole lifetime.
  const heapOf: (r: SampleRow) => number | null | undefined = rows.some((r) => r.heapInuseBytes != null)
    ? (r) => r.heapInuseBytes
    : (r) => r.memstatsHeapInuseBytes;
  const put = (s: Series, ts: number, v: number | null | undefined) => {
    if (v === null || v === undefined) return; // not measured: skipped, never zero
    s.ts.push(ts);
    s.vs.push(v);
  };
  for (const r of rows) {
    put(m.rss, r.tsSeconds, r.rssBytes);
    put(m.heap, r.tsSeconds, heapOf(r));
    put(m.stackMem, r.tsSeconds, r.memstatsStackInuseBytes);
    put(m.goroutines, r.tsSeconds, r.goroutines);
  }
  return m;
}

/** How many points make a growth level: a tenth of the series, at least 3, at most half. */
function levelPoints(n: number): number {
  return Math.min(Math.floor(n / 2), Math.max(3, Math.ceil(n * GROWTH_LEVEL_FRACTION)));
}

/** Level now minus level at the start: medians of the first and the last tenth (>= 3 points; half when short). */
export function growthOf(vs: readonly number[]): number | null {
  const n = vs.length;
  if (n < 2) return null;
  const k = levelPoints(n);
  return median(vs.slice(n - k)) - median(vs.slice(0, k));
}

/**
 * What one more goroutine costs: the Theil–Sen slope of memory against the goroutine count, at least 2 KiB. The
 * memory is the runtime's own stack figure (expvar StackInuse) when served; else RSS minus the Go heap when the
 * heap is measured (so a heap leak growing at the same time is not blamed on goroutines); else RSS. Null when the
 * goroutine count varies too little to tell.
 */
export function bytesPerGoroutine(rows: readonly SampleRow[]): number | null {
  const useStack = rows.some((r) => r.memstatsStackInuseBytes != null);
  const useHeap = !useStack && rows.some((r) => r.heapInuseBytes != null);
  const g: number[] = [];
  const mem: number[] = [];
  for (const r of rows) {
    if (r.goroutines === null) continue;
    let v: number | null = null;
    if (useStack) v = r.memstatsStackInuseBytes ?? null;
    else if (useHeap) v = r.rssBytes !== null && r.heapInuseBytes != null ? r.rssBytes - r.heapInuseBytes : null;
    else v = r.rssBytes;
    if (v === null) continue;
    g.push(r.goroutines);
    mem.push(v);
  }
  if (g.length < MIN_POINTS) return null;
  const gx = extent(g);
  if (gx.max - gx.min < BPG_MIN_GOROUTINE_RANGE) return null;
  const slope = theilSenSlope(g, mem);
  return slope !== null && Number.isFinite(slope) ? Math.max(MIN_BYTES_PER_GOROUTINE, slope) : null;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * How much of the RSS growth the Go heap and goroutine stacks explain, as parts that add up to the growth: the
 * heap's part first (its growth, at most the RSS growth), then the stacks' part (memstats StackInuse growth when
 * served, else goroutine growth x bytesPerGoroutine; at most what the heap left), the rest is "other". Null when
 * RSS was not measured.
 */
export function explainMemory(m: MemorySeries, bpg: number | null): MemoryExplained | null {
  const rssGrowth = growthOf(m.rss.vs);
  if (rssGrowth === null) return null;
  const heapGrowth = growthOf(m.heap.vs);
  const gGrowth = growthOf(m.goroutines.vs);
  let stackGrowth: number | null = growthOf(m.stackMem.vs);
  let source: MemoryExplained['stackGrowthSource'] = stackGrowth === null ? null : 'memstats';
  if (stackGrowth === null && gGrowth !== null && bpg !== null) {
    stackGrowth = Math.round(Math.max(0, gGrowth) * bpg);
    source = 'estimate';
  }
  const whole = Math.max(0, rssGrowth);
  const heapBytes = clamp(heapGrowth ?? 0, 0, whole);
  const stackBytes = clamp(stackGrowth ?? 0, 0, whole - heapBytes);
  const parts = { heapBytes, stackBytes, otherBytes: whole - heapBytes - stackBytes };
  const about = source === 'estimate' ? 'about ' : '';
  let sentence: string;
  if (rssGrowth <= 0) {
    sentence = `RSS did not grow (${formatSignedBytes(rssGrowth)})`;
    const also: string[] = [];
    if (heapGrowth !== null) also.push(`Go heap ${formatSignedBytes(heapGrowth)}`);
    if (stackGrowth !== null) also.push(`goroutine stacks ${about}${formatSignedBytes(stackGrowth)}`);
    if (also.length > 0) sentence += `; ${also.join(', ')}`;
  } else {
    const split: string[] = [];
    if (heapGrowth !== null) split.push(`Go heap ${formatBytes(heapBytes)}`);
    if (stackGrowth !== null) split.push(`goroutine stacks ${about}${formatBytes(stackBytes)}`);
    if (split.length > 0) split.push(`other ${formatBytes(parts.otherBytes)}`);
    sentence = split.length > 0 ? `RSS grew ${formatBytes(rssGrowth)}: ${split.join(', ')}` : `RSS grew ${formatBytes(rssGrowth)}; no heap or stack figures to split it`;
    if (heapGrowth !== null && heapGrowth > whole) sentence += ` (the heap grew ${formatBytes(heapGrowth)}, partly into memory the process already had)`;
    if (source === 'estimate' && gGrowth !== null) sentence += ` (goroutines ${gGrowth >= 0 ? '+' : ''}${formatCount(gGrowth)} at about ${formatBytes(bpg!)} each)`;
  }
  return {
    rssGrowthBytes: rssGrowth,
    stackGrowthBytes: stackGrowth,
    stackGrowthSource: source,
    heapGrowthBytes: heapGrowth,
    goroutineGrowth: gGrowth,
    parts: rssGrowth > 0 ? parts : null,
    sentence,
  };
}

/**
 * What the suspects hold now and in a day at their rate: goroutines they gained x bytesPerGoroutine, never more
 * than goroutine stacks can explain (their part of the RSS growth, or the stack growth when RSS did not grow).
 */
export function suspectsHold(
  suspects: readonly { first: number; last: number; perHour: number }[],
  bpg: number | null,
  mem: MemoryExplained | null,
): { now: number | null; inADay: number | null } {
  if (bpg === null) return { now: null, inADay: null };
  const held = suspects.reduce((a, s) => a + Math.max(0, s.last - s.first), 0);
  const rate = suspects.reduce((a, s) => a + Math.max(0, s.perHour), 0);
  let now = held * bpg;
  if (mem) {
    const cap = mem.parts ? mem.parts.stackBytes : Math.max(0, mem.stackGrowthBytes ?? 0);
    now = Math.min(now, cap);
  }
  return { now, inADay: now + 24 * rate * bpg };
}

/**
 * The RSS growth that neither the heap nor goroutine stacks explain, for the verdict: RSS keeps the pages the heap
 * used at its peak (Go returns freed memory to the OS slowly), so the heap's part is its growth up to its highest
 * level in the lifetime, not up to now — a heap that followed the day's traffic up and back down explains an RSS
 * that stayed up. Null when RSS was not measured.
 */
export function unexplainedRssGrowth(m: MemorySeries, mem: MemoryExplained | null): number | null {
  if (!mem) return null;
  const whole = Math.max(0, mem.rssGrowthBytes);
  if (m.heap.vs.length < 2) return mem.parts ? mem.parts.otherBytes : whole;
  const heapStart = median(m.heap.vs.slice(0, levelPoints(m.heap.vs.length)));
  const heapPeakGrowth = Math.max(0, extent(m.heap.vs).max - heapStart);
  const stackPart = mem.parts ? mem.parts.stackBytes : 0;
  return Math.max(0, whole - heapPeakGrowth - stackPart);
}
