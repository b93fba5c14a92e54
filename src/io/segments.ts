// The recorder's side of segments (data/README.md, "Segments"): once a UTC month, close the live samples.csv and
// stack-history.log by renaming them to a name that says which times they hold; delete closed segments past the
// target's dataRetentionDays; compact closed history older than fullResolutionDays to one line an hour
// (core/historyCompaction.ts).
// Every step is one rename or one unlink in the target folder, and each file is judged on its own first line,
// so a crash between steps leaves a state the next tick completes or ignores: no line lost, none read twice.
import { closeSync, lstatSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { TARGET_DEFAULTS, type TargetConfig } from '../core/config.js';
import { samplesLineTsSeconds } from '../core/samplesCsvRead.js';
import { compactedLeftovers, hourlyNameOf, needsRollover, segmentFileName, segmentsToDelete, segmentToCompact } from '../core/segments.js';
import { HistoryCompactor } from '../core/historyCompaction.js';
import { FILES, listSegments, tempPathFor } from './dataStore.js';
import { closeDataFile, type DataFile, forEachLine, forEachLineBackward, openDataFile } from './lineReader.js';
import { historyLineTsSeconds } from '../core/stackHistory.js';
import { cutTornTail } from './safeAppend.js';
import { CREATE_NEW_FLAGS, FILE_MODE, openNoFollow } from './safeOpen.js';

/** Hourly lines are gathered up to this many bytes per write(). */
const WRITE_CHUNK_BYTES = 1 << 20;

/**
 * The compaction (core/historyCompaction.ts) streamed from file to file: `pathIn` line by line through the bounded
 * reader, the hourly lines into a fresh owner-only temp file next to `pathOut` (never through a link), renamed
 * into place once complete. Memory: one line, one hour's bucket and a 1 MiB write buffer. Throws on failure,
 * leaving `pathIn` as it was.
 */
export function compactHistorySegment(pathIn: string, pathOut: string): void {
  const o = openDataFile(pathIn);
  if (!('file' in o)) throw Object.assign(new Error('error' in o ? o.error : 'gone'), { code: 'error' in o ? o.error : 'ENOENT' });
  const tmp = tempPathFor(pathOut);
  let fd: number | null = null;
  try {
    fd = openNoFollow(tmp, CREATE_NEW_FLAGS, FILE_MODE);
    const out = fd;
    let pending: string[] = [];
    let pendingBytes = 0;
    const flush = () => {
      const buf = Buffer.from(pending.join(''));
      if (writeSync(out, buf) !== buf.length) throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
      pending = [];
      pendingBytes = 0;
    };
    const c = new HistoryCompactor((line) => {
      pending.push(line);
      pendingBytes += line.length;
      if (pendingBytes >= WRITE_CHUNK_BYTES) flush();
    });
    forEachLine(o.file, (line) => c.line(line));
    c.end();
    flush();
    closeSync(fd);
    fd = null;
    renameSync(tmp, pathOut);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(tmp); // a partial temp file is neither kept nor read (its name is not a segment's)
    } catch {
      // never created
    }
    throw e;
  } finally {
    closeDataFile(o.file);
  }
}

const LIVE = [
  { file: FILES.samples, kind: 'samples', keyOf: samplesLineTsSeconds },
  { file: FILES.history, kind: 'history', keyOf: historyLineTsSeconds },
] as const;

/** Bytes read from a live file's start each tick to find its first line's time (a header row is ~400). */
const HEAD_BYTES = 8192;

/** The time of the first line that carries one: from one small read, else (damaged lines first) a scan. */
function firstTs(f: DataFile, keyOf: (line: string) => number | null): number | null {
  const head = Buffer.alloc(Math.min(HEAD_BYTES, f.sizeBytes));
  const n = readSync(f.fd, head, 0, head.length, 0);
  const lines = head.toString('utf8', 0, n).split('\n');
  lines.pop(); // not known to be whole
  for (const line of lines) {
    const k = keyOf(line);
    if (k !== null) return k;
  }
  if (n === f.sizeBytes) return null; // the whole file was read
  let first: number | null = null;
  forEachLine(f, (line) => (first = keyOf(line)) === null);
  return first;
}

/**
 * The times of the first and last lines that carry one (a header, damaged lines and a torn tail have none), or
 * null when none does or the file is missing or not ours to read (the append then reports it). The last is read
 * only when the first says the file must be closed: a tick reads 8 KiB per live file.
 */
