// Reads data files line by line through a bounded buffer, forwards or backwards from any byte offset.
// Never the whole file as one string: V8 strings stop at ~512 MiB (a longer file read with readFileSync
// came back as nothing at all), and a year of rows held twice (text + records) is gigabytes.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Bytes read per system call. */
const CHUNK_BYTES = 1024 * 1024;
/**
 * A line longer than this is skipped as damaged rather than buffered: the longest real line is a history
 * keyframe at 100k stacks (~1.5 MB) or a stack with very long names, far below it.
 */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;

/** An open data file. Opened without following a symlink (we never made one) and only if it is a regular file. */
export interface DataFile {
  fd: number;
  sizeBytes: number;
}

export type OpenResult = { file: DataFile } | { missing: true } | { error: string };

export function openDataFile(path: string): OpenResult {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { missing: true };
    return { error: code === 'ELOOP' ? 'a symbolic link (not followed)' : (code ?? 'error') };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      closeSync(fd);
      return { error: st.isDirectory() ? 'a directory, not a file' : 'not a regular file' };
    }
    return { file: { fd, sizeBytes: st.size } };
  } catch (e) {
    closeSync(fd);
    return { error: (e as NodeJS.ErrnoException).code ?? 'error' };
  }
}

export function closeDataFile(f: DataFile): void {
  closeSync(f.fd);
}

export interface LineScan {
  /** The file ended without a newline: the last line was torn by a crash and was not passed on. */
  tornTail: boolean;
  /** Lines over MAX_LINE_BYTES, skipped. */
  tooLong: number;
}

/**
 * Calls `onLine` for each complete line in [startByte, endByte) (endByte defaults to the size at open), in
 * order, without its newline. `startByte` must be a line start. `onLine` returning false stops the scan.
 * `skip(bytes, start, end, startByte)` (the line is bytes[start..end), at file offset startByte) returning true
 * passes a line over before it is decoded into a string: a year's history read from its keyframes passes over
 * ~230 MB of deltas, and decoding them was ~0.5 s. The bytes `skip` sees stay as they are until `beforeMove()` is
 * called (before the buffer's bytes are moved or dropped for the next read): a caller that keeps a line's bytes past
 * its call copies them then, not for every line.
 */
export function forEachLine(
  f: DataFile,
  onLine: (line: string, startByte: number) => boolean | void,
  startByte = 0,
  endByte = f.sizeBytes,
  skip?: (bytes: Uint8Array, start: number, end: number, startByte: number) => boolean,
  beforeMove?: () => void,
): LineScan {
  const scan: LineScan = { tornTail: false, tooLong: 0 };
  let buf = Buffer.alloc(Math.min(CHUNK_BYTES, Math.max(1, endByte - startByte)));
  let filled = 0; // bytes in buf
  let bufStart = startByte; // file offset of buf[0]
  let pos = startByte; // next byte to read
  let skipping = false; // inside a line that is too long
  while (pos < endByte) {
    if (filled === buf.length) {
      // The current line fills the buffer: grow it up to the cap, or skip the line.
      beforeMove?.();
      if (buf.length >= MAX_LINE_BYTES) {
        skipping = true;
        bufStart += filled;
        filled = 0;
      } else {
        const bigger = Buffer.alloc(Math.min(MAX_LINE_BYTES, buf.length * 2));
        buf.copy(bigger, 0, 0, filled);
        buf = bigger;
      }
    }
    const n = readSync(f.fd, buf, filled, Math.min(buf.length - filled, endByte - pos), pos);
    if (n === 0) break; // the file shrank
    pos += n;
    filled += n;
    let lineStart = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, lineStart);
      if (nl < 0 || nl >= filled) break;
      if (skipping) {
        scan.tooLong++;
        skipping = false;
      } else if (skip?.(buf, lineStart, nl, bufStart + lineStart)) {
        // passed over undecoded
      } else if (onLine(buf.toString('utf8', lineStart, nl), bufStart + lineStart) === false) {
        return scan;
      }
      lineStart = nl + 1;
    }
    if (lineStart > 0) {
      beforeMove?.();
      buf.copy(buf, 0, lineStart, filled);
      filled -= lineStart;
      bufStart += lineStart;
    }
  }
  if (filled > 0 || skipping) scan.tornTail = true;
  return scan;
}

