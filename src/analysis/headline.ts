// The words: one plain sentence per target for the verdict card, `check` and the JSON summary, built from what the
// analysis established. It never starts with the verdict word (check prints "api: leak: <headline>"). Pure.

import type { RuntimeLeaks, Suspect, Verdict, VerdictReason } from '../core/model.js';
import { formatBytes, formatCount, formatSigned, formatSpan, formatTime, plural } from '../core/format.js';
import { describeFailed, type FailedSamples } from './dataQuality.js';
import { leafFrame } from '../core/frames.js';
import { MIN_POINTS, MIN_SPAN_SECONDS, type TrendResult } from './trend.js';
import { median } from './robustStats.js';

export interface HeadlineFacts {
  verdict: Verdict;
  reason: VerdictReason;
  goroutines: { trend: TrendResult; vs: readonly number[] };
  rss: { trend: TrendResult; vs: readonly number[] };
  heap: { trend: TrendResult; vs: readonly number[] };
  suspects: readonly Suspect[];
  /** Rising stacks that could not be judged yet (elastic, under a day of history). */
  unsure: number;
  /** Totals held back on the first day because the load rose with them (analyze.ts, firstDay.ts): "goroutines", ... */
  heldWithLoad?: string[];
  withinDailyRange: number;
  failed: FailedSamples;
  window: { sinceSeconds: number | null; untilSeconds: number | null };
  unreadableFiles: readonly string[];
  /** The RSS part neither the heap nor stacks explain (growing/rss-rising). */
  otherGrowthBytes: number | null;
  runtimeLeaks: RuntimeLeaks | null;
  /** How long the current lifetime has been recorded, seconds, and its last sample's time. */
  lifetimeSeconds: number;
  lifetimeEndTs: number;
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
function recentLevel(vs: readonly number[]): number {
  return median(vs.slice(Math.floor((vs.length * 2) / 3)));
}

/** "goroutines flat at ~40 for 3 h", "RSS plateaued at ~120 MiB", ... */
export function describeSeries(name: string, trend: TrendResult, vs: readonly number[], fmt: (x: number) => string, withSpan = true): string {
  const level = vs.length > 0 ? fmt(recentLevel(vs)) : '?';
  const rate = `${(trend.perHour ?? 0) >= 0 ? '+' : '−'}${fmt(Math.abs(trend.perHour ?? 0))}`;
  const d = withSpan ? formatSpan(trend.details.spanSeconds) : '';
  switch (trend.shape) {
    case 'insufficient-data':
      return vs.length === 0 ? `${name} not measured` : `${name} at ~${level} (too few samples)`;
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

function suspectPhrase(top: Suspect, endTs: number): string {
  const f = leafFrame(top.frames);
  const where = f && f.file ? ` (${f.file.split(/[\\/]/).pop()}:${f.line})` : '';
  let s = `top suspect ${top.leafFunction} ${kindPhrase(top)}${where}`;
  if (top.group) {
    const keys = top.group.labelKeys.map((k) => `${k.key} (${formatCount(k.distinctValues)} values)`).join(', ');
    s +=
      top.group.stackIds.length > 1
        ? ` across ${plural(top.group.stackIds.length, 'stack')} that differ only in ${keys || 'label values'}`
        : ` (labels differ only in ${keys})`;
  }
  s += `, ${formatSigned(top.perHour, '/hour')} for ${formatSpan(Math.max(0, endTs - top.firstSeenTsSeconds))}`;
  if (top.confirmed || top.evidence === 'runtime-proven') s += ', confirmed leaked by the Go runtime';
  return s;
}

/** A fresh lifetime where some stack rose with load: the verdict is provisional, and says for how long. */
function provisionalNote(f: HeadlineFacts): string {
  const what = [...(f.heldWithLoad ?? []), ...(f.unsure > 0 ? [plural(f.unsure, 'stack')] : [])];
  if (what.length === 0) return '';
  const subject = what.length === 1 ? what[0] : `${what.slice(0, -1).join(', ')} and ${what[what.length - 1]}`;
  return (
    `; ${subject} rose with load, and ${formatSpan(f.lifetimeSeconds)} of this lifetime ` +
    `is too little to tell a daily cycle from a leak (provisional until the same hours of another day are recorded)`
  );
}

export function buildHeadline(f: HeadlineFacts): string {
  const g = f.goroutines;
  let headline: string;
  switch (f.reason) {
    case 'inverted-window':
      return `cannot judge: --until ${formatTime(f.window.untilSeconds)} is before --since ${formatTime(f.window.sinceSeconds)}`;
    case 'unreadable-file':
      return `cannot judge: could not read ${f.unreadableFiles.join(', ')} (see the warnings; fix the file's permissions or move it aside)`;
    case 'empty-window':
      return `cannot judge: no sample between ${f.window.sinceSeconds === null ? 'the start' : formatTime(f.window.sinceSeconds)} and ${f.window.untilSeconds === null ? 'now' : formatTime(f.window.untilSeconds)}`;
    case 'no-usable-sample':
      return `cannot judge: no usable sample, ${describeFailed(f.failed)}`;
    case 'too-few-samples': {
      const best = g.trend.details.n >= f.rss.trend.details.n ? g.trend.details : f.rss.trend.details;
      headline =
        `not enough data yet: ${plural(best.n, 'sample')} over ${formatSpan(best.spanSeconds)} ` +
        `(need ${MIN_POINTS} over ${formatSpan(MIN_SPAN_SECONDS)})`;
      if (f.failed.failed > 0) headline += `; ${describeFailed(f.failed)}`;
      return headline;
    }
    case 'suspects':
    case 'runtime-proven': {
      const top = f.suspects[0]!;
      headline = suspectPhrase(top, f.lifetimeEndTs);
      if (f.suspects.length > 1) headline += `; ${plural(f.suspects.length - 1, 'more suspect')}`;
      headline += `; ${describeSeries('goroutines', g.trend, g.vs, formatCount, false)} overall`;
      break;
    }
    case 'total-only':
      headline = `goroutines ${formatSigned(g.trend.perHour, '/hour')} for ${formatSpan(g.trend.details.spanSeconds)} and still rising (no goroutine profiles to name a suspect stack)`;
      break;
    case 'goroutines-unexplained':
      headline =
        `goroutines ${formatSigned(g.trend.perHour, '/hour')} for ${formatSpan(g.trend.details.spanSeconds)} and never given back, ` +
        `but no single stack or label group grows steadily (many one-off stacks, or an ignored one)`;
      break;
    case 'heap-rising':
      headline =
        `Go heap ${formatSigned(f.heap.trend.perHour === null ? null : f.heap.trend.perHour / 1048576, ' MiB/hour')} for ${formatSpan(f.heap.trend.details.spanSeconds)} ` +
        `while no goroutine stack leaks (${describeSeries('goroutines', g.trend, g.vs, formatCount, false)}): a memory leak that is not a goroutine leak; compare two heap profiles`;
      break;
    case 'rss-rising':
      headline =
        `RSS ${formatSigned(f.rss.trend.perHour === null ? null : f.rss.trend.perHour / 1048576, ' MiB/hour')} for ${formatSpan(f.rss.trend.details.spanSeconds)}` +
        (f.otherGrowthBytes !== null ? `, ${formatBytes(f.otherGrowthBytes)} of it neither Go heap nor goroutine stacks (cgo, off-heap or runtime memory)` : '') +
        ` while no goroutine stack leaks`;
      break;
    case 'no-growth': {
      const parts: string[] = [];
      const gKnown = g.trend.shape !== 'insufficient-data';
      if (gKnown) parts.push(describeSeries('goroutines', g.trend, g.vs, formatCount));
      if (f.rss.trend.shape !== 'insufficient-data') parts.push(describeSeries('RSS', f.rss.trend, f.rss.vs, formatBytes, !gKnown));
      if (!gKnown) parts.push(describeSeries('goroutines', g.trend, g.vs, formatCount));
      headline = parts.join(', ');
      if (f.withinDailyRange > 0) headline += `; ${plural(f.withinDailyRange, 'stack')} rose with load but stayed in their usual daily range`;
      headline += provisionalNote(f);
      break;
    }
  }
  if (f.runtimeLeaks && f.verdict !== 'leak' && f.runtimeLeaks.total > 0) {
    const k = f.runtimeLeaks.stacks.length;
    headline +=
      `; the Go runtime found ${plural(f.runtimeLeaks.total, 'leaked goroutine')} on ${plural(k, 'stack')}, not growing`;
  }
  return headline;
}
