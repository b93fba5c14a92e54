// Writes <dir>/leakwatch.prom for node_exporter's textfile collector.
//
// Atomic: the text goes to a temp file in the same folder, which is then renamed over the old one, so
// node_exporter (which reads the folder on every scrape) sees the old file or the new one, never half of
// one. The temp name does not end in `.prom`, because the collector reads every `*.prom` file it finds.
//
// Mode 0644, unlike the 0600 files under data/: node_exporter normally runs as its own user
// (`node_exporter` / `prometheus`) and must be able to read the file. It holds only target names and
// numbers (no stacks, labels or process command lines), which is what the collector publishes anyway.
import { closeSync, fchmodSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const PROM_TEXTFILE_NAME = 'leakwatch.prom';
export const PROM_TEXTFILE_MODE = 0o644;

/** Writes `text` to `<dir>/leakwatch.prom` atomically with mode 0644; returns the path. */
export function writePromTextfile(dir: string, text: string): string {
  const path = join(dir, PROM_TEXTFILE_NAME);
  const tmp = join(dir, `.${PROM_TEXTFILE_NAME}.tmp-${process.pid}`);
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'w', PROM_TEXTFILE_MODE);
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
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    throw e;
  }
}
