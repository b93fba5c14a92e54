// Closed monthly segments of samples.csv and stack-history.log (data/README.md, "Segments"): their names, which
// ones a window needs, which ones retention deletes and which one compaction rewrites. Pure: names in, names out.
//
//   samples.<first>-<last>.csv                  a closed samples.csv (its own header row first)
//   stack-history.<first>-<last>.log            a closed stack-history.log, full resolution
//   stack-history.<first>-<last>.hourly.log     the same range compacted to one line per hour and lifetime
//   samples.<unix seconds>.old.csv              a samples.csv moved aside for its older column layout (every row
//                                               in it is older than the time in its name)
//
// <first> and <last> are the UTC times of the file's first and last line, to the second (utcStamp,
// 20261001T000012Z). A name that would collide gets -2, -3 ... after <last>. The live files keep their names
// (samples.csv, stack-history.log), so a folder of an earlier version is one live segment and nothing else.
import { utcStamp, UTC_STAMP_RE, utcStampSeconds } from './snapshots.js';

/** `history` is full resolution, `hourly` compacted; `samplesOld` a samples.csv moved aside for its layout. */
export type SegmentKind = 'samples' | 'history' | 'hourly' | 'samplesOld';

export interface Segment {
  name: string;
  kind: SegmentKind;
  /** The first line's time, floored to the second (-Infinity for samplesOld: not in its name). */
  firstTsSeconds: number;
  /** The last line's time, floored to the second (samplesOld: when it was moved aside, later than every row). */
  lastTsSeconds: number;
  /** What a full-resolution segment and its hourly rewrite share: `<first>-<last>[-N]`. */
  range: string;
}

const RANGE = `${UTC_STAMP_RE}-${UTC_STAMP_RE}(?:-(\\d+))?`;
const SAMPLES_RE = new RegExp(`^samples\\.(${RANGE})\\.csv$`);
const HISTORY_RE = new RegExp(`^stack-history\\.(${RANGE})(\\.hourly)?\\.log$`);
const SAMPLES_OLD_RE = /^samples\.(\d+)\.old\.csv$/;

/** A closed segment's file name; `n` > 1 only when the plain name is taken. */
export function segmentFileName(kind: 'samples' | 'history' | 'hourly', firstTsSeconds: number, lastTsSeconds: number, n = 1): string {
  const range = `${utcStamp(firstTsSeconds)}-${utcStamp(lastTsSeconds)}${n > 1 ? `-${n}` : ''}`;
  return kind === 'samples' ? `samples.${range}.csv` : `stack-history.${range}${kind === 'hourly' ? '.hourly' : ''}.log`;
}

/** The hourly rewrite's name of a full-resolution history segment. */
export function hourlyNameOf(seg: Segment): string {
  return `stack-history.${seg.range}.hourly.log`;
}

/** A file name parsed as one of our segments, or null (anything else in the folder is not ours to read or delete). */
export function parseSegmentFileName(name: string): Segment | null {
  const old = SAMPLES_OLD_RE.exec(name);
  if (old) return { name, kind: 'samplesOld', firstTsSeconds: -Infinity, lastTsSeconds: Number(old[1]), range: old[1]! };
  const m = SAMPLES_RE.exec(name) ?? HISTORY_RE.exec(name);
  if (!m) return null;
  const first = utcStampSeconds(m.slice(2, 8));
  const last = utcStampSeconds(m.slice(8, 14));
  if (!Number.isFinite(first) || !Number.isFinite(last) || last < first || m[14] === '0' || m[14] === '1') return null;
  const kind: SegmentKind = name.startsWith('samples.') ? 'samples' : m[15] ? 'hourly' : 'history';
  return { name, kind, firstTsSeconds: first, lastTsSeconds: last, range: m[1]! };
}

/** Months since year 0, UTC: two times are in the same UTC month when these are equal. */
export function utcMonthIndex(tsSeconds: number): number {
  const d = new Date(tsSeconds * 1000);
  return d.getUTCFullYear() * 12 + d.getUTCMonth();
}

/**
 * A live file whose first line is from an earlier UTC month than the tick is closed before the tick appends. A
 * clock stepped back into an earlier month rolls nothing (the first line is not earlier than the tick).
 */
export function needsRollover(firstLineTsSeconds: number, nowTsSeconds: number): boolean {
  return utcMonthIndex(firstLineTsSeconds) < utcMonthIndex(nowTsSeconds);
}

/**
 * The segments of one file family (samples: `samples` + `samplesOld`; history: `history` + `hourly`) that hold
 * lines in [fromSeconds, untilSeconds], oldest first. Of a range present in both resolutions (a crash between
 * compaction's rename and its unlink) only the hourly file is read: it holds the same ticks, one an hour.
 * A name's times are floored to the second, so a segment covers [first, last + 1).
 */
export function segmentsForWindow(segments: readonly Segment[], family: 'samples' | 'history', fromSeconds: number, untilSeconds: number): Segment[] {
  const kinds: SegmentKind[] = family === 'samples' ? ['samples', 'samplesOld'] : ['history', 'hourly'];
  const hourly = new Set(segments.filter((s) => s.kind === 'hourly').map((s) => s.range));
  return segments
    .filter((s) => kinds.includes(s.kind) && !(s.kind === 'history' && hourly.has(s.range)))
    .filter((s) => s.lastTsSeconds + 1 >= fromSeconds && s.firstTsSeconds <= untilSeconds)
    .sort(bySegmentTime);
}

/** Oldest first: by last line, then first line (a samplesOld has no first), then name. */
export function bySegmentTime(a: Segment, b: Segment): number {
  return a.lastTsSeconds - b.lastTsSeconds || a.firstTsSeconds - b.firstTsSeconds || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Closed segments whose last line is more than `retentionDays` before now (the live files are never segments). */
export function segmentsToDelete(segments: readonly Segment[], nowSeconds: number, retentionDays: number): Segment[] {
  const cutoff = nowSeconds - retentionDays * 86400;
  return segments.filter((s) => s.lastTsSeconds + 1 <= cutoff);
}

/** Full-resolution history segments whose hourly rewrite is complete: left by a crash before the unlink. */
export function compactedLeftovers(segments: readonly Segment[]): Segment[] {
  const hourly = new Set(segments.filter((s) => s.kind === 'hourly').map((s) => s.range));
  return segments.filter((s) => s.kind === 'history' && hourly.has(s.range));
}

/**
 * The one full-resolution history segment to compact this tick, or null: the oldest whose last line is more than
 * `fullResolutionDays` before now and that has no hourly rewrite yet. One a tick: a month at 5,000 stacks takes
 * seconds, and a tick should stay short.
 */
export function segmentToCompact(segments: readonly Segment[], nowSeconds: number, fullResolutionDays: number): Segment | null {
  const cutoff = nowSeconds - fullResolutionDays * 86400;
  const hourly = new Set(segments.filter((s) => s.kind === 'hourly').map((s) => s.range));
  const due = segments.filter((s) => s.kind === 'history' && !hourly.has(s.range) && s.lastTsSeconds + 1 <= cutoff).sort(bySegmentTime);
  return due[0] ?? null;
}