function rolloverSpan(path: string, keyOf: (line: string) => number | null, nowSeconds: number): { first: number; last: number } | null {
  const o = openDataFile(path);
  if (!('file' in o)) return null;
  try {
    const first = firstTs(o.file, keyOf);
    if (first === null || !needsRollover(first, nowSeconds)) return null;
    let last: number = first;
    forEachLineBackward(o.file, (line) => {
      const k = keyOf(line);
      if (k !== null) last = k;
      return k === null;
    });
    return { first, last };
  } finally {
    closeDataFile(o.file);
  }
}

/** True when nothing (not even a dangling link) has this name. */
function isFree(path: string): boolean {
  try {
    lstatSync(path);
    return false;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw e;
  }
}

/**
 * Closes each live file whose first line is from an earlier UTC month than `nowSeconds` (samples.csv and
 * stack-history.log independently), before the tick appends: a torn last line is cut (as the append would),
 * then one rename. The next append starts a fresh file: samples.csv with its header, the history with a keyframe
 * (its size no longer matches state.json). Returns the segment names made.
 */
export function rollOverLiveFiles(dir: string, nowSeconds: number): string[] {
  const made: string[] = [];
  for (const live of LIVE) {
    const path = join(dir, live.file);
    const span = rolloverSpan(path, live.keyOf, nowSeconds);
    if (!span) continue;
    cutTornTail(path);
    // A clock stepped back inside the file can put its last line before its first: the name spans both.
    const lo = Math.min(span.first, span.last);
    const hi = Math.max(span.first, span.last);
    let n = 1;
    while (!isFree(join(dir, segmentFileName(live.kind, lo, hi, n)))) n++;
    const name = segmentFileName(live.kind, lo, hi, n);
    renameSync(path, join(dir, name));
    made.push(name);
  }
  return made;
}

/** rollOverLiveFiles for a tick: a failure is one line (the tick then appends to the files as they are), never a throw. */
export function rollOverForTick(dir: string, nowSeconds: number): string[] {
  try {
    rollOverLiveFiles(dir, nowSeconds);
    return [];
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return [`could not close last month's samples.csv/stack-history.log as segments (${err.code ?? err.message.split('\n')[0]}): this tick appends to them and the next one tries again; nothing recorded was lost; check ${dir}`];
  }
}

/** Unlinks a segment only if it is still a regular file (never a link, never a folder someone put there). */
function unlinkRegular(path: string): boolean {
  try {
    if (!lstatSync(path).isFile()) return false;
    unlinkSync(path);
    return true;
  } catch {
    return false; // gone already
  }
}

export interface Maintenance {
  deleted: string[];
  compacted: string | null;
  /** One line each, naming the file and the fix. */
  problems: string[];
}

/**
 * After a tick's writes: retention (closed segments whose last line is older than dataRetentionDays, regular
 * files with our names only; the live files, stacks.jsonl and stack-ids.idx are never segments), the
 * full-resolution leftover of a compaction that crashed before its unlink, then at most one compaction.
 */
export function maintainSegments(dir: string, nowSeconds: number, t: TargetConfig): Maintenance {
  const out: Maintenance = { deleted: [], compacted: null, problems: [] };
  let segs;
  try {
    segs = listSegments(dir).filter((s) => s.isFile);
  } catch (e) {
    out.problems.push(`could not list ${dir} for segment retention (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); nothing was deleted; check its permissions`);
    return out;
  }
  const retentionDays = t.dataRetentionDays ?? TARGET_DEFAULTS.dataRetentionDays;
  const gone = new Set<string>();
  for (const s of [...segmentsToDelete(segs, nowSeconds, retentionDays), ...compactedLeftovers(segs)]) {
    if (!gone.has(s.name) && unlinkRegular(join(dir, s.name))) out.deleted.push(s.name);
    gone.add(s.name);
  }
  const next = segmentToCompact(segs.filter((s) => !gone.has(s.name)), nowSeconds, t.fullResolutionDays ?? TARGET_DEFAULTS.fullResolutionDays);
  if (!next) return out;
  const pathIn = join(dir, next.name);
  try {
    compactHistorySegment(pathIn, join(dir, hourlyNameOf(next)));
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    out.problems.push(`could not compact ${pathIn} (${err.code ?? err.message.split('\n')[0]}): it stays at full resolution; ${err.code === 'ENOSPC' ? 'free disk space' : `check ${dir}`}`);
    return out;
  }
  unlinkRegular(pathIn);
  out.compacted = next.name;
  return out;
}
