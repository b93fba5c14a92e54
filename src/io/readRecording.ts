// Reads a target's recording back for report, check and export. Never throws on damaged content.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SampleRow, SnapshotFile, StackRecord, TargetRecording } from '../core/model.js';
import { SamplesCsvReader, samplesLineTsSeconds, splitCsvLine } from '../core/samplesCsvRead.js';
import { isHeaderlessRow, SAMPLES_HEADER, samplesRowWholeSeconds } from '../core/samplesCsv.js';
import { parseSnapshotFileName } from '../core/snapshots.js';
import { CompactCounts, HistoryCounts, HistoryReplay, historyLineLifetime, historyLineTsSeconds, isKeyframeLine, KEYFRAME_EVERY, OwnStrings } from '../core/stackHistory.js';
import { HourlyReadAhead, type HourlyFileRead, type HourlyLine } from './hourlyReadAhead.js';
import { processStartOf } from '../core/tickPlan.js';
import { maxCountById } from '../core/tickSeries.js';
import { segmentsForWindow } from '../core/segments.js';
import { BucketThinner, thinningStepSeconds } from '../core/readResolution.js';
import { formatCount, formatIsoSeconds, formatSpan } from '../core/format.js';
import { FILES, fileSize, listSegments, parseStackLine, targetDir } from './dataStore.js';
import { closeDataFile, type DataFile, forEachLine, forEachLineBackward, MAX_LINE_BYTES, openDataFile, seekByKey, seekWindow } from './lineReader.js';

/** Target folders in the data dir (those that hold a samples.csv or a stack history). */
export function listTargets(dataDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => !n.startsWith('.') && (existsSync(join(dataDir, n, FILES.samples)) || existsSync(join(dataDir, n, FILES.history)) || listSegments(join(dataDir, n)).length > 0))
    .sort();
}

export interface ReadOptions {
  /** The window's start: nothing older is returned (but see `wholeLifetime`). */
  sinceSeconds?: number;
  untilSeconds?: number;
  /**
   * `untilSeconds` is the reader's clock (no --until was given): sample rows dated after it were written while the
   * clock was set ahead; they are counted in a warning (clockAheadWarning) rather than passed over in silence.
   */
  untilIsNow?: boolean;
  /**
   * Also return the current process lifetime (the one recorded last at or before `untilSeconds`) from its
   * start, when it began before `sinceSeconds`: verdicts are judged on the whole lifetime. Still nothing older
   * than min(since, lifetime start) is read. A target known only by its pprof URL has no lifetime start: all
   * of it is read.
   */
  wholeLifetime?: boolean;
  /** List snapshots/ (default true; the once-a-minute prom-textfile job does not need them). */
  listSnapshots?: boolean;
  /** Read samples.csv (default true; export reads its cells itself). */
  readSamples?: boolean;
  /**
   * At most about this many points (rows, ticks) of the window at full resolution; a longer window is read
   * thinned (core/readResolution.ts), and a warning says so. Default: everything (export, the prom-textfile tail).
   */
  maxPoints?: number;
  /**
   * A thinned read whose hourly history files hold at least this many bytes parses the newer half of them on a
   * worker thread (hourlyReadAhead.ts); default READ_AHEAD_MIN_BYTES. The result is the same either way (tested).
   */
  readAheadMinBytes?: number;
  /**
   * Trust each file's lines to be in time order and find the window by binary search, O(log size): for the
   * once-a-minute tail (record --prom-textfile), whose cost must not grow with the live file. A block of lines dated
   * ahead or back where a probe lands then moves the window's edges, and rows are lost; without it every line of the
   * window is found in any order (lineReader.ts seekWindow: a scan of the lines' times where an edge is inside a file).
   */
  inOrder?: boolean;
}

/**
 * Rows are appended in the order taken, so their times only go back when the clock is stepped back (NTP, a wrong RTC
 * at boot). A window's lines are found in any order (lineReader.ts seekWindow), but its files are chosen by the time
 * range in their names (core/segments.ts): this much wider, so a row written while the clock was set back up to 6 hours
 * still has its file opened (a quarter of a one-day window). Seeks keep the same margin, so what is read around a
 * window (and filtered out by time) is what it was when they were binary searches.
 */
const CLOCK_STEP_MARGIN_SECONDS = 6 * 3600;

/**
 * Where a [since, until] window's lines lie in a file (from startByte, past its header), with the margin above: in
 * any order, or by binary search when the file is trusted to be in time order (ReadOptions.inOrder).
 */
