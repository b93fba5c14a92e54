// `leakwatch diff SNAPSHOT_A SNAPSHOT_B [--top N]`: the stacks whose goroutine counts changed most between
// two goroutine profiles (snapshots under data/<target>/snapshots/, or any /debug/pprof/goroutine body).
import { readFileSync } from 'node:fs';
import { formatDuration } from '../core/duration.js';
import { parseGoroutineProfile, ProfileError } from '../core/goroutineProfile.js';
import type { GoroutineProfile } from '../core/model.js';
import { diffProfiles, formatDiffTable, signed } from '../core/profileDiff.js';
import { displaySafe } from '../core/terminalText.js';
import { parseCommandArgs, UsageError } from './args.js';

export const DIFF_HELP = `leakwatch diff — which goroutine stacks grew (or shrank) between two goroutine profiles

Usage:
  leakwatch diff SNAPSHOT_A SNAPSHOT_B [--top N]

SNAPSHOT_A is the older profile, SNAPSHOT_B the newer: files from data/<target>/snapshots/ (*.pb.gz) or any
saved /debug/pprof/goroutine response. Prints one line per stack (frames + labels) whose goroutine count
changed, biggest change first: delta, count in A, count in B, the blocking frame (innermost frame outside the
Go runtime and standard library) and the pprof labels.

Options:
  --top N    show the N biggest changes (default 20)

Exit status: 0 compared, 2 usage error or a file that is missing or not a goroutine profile.

Example:
  leakwatch diff data/api/snapshots/goroutine-20261127T020000Z-pid4242.pb.gz \\
                 data/api/snapshots/goroutine-20261127T080000Z-pid4242.pb.gz --top 10`;

/** Where a command writes; tests pass their own. */
export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const processIo: CommandIo = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
};

/** Profiles are KBs to a few MBs; this bounds what a wrong file (a core dump?) can cost. */
const MAX_PROFILE_BYTES = 256 << 20;

function load(path: string): GoroutineProfile | { error: string } {
  let body: Buffer;
  try {
    body = readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a folder, not a profile' : err.code === 'EACCES' ? 'permission denied' : err.message;
    return { error: `${path}: ${why}` };
  }
  try {
    return parseGoroutineProfile(body, MAX_PROFILE_BYTES);
  } catch (e) {
    const why = e instanceof ProfileError ? e.message : `could not be read (${(e as Error).message})`;
    return { error: `${path}: ${why.split('\n')[0]}` };
  }
}

function utc(ts: number): string {
  return ts > 0 ? new Date(ts * 1000).toISOString().slice(0, 19).replace('T', ' ') + ' UTC' : 'time unknown';
}

export async function runDiff(args: string[], io: CommandIo = processIo): Promise<number> {
  const v = parseCommandArgs(args, { top: { type: 'string' } });
  if (v.help) {
    io.out(DIFF_HELP + '\n');
    return 0;
  }
  const files = (v._ as unknown as string[]) ?? [];
  if (files.length !== 2) throw new UsageError(`diff needs two profiles, SNAPSHOT_A (older) and SNAPSHOT_B (newer); got ${files.length}`);
  let top = 20;
  if (v.top !== undefined) {
    const s = String(v.top);
    if (!/^\d+$/.test(s) || Number(s) < 1) throw new UsageError(`--top: "${s}" is not a positive whole number`);
    top = Number(s);
  }
  const [pathA, pathB] = files as [string, string];
  const a = load(pathA);
  if ('error' in a) {
    io.err(`leakwatch: diff: ${displaySafe(a.error, 400)}\n`);
    return 2;
  }
  const b = load(pathB);
  if ('error' in b) {
    io.err(`leakwatch: diff: ${displaySafe(b.error, 400)}\n`);
    return 2;
  }
  const d = diffProfiles(a, b);
  let between: string;
  if (d.secondsBetween === null) between = 'time between unknown (a profile has no timestamp)';
  else if (d.secondsBetween < 0) between = `B was taken ${formatDuration(-d.secondsBetween)} before A`;
  else between = `${formatDuration(d.secondsBetween)} apart`;
  const lines = [
    `A: ${displaySafe(pathA, 300)}  (${a.total} goroutines, ${utc(a.timeSeconds)})`,
    `B: ${displaySafe(pathB, 300)}  (${b.total} goroutines, ${utc(b.timeSeconds)})`,
    `goroutines ${d.totalA} → ${d.totalB} (${signed(d.totalB - d.totalA)}), ${between}; ${d.changed.length} of ${d.stacks} stacks changed`,
  ];
  if (d.changed.length === 0) lines.push('no stack changed its goroutine count');
  else lines.push('', ...formatDiffTable(d, { top }));
  io.out(lines.join('\n') + '\n');
  return 0;
}
