// The data folder on disk. Layout and formats are documented in data/README.md.
//   <data>/<target>/samples.csv         one row per tick
//   <data>/<target>/stacks.jsonl        stack dictionary (id, frames, labels, first seen)
//   <data>/<target>/stack-history.log   per-stack counts per tick (keyframes and deltas)
//   <data>/<target>/state.json          the recorder's cache (safe to delete)
//   <data>/<target>/snapshots/*.pb.gz   raw goroutine profiles for go tool pprof
import { closeSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackRecord } from '../core/model.js';
import { SAMPLES_HEADER } from '../core/samplesCsv.js';
import { snapshotFileName, snapshotsToDelete, type SnapshotKind } from '../core/snapshots.js';
import { emptyState, stackHash, type TargetState } from '../core/tickPlan.js';
import { stackKey } from '../core/goroutineProfile.js';
import { appendLines, FILE_MODE, readFirstLine } from './safeAppend.js';
import { CREATE_NEW_FLAGS, ensureOwnDir, openNoFollow, refuseLink, refuseLinksIn } from './safeOpen.js';

export const FILES = {
  samples: 'samples.csv',
  stacks: 'stacks.jsonl',
  history: 'stack-history.log',
  state: 'state.json',
  snapshots: 'snapshots',
} as const;

export function targetDir(dataDir: string, name: string): string {
  return join(dataDir, name);
}

/** A folder below the data folder (a target's, snapshots/): made if missing, refused if a link or shared. */
export function ensureDir(path: string): void {
  ensureOwnDir(path);
}

/**
 * Checks a target folder before a tick touches it: the folder itself and every file leakwatch keeps in it
 * (snapshots/ and its entries too) must not be links. With the folder ours and not shared, nothing can
 * change between this check and the writes.
 */
export function checkTargetDir(dir: string): void {
  ensureOwnDir(dir);
  refuseLinksInTarget(dir);
}

