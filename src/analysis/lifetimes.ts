// Process lifetimes: a recording is split where the process restarted (another pid or start time). The verdict is
// about the current (last) lifetime; earlier ones are context. Pure.

import type { HistoryTick, SampleRow, TargetRecording } from '../core/model.js';
import { lifetimeOf } from '../core/tickPlan.js';

/** The current lifetime as the analysis sees it: its pid (null for pprof-only targets) and first sample time. */
export interface LifetimeWindow {
  pid: number | null;
  startTs: number;
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
  return lifetimeOf(row.pid, row.processStartTsSeconds);
}

export interface Run {
  key: string;
  startTs: number;
  endTs: number;
  rows: SampleRow[];
}

/** Stable sort by time; also how many items were out of order. */
export function sortByTime<T>(items: readonly T[], ts: (x: T) => number): { sorted: T[]; outOfOrder: number } {
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
export function splitLifetimes(samples: readonly SampleRow[], ticks: readonly HistoryTick[]): Run[] {
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

/** Ticks of one lifetime, sorted by time (stable for equal times). */
export function ticksOfLifetime(ticks: readonly HistoryTick[], lifetime: string): HistoryTick[] {
  return sortByTime(
    ticks.filter((t) => t.lifetime === lifetime),
    (t) => t.tsSeconds,
  ).sorted;
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

/** The recording with nothing after `untilSeconds` (the analysis never looks past the window's end). */
export function recordingUntil(rec: TargetRecording, untilSeconds: number | null | undefined): TargetRecording {
  if (untilSeconds === null || untilSeconds === undefined || !Number.isFinite(untilSeconds)) return rec;
  return {
    ...rec,
    samples: rec.samples.filter((r) => r.tsSeconds <= untilSeconds),
    ticks: rec.ticks.filter((t) => t.tsSeconds <= untilSeconds),
    snapshots: rec.snapshots.filter((s) => s.tsSeconds <= untilSeconds),
  };
}

/** The recording within [since, until]: what the page shows. */
export function recordingWithin(rec: TargetRecording, sinceSeconds: number | null | undefined, untilSeconds: number | null | undefined): TargetRecording {
  const since = sinceSeconds ?? -Infinity;
  const until = untilSeconds ?? Infinity;
  if (since === -Infinity && until === Infinity) return rec;
  const inRange = (ts: number) => ts >= since && ts <= until;
  return {
    ...rec,
    samples: rec.samples.filter((r) => inRange(r.tsSeconds)),
    ticks: rec.ticks.filter((t) => inRange(t.tsSeconds)),
    snapshots: rec.snapshots.filter((s) => inRange(s.tsSeconds)),
  };
}