/**
 * The start of the first line that begins at or after `byte` (a line start), or `endByte` when none does.
 */
export function nextLineStart(f: DataFile, byte: number, endByte = f.sizeBytes): number {
  if (byte <= 0) return 0;
  const buf = Buffer.alloc(64 * 1024);
  // The line containing byte-1 ends at the first newline at or after byte-1.
  let pos = byte - 1;
  while (pos < endByte) {
    const n = readSync(f.fd, buf, 0, Math.min(buf.length, endByte - pos), pos);
    if (n === 0) break;
    const nl = buf.subarray(0, n).indexOf(0x0a);
    if (nl >= 0) return pos + nl + 1;
    pos += n;
  }
  return endByte;
}

/** The key of a line from its first 256 bytes (keys sit at the start of a line), or null: a line without one. */
function keyOfHead(keyOf: (lineHead: string) => number | null, bytes: Uint8Array, start: number, end: number): number | null {
  return keyOf(Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.min(end - start, 256)).toString('utf8'));
}

/**
 * Where the lines of a window of keys [lo, hi) lie in [startByte, endByte) (a line start, the end): `start` is the first
 * line whose key is at least `lo`, `end` the first keyed line after the last one from `start` on whose key is below
 * `hi` (a line without a key, e.g. a damaged one, goes with the keyed line before it), or endByte. Every line with a
 * key in the window lies in [start, end), in any order: lines are appended as written, and a clock set ahead or back
 * for a while (a wrong RTC at boot, a bad NTP server) leaves a block of them out of order. A binary search that
 * probed such a block ended (or started) the window there, losing the rows beyond it with no word; this reads the keys
 * of every line in between instead (each line's head only, but every byte is read: ~1 ms a MB here, 70 ms for two
 * weeks of a 5,000-stack history against under 5 ms by binary search; seekByKey is kept for the once-a-minute
 * tail), unless the first line from startByte is already at `lo` or later and the last line before
 * endByte below `hi`, which settle either end without a look at the rest (a whole-file read).
 */
export function seekWindow(
  f: DataFile,
  keyOf: (lineHead: string) => number | null,
  lo: number,
  hi: number,
  startByte = 0,
  endByte = f.sizeBytes,
): { start: number; end: number } {
  const first = firstKeyedLine(f, keyOf, startByte, endByte);
  if (first === null) return { start: endByte, end: endByte };
  const last = lastKeyedKey(f, keyOf, first.at, endByte);
  let start = first.key >= lo ? first.at : -1;
  const endKnown = last !== null && last < hi;
  if (start >= 0 && endKnown) return { start, end: endByte };
  // From `start` on: `end` is the keyed line after the last one below hi (-1: none after it yet).
  let end = start >= 0 ? start : endByte;
  let open = false;
  const take = (key: number, at: number): boolean => {
    if (start < 0) {
      if (key < lo) return true;
      start = at;
      end = at;
      // the window's end is known: stop here
      if (endKnown) return false;
    }
    if (key < hi) open = true;
    else if (open) {
      end = at;
      open = false;
    }
    return true;
  };
  forEachLine(
    f,
    () => false,
    start >= 0 ? start : first.at,
    endByte,
    (bytes, from, to, at) => {
      const key = keyOfHead(keyOf, bytes, from, to);
      return key === null || take(key, at);
    },
  );
  if (start < 0) return { start: endByte, end: endByte };
  return { start, end: endKnown || open ? endByte : end };
}

/** The first line in [startByte, endByte) that has a key, and the key; null when none has. */
function firstKeyedLine(f: DataFile, keyOf: (lineHead: string) => number | null, startByte: number, endByte: number): { at: number; key: number } | null {
  let found: { at: number; key: number } | null = null;
  forEachLine(
    f,
    () => false,
    startByte,
    endByte,
    (bytes, from, to, at) => {
      const key = keyOfHead(keyOf, bytes, from, to);
      if (key === null) return true;
      found = { at, key };
      return false;
    },
  );
  return found;
}

/** The key of the last line in [startByte, endByte) that has one (a torn tail has none); null when none has. */
function lastKeyedKey(f: DataFile, keyOf: (lineHead: string) => number | null, startByte: number, endByte: number): number | null {
  let key: number | null = null;
  forEachLineBackward(
    f,
    (line, at) => {
      if (at < startByte) return false;
      key = keyOf(line.slice(0, 256));
      return key === null;
    },
    endByte,
  );
  return key;
}