function windowBytes(
  f: DataFile,
  keyOf: (line: string) => number | null,
  since: number,
  until: number,
  startByte = 0,
  inOrder = false,
): { start: number; end: number } {
  const lo = since - CLOCK_STEP_MARGIN_SECONDS;
  const hi = until + CLOCK_STEP_MARGIN_SECONDS;
  if (!inOrder) return seekWindow(f, keyOf, lo, hi, startByte);
  const start = seekByKey(f, keyOf, lo, startByte);
  return { start, end: seekByKey(f, keyOf, hi, start) };
}

/**
 * The files of one family (samples.csv or stack-history.log and their closed segments, core/segments.ts) that
 * may hold lines in [since, until] with the clock-step margin, oldest first, the live file last: a window of
 * the last day opens the live file only (and last month's segment on the first of a month).
 */
export function familyFiles(dir: string, family: 'samples' | 'history', since: number, until: number): string[] {
  const segs = segmentsForWindow(listSegments(dir), family, since - CLOCK_STEP_MARGIN_SECONDS, until + CLOCK_STEP_MARGIN_SECONDS);
  return [...segs.map((s) => s.name), family === 'samples' ? FILES.samples : FILES.history];
}

/** The one line that says a long window was read thinned, and where every row is. */
export function thinnedReadWarning(name: string, stepSeconds: number, maxPoints: number): string {
  return (
    `${name}: this window holds more than ${formatCount(maxPoints)} points, so it was read at one point per ` +
    `${formatSpan(stepSeconds)} (the last of each, and each process lifetime's first) to bound memory, so sample counts here are of the ` +
    `points read; every row: leakwatch export`
  );
}

/** Rows dated after the reader's clock (ReadOptions.untilIsNow), left out of the verdict and the page. */
export function clockAheadWarning(name: string, rows: number, latestTs: number): string {
  return (
    `${name}: left out ${formatCount(rows)} sample row(s) dated after now (the latest ${formatIsoSeconds(latestTs)}): the clock was ` +
    `set ahead when they were written; every row: leakwatch export`
  );
}

const tornHistoryWarning = (source: string) => `${source}: skipped a torn last line (the recorder was killed mid-write)`;
const tooLongWarning = (source: string, lines: number) => `${source}: skipped ${lines} line(s) longer than ${MAX_LINE_BYTES} bytes`;
const tornRowWarning = (source: string) => `${source}: skipped a torn last row (the recorder was killed mid-write)`;

/** The one line that says what is wrong with a data file and what to do. */
function unreadableWarning(source: string, path: string, why: string): string {
  return (
    `${source}: could not be read (${why}); nothing in it is used, so this target cannot be judged. ` +
    `Fix: make ${path} a readable regular file again, or move it aside (the recorder then starts a new one)`
  );
}

/** The warnings that name the recording's unreadable files (one each, with the fix). */
export function unreadableWarnings(rec: TargetRecording): string[] {
  const files = rec.unreadableFiles ?? [];
  return rec.warnings.filter((w) => files.some((f) => w.startsWith(`${f}: could not be read`)));
}

/** A file read line by line from a byte offset: opens, reports an unreadable one, always closes. */
function streamFile(
  path: string,
  source: string,
  out: { warnings: string[]; unreadable: string[] },
  read: (f: DataFile) => void,
): boolean {
  const o = openDataFile(path);
  if ('missing' in o) return false;
  if ('error' in o) {
    out.warnings.push(unreadableWarning(source, path, o.error));
    out.unreadable.push(source);
    return false;
  }
  try {
    read(o.file);
    return true;
  } catch (e) {
    out.warnings.push(unreadableWarning(source, path, (e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0]));
    out.unreadable.push(source);
    return false;
  } finally {
    closeDataFile(o.file);
  }
}

/** Where the last keyframe line (K, or an hourly H) before `endByte` starts; -1 when there is none. */
function lastKeyframeBefore(f: DataFile, endByte: number): number {
  let at = -1;
  forEachLineBackward(f, (line, start) => {
    if (!isKeyframeLine(line)) return true;
    at = start;
    return false;
  }, endByte);
  return at;
}

/**
 * An hourly history file's lines in [since, until] (with the clock-step margin), each taken by a HistoryCounts as the
 * main thread's replay takes it, and the counts of each H line frozen; null when the file is not plain hourly history (it cannot be opened, a line is not an H line, or it has more than `maxLines` lines): it is then
 * read line by line as any other.
 * Runs on a worker thread (hourlyHistoryWorker.ts).
 */
