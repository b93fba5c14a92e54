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
 * Calls `visit(at, key)` for each line of [startByte, endByte) that has a key, in file order, reading only the lines'
 * heads (no line is decoded whole); `visit` returning false stops the walk.
 */
function forEachKeyedLine(
  f: DataFile,
  keyOf: (lineHead: string) => number | null,
  startByte: number,
  endByte: number,
  visit: (at: number, key: number) => boolean,
): void {
  // skip returning false hands the line to onLine, which stops the scan
  forEachLine(f, () => false, startByte, endByte, (bytes, from, to, at) => {
    const key = keyOfHead(keyOf, bytes, from, to);
    return key === null || visit(at, key);
  });
}

/**
 * Where the lines of a window of keys [lo, hi) lie in [startByte, endByte) (a line start, the end), whatever their
 * order: `start` is the first line whose key is in the window, `end` the first keyed line after the last one whose key
 * is (a line without a key, e.g. a damaged one, goes with the keyed line before it), or endByte. With no line in the
 * window, both are the first line whose key is at least `lo` (or endByte): for a file in key order, what a binary
 * search (seekByKey) for `lo` and then `hi` gives.
 *
 * Why not that binary search: lines are appended as written, and a clock set ahead or back for a while (a wrong RTC at
 * boot, a bad NTP server) leaves a block of them out of order; a probe that landed in one ended (or started) the window
 * there, and the rows beyond it were lost with no word. When the first and last keyed lines do not settle both edges
 * (both in the window: a whole-file read), every line's key is read once per file and kept (keyIndexOf): each byte is
 * read, ~1 ms a MB here, 70 ms for two weeks of a 5,000-stack history against under 5 ms by binary search, and a read
 * that seeks the same file again (the lifetime's start, the extent, the rows) looks the index up. seekByKey is kept for
 * the once-a-minute tail, whose cost must not grow with the file.
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
  const inWindow = (k: number) => k >= lo && k < hi;
  if (inWindow(first.key)) {
    const last = lastKeyedKey(f, keyOf, first.at, endByte);
    if (last !== null && inWindow(last)) return { start: first.at, end: endByte };
  }
  const { at, key } = keyIndexOf(f, keyOf, first.at, endByte);
  let firstIn = -1;
  let lastIn = -1;
  for (let i = 0; i < key.length; i++) {
    if (!inWindow(key[i]!)) continue;
    if (firstIn < 0) firstIn = i;
    lastIn = i;
  }
  if (firstIn < 0) {
    let i = 0;
    while (i < key.length && !(key[i]! >= lo)) i++;
    const none = i < key.length ? at[i]! : endByte;
    return { start: none, end: none };
  }
  return { start: at[firstIn]!, end: lastIn + 1 < at.length ? at[lastIn + 1]! : endByte };
}

/** Offsets and keys of the keyed lines of a file's [startByte, endByte), in file order. */
interface KeyIndex {
  at: Float64Array;
  key: Float64Array;
}

/**
 * Key indexes of the files read lately, by the file's identity (device, inode, size, change time), its range and the
 * key function (samples and history lines have different ones): a read seeks a file up to four times. A few files
 * are kept (16 x ~45,000 lines a month x 16 bytes: ~12 MB at most).
 */
const keyIndexes = new WeakMap<(lineHead: string) => number | null, Map<string, KeyIndex>>();
const KEY_INDEXES_KEPT = 16;

function keyIndexOf(f: DataFile, keyOf: (lineHead: string) => number | null, startByte: number, endByte: number): KeyIndex {
  const st = fstatSync(f.fd, { bigint: true });
  const id = `${st.dev}:${st.ino}:${st.ctimeNs}:${f.sizeBytes}:${startByte}:${endByte}`;
  let byFile = keyIndexes.get(keyOf);
  if (!byFile) keyIndexes.set(keyOf, (byFile = new Map()));
  const known = byFile.get(id);
  if (known) return known;
  let at = new Float64Array(1024);
  let key = new Float64Array(1024);
  let n = 0;
  forEachKeyedLine(f, keyOf, startByte, endByte, (offset, k) => {
    if (n === at.length) {
      const at2 = new Float64Array(2 * n);
      const key2 = new Float64Array(2 * n);
      at2.set(at);
      key2.set(key);
      at = at2;
      key = key2;
    }
    at[n] = offset;
    key[n] = k;
    n++;
    return true;
  });
  const index = { at: at.subarray(0, n), key: key.subarray(0, n) };
  if (byFile.size >= KEY_INDEXES_KEPT) byFile.delete(byFile.keys().next().value!);
  byFile.set(id, index);
  return index;
}

/** The first line in [startByte, endByte) that has a key, and the key; null when none has. */
function firstKeyedLine(f: DataFile, keyOf: (lineHead: string) => number | null, startByte: number, endByte: number): { at: number; key: number } | null {
  let found: { at: number; key: number } | null = null;
  forEachKeyedLine(f, keyOf, startByte, endByte, (at, key) => {
    found = { at, key };
    return false;
  });
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
