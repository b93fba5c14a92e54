// Appends whole lines so that a crash, a full disk or a concurrent reader never sees half a row twice.
// One write() per append (O_APPEND), a torn tail from an earlier crash is cut back to the last newline
// before writing, and a failed write is truncated away so the file still ends on a newline.
import { closeSync, constants, fstatSync, ftruncateSync, readSync, writeSync } from 'node:fs';
import { APPEND_FLAGS, FILE_MODE, openNoFollow } from './safeOpen.js';

export { DIR_MODE, FILE_MODE } from './safeOpen.js';

const TAIL_WINDOW = 64 * 1024;

/**
 * Size to cut the file back to so that it ends on a newline (or is empty). Reads backwards a window at a time, so
 * a torn line of any length is found and cut (issue 10: a 67 MB torn line outgrew the old single 64 KiB window
 * and the next line was glued onto it). Normally one read of the last byte's window finds the newline at its end.
 */
function repairedSize(fd: number, size: number): number {
  if (size === 0) return 0;
  const buf = Buffer.alloc(Math.min(TAIL_WINDOW, size));
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - buf.length);
    const n = readSync(fd, buf, 0, end - start, start);
    const chunk = buf.subarray(0, n);
    if (end === size && chunk[n - 1] === 0x0a) return size;
    const nl = chunk.lastIndexOf(0x0a);
    if (nl >= 0) return start + nl + 1;
    end = start;
  }
  return 0; // one torn line from the first byte: the whole file is that line
}

export interface AppendResult {
  /** File size after the append. */
  size: number;
  /** Bytes of a torn tail that were cut away first (0 normally). */
  repairedBytes: number;
}

/**
 * Appends `text` (one or more complete lines). When the file is new or empty, `header` is written first in
 * the same write. Throws on I/O errors after restoring the file to its previous size.
 */
export function appendLines(path: string, text: string, header = ''): AppendResult {
  const fd = openNoFollow(path, APPEND_FLAGS, FILE_MODE);
  try {
    const before = fstatSync(fd).size;
    const size = repairedSize(fd, before);
    if (size !== before) ftruncateSync(fd, size);
    const data = Buffer.from(size === 0 ? header + text : text);
    try {
      const written = writeSync(fd, data);
      if (written !== data.length) throw Object.assign(new Error(`short write (${written} of ${data.length} bytes)`), { code: 'ENOSPC' });
    } catch (e) {
      try {
        ftruncateSync(fd, size);
      } catch {
        // the disk is in trouble; the reader skips a torn tail anyway
      }
      throw e;
    }
    return { size: size + data.length, repairedBytes: before - size };
  } finally {
    closeSync(fd);
  }
}

/** Cuts a torn last line (a crash mid-append) away so the file ends on a newline; returns the bytes cut. */
export function cutTornTail(path: string): number {
  const fd = openNoFollow(path, constants.O_RDWR);
  try {
    const before = fstatSync(fd).size;
    const size = repairedSize(fd, before);
    if (size !== before) ftruncateSync(fd, size);
    return before - size;
  } finally {
    closeSync(fd);
  }
}

/** Reads the first line of a file (up to 4 KiB), or null when the file does not exist. */
export function readFirstLine(path: string): string | null {
  let fd: number;
  try {
    fd = openNoFollow(path, constants.O_RDONLY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const s = buf.subarray(0, n).toString('utf8');
    const nl = s.indexOf('\n');
    return nl >= 0 ? s.slice(0, nl + 1) : s;
  } finally {
    closeSync(fd);
  }
}