export function parseHourlyFile(path: string, since: number, until: number, maxLines = Infinity): HourlyFileRead | null {
  const o = openDataFile(path);
  if (!('file' in o)) return null;
  try {
    const f = o.file;
    const w = windowBytes(f, historyLineTsSeconds, since, until);
    const start = w.start > 0 ? Math.max(0, lastKeyframeBefore(f, w.start)) : 0;
    const lines: HourlyLine[] = [];
    // each line as the main thread's replay would take it (CRLF, comments, damage, the counts frozen by entries or
    // by a Map), its lifetime a string of its own (the answer is kept a while)
    const counts = new HistoryCounts();
    const lifetimes = new OwnStrings();
    let plain = true;
    const scan = forEachLine(f, (text) => {
      if (lines.length >= maxLines) {
        plain = false;
        return false;
      }
      const before = { lines: counts.lines, bad: counts.bad };
      const parsed = counts.apply(text);
      if (parsed === null && counts.lines === before.lines) {
        lines.push({ blank: true }); // empty or a comment
      } else if (parsed === null && counts.bad > before.bad) {
        const ts = historyLineTsSeconds(text);
        const lifetime = ts === null ? null : historyLineLifetime(text);
        lines.push({ bad: true, tsSeconds: ts, lifetime: lifetime === null ? null : lifetimes.of(lifetime) });
      } else if (parsed === null || parsed.kind !== 'H') {
        plain = false; // a delta: read on the main thread, with the counts before it
        return false;
      } else {
        lines.push({ tsSeconds: parsed.tsSeconds, lifetime: lifetimes.of(parsed.lifetime), total: parsed.total, raw: counts.frozen()!.toRaw()! });
      }
    }, start, w.end);
    return plain ? { lines, tornTail: scan.tornTail && w.end === f.sizeBytes, tooLong: scan.tooLong } : null;
  } catch {
    return null;
  } finally {
    closeDataFile(o.file);
  }
}

/** Byte offset just past the first line (the CSV header), and that line. */
function headerOf(f: DataFile): { line: string | null; endByte: number } {
  let line: string | null = null;
  let endByte = 0;
  forEachLine(f, (l, start) => {
    line = l;
    endByte = start + Buffer.byteLength(l) + 1;
    return false;
  });
  return { line, endByte };
}

/**
 * The header a samples file is read by, and where its rows start: its first line; or, when that line is a row of this
 * version's layout (the header was lost, core/samplesCsv.ts isHeaderlessRow), this version's header and every
 * line from the first, with a warning. Without this one lost line cost the whole file: "cannot judge" for good, once
 * the recorder had moved it aside.
 */
function samplesHeaderOf(f: DataFile, source: string): { line: string | null; endByte: number; warning: string | null } {
  const h = headerOf(f);
  if (h.line === null || !isHeaderlessRow(h.line)) return { ...h, warning: null };
  return { line: SAMPLES_HEADER.trimEnd(), endByte: 0, warning: `${source}: has no header line (its first line is a row); read with this version's columns` };
}

/**
 * When the lifetime recorded last at or before `until` started (unix seconds), read backwards from `until`
 * in samples.csv and stack-history.log; -Infinity when it has no start (a pprof-only target); null when
 * nothing was recorded.
 */
function currentLifetimeStart(dir: string, until: number, seekUntil = until): number | null {
  let start: number | null = null;
  let got = false;
  const found = (ts: number) => {
    start = start === null ? ts : Math.min(start, ts);
    got = true;
  };
  const quiet = { warnings: [], unreadable: [] };
  // Newest file first, back until one has a row at or before `until`.
  for (const file of familyFiles(dir, 'samples', -Infinity, seekUntil).reverse()) {
    if (got) break;
    streamFile(join(dir, file), '', quiet, (f) => {
      const h = headerOf(f);
      const cols = h.line === null ? null : splitCsvLine(h.line);
      const idx = cols ? cols.indexOf('process_start_ts_seconds') : -1;
      if (idx < 0) return;
      const { end } = windowBytes(f, samplesLineTsSeconds, -Infinity, seekUntil, h.endByte);
      forEachLineBackward(f, (line, at) => {
        if (at < h.endByte) return false;
        const ts = samplesLineTsSeconds(line);
        if (ts === null || ts > until) return true;
        const cell = splitCsvLine(line)?.[idx];
        const v = cell ? Number(cell) : NaN;
        if (!Number.isFinite(v)) return true; // a row without a process (no-process) or damaged: look further back
        found(v);
        return false;
      }, end);
    });
  }
  got = false;
  for (const file of familyFiles(dir, 'history', -Infinity, seekUntil).reverse()) {
    if (got) break;
    streamFile(join(dir, file), '', quiet, (f) => {
      const { end } = windowBytes(f, historyLineTsSeconds, -Infinity, seekUntil);
      forEachLineBackward(f, (line) => {
        const ts = historyLineTsSeconds(line);
        if (ts === null || ts > until) return true;
        found(processStartOf(historyLineLifetime(line) ?? '') ?? -Infinity);
        return false;
      }, end);
    });
  }
  return start;
}

