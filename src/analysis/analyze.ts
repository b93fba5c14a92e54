// From a TargetRecording to a TargetSummary: split at process restarts, classify the current lifetime's
// goroutine, RSS and Go heap series, find suspect stacks, estimate bytes per goroutine, say how much of the
// RSS growth goroutine stacks and the heap explain, decide the verdict and say it in one sentence. Pure: no
// I/O (source lines are read by the caller, see source.ts; so are the goroutineleak and debug=2 snapshots,
// which arrive decoded in opts.evidence, see evidence.ts).
//
// Verdict (about the current process lifetime):
//   insufficient-data  neither goroutines nor RSS have enough points (MIN_POINTS over MIN_SPAN_SECONDS);
//   leak               goroutines rise and at least one stack is a suspect (or, without per-stack history,
//                      goroutines rise with Mann–Kendall z >= STRONG_RISE_Z);
//   growing            goroutines rise with no single stack to blame; or the Go heap rises (heap_inuse_bytes,
//                      classified like RSS, HEAP_MIN_RISE_BYTES) while goroutines do not: a memory leak that is
//                      not a goroutine leak (compare heap profiles); or RSS rises for another reason;
//   stable             otherwise.
// The runtime's leak profile never changes the verdict (a few goroutines leaked once at startup are real but
// not growth); it marks suspects `confirmed` and is named in the headline.

import type {
  HistoryTick,
  MemoryExplained,
  RuntimeLeaks,
  SampleRow,
  SeriesTrend,
  Summary,
  Suspect,
  TargetRecording,
  TargetSummary,
  Verdict,
} from '../core/model.js';
import { applyLeakProfile, dumpFactsForSuspects, type LifetimeWindow, type TargetEvidence } from './evidence.js';
import { leafFrame } from './frames.js';
import { findSuspects, SUSPECT_MIN_INCREASE, ticksOfLifetime } from './suspects.js';
import { classifyTrend, median, MIN_POINTS, MIN_SPAN_SECONDS, theilSenSlope, type TrendResult } from './trend.js';

/** Goroutine totals must rise by at least this much to be material: a few request goroutines come and go. */
export const GOROUTINES_MIN_RISE = 10;
/** RSS must rise by at least 4 MiB to be material: allocator and GC noise on small services is in the MiB range. */
export const RSS_MIN_RISE_BYTES = 4 * 1024 * 1024;
/**
 * The Go heap is classified like RSS: heap_inuse_bytes is the runtime's sampled estimate as of the last GC,
 * so it jumps by MiBs between GCs on small services too.
 */
export const HEAP_MIN_RISE_BYTES = RSS_MIN_RISE_BYTES;
/** Memory growth levels: the median of the first and of the last tenth of a series (at least 3 points each). */
export const GROWTH_LEVEL_FRACTION = 0.1;
/**
 * Without per-stack history (no goroutine profiles), rising goroutines count as a leak only when the
 * Mann–Kendall z reaches this (well above Z_SIGNIFICANT): there is no suspect to back the claim.
 */
export const STRONG_RISE_Z = 5;
/** bytesPerGoroutine needs the goroutine count to vary by at least this much, or RSS noise dominates the slope. */
export const BPG_MIN_GOROUTINE_RANGE = 50;
/** The smallest a goroutine can cost: its initial stack (2 KiB since Go 1.4). */
export const MIN_BYTES_PER_GOROUTINE = 2048;
/** A gap is an interval between samples longer than this many times the median interval... */
export const GAP_FACTOR = 3;
/** ...and longer than this (so one late cron run at one-minute spacing is not a gap). */
export const GAP_MIN_SECONDS = 300;

export interface AnalyzeOptions {
  /** goleak-style ignore list for suspects. */
  ignore?: string[];
  /** "Now", unix seconds (for generatedAt and the stale-data warning); defaults to the clock. */
  nowSeconds?: number;
  /** Minimum rise of a stack to be a suspect; default SUSPECT_MIN_INCREASE. */
  minIncrease?: number;
  /**
   * Decoded goroutineleak / debug=2 snapshots of each target's current lifetime, by target name (the caller
   * picks them with pickEvidenceSnapshots(rec.snapshots, currentLifetimeWindow(rec)) and reads them).
   */
  evidence?: Record<string, TargetEvidence>;
  /** Called before each target is analysed (analyzeAll only): for progress output. */
  onTarget?: (name: string, index: number, total: number) => void;
}