/**
 * The start of the first line in [startByte, endByte) whose key (e.g. its timestamp) is >= `target`, by
 * binary search over byte offsets: O(log size) short reads, for files whose lines are in key order (a
 * line without a key is passed over). Returns endByte when there is none. Where lines may be out of order (a block
 * written with the clock set ahead or back), a probe that lands in them puts the answer in the wrong place: readers
 * that must not lose a row use seekWindow; this is for a tail read whose cost must not grow with the file.
 */
export function seekByKey(
  f: DataFile,
  keyOf: (lineHead: string) => number | null,
  target: number,
  startByte = 0,
  endByte = f.sizeBytes,
): number {
  // Keys sit at the start of a line: 256 bytes hold them.
  const head = Buffer.alloc(256);
  const keyAt = (lineStart: number): { key: number | null; next: number } => {
    const n = readSync(f.fd, head, 0, Math.min(head.length, endByte - lineStart), lineStart);
    const text = head.toString('utf8', 0, n);
    const nl = text.indexOf('\n');
    return { key: nl < 0 && n === head.length ? keyOf(text) : nl < 0 ? null : keyOf(text.slice(0, nl)), next: nl < 0 ? -1 : lineStart + nl + 1 };
  };
  // Lines without a key (a damaged row, the rest of a cell with a line break) go with the keyed line before
  // them. Invariants: every keyed line before lo is < target; no keyed line lies in [hi, answer); the line at
  // answer is keyed and >= target (or answer is endByte).
  let lo = startByte;
  let hi = endByte;
  let answer = endByte;
  while (lo < hi) {
    const mid = nextLineStart(f, lo + Math.floor((hi - lo) / 2), hi);
    if (mid >= hi) {
      // No line starts in the upper half: walk the lines from lo.
      for (let at = lo; at < hi; ) {
        const k = keyAt(at);
        if (k.key !== null && k.key >= target) return at;
        at = k.next >= 0 ? k.next : nextLineStart(f, at + 1, hi);
      }
      return answer;
    }
    let at = mid;
    let k = keyAt(at);
    while (k.key === null) {
      at = k.next >= 0 ? k.next : nextLineStart(f, at + 1, hi);
      if (at >= hi) break;
      k = keyAt(at);
    }
    if (at >= hi) {
      hi = mid; // [mid, hi) has no keyed line
    } else if (k.key! >= target) {
      answer = at;
      hi = mid;
    } else {
      lo = k.next >= 0 ? k.next : nextLineStart(f, at + 1, hi);
    }
  }
  return answer;
}

/**
 * Calls `onLine` for complete lines before `endByte` (a line start), newest first, reading backwards in
 * chunks; returning false stops. For "the last row before X" without reading what comes before it.
 */
export function forEachLineBackward(f: DataFile, onLine: (line: string, startByte: number) => boolean | void, endByte = f.sizeBytes): void {
  let end = endByte; // exclusive end of the unread region
  let chunk = 64 * 1024;
  while (end > 0) {
    const from = Math.max(0, end - chunk);
    const buf = Buffer.alloc(end - from);
    readSync(f.fd, buf, 0, buf.length, from);
    // Bytes after the last newline are a torn tail (first chunk only: later ones end on a newline).
    let lineEnd = buf.lastIndexOf(0x0a); // the newline ending the current line
    if (lineEnd < 0) {
      if (from === 0 || chunk >= MAX_LINE_BYTES) return;
      chunk *= 2; // not one whole line in this chunk: read more at once
      continue;
    }
    const before = end;
    for (;;) {
      // lastIndexOf with a negative offset would count from the end: guard lineEnd 0.
      const nl = lineEnd > 0 ? buf.lastIndexOf(0x0a, lineEnd - 1) : -1;
      if (nl < 0 && from > 0) break; // the line may start before this chunk
      const lineStart = nl + 1;
      if (onLine(buf.toString('utf8', lineStart, lineEnd), from + lineStart) === false) return;
      if (nl < 0) return; // reached the start of the file
      lineEnd = nl;
    }
    end = from + lineEnd + 1;
    if (end === before && chunk < MAX_LINE_BYTES) chunk *= 2;
    else if (end === before) return;
  }
}