/**
 * The bytes of the row a thinned read holds: where they are in the reader's buffer, copied out only when that buffer
 * moves on (pin, forEachLine's beforeMove). Most rows held are replaced by the next row of their bucket within the
 * same buffer; copying each (a subarray and a copy per row, 2.1 million rows in a year's four targets) was ~0.4 s.
 */
class HeldBytes {
  private buf = Buffer.alloc(4096);
  private length = 0;
  private ref: Uint8Array | null = null;
  private refStart = 0;
  private refEnd = 0;

  hold(bytes: Uint8Array, start: number, end: number): void {
    this.ref = bytes;
    this.refStart = start;
    this.refEnd = end;
  }

  /** The row held copied out of the reader's buffer, which is about to change. */
  pin(): void {
    const ref = this.ref;
    if (ref === null) return;
    this.ref = null;
    const n = this.refEnd - this.refStart;
    if (n > this.buf.length) this.buf = Buffer.alloc(2 * n);
    this.buf.set(ref.subarray(this.refStart, this.refEnd));
    this.length = n;
  }

  /** Decoded as forEachLine decodes a line. */
  text(): string {
    this.pin();
    return this.buf.toString('utf8', 0, this.length);
  }
}

/**
 * A row's lifetime key (its pid and start-time cells, side by side) from its bytes: the same string keyOf cuts from
 * the decoded line, decoded only when it differs from the row before's (once per lifetime). Null when a quote comes
 * before the key's end or the row has too few cells: the row is then decoded.
 */
class RowKeyBytes {
  private last = new Uint8Array(64);
  private lastLength = -1;
  private lastKey = '';

  constructor(
    private readonly pidAt: number,
    private readonly startAt: number,
  ) {}

  key(b: Uint8Array, start: number, end: number): string | null {
    let cell = 0;
    let keyStart = this.pidAt === 0 ? start : -1;
    let i = start;
    for (; i < end; i++) {
      const c = b[i]!;
      if (c === 0x22) return null; // a quote
      if (c !== 0x2c) continue;
      cell++;
      if (cell === this.pidAt) keyStart = i + 1;
      if (cell === this.startAt + 1) break;
    }
    if (cell < this.startAt || keyStart < 0) return null;
    const n = i - keyStart;
    let same = n === this.lastLength;
    for (let j = 0; same && j < n; j++) same = b[keyStart + j] === this.last[j];
    if (same) return this.lastKey;
    if (n > this.last.length) this.last = new Uint8Array(2 * n);
    this.last.set(b.subarray(keyStart, i));
    this.lastLength = n;
    this.lastKey = Buffer.from(b.buffer, b.byteOffset + keyStart, n).toString('utf8');
    return this.lastKey;
  }
}

/** Where the `n`th comma-separated cell of a line starts (-1: no such cell), without splitting the whole line. */
function cellStart(line: string, n: number): number {
  let start = 0;
  for (let k = 0; k < n && start >= 0; k++) start = line.indexOf(',', start) + 1 || -1;
  return start;
}

/** The `n`th cell of a line whose cells up to it hold no quote. */
function cellAt(line: string, n: number): string {
  const start = cellStart(line, n);
  if (start < 0) return '';
  const end = line.indexOf(',', start);
  return line.slice(start, end < 0 ? line.length : end);
}

/** Where the `n`th cell ends (its comma, or the end of the line). */
function cellEnd(line: string, n: number): number {
  const start = cellStart(line, n);
  const end = start < 0 ? -1 : line.indexOf(',', start);
  return end < 0 ? line.length : end;
}

/**
 * The times of the first and last lines recorded in [from, until], and the recording's spacing (the median of its
 * last ten steps): from samples.csv and its segments, else from the stack history. Null when nothing is there. A
 * few short reads at each end, never the files in between.
 */