/**
 * The lifetime a sample row belongs to, with the recorder's convention (src/core/tickPlan.ts lifetimeOf):
 * `${pid}@${processStartTsSeconds ?? '?'}`, `url` for pprof-only targets (no pid). Null for rows that
 * measured nothing (process not found, pid reused, ...): they belong to no lifetime and split none.
 */
export function lifetimeOfRow(row: SampleRow): string | null {
  const measured =
    row.status === 'ok' ||
    row.rssBytes !== null ||
    row.goroutines !== null ||
    row.cpuSecondsTotal !== null ||
    row.threads !== null;
  if (!measured) return null;
  if (row.pid === null) return 'url';
  return `${row.pid}@${row.processStartTsSeconds ?? '?'}`;
}

interface Run {
  key: string;
  startTs: number;
  endTs: number;
  rows: SampleRow[];
}

/** Stable sort by time; also how many items were out of order. */
function sortByTime<T>(items: T[], ts: (x: T) => number): { sorted: T[]; outOfOrder: number } {
  let outOfOrder = 0;
  for (let i = 1; i < items.length; i++) if (ts(items[i]!) < ts(items[i - 1]!)) outOfOrder++;
  if (outOfOrder === 0) return { sorted: items.slice(), outOfOrder };
  const sorted = items
    .map((x, i) => ({ x, i }))
    .sort((a, b) => ts(a.x) - ts(b.x) || a.i - b.i)
    .map(({ x }) => x);
  return { sorted, outOfOrder };
}

/** Maximal runs of consecutive rows with the same lifetime (rows without one are skipped, not split on). */
function splitLifetimes(samples: SampleRow[], ticks: HistoryTick[]): Run[] {
  const runs: Run[] = [];
  for (const row of samples) {
    const key = lifetimeOfRow(row);
    if (key === null) continue;
    const cur = runs[runs.length - 1];
    if (cur && cur.key === key) {
      cur.rows.push(row);
      cur.endTs = row.tsSeconds;
    } else runs.push({ key, startTs: row.tsSeconds, endTs: row.tsSeconds, rows: [row] });
  }
  if (runs.length === 0) {
    // samples.csv empty or unreadable: the history still knows the lifetimes
    for (const t of ticks) {
      const cur = runs[runs.length - 1];
      if (cur && cur.key === t.lifetime) cur.endTs = t.tsSeconds;
      else runs.push({ key: t.lifetime, startTs: t.tsSeconds, endTs: t.tsSeconds, rows: [] });
    }
  }
  return runs;
}

/**
 * The current (last) process lifetime of a recording: its pid (null for a pprof-only target) and the time of
 * its first row; null when nothing was recorded. Same rules as the analysis (sorted by time, rows that
 * measured nothing skipped).
 */
export function currentLifetimeWindow(rec: TargetRecording): LifetimeWindow | null {
  const samples = sortByTime(rec.samples, (r) => r.tsSeconds).sorted;
  const ticks = sortByTime(rec.ticks, (t) => t.tsSeconds).sorted;
  const runs = splitLifetimes(samples, ticks);
  const cur = runs[runs.length - 1];
  if (!cur) return null;
  if (cur.key === 'url') return { pid: null, startTs: cur.startTs };
  const pid = Number(cur.key.split('@')[0]);
  return { pid: Number.isFinite(pid) ? pid : null, startTs: cur.startTs };
}

// ---------------------------------------------------------------- formatting

const intFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneFmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** 1,200 / 12 / 3.4 / 0.25 */
export function formatCount(x: number): string {
  const a = Math.abs(x);
  if (a >= 10) return intFmt.format(x);
  if (a >= 1) return oneFmt.format(x);
  return new Intl.NumberFormat('en-US', { maximumSignificantDigits: 2 }).format(x);
}

