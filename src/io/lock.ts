// One recorder at a time per data folder: cron runs that overlap (the last one still waiting on a slow
// endpoint) or a person running `record` during cron would otherwise interleave appends and state.
//
// The lock file holds "pid starttime\n" from the moment it exists: it is written to a private temp file first and
// then link(2)ed into place, which fails with EEXIST when a lock is there (atomic, unlike open('wx') + write, where a
// second recorder could read the still-empty file and take it for abandoned: issue 10).
//
// A lock is removed by its owner (release: only if it is still the same file) or, once proven stale (its process
// is gone or its pid was reused), by a recorder that first takes the breaker lock, so two recorders never both
// "clean up" and then each link a lock of their own.
import { closeSync, fstatSync, linkSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcStat } from '../core/procStat.js';
import { FILE_MODE } from './safeAppend.js';

export const LOCK_FILE = '.leakwatch.lock';
/** Held for the few microseconds it takes to check and remove a stale lock. */
const BREAKER_FILE = '.leakwatch.lock.break';
/**
 * A lock file whose content is not "pid starttime" was not written by this version (its content exists before its
 * name does). Older versions wrote it after creating it, so an unreadable lock is only treated as abandoned once
 * it is this old: a write takes microseconds, a crash between open and write leaves it empty for good.
 */
const UNPARSABLE_STALE_SECONDS = 10;

function startTicksOf(pid: number): number | null {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.startTicks ?? null;
  } catch {
    return null;
  }
}

function isAlive(pid: number, startTicks: number | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (startTicks === null) return true;
  const now = startTicksOf(pid);
  return now === null || now === startTicks;
}

export type LockResult = { ok: true; release(): void } | { ok: false; holderPid: number; message: string };

interface Holder {
  ino: number;
  pid: number;
  startTicks: number | null;
  /** True when the content is not "pid starttime" (empty, damaged, an older version mid-write). */
  unparsable: boolean;
  ageSeconds: number;
}

/** Reads the lock at `path` through one descriptor, so the content and the inode belong to the same file. */
function readHolder(path: string): Holder | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const st = fstatSync(fd);
    const buf = Buffer.alloc(64);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const m = /^(\d{1,10}) (\d*)\n$/.exec(buf.subarray(0, n).toString('latin1'));
    const pid = m ? Number(m[1]) : 0;
    return {
      ino: st.ino,
      pid,
      startTicks: m && m[2] ? Number(m[2]) : null,
      unparsable: !m || pid <= 0,
      ageSeconds: (Date.now() - st.mtimeMs) / 1000,
    };
  } finally {
    closeSync(fd);
  }
}

function isStale(h: Holder): boolean {
  return h.unparsable ? h.ageSeconds >= UNPARSABLE_STALE_SECONDS : !isAlive(h.pid, h.startTicks);
}

/** Writes `content` to a private temp name and links it to `path`; false when `path` exists. */
function linkNew(path: string, content: string): { ok: true; ino: number } | { ok: false } {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    // A full disk fails here, before the lock exists: nothing half-written ever carries the lock's name.
    writeFileSync(tmp, content, { mode: FILE_MODE, flag: 'wx' });
    linkSync(tmp, path);
    return { ok: true, ino: statSync(tmp).ino };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { ok: false };
    throw e;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // gone already
    }
  }
}

/**
 * Removes the file at `path` only if it is still the inode `ino`: rename it to a private name (atomic: only one
 * process can move a given name), then verify. A different file moved by mistake (replaced since we looked) is
 * linked back; if that fails the name is taken by a newer lock and the moved one's owner finds its lock gone.
 */
function removeIfSame(path: string, ino: number): void {
  const aside = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.stale`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (statSync(aside).ino !== ino) {
    try {
      linkSync(aside, path);
    } catch {
      // a newer lock took the name meanwhile: it wins
    }
  }
  unlinkSync(aside);
}

/** Removes a lock proven stale, under the breaker lock so that no other recorder is doing the same. */
function breakStale(dataDir: string, path: string, stale: Holder): void {
  const breaker = join(dataDir, BREAKER_FILE);
  const content = `${process.pid} ${startTicksOf(process.pid) ?? ''}\n`;
  let got = linkNew(breaker, content);
  if (!got.ok) {
    // A breaker whose owner died between taking it and releasing it (microseconds): prove it stale the same way.
    const b = readHolder(breaker);
    if (b && isStale(b)) removeIfSame(breaker, b.ino);
    got = linkNew(breaker, content);
    if (!got.ok) return; // another recorder is breaking it: let it
  }
  try {
    // Under the breaker nobody else removes the lock, so a lock that is still the stale inode stays stale.
    const now = readHolder(path);
    if (now && now.ino === stale.ino && isStale(now)) unlinkSync(path);
  } finally {
    removeIfSame(breaker, got.ino);
  }
}

/**
 * Removes the private temp names (`.leakwatch.lock.<pid>.<random>.tmp|.stale`) of recorders killed mid-way (they
 * are unlinked at once otherwise), only those whose pid is gone. Run while holding the lock.
 */
function sweepLeftovers(dataDir: string): void {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^\.leakwatch\.lock(?:\.break)?\.(\d+)\.[a-z0-9]+\.(?:tmp|stale)$/.exec(name);
    if (!m || isAlive(Number(m[1]), null)) continue;
    try {
      unlinkSync(join(dataDir, name));
    } catch {
      // another recorder swept it
    }
  }
}

export function tryLock(dataDir: string): LockResult {
  const path = join(dataDir, LOCK_FILE);
  const content = `${process.pid} ${startTicksOf(process.pid) ?? ''}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    const got = linkNew(path, content);
    if (got.ok) {
      sweepLeftovers(dataDir);
      let released = false;
      return {
        ok: true,
        release() {
          if (released) return;
          released = true;
          // Only our own lock: the same inode we linked (a stale-breaker may have replaced it if we were stopped).
          try {
            const h = readHolder(path);
            if (h && h.ino === got.ino) removeIfSame(path, got.ino);
          } catch {
            // gone already, or the folder went read-only: the next run proves it stale
          }
        },
      };
    }
    const holder = readHolder(path);
    if (holder === null) continue; // released between our link and read: try again
    if (!isStale(holder)) {
      const who = holder.unparsable ? 'a recorder starting up' : `pid ${holder.pid}`;
      return { ok: false, holderPid: holder.pid, message: `another leakwatch record (${who}) holds ${path}; skipping this tick` };
    }
    breakStale(dataDir, path, holder);
  }
  return { ok: false, holderPid: 0, message: `could not take the lock ${path}; remove it if no leakwatch is running` };
}

/** Tries the lock until `waitMs` has passed (loop mode shares the folder with cron's one-shot runs). */
export async function lockWithin(dataDir: string, waitMs: number): Promise<LockResult> {
  const until = Date.now() + waitMs;
  for (;;) {
    const r = tryLock(dataDir);
    if (r.ok || Date.now() >= until) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
}
