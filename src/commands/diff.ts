// `leakwatch diff SNAPSHOT_A SNAPSHOT_B [--top N]`: the stacks whose goroutine counts changed most between
// two goroutine profiles (snapshots under data/<target>/snapshots/, or any /debug/pprof/goroutine body).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatDuration } from '../core/duration.js';
import { parseGoroutineProfile, ProfileError } from '../core/goroutineProfile.js';
import type { GoroutineProfile } from '../core/model.js';
import { diffProfiles, formatDiffTable, signed } from '../core/profileDiff.js';
import { displaySafe } from '../core/terminalText.js';
import { parseArgsOrHelp, UsageError, valueOptions } from './args.js';

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
    const why = e instanceof ProfileError ? forDiff(e.message) : `could not be read (${(e as Error).message})`;
    return { error: `${path}: ${why.split('\n')[0]}` };
  }
}

/** The decoder's messages are written for the recorder ("point pprof at…"); diff is given files. */
function forDiff(message: string): string {
  const want = 'leakwatch diff compares goroutine profiles (data/<target>/snapshots/goroutine-*.pb.gz)';
  if (/text dump/.test(message)) return `a text dump of goroutines (debug=1/2), not a binary profile: ${want}; read a dump with zcat or less`;
  const other = /^not a goroutine profile \(sample types: ([^)]*)\)/.exec(message);
  if (other) return `not a goroutine profile (sample types: ${other[1]}): ${want}`;
  return message;
}

/** The snapshot's target folder when the path is data/<target>/snapshots/<file>. */
function targetOf(path: string): string | null {
  return /(?:^|\/)([^/]+)\/snapshots\/[^/]+$/.exec(resolve(path))?.[1] ?? null;
}

/**
 * A warning when A and B look like two different programs: snapshots of two targets, or no function of
 * package main in common. Their diff is every stack of one minus every stack of the other, which reads as a
 * huge change.
 */
function differentPrograms(a: GoroutineProfile, b: GoroutineProfile, pathA: string, pathB: string): string | null {
  const [ta, tb] = [targetOf(pathA), targetOf(pathB)];
  if (ta !== null && tb !== null && ta !== tb) {
    return `warning: A is a snapshot of target "${ta}" and B of "${tb}": the diff compares two different services`;
  }
  const mains = (p: GoroutineProfile) => new Set(p.stacks.flatMap((s) => s.frames.map((f) => f.function)).filter((f) => f.startsWith('main.')));
  const [ma, mb] = [mains(a), mains(b)];
  if (ma.size > 0 && mb.size > 0 && ![...ma].some((f) => mb.has(f))) {
    return 'warning: A and B share no function of package main: they look like two different programs';
  }
  return null;
}

function utc(ts: number): string {
  return ts > 0 ? new Date(ts * 1000).toISOString().slice(0, 19).replace('T', ' ') + ' UTC' : 'time unknown';
}

export const DIFF_OPTIONS = valueOptions('top');

export async function runDiff(args: string[], io: CommandIo = processIo): Promise<number> {
  const v = parseArgsOrHelp(args, DIFF_OPTIONS, DIFF_HELP, io.out);
  if (v === null) return 0;
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
  const different = differentPrograms(a, b, pathA, pathB);
  if (different) io.err(`leakwatch: diff: ${displaySafe(different, 400)}\n`);
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