/** The read side (report, check, export): the target folder, its files, snapshots/ and its entries are no links. */
export function refuseLinksInTarget(dir: string): void {
  refuseLink(dir);
  for (const name of Object.values(FILES)) refuseLink(join(dir, name));
  refuseLinksIn(join(dir, FILES.snapshots));
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

/**
 * Writes a file atomically and owner-only: a fresh temp file in the same folder (O_EXCL|O_NOFOLLOW, a random
 * name, so nothing planted is written through), then rename, which replaces whatever was at `path` (a wider
 * mode, even a link) without writing through it.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  // Random only to avoid a leftover of an earlier run; O_EXCL makes it safe, so no node:crypto (load time).
  const tmp = `${path}.tmp-${process.pid}-${Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0')}`;
  const fd = openNoFollow(tmp, CREATE_NEW_FLAGS, FILE_MODE); // fails on anything already there: never ours to remove
  try {
    try {
      writeFileSync(fd, data);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    // A full disk leaves a partial temp file: remove it so it neither wastes space nor confuses a reader.
    try {
      unlinkSync(tmp);
    } catch {
      // gone already
    }
    throw e;
  }
}

function stackLine(s: StackRecord): string {
  // The key is derivable from frames + labels, so it is not stored.
  return JSON.stringify({ id: s.id, frames: s.frames, labels: s.labels, firstSeenTsSeconds: s.firstSeenTsSeconds }) + '\n';
}

/** One stacks.jsonl line to a record, or null when it is damaged. */
export function parseStackLine(line: string): StackRecord | null {
  try {
    const o = JSON.parse(line) as Omit<StackRecord, 'key'>;
    if (!o || !Number.isInteger(o.id) || !Array.isArray(o.frames)) return null;
    const labels = o.labels && typeof o.labels === 'object' ? o.labels : {};
    return { id: o.id, key: stackKey(o.frames, labels), frames: o.frames, labels, firstSeenTsSeconds: o.firstSeenTsSeconds };
  } catch {
    return null;
  }
}

/** Parses stacks.jsonl, skipping damaged lines (a torn tail after a crash). */
export function parseStacksJsonl(text: string, source: string): { stacks: StackRecord[]; warnings: string[] } {
  const stacks: StackRecord[] = [];
  let bad = 0;
  const lines = text.split('\n');
  if (!text.endsWith('\n')) lines.pop(); // torn tail
  for (const line of lines) {
    if (!line) continue;
    const s = parseStackLine(line);
    if (s) stacks.push(s);
    else bad++;
  }
  return { stacks, warnings: bad ? [`${source}: skipped ${bad} damaged line(s)`] : [] };
}

/** Loads state.json, repairing it from the files when it is missing, corrupt or out of step with them. */
export function loadState(dir: string): TargetState {
  let state: TargetState;
  try {
    const raw = JSON.parse(readFileSync(join(dir, FILES.state), 'utf8')) as TargetState;
    state = raw && raw.version === 2 ? { ...emptyState(), ...raw } : emptyState();
  } catch {
    state = emptyState();
  }
  const stacksPath = join(dir, FILES.stacks);
  const size = fileSize(stacksPath);
  if (size !== state.stacksBytes) {
    // stacks.jsonl is the source of truth for ids.
    state.stackIds = {};
    state.nextStackId = 1;
    if (size > 0) {
      const { stacks } = parseStacksJsonl(readFileSync(stacksPath, 'utf8'), stacksPath);
      for (const s of stacks) {
        state.stackIds[stackHash(s.key)] = s.id;
        state.nextStackId = Math.max(state.nextStackId, s.id + 1);
      }
    }
    state.stacksBytes = size;
    state.historyBytes = -1; // force a keyframe
  }
  return state;
}

export function saveState(dir: string, state: TargetState): void {
  writeFileAtomic(join(dir, FILES.state), JSON.stringify(state));
}

/**
 * Opens samples.csv for appending. A file from an older layout (another header) is moved aside to
 * samples.<unix seconds>.old.csv so the new rows never mix with old columns.
 */
export function prepareSamplesFile(dir: string, nowSeconds: number): { path: string; movedAside: string | null } {
  const path = join(dir, FILES.samples);
  const first = readFirstLine(path);
  if (first !== null && first !== '' && first !== SAMPLES_HEADER) {
    const aside = join(dir, `samples.${Math.floor(nowSeconds)}.old.csv`);
    renameSync(path, aside);
    return { path, movedAside: aside };
  }
  return { path, movedAside: null };
}

export interface WrittenTick {
  historyBytes: number;
  stacksBytes: number;
}

export function appendStacks(dir: string, stacks: StackRecord[]): number {
  const path = join(dir, FILES.stacks);
  if (stacks.length === 0) return fileSize(path);
  return appendLines(path, stacks.map(stackLine).join('')).size;
}

export function appendHistory(dir: string, line: string): number {
  return appendLines(join(dir, FILES.history), line).size;
}

export function historySize(dir: string): number {
  return fileSize(join(dir, FILES.history));
}

/** Saves a raw profile as a snapshot and prunes the folder; returns the saved path. */
export function saveSnapshot(
  dir: string,
  body: Uint8Array,
  tsSeconds: number,
  pid: number | null,
  retentionDays: number,
  kind: SnapshotKind = 'goroutine',
): string {
  const snapDir = join(dir, FILES.snapshots);
  ensureDir(snapDir);
  const path = join(snapDir, snapshotFileName(tsSeconds, pid, kind));
  writeFileAtomic(path, body);
  // Only regular files: retention never deletes (or deletes through) a link or anything it did not name.
  const names = readdirSync(snapDir, { withFileTypes: true }).filter((d) => d.isFile()).map((d) => d.name);
  for (const name of snapshotsToDelete(names, tsSeconds, retentionDays, pid, kind)) {
    try {
      unlinkSync(join(snapDir, name));
    } catch {
      // already gone
    }
  }
  return path;
}

