// Reads one process's figures from /proc (Linux). Thin I/O over core/procStat.ts.
// On a system without /proc, pidusage gives what it can (CPU time and RSS).
import { readFileSync, readdirSync } from 'node:fs';
import { parseBootTimeSeconds, parseProcStat, parseProcStatus, USER_HZ } from '../core/procStat.js';
import type { TargetConfig } from '../core/config.js';
import type { ObservedProcess } from '../core/tickPlan.js';

/** What one read of /proc gives: the tick planner's ObservedProcess. */
export type ProcessSample = ObservedProcess;

export type FindResult =
  | { pid: number }
  | { error: 'no-process' | 'process-ambiguous'; message: string };

let bootTimeSeconds: number | null | undefined;
function bootTime(): number | null {
  if (bootTimeSeconds === undefined) {
    try {
      bootTimeSeconds = parseBootTimeSeconds(readFileSync('/proc/stat', 'utf8'));
    } catch {
      bootTimeSeconds = null;
    }
  }
  return bootTimeSeconds;
}

function hasProc(): boolean {
  try {
    readFileSync('/proc/self/stat');
    return true;
  } catch {
    return false;
  }
}

/** Finds the target's pid from its pid, pidfile, or command name (exact match on comm, as `pidstat -C` shows it). */
export function findProcess(t: TargetConfig): FindResult {
  if (t.pid !== undefined) return { pid: t.pid };
  if (t.pidfile !== undefined) {
    let text: string;
    try {
      text = readFileSync(t.pidfile, 'utf8');
    } catch (e) {
      return { error: 'no-process', message: `cannot read pidfile ${t.pidfile} (${(e as NodeJS.ErrnoException).code}); is the service running?` };
    }
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0) {
      return { error: 'no-process', message: `pidfile ${t.pidfile} does not hold a pid` };
    }
    return { pid };
  }
  const wanted = t.process!;
  // comm is truncated by the kernel to 15 bytes, so compare against the truncated name too.
  const wantedComm = wanted.slice(0, 15);
  const matches: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return { error: 'no-process', message: 'no /proc on this system: configure the target by pid or pidfile' };
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const comm = readFileSync(`/proc/${e}/comm`, 'utf8').replace(/\n$/, '');
      if (comm === wanted || comm === wantedComm) matches.push(Number(e));
    } catch {
      // exited while we looked
    }
  }
  if (matches.length === 0) {
    return { error: 'no-process', message: `no process named "${wanted}" is running; start it, or fix "process" in the config` };
  }
  if (matches.length > 1) {
    matches.sort((a, b) => a - b);
    const list = matches.slice(0, 10).join(', ') + (matches.length > 10 ? ', …' : '');
    return { error: 'process-ambiguous', message: `${matches.length} processes are named "${wanted}" (pids ${list}); use "pid" or "pidfile" instead` };
  }
  return { pid: matches[0] };
}

/** Reads the process's figures, or null when it does not exist (any more). */
export async function sampleProcess(pid: number): Promise<ProcessSample | null> {
  if (!hasProc()) return samplePortable(pid);
  let statText: string;
  let statusText: string;
  try {
    statText = readFileSync(`/proc/${pid}/stat`, 'utf8');
    statusText = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const stat = parseProcStat(statText);
  if (!stat || stat.state === 'Z') return null; // a zombie has exited; its numbers are gone
  const status = parseProcStatus(statusText);
  let fds: number | null = null;
  let note = '';
  try {
    fds = readdirSync(`/proc/${pid}/fd`).length;
  } catch (e) {
    note = `fds not readable (${(e as NodeJS.ErrnoException).code}): run leakwatch as the service's user or root`;
  }
  const boot = bootTime();
  return {
    pid,
    comm: stat.comm,
    processStartTsSeconds: boot === null ? null : boot + Math.floor(stat.startTicks / USER_HZ),
    rssBytes: status.rssBytes,
    vszBytes: status.vszBytes ?? stat.vszBytes,
    cpuSecondsTotal: (stat.utimeTicks + stat.stimeTicks) / USER_HZ,
    threads: status.threads ?? stat.threads,
    fds,
    note,
  };
}

/** Without /proc (a developer's macOS laptop), pidusage asks ps; there are no threads, fds or start time. */
async function samplePortable(pid: number): Promise<ProcessSample | null> {
  const { default: pidusage } = await import('pidusage');
  try {
    const s = await pidusage(pid);
    return {
      pid,
      comm: '',
      processStartTsSeconds: Math.round((s.timestamp - s.elapsed) / 1000),
      rssBytes: s.memory,
      vszBytes: null,
      // pidusage's own `cpu` is 0 on the first call of a fresh process; ctime (ms) is cumulative and is what we difference.
      cpuSecondsTotal: s.ctime / 1000,
      threads: null,
      fds: null,
      note: 'no /proc: threads and fds not measured',
    };
  } catch {
    return null;
  }
}
