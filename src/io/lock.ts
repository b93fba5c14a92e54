// One recorder at a time per data folder: cron runs that overlap (the last one still waiting on a slow
// endpoint) or a person running `record` during cron would otherwise interleave appends and state.
// The lock file holds "pid starttime"; a lock whose process is gone (or whose pid was reused) is stale.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { parseProcStat } from '../core/procStat.js';
import { FILE_MODE } from './safeAppend.js';

export const LOCK_FILE = '.leakwatch.lock';

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

export function tryLock(dataDir: string): LockResult {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', FILE_MODE);
      try {
        writeSync(fd, `${process.pid} ${startTicksOf(process.pid) ?? ''}\n`);
      } catch (e) {
        // A full disk: do not leave an empty lock behind for the next run to puzzle over.
        closeSync(fd);
        unlinkSync(path);
        throw e;
      }
      closeSync(fd);
      let released = false;
      return {
        ok: true,
        release() {
          if (released) return;
          released = true;
          try {
            // Only remove our own lock.
            if (readFileSync(path, 'utf8').startsWith(`${process.pid} `)) unlinkSync(path);
          } catch {
            // gone already
          }
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holderPid = 0;
    let holderStart: number | null = null;
    try {
      const [p, s] = readFileSync(path, 'utf8').trim().split(' ');
      holderPid = Number(p);
      holderStart = s ? Number(s) : null;
    } catch {
      continue; // released between our open and read: try again
    }
    if (Number.isInteger(holderPid) && holderPid > 0 && isAlive(holderPid, holderStart)) {
      return { ok: false, holderPid, message: `another leakwatch record (pid ${holderPid}) holds ${path}; skipping this tick` };
    }
    // Stale: its owner died (SIGKILL, reboot). Remove and retry; if two of us race, only one open('wx') wins.
    try {
      unlinkSync(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; // EROFS, EACCES: the caller says so
    }
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
