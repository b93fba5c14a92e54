// Parsing of Linux /proc text, kept pure so it is tested on real captures.

export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  utimeTicks: number;
  stimeTicks: number;
  threads: number;
  /** Process start, in clock ticks after boot: with the pid, this identifies one process lifetime. */
  startTicks: number;
  vszBytes: number;
  rssPages: number;
}

/**
 * /proc/<pid>/stat: "pid (comm) state ppid ...". comm may itself contain spaces and ')' — a process can name
 * itself anything — so the fields are taken after the LAST ')'.
 */
export function parseProcStat(text: string): ProcStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const f = text.slice(close + 2).trim().split(/\s+/);
  // f[0] is field 3 (state); field N is f[N - 3].
  if (f.length < 22) return null;
  const n = (i: number) => Number(f[i - 3]);
  const out: ProcStat = {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: f[0],
    utimeTicks: n(14),
    stimeTicks: n(15),
    threads: n(20),
    startTicks: n(22),
    vszBytes: n(23),
    rssPages: n(24),
  };
  return Object.values(out).every((v) => typeof v === 'string' || Number.isFinite(v)) ? out : null;
}

/** btime from /proc/stat: boot time in unix seconds. */
export function parseBootTimeSeconds(procStatText: string): number | null {
  const m = /^btime\s+(\d+)$/m.exec(procStatText);
  return m ? Number(m[1]) : null;
}

export interface ProcStatus {
  name: string;
  rssBytes: number | null;
  vszBytes: number | null;
  threads: number | null;
}

/** /proc/<pid>/status: VmRSS and VmSize are in kB whatever the page size (arm64 kernels use 64 KiB pages). */
export function parseProcStatus(text: string): ProcStatus {
  const field = (name: string): string | null => {
    const m = new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text);
    return m ? m[1].trim() : null;
  };
  const kb = (name: string): number | null => {
    const v = field(name);
    const m = v ? /^(\d+)\s*kB$/.exec(v) : null;
    return m ? Number(m[1]) * 1024 : null;
  };
  const threads = field('Threads');
  return {
    name: field('Name') ?? '',
    rssBytes: kb('VmRSS'),
    vszBytes: kb('VmSize'),
    threads: threads && /^\d+$/.test(threads) ? Number(threads) : null,
  };
}

/**
 * USER_HZ, the unit of utime/stime/starttime in /proc/<pid>/stat. The kernel exports 100 to userspace on every
 * architecture regardless of CONFIG_HZ (it scales internally), which is why `getconf CLK_TCK` prints 100;
 * hard-coding it saves the two shell spawns pidusage makes to ask getconf on each cold start.
 */
export const USER_HZ = 100;