/** 512 B, 3.5 KiB, 12.3 MiB, 1.2 GiB */
export function formatBytes(x: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = x;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${Math.round(v)} B` : `${oneFmt.format(v)} ${units[u]}`;
}

/** 45 s, 2 min, 6 h, 3.5 h, 4.2 days */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 60) return `${Math.floor(s)} s`;
  if (s < 2 * 3600) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) {
    const h = s / 3600;
    return `${h < 10 ? oneFmt.format(h) : intFmt.format(h)} h`;
  }
  return `${oneFmt.format(s / 86400)} days`;
}

function signed(text: string, x: number): string {
  return x >= 0 ? `+${text}` : text;
}

function kindPhrase(s: Suspect): string {
  switch (s.kind) {
    case 'running':
      return 'still running';
    case 'sleep':
      return 'sleeping';
    case 'other':
      return 'parked';
    default:
      return `blocked on ${s.kind}`;
  }
}

/** Median of the most recent third of the values: the level the series is at now. */
function recentLevel(vs: number[]): number {
  return median(vs.slice(Math.floor((vs.length * 2) / 3)));
}

interface Series {
  ts: number[];
  vs: number[];
}

/** "goroutines flat at ~40 for 3 h", "RSS plateaued at ~120 MiB", ...; `span` adds how long the series covers. */
function describeSeries(name: string, trend: TrendResult, s: Series, fmt: (x: number) => string, span?: number): string {
  const level = s.vs.length > 0 ? fmt(recentLevel(s.vs)) : '?';
  const rate = signed(fmt(trend.perHour ?? 0), trend.perHour ?? 0);
  const d = span === undefined ? '' : formatDuration(span);
  switch (trend.shape) {
    case 'insufficient-data':
      return s.vs.length === 0 ? `${name} not measured` : `${name} at ~${level} (too few samples)`;
    case 'flat':
      return `${name} flat at ~${level}${d && ` for ${d}`}`;
    case 'plateau':
      return `${name} plateaued at ~${level}${d && ` (${d} recorded)`}`;
    case 'step':
      return `${name} stepped to ~${level} and stayed${d && ` (${d} recorded)`}`;
    case 'falling':
      return `${name} falling ${rate}/hour${d && ` over ${d}`}, now ~${level}`;
    case 'rising':
      return `${name} ${rate}/hour${d && ` over ${d}`}, now ~${level}`;
  }
}

function publicTrend(t: TrendResult): SeriesTrend {
  return { first: t.first, last: t.last, perHour: t.perHour, shape: t.shape };
}

// ---------------------------------------------------------------- memory growth

/** Level now minus level at the start: medians of the first and the last tenth (>= 3 points; half when short). */
export function growthOf(vs: readonly number[]): number | null {
  const n = vs.length;
  if (n < 2) return null;
  const k = Math.min(Math.floor(n / 2), Math.max(3, Math.ceil(n * GROWTH_LEVEL_FRACTION)));
  return median(vs.slice(n - k)) - median(vs.slice(0, k));
}

function signedBytes(x: number): string {
  return signed(formatBytes(x), x);
}

/**
 * How much of the RSS growth goroutine stacks and the Go heap explain: memstats StackInuse growth when served,
 * else goroutine growth x bytesPerGoroutine (an estimate: RSS against goroutines, so it includes what each
 * goroutine keeps alive). Null when RSS was not measured.
 */
export function explainMemory(
  rss: Series,
  stackMem: Series,
  heap: Series,
  goroutines: Series,
  bytesPerGoroutine: number | null,
): MemoryExplained | null {
  const rssGrowth = growthOf(rss.vs);
  if (rssGrowth === null) return null;
  const heapGrowth = growthOf(heap.vs);
  const gGrowth = growthOf(goroutines.vs);
  let stackGrowth: number | null = growthOf(stackMem.vs);
  let source: MemoryExplained['stackGrowthSource'] = stackGrowth === null ? null : 'memstats';
  if (stackGrowth === null && gGrowth !== null && bytesPerGoroutine !== null) {
    stackGrowth = Math.round(Math.max(0, gGrowth) * bytesPerGoroutine);
    source = 'estimate';
  }
  const heapPart = heapGrowth === null ? '' : `; the Go heap ${heapGrowth >= 0 ? 'grew' : 'shrank'} ${formatBytes(Math.abs(heapGrowth))}`;
  let sentence: string;
  if (rssGrowth <= 0) {
    sentence = `RSS did not grow (${signedBytes(rssGrowth)})`;
    if (stackGrowth !== null) sentence += `; goroutine stacks ${source === 'estimate' ? 'about ' : ''}${signedBytes(stackGrowth)}`;
    if (heapGrowth !== null) sentence += `, Go heap ${signedBytes(heapGrowth)}`;
  } else if (source === 'memstats' && stackGrowth !== null) {
    sentence =
      stackGrowth > 0
        ? `goroutine stacks grew ${formatBytes(stackGrowth)} of the ${formatBytes(rssGrowth)} RSS growth${heapPart}`
        : `goroutine stacks did not grow (${signedBytes(stackGrowth)}) while RSS grew ${formatBytes(rssGrowth)}${heapPart}`;
  } else if (source === 'estimate' && stackGrowth !== null && gGrowth !== null) {
    sentence =
      gGrowth > 0
        ? `goroutines grew by ${formatCount(gGrowth)}; at about ${formatBytes(bytesPerGoroutine!)} each (RSS against goroutines) ` +
          // the estimate comes from RSS itself, so it can come out a little above the growth: "all of" then
          (stackGrowth >= 0.95 * rssGrowth
            ? `they explain about all of the ${formatBytes(rssGrowth)} RSS growth${heapPart}`
            : `they explain about ${formatBytes(stackGrowth)} of the ${formatBytes(rssGrowth)} RSS growth${heapPart}`)
        : `goroutines did not grow, so they do not explain the ${formatBytes(rssGrowth)} RSS growth${heapPart}`;
  } else if (heapGrowth !== null) {
    sentence = `the Go heap ${heapGrowth >= 0 ? 'grew' : 'shrank'} ${formatBytes(Math.abs(heapGrowth))} of the ${formatBytes(rssGrowth)} RSS growth` +
      (gGrowth !== null ? ` (goroutines ${signed(formatCount(gGrowth), gGrowth)}; too little variation to tell their size)` : '');
  } else {
    sentence = `RSS grew ${formatBytes(rssGrowth)}; no stack or heap figures to explain it`;
  }
  return {
    rssGrowthBytes: rssGrowth,
    stackGrowthBytes: stackGrowth,
    stackGrowthSource: source,
    heapGrowthBytes: heapGrowth,
    goroutineGrowth: gGrowth,
    sentence,
  };
}

// ---------------------------------------------------------------- the analysis

/** Analyse one target; the verdict is about its current (last) process lifetime. */
export function analyzeTarget(rec: TargetRecording, opts: AnalyzeOptions = {}): TargetSummary {
  const warnings: string[] = [...rec.warnings];
  const iso = (ts: number) => new Date(ts * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

  const { sorted: samples, outOfOrder: samplesBack } = sortByTime(rec.samples, (r) => r.tsSeconds);
  const { sorted: ticks, outOfOrder: ticksBack } = sortByTime(rec.ticks, (t) => t.tsSeconds);
  if (samplesBack > 0 || ticksBack > 0) {
    const parts = [];
    if (samplesBack > 0) parts.push(`${samplesBack} sample(s)`);
    if (ticksBack > 0) parts.push(`${ticksBack} profile tick(s)`);
    warnings.push(`clock went backwards: ${parts.join(' and ')} out of order (sorted by time before analysis)`);
  }

  // gaps in the recording (any row, ok or not, means the recorder ran)
  if (samples.length >= 3) {
    const intervals: number[] = [];
    for (let i = 1; i < samples.length; i++) intervals.push(samples[i]!.tsSeconds - samples[i - 1]!.tsSeconds);
    const typical = median(intervals);
    const limit = Math.max(GAP_FACTOR * typical, GAP_MIN_SECONDS);
    let gaps = 0;
    let longest = 0;
    let longestEnd = 0;
    intervals.forEach((d, i) => {
      if (d > limit) {
        gaps++;
        if (d > longest) {
          longest = d;
          longestEnd = samples[i + 1]!.tsSeconds;
        }
      }
    });
    if (gaps > 0) {
      warnings.push(
        `${gaps} gap(s) in the recording, longest ${formatDuration(longest)} (until ${iso(longestEnd)}); ` +
          `usual interval ${formatDuration(typical)}`,
      );
    }
  }
  if (opts.nowSeconds !== undefined && samples.length >= 2) {
    const lastTs = samples[samples.length - 1]!.tsSeconds;
    const typical = (lastTs - samples[0]!.tsSeconds) / (samples.length - 1);
    const age = opts.nowSeconds - lastTs;
    if (age > Math.max(GAP_FACTOR * typical, GAP_MIN_SECONDS)) {
      warnings.push(`no sample for ${formatDuration(age)} (last at ${iso(lastTs)}): is the recorder still running?`);
    }
  }

  // failed samples
  const failed = samples.filter((r) => r.status !== 'ok');
  if (failed.length > 0) {
    const byStatus = new Map<string, number>();
    for (const r of failed) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    const list = [...byStatus].sort((a, b) => b[1] - a[1]).map(([s, c]) => `${s} ×${c}`);
    const lastMsg = failed[failed.length - 1]!.message;
    warnings.push(
      `${failed.length} of ${samples.length} samples not ok: ${list.join(', ')}${lastMsg ? ` (last: ${lastMsg})` : ''}`,
    );
  }

  // lifetimes
  const runs = splitLifetimes(samples, ticks);
  const current = runs[runs.length - 1];
  if (runs.length > 1 && current) {
    const restarts = runs.length - 1;
    warnings.push(
      `process restarted ${restarts} time(s) (${runs.length} lifetimes); the verdict covers the current one ` +
        `(${current.key === 'url' ? 'pprof only' : `pid ${current.key.split('@')[0]}`}, since ${iso(current.startTs)})`,
    );
  }

  // the current lifetime's series (null = not measured: skipped, never zero)
  const rows = current ? current.rows : [];
  // the profile history names lifetimes the same way; if it does not know this one but its last ticks fall in
  // the current lifetime's time range, trust the time (and say so) rather than lose the per-stack evidence
  let tickKey = current?.key ?? null;
  if (current && ticks.length > 0 && !ticks.some((t) => t.lifetime === current.key)) {
    const lastTick = ticks[ticks.length - 1]!;
    if (current.rows.length > 0 && lastTick.tsSeconds >= current.startTs) {
      tickKey = lastTick.lifetime;
      warnings.push(`profile history calls the current lifetime "${tickKey}", samples "${current.key}": matched by time`);
    }
  }
  const lifeTicks = tickKey !== null ? ticksOfLifetime(ticks, tickKey) : [];
  const goroutines: Series = { ts: [], vs: [] };
  const rss: Series = { ts: [], vs: [] };
  const heap: Series = { ts: [], vs: [] };
  const stackMem: Series = { ts: [], vs: [] };
  const pairs: { g: number[]; r: number[] } = { g: [], r: [] };
  // The pprof heap (inuse_space) when recorded, else expvar's HeapInuse: one source for the whole lifetime.
  const heapOf: (r: SampleRow) => number | null | undefined = rows.some((r) => r.heapInuseBytes != null)
    ? (r) => r.heapInuseBytes
    : (r) => r.memstatsHeapInuseBytes;
  for (const r of rows) {
    const h = heapOf(r);
    if (h != null) {
      heap.ts.push(r.tsSeconds);
      heap.vs.push(h);
    }
    if (r.memstatsStackInuseBytes != null) {
      stackMem.ts.push(r.tsSeconds);
      stackMem.vs.push(r.memstatsStackInuseBytes);
    }
    if (r.goroutines !== null) {
      goroutines.ts.push(r.tsSeconds);
      goroutines.vs.push(r.goroutines);
    }
    if (r.rssBytes !== null) {
      rss.ts.push(r.tsSeconds);
      rss.vs.push(r.rssBytes);
    }
    if (r.goroutines !== null && r.rssBytes !== null) {
      pairs.g.push(r.goroutines);
      pairs.r.push(r.rssBytes);
    }
  }
  if (lifeTicks.length > goroutines.ts.length) {
    // the profile history has more goroutine totals than samples.csv (e.g. samples lost): use it
    goroutines.ts = lifeTicks.map((t) => t.tsSeconds);
    goroutines.vs = lifeTicks.map((t) => t.total);
  }
  const gTrend = classifyTrend(goroutines.ts, goroutines.vs, { minAbsRise: GOROUTINES_MIN_RISE });
  const rTrend = classifyTrend(rss.ts, rss.vs, { minAbsRise: RSS_MIN_RISE_BYTES });
  const hTrend = classifyTrend(heap.ts, heap.vs, { minAbsRise: HEAP_MIN_RISE_BYTES });

  const suspects =
    tickKey !== null
      ? findSuspects({ ...rec, ticks }, tickKey, { ignore: opts.ignore, minIncrease: opts.minIncrease ?? SUSPECT_MIN_INCREASE })
      : [];

  // bytes per goroutine: Theil–Sen slope of RSS against goroutines within the lifetime
  let bytesPerGoroutine: number | null = null;
  let gMin = Infinity;
  let gMax = -Infinity;
  for (const g of pairs.g) {
    if (g < gMin) gMin = g;
    if (g > gMax) gMax = g;
  }
  if (pairs.g.length >= MIN_POINTS && gMax - gMin >= BPG_MIN_GOROUTINE_RANGE) {
    const slope = theilSenSlope(pairs.g, pairs.r);
    if (slope !== null && Number.isFinite(slope)) bytesPerGoroutine = Math.max(MIN_BYTES_PER_GOROUTINE, slope);
  }
  let suspectsHoldBytes: number | null = null;
  let suspectsHoldBytesInADay: number | null = null;
  if (bytesPerGoroutine !== null) {
    const held = suspects.reduce((a, s) => a + (s.last - s.first), 0);
    const rate = suspects.reduce((a, s) => a + s.perHour, 0);
    suspectsHoldBytes = held * bytesPerGoroutine;
    suspectsHoldBytesInADay = suspectsHoldBytes + 24 * rate * bytesPerGoroutine;
  }

  // the runtime's own evidence (goroutineleak: confirmed; debug=2: creator, wait reason, minutes blocked)
  const ev = opts.evidence?.[rec.name];
  let runtimeLeaks: RuntimeLeaks | null = null;
  if (ev?.leakProfile) runtimeLeaks = applyLeakProfile(suspects, ev.leakProfile, rec.stacks);
  for (const s of suspects) {
    s.createdBy = null;
    s.createdAt = null;
    s.waitReason = null;
    s.blockedMinutes = null;
  }
  let goroutineDump: TargetSummary['goroutineDump'] = null;
  if (ev?.dump) {
    const d = ev.dump;
    goroutineDump = { tsSeconds: d.tsSeconds, path: d.path, goroutines: d.dump.goroutines.length, truncated: d.dump.truncated };
    const lastLifeTick = lifeTicks[lifeTicks.length - 1];
    const byId = new Map(rec.stacks.map((st) => [st.id, st] as const));
    const live = lastLifeTick ? [...lastLifeTick.counts].filter(([, c]) => c > 0).map(([id]) => byId.get(id)).filter((x) => x !== undefined) : [];
    const facts = dumpFactsForSuspects(suspects, d.dump, d.tsSeconds, live);
    suspects.forEach((s, i) => {
      const f = facts[i];
      if (!f) return;
      s.createdBy = f.createdBy;
      s.createdAt = f.createdAt;
      s.waitReason = f.waitReason;
      s.blockedMinutes = f.blockedMinutes;
    });
    if (d.dump.truncated) warnings.push(`the debug=2 dump ${d.path} is cut short (Go stops at 64 MiB): wait times cover only the goroutines it holds`);
  }

  const memoryExplained = explainMemory(rss, stackMem, heap, goroutines, bytesPerGoroutine);

  // verdict
  const gInsufficient = gTrend.shape === 'insufficient-data';
  const rInsufficient = rTrend.shape === 'insufficient-data';
  const gRising = gTrend.shape === 'rising';
  const hasStackHistory = lifeTicks.length >= MIN_POINTS;
  let verdict: Verdict;
  if (gInsufficient && rInsufficient) verdict = 'insufficient-data';
  else if (gRising && (suspects.length > 0 || (!hasStackHistory && gTrend.details.mkZ >= STRONG_RISE_Z))) verdict = 'leak';
  else if (gRising || rTrend.shape === 'rising' || hTrend.shape === 'rising') verdict = 'growing';
  else verdict = 'stable';

  // headline
  const gSpan = gTrend.details.spanSeconds;
  const rSpan = rTrend.details.spanSeconds;
  let headline: string;
  if (verdict === 'insufficient-data') {
    const best = goroutines.ts.length >= rss.ts.length ? gTrend.details : rTrend.details;
    headline =
      `not enough data yet: ${best.n} sample${best.n === 1 ? '' : 's'} over ${formatDuration(best.spanSeconds)} ` +
      `(need ${MIN_POINTS} over ${formatDuration(MIN_SPAN_SECONDS)})`;
  } else if (verdict === 'leak') {
    const rate = signed(formatCount(gTrend.perHour ?? 0), gTrend.perHour ?? 0);
    headline = `goroutines ${rate}/hour for ${formatDuration(gSpan)}, leak likely`;
    const top = suspects[0];
    if (top) {
      const f = leafFrame(top.frames);
      const where = f && f.file ? ` (${f.file.split(/[\\/]/).pop()}:${f.line})` : '';
      headline += `; top suspect ${top.leafFunction} ${kindPhrase(top)}${where}`;
      if (top.confirmed) headline += ', confirmed leaked by the Go runtime';
      if (suspects.length > 1) headline += `, ${suspects.length - 1} more suspect${suspects.length > 2 ? 's' : ''}`;
    } else headline += ' (no goroutine profiles to name a suspect stack)';
  } else if (verdict === 'growing') {
    if (gRising) {
      const rate = signed(formatCount(gTrend.perHour ?? 0), gTrend.perHour ?? 0);
      headline = `growing: goroutines ${rate}/hour for ${formatDuration(gSpan)}, but no single stack grows steadily`;
    } else if (hTrend.shape === 'rising') {
      const rate = signed(formatBytes(hTrend.perHour ?? 0), hTrend.perHour ?? 0);
      headline =
        `growing: Go heap ${rate}/hour for ${formatDuration(hTrend.details.spanSeconds)} while ` +
        `${describeSeries('goroutines', gTrend, goroutines, formatCount)}; a memory leak that is not a goroutine leak ` +
        `(compare two heap profiles)`;
    } else {
      const rate = signed(formatBytes(rTrend.perHour ?? 0), rTrend.perHour ?? 0);
      headline =
        `growing: RSS ${rate}/hour for ${formatDuration(rSpan)} while ` +
        `${describeSeries('goroutines', gTrend, goroutines, formatCount)}; memory grows for another reason`;
    }
  } else {
    const parts: string[] = [];
    if (!gInsufficient) parts.push(describeSeries('goroutines', gTrend, goroutines, formatCount, gSpan));
    if (!rInsufficient) parts.push(describeSeries('RSS', rTrend, rss, formatBytes, gInsufficient ? rSpan : undefined));
    if (gInsufficient) parts.push(describeSeries('goroutines', gTrend, goroutines, formatCount));
    headline = `stable: ${parts.join(', ')}`;
  }
  if (runtimeLeaks && verdict !== 'leak' && verdict !== 'insufficient-data' && runtimeLeaks.total > 0) {
    const k = runtimeLeaks.stacks.length;
    headline +=
      `; the Go runtime found ${formatCount(runtimeLeaks.total)} leaked goroutine${runtimeLeaks.total === 1 ? '' : 's'} ` +
      `on ${k} stack${k === 1 ? '' : 's'}`;
  }

  return {
    name: rec.name,
    verdict,
    headline,
    samples: rec.samples.length,
    lifetimes: runs.length,
    goroutines: publicTrend(gTrend),
    rssBytes: publicTrend(rTrend),
    heapInuseBytes: publicTrend(hTrend),
    memoryExplained,
    runtimeLeaks,
    goroutineDump,
    bytesPerGoroutine,
    suspectsHoldBytes,
    suspectsHoldBytesInADay,
    suspects,
    warnings,
  };
}

/** Analyse every target. generatedAt comes from opts.nowSeconds, else the clock. */
export function analyzeAll(recs: TargetRecording[], opts: AnalyzeOptions = {}): Summary {
  const nowSeconds = opts.nowSeconds ?? Date.now() / 1000;
  return {
    generatedAt: new Date(nowSeconds * 1000).toISOString(),
    targets: recs.map((r, i) => {
      opts.onTarget?.(r.name, i, recs.length);
      return analyzeTarget(r, { ...opts, nowSeconds });
    }),
  };
}
