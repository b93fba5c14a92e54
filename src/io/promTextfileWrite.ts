// Writes <dir>/leakwatch.prom for node_exporter's textfile collector.
//
// Atomic: the text goes to a temp file in the same folder, which is then renamed over the old one, so
// node_exporter (which reads the folder on every scrape) sees the old file or the new one, never half of
// one. The temp name does not end in `.prom`, because the collector reads every `*.prom` file it finds.
//
// Mode 0644, unlike the 0600 files under data/: node_exporter normally runs as its own user
// (`node_exporter` / `prometheus`) and must be able to read the file. It holds only target names and
// numbers (no stacks, labels or process command lines), which is what the collector publishes anyway.
import { closeSync, fchmodSync, fsyncSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { tempPathFor } from './dataStore.js';
import { CREATE_NEW_FLAGS, openNoFollow } from './safeOpen.js';

export const PROM_TEXTFILE_NAME = 'leakwatch.prom';
export const PROM_TEXTFILE_MODE = 0o644;

/** Writes `text` to `<dir>/leakwatch.prom` atomically with mode 0644; returns the path. */
export function writePromTextfile(dir: string, text: string): string {
  const path = join(dir, PROM_TEXTFILE_NAME);
  // A fresh file of our own: the data folder's random temp name (not ending in .prom), created exclusively and never
  // through a link. The textfile folder is often writable by node_exporter's user; with a predictable name opened
  // plainly, a link planted there made this root process write the metrics through it into any file and chmod it 0644.
  const tmp = tempPathFor(path);
  let fd: number | null = null;
  let created = false;
  try {
    fd = openNoFollow(tmp, CREATE_NEW_FLAGS, PROM_TEXTFILE_MODE);
    created = true;
    // The umask may have taken bits off at create time; node_exporter needs "others may read".
    fchmodSync(fd, PROM_TEXTFILE_MODE);
    const data = Buffer.from(text, 'utf8');
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
    return path;
  } catch (e) {
    if (fd !== null) closeSync(fd);
    // only what this call created is removed: whatever was found under the name is not ours
    if (created) {
      try {
        unlinkSync(tmp);
      } catch {
        // renamed already, or gone
      }
    }
    throw e;
  }
}