function recordedExtent(dir: string, from: number, until: number, seekUntil = until): { firstTs: number; lastTs: number; intervalSeconds: number; rows: number | null } | null {
  const quiet = { warnings: [], unreadable: [] };
  for (const family of ['samples', 'history'] as const) {
    const keyOf = family === 'samples' ? samplesLineTsSeconds : historyLineTsSeconds;
    const files = familyFiles(dir, family, from, seekUntil);
    // The window's first time, and its bytes: samples rows are all about one size (history lines are not, a keyframe
    // is a delta many times over), so with the size of the last rows below they tell how many rows the window holds:
    // a gap of days holds none, and a window sized by its span alone was read thinned for points it does not have.
    let firstTs: number | null = null;
    let windowByteCount = 0;
    for (const file of files) {
      if (firstTs !== null && family !== 'samples') break;
      streamFile(join(dir, file), '', quiet, (f) => {
        const bodyStart = family === 'samples' ? headerOf(f).endByte : 0;
        const w = windowBytes(f, keyOf, from, seekUntil, bodyStart);
        windowByteCount += Math.max(0, w.end - w.start);
        if (firstTs !== null) return;
        // the window's first row: rows out of it (dated ahead or back, within the window's bytes) are passed over
        forEachLine(f, (line) => {
          const ts = keyOf(line);
          if (ts === null || ts < from || ts > until) return true;
          firstTs = ts;
          return false;
        }, w.start, w.end);
      });
    }
    const recent: number[] = [];
    let recentBytes = 0;
    for (const file of [...files].reverse()) {
      if (recent.length > 0) break;
      streamFile(join(dir, file), '', quiet, (f) => {
        forEachLineBackward(f, (line) => {
          const ts = keyOf(line);
          if (ts === null || ts > until) return true;
          if (ts < from) return false;
          recent.push(ts);
          recentBytes += Buffer.byteLength(line) + 1;
          return recent.length < 11;
        }, windowBytes(f, keyOf, -Infinity, seekUntil).end);
      });
    }
    if (firstTs === null || recent.length === 0) continue;
    const steps = recent.slice(1).map((ts, i) => recent[i]! - ts).filter((d) => d > 0).sort((a, b) => a - b);
    const intervalSeconds = steps.length ? steps[Math.floor(steps.length / 2)]! : 60;
    const rows = family === 'samples' ? Math.ceil(windowByteCount / (recentBytes / recent.length)) : null;
    return { firstTs, lastTs: recent[0]!, intervalSeconds, rows };
  }
  return null;
}

/**
 * Reads what was recorded for one target in [since, until] (see ReadOptions.wholeLifetime), streaming each
 * file from the first line it needs: the files are chosen by the times in their names and the window found in each
 * by the times of its lines (seekWindow), so the last day of a year costs about what a one-day recording does. Never
 * throws on damaged content: it warns and skips; a data file that exists but cannot be read at all is listed in
 * `unreadableFiles`.
 */
export function readRecording(dataDir: string, name: string, opts: ReadOptions = {}): TargetRecording {
  const dir = targetDir(dataDir, name);
  const until = opts.untilSeconds ?? Infinity;
  // Where files are searched to: `until`, unless it is only "now" (untilIsNow): rows dated ahead are then read, to be
  // left out by their time (inRange) and counted (keepSample) for the warning, not passed over unseen.
  const seekUntil = opts.untilIsNow ? Infinity : until;
  let from = opts.sinceSeconds ?? -Infinity;
  if (opts.wholeLifetime && from > -Infinity) {
    const lifetimeStart = currentLifetimeStart(dir, until, seekUntil);
    if (lifetimeStart !== null) from = Math.min(from, lifetimeStart);
  }
  const inRange = (ts: number) => ts >= from && ts <= until;
  const out = { warnings: [] as string[], unreadable: [] as string[] };
  const { warnings } = out;
  // Sample rows dated after "now" (untilIsNow), left out: how many, and the latest.
  const ahead = { rows: 0, latestTs: -Infinity };
  const keepSample = (ts: number) => {
    if (inRange(ts)) return true;
    if (opts.untilIsNow && ts > until) {
      ahead.rows++;
      if (ts > ahead.latestTs) ahead.latestTs = ts;
    }
    return false;
  };
  let stepSeconds = 0;
  let intervalSeconds = 60;
  if (opts.maxPoints !== undefined) {
    const extent = recordedExtent(dir, from, until, seekUntil);
    if (extent) {
      // the time the rows cover: the span, or less when the window has gaps (rows x spacing)
      const covered = Math.min(extent.lastTs - extent.firstTs, extent.rows !== null ? extent.rows * extent.intervalSeconds : Infinity);
      stepSeconds = thinningStepSeconds(covered, extent.intervalSeconds, opts.maxPoints);
      intervalSeconds = extent.intervalSeconds;
    }
  }

  // Closed segments and files moved aside when the column layout changed (samples.<unix seconds>.old.csv) come
  // first, oldest first; each is read by its own header's column names, so older layouts still chart.
  const samples: SampleRow[] = [];
  let thinnedRows = 0;
  for (const file of opts.readSamples === false ? [] : familyFiles(dir, 'samples', from, seekUntil)) {
    const source = `${name}/${file}`;
    const path = join(dir, file);
    streamFile(path, source, out, (f) => {
      const h = samplesHeaderOf(f, source);
      if (h.line === null) return;
      if (h.warning) warnings.push(h.warning);
      const reader = new SamplesCsvReader(source, keepSample);
      reader.header(h.line);
      let scan = { tornTail: false, tooLong: 0 };
      let end = f.sizeBytes;
      if (!reader.noHeader) {
        const w = windowBytes(f, samplesLineTsSeconds, from, seekUntil, h.endByte, opts.inOrder);
        end = w.end;
        if (stepSeconds > 0) {
          // Thinned: a line taken over by a later one of its bucket is never split or parsed (most of a year's
          // cost). The lifetime key is the pid and start-time cells, found by index (lines without quotes only).
          const pidAt = reader.headerNames.indexOf('pid');
          const startAt = reader.headerNames.indexOf('process_start_ts_seconds');
          const lastKeyCell = Math.max(pidAt, startAt, 0);
          // In this version's layout (pid, then the start time) the bytes path keys a row by the one slice that holds
          // both cells.
          const adjacent = pidAt >= 0 && startAt === pidAt + 1;
          // Rows with equal cells have equal keys, a missing cell reading as empty (a damaged row, or a pprof-only
          // target's empty pid and start): cells that are not quoted hold no comma, so "pid,start" is exactly the
          // slice RowKeyBytes decodes for a row with both cells.
          const keyOf = (line: string) => `${pidAt < 0 ? '' : cellAt(line, pidAt)}${adjacent ? ',' : '@'}${startAt < 0 ? '' : cellAt(line, startAt)}`;
          // The thinner holds either a decoded line or (null) the bytes in `held`, copied from the row (see rowBytes).
          const held = new HeldBytes();
          const thinner = new BucketThinner<string | null>(stepSeconds, (l) => reader.line(l ?? held.text()));
          const add = (item: string | null, tsSeconds: number, key: string, bytes?: Uint8Array, start = 0, end = 0) => {
            // the row held is passed on before `held` takes this one's bytes, unless this one takes its place
            if (!thinner.replacesHeld(tsSeconds, key)) thinner.flush();
            if (bytes) held.hold(bytes, start, end);
            thinner.add(item, tsSeconds, key);
          };
          const rowBytes = adjacent ? new RowKeyBytes(pidAt, startAt) : null;
          scan = forEachLine(
            f,
            (line) => {
              const ts = samplesLineTsSeconds(line);
              // A quote before the lifetime cells would move them: that line passes by (a failed tick's quoted
              // message comes after them and is thinned like any row, so failures keep their share of the rows).
              const quote = line.indexOf('"');
              if (ts === null || !inRange(ts) || (quote >= 0 && quote <= cellEnd(line, lastKeyCell))) {
                thinner.reset(); // passes by the thinner, in order
                reader.line(line);
                return;
              }
              add(line, ts, keyOf(line));
            },
            w.start,
            end,
            // Most rows of a thinned read are taken over by a later row of their hour: decided from the bytes, they
            // are never decoded (decoding and finding the cells was ~1 µs a row, a second of a year's report). A row
            // that is not plain (a time not surely inside the window, a quote before the key) is decoded and goes
            // the way above, with the same key, so the rows kept are the same either way (tested).
            rowBytes
              ? (b, start, lineEnd) => {
                  const whole = samplesRowWholeSeconds(b, start, lineEnd);
                  if (whole < 0 || !(whole >= from && whole + 1 <= until)) return false;
                  const key = rowBytes.key(b, start, lineEnd);
                  if (key === null) return false;
                  add(null, whole, key, b, start, lineEnd);
                  return true;
                }
              : undefined,
            () => held.pin(),
          );
          thinner.flush();
          thinnedRows += thinner.dropped;
        } else scan = forEachLine(f, (line) => reader.line(line), w.start, end);
        reader.finish();
      }
      if (reader.noHeader) {
        warnings.push(unreadableWarning(source, path, 'no leakwatch header line'));
        out.unreadable.push(source);
        return;
      }
      if (scan.tornTail && end === f.sizeBytes) warnings.push(tornRowWarning(source));
      warnings.push(...reader.warnings());
      if (scan.tooLong) warnings.push(tooLongWarning(source, scan.tooLong));
      // Rows are few per tick and bounded in count only by the window: push one by one, never spread.
      for (const r of reader.rows) samples.push(r);
    });
  }

  // One replay across the history's segments, oldest first: every live file starts with a keyframe (and every
  // hourly line is one), so counts carry over a segment boundary correctly.
  const replay = new HistoryReplay(`${name}/${FILES.history}`, inRange, stepSeconds);
  // A step of at least the keyframe interval (KEYFRAME_EVERY ticks: an hour at one a minute) needs no delta: each
  // bucket's point is its last keyframe rather than its last tick (a lifetime's last hour shows as its keyframe).
  // (The interval is measured, 60.03 s for cron a minute: rounded, so it is the nominal one.)
  const keyframesOnly = stepSeconds > 0 && stepSeconds >= KEYFRAME_EVERY * Math.round(intervalSeconds);
  const D_BYTE = 0x44; // 'D'
  const SPACE_BYTE = 0x20;
  let historyUnreadable = false;
  const historyFiles = familyFiles(dir, 'history', from, seekUntil);
  // A long thinned read: the newer half of the hourly segments is parsed on a worker meanwhile (hourlyReadAhead.ts).
  const hourlyPaths = stepSeconds > 0 ? historyFiles.filter((f) => f.endsWith('.hourly.log')).map((f) => join(dir, f)) : [];
  const readAhead = HourlyReadAhead.start(hourlyPaths, from, seekUntil, opts.readAheadMinBytes);
  for (const file of historyFiles) {
    const historySource = `${name}/${file}`;
    const historyPath = join(dir, file);
    const before = { lines: replay.lines, bad: replay.bad };
    const ahead = readAhead?.take(historyPath) ?? null;
    if (ahead !== null) {
      for (const l of ahead.lines) replay.parsedKeyframe('raw' in l ? { tsSeconds: l.tsSeconds, lifetime: l.lifetime, total: l.total, counts: CompactCounts.fromRaw(l.raw) } : l);
      ahead.lines.length = 0;
      if (ahead.tornTail) warnings.push(tornHistoryWarning(historySource));
      if (ahead.tooLong) warnings.push(tooLongWarning(historySource, ahead.tooLong));
    }
    const done = ahead !== null || streamFile(historyPath, historySource, out, (f) => {
      // Replay must start at a keyframe (K, or an hourly H) at or before the first tick wanted.
      const w = windowBytes(f, historyLineTsSeconds, from, seekUntil, 0, opts.inOrder);
      const end = w.end;
      const start = w.start > 0 ? Math.max(0, lastKeyframeBefore(f, w.start)) : 0;
      // Keyframes only: deltas before the file's last keyframe are passed over unparsed (most of a year's history);
      // from that keyframe on every line is replayed, so the file's last counts are exact.
      const exactFrom = keyframesOnly ? Math.max(start, lastKeyframeBefore(f, end)) : start;
      // "D " starts a delta; any other line (a damaged one too) is replayed, so damage is counted as before
      const scan = forEachLine(f, (line) => replay.line(line), start, end, (b, s, e, at) => at < exactFrom && e - s >= 2 && b[s] === D_BYTE && b[s + 1] === SPACE_BYTE);
      if (scan.tornTail && end === f.sizeBytes) warnings.push(tornHistoryWarning(historySource));
      if (scan.tooLong) warnings.push(tooLongWarning(historySource, scan.tooLong));
    });
    const lines = replay.lines - before.lines;
    if (done && lines > 0 && replay.bad - before.bad === lines) {
      warnings.push(unreadableWarning(historySource, historyPath, 'no line is a history line'));
      out.unreadable.push(historySource);
      historyUnreadable = true;
    }
  }
  replay.finish();
  // Damaged lines in a file that is not wholly unreadable are counted over every history file read.
  if (!historyUnreadable) warnings.push(...replay.warnings());
  if (thinnedRows > 0 || replay.thinnedAway > 0) warnings.push(thinnedReadWarning(name, stepSeconds, opts.maxPoints ?? 0));
  if (ahead.rows > 0) warnings.push(clockAheadWarning(name, ahead.rows, ahead.latestTs));

  // The dictionary holds every stack ever seen; a windowed read keeps only the stacks its ticks count.
  let wanted: { has(id: number): boolean } | null = null;
  if (from > -Infinity) {
    const max = maxCountById(replay.ticks);
    wanted = { has: (id) => id < max.length && max[id]! > 0 };
  }
  const stacksSource = `${name}/${FILES.stacks}`;
  const stacksPath = join(dir, FILES.stacks);
  const stacks: StackRecord[] = [];
  let stackLines = 0;
  let badStacks = 0;
  const stacksRead = streamFile(stacksPath, stacksSource, out, (f) => {
    forEachLine(f, (line) => {
      if (!line) return;
      stackLines++;
      if (wanted) {
        // Lines start {"id":N, (as written): skip the JSON parse of stacks not shown.
        const m = /^\{"id":(\d+),/.exec(line);
        if (m && !wanted.has(Number(m[1]))) return;
      }
      const s = parseStackLine(line);
      if (s) stacks.push(s);
      else badStacks++;
    });
  });
  if (stacksRead && stackLines > 0 && badStacks === stackLines) {
    warnings.push(unreadableWarning(stacksSource, stacksPath, 'no line is a stack record'));
    out.unreadable.push(stacksSource);
  } else if (badStacks) {
    warnings.push(`${stacksSource}: skipped ${badStacks} damaged line(s)`);
  }

  const snapshots: SnapshotFile[] = [];
  if (opts.listSnapshots !== false) {
    try {
      for (const n of readdirSync(join(dir, FILES.snapshots))) {
        const s = parseSnapshotFileName(n);
        if (!s || !inRange(s.tsSeconds)) continue;
        const rel = join(name, FILES.snapshots, n);
        snapshots.push({ path: rel, kind: s.kind, tsSeconds: s.tsSeconds, pid: s.pid, bytes: fileSize(join(dataDir, rel)) });
      }
    } catch {
      // no snapshots yet
    }
    snapshots.sort((a, b) => a.tsSeconds - b.tsSeconds);
  }
  const rec: TargetRecording = { name, samples, stacks, ticks: replay.ticks, snapshots, warnings };
  if (out.unreadable.length) rec.unreadableFiles = out.unreadable;
  return rec;
}

/**
 * The last `windowSeconds` of a recording, found by binary search on the timestamps (ReadOptions.inOrder), so that a
 * once-a-minute job (record --prom-textfile) costs the same on day 30 as on day 1. Snapshots are not listed.
 */
export function readRecordingTail(dataDir: string, name: string, sinceSeconds: number): TargetRecording {
  return readRecording(dataDir, name, { sinceSeconds, listSnapshots: false, inOrder: true });
}

/**
 * samples.csv as recorded, cell by cell (its own header, so columns appended by newer versions come along),
 * rows in [since, until], streamed from the first row needed. Rows that do not parse (a stray quote) and a
 * torn last line are left out, as in readRecording. Throws when the file cannot be read or has no leakwatch
 * header.
 */
export function readSamplesCells(
  path: string,
  source: string,
  since: number,
  until: number,
  fallbackHeader: readonly string[],
): { header: string[]; rows: string[][]; warnings: string[] } {
  const o = openDataFile(path);
  if ('missing' in o) return { header: [...fallbackHeader], rows: [], warnings: [] };
  if ('error' in o) throw new Error(`could not be read (${o.error}); make it a readable regular file again`);
  try {
    const h = samplesHeaderOf(o.file, source);
    if (h.line === null) return { header: [...fallbackHeader], rows: [], warnings: [] };
    const rows: string[][] = [];
    const reader = new SamplesCsvReader(source, (ts) => ts >= since && ts <= until, (cells) => rows.push(reader.headerNames.map((_, i) => cells[i] ?? '')));
    reader.header(h.line);
    if (reader.noHeader) throw new Error(`no leakwatch header (the first line starts ${JSON.stringify(h.line.slice(0, 40))})`);
    const { start, end } = windowBytes(o.file, samplesLineTsSeconds, since, until, h.endByte);
    const scan = forEachLine(o.file, (line) => reader.line(line), start, end);
    reader.finish();
    const torn = scan.tornTail && end === o.file.sizeBytes ? [tornRowWarning(source)] : [];
    return { header: reader.headerNames, rows, warnings: [...(h.warning ? [h.warning] : []), ...torn, ...reader.warnings()] };
  } finally {
    closeDataFile(o.file);
  }
}

/**
 * readSamplesCells over samples.csv and the closed segments the window needs, oldest first. The header is the
 * union of the files' headers (the newest file's columns first; columns an older layout lacks are empty cells).
 * Throws, naming the file (`<target>/<file>: ...`), when one of them cannot be read.
 */
export function readSamplesCellsAcross(
  dataDir: string,
  name: string,
  since: number,
  until: number,
  fallbackHeader: readonly string[],
): { header: string[]; rows: string[][]; warnings: string[] } {
  const dir = targetDir(dataDir, name);
  const parts = familyFiles(dir, 'samples', since, until).map((file) => {
    const source = `${name}/${file}`;
    try {
      return readSamplesCells(join(dir, file), source, since, until, fallbackHeader);
    } catch (e) {
      throw new Error(`${source}: ${(e as Error).message}`);
    }
  });
  if (parts.length === 1) return parts[0]!;
  const header = [...parts[parts.length - 1]!.header];
  for (const p of parts) for (const h of p.header) if (!header.includes(h)) header.push(h);
  const rows: string[][] = [];
  const warnings: string[] = [];
  for (const p of parts) {
    const at = header.map((h) => p.header.indexOf(h));
    for (const r of p.rows) rows.push(at.map((i) => (i < 0 ? '' : (r[i] ?? ''))));
    warnings.push(...p.warnings);
  }
  return { header, rows, warnings };
}
