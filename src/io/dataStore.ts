// The data folder on disk. Layout and formats are documented in data/README.md.
//   <data>/<target>/samples.csv         one row per tick
//   <data>/<target>/stacks.jsonl        stack dictionary (id, frames, labels, first seen)
//   <data>/<target>/stack-history.log   per-stack counts per tick (keyframes and deltas)
//   <data>/<target>/stack-ids.idx       stack hash -> id, append-only (the recorder's index; rebuilt from stacks.jsonl)
//   <data>/<target>/state.json          the recorder's cache (safe to delete)
//   <data>/<target>/snapshots/*.pb.gz   raw goroutine profiles for go tool pprof
import { closeSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Frame, StackRecord } from '../core/model.js';
import { csvCells, isHeaderlessRow, SAMPLES_COLUMNS, SAMPLES_HEADER } from '../core/samplesCsv.js';
import { parseSegmentFileName, type Segment } from '../core/segments.js';
import { snapshotFileName, snapshotsToDelete, type SnapshotKind } from '../core/snapshots.js';
import { emptyState, LABEL_PLACEHOLDER, labelGroupId, lifetimeOf, stackHash, validateState, type TargetState } from '../core/tickPlan.js';
import { stackKey } from '../core/goroutineProfile.js';
import { appendLines, FILE_MODE, readFirstLine } from './safeAppend.js';
import { closeDataFile, forEachLineBackward, openDataFile } from './lineReader.js';
import { CREATE_NEW_FLAGS, ensureOwnDir, openNoFollow, refuseLink, refuseLinksIn } from './safeOpen.js';

export const FILES = {
  samples: 'samples.csv',
  stacks: 'stacks.jsonl',
  history: 'stack-history.log',
  state: 'state.json',
  stackIds: 'stack-ids.idx',
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

/** The read side (report, check, export): the target folder, its files, segments, snapshots/ and its entries are no links. */
export function refuseLinksInTarget(dir: string): void {
  refuseLink(dir);
  for (const name of Object.values(FILES)) refuseLink(join(dir, name));
  for (const s of listSegments(dir)) refuseLink(join(dir, s.name));
  refuseLinksIn(join(dir, FILES.snapshots));
}

/**
 * The closed segments in a target folder (core/segments.ts), by name only: whatever is under such a name (a link,
 * a folder) is listed, for the reader to report and the writer to refuse or leave alone. `isFile` is from the
 * directory entry (lstat: a link to a file is not a file). [] when the folder is missing.
 */
export function listSegments(dir: string): Array<Segment & { isFile: boolean }> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: Array<Segment & { isFile: boolean }> = [];
  for (const d of entries) {
    const s = parseSegmentFileName(d.name);
    if (s) out.push({ ...s, isFile: d.isFile() });
  }
  return out;
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return -1;
  }
}

/** A fresh temp name next to `path` (`<name>.tmp-<pid>-<8 hex>`), to be created with CREATE_NEW_FLAGS and renamed over `path`. */
export function tempPathFor(path: string): string {
  // Random only to avoid a leftover of an earlier run; O_EXCL makes it safe, so no node:crypto (load time).
  return `${path}.tmp-${process.pid}-${Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0')}`;
}

/**
 * Writes a file atomically and owner-only: a fresh temp file in the same folder (O_EXCL|O_NOFOLLOW, a random
 * name, so nothing planted is written through), then rename, which replaces whatever was at `path` (a wider
 * mode, even a link) without writing through it.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(path);
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
  const o: Record<string, unknown> = { id: s.id, frames: s.frames, labels: s.labels, firstSeenTsSeconds: s.firstSeenTsSeconds };
  if (s.collapsedLabels) o.collapsedLabels = s.collapsedLabels;
  return JSON.stringify(o) + '\n';
}

/** A frame as stacks.jsonl stores it: strings and a whole line number (what every reader of frames assumes). */
function isFrame(f: unknown): f is Frame {
  if (!f || typeof f !== 'object') return false;
  const o = f as Record<string, unknown>;
  return typeof o.function === 'string' && typeof o.file === 'string' && Number.isSafeInteger(o.line);
}

/** A record of string values (labels), or null. */
function stringRecord(v: unknown): Record<string, string> | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  for (const x of Object.values(v)) if (typeof x !== 'string') return null;
  return v as Record<string, string>;
}

/**
 * One stacks.jsonl line to a record, or null when it is damaged: not JSON, an id that is not a positive whole
 * number, a frame that is not {function, file, line} of strings and a whole number, a label value that is not a
 * string (a hand-edited or corrupted line; the analysis and the page read these fields as such, and one bad frame
 * was an internal error for check and report).
 */
export function parseStackLine(line: string): StackRecord | null {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!o || typeof o !== 'object' || !Number.isSafeInteger(o.id) || (o.id as number) < 1 || !Array.isArray(o.frames) || !o.frames.every(isFrame)) return null;
  const labels = o.labels === undefined ? {} : stringRecord(o.labels);
  if (labels === null) return null;
  const frames = o.frames as Frame[];
  const rec: StackRecord = { id: o.id as number, key: stackKey(frames, labels), frames, labels, firstSeenTsSeconds: o.firstSeenTsSeconds as number };
  // (a line without firstSeenTsSeconds, or with another type, leaves it undefined as before: readers fall back)
  if (typeof o.firstSeenTsSeconds !== 'number') delete (rec as Partial<StackRecord>).firstSeenTsSeconds;
  // label keys the recorder collapsed, with the distinct values it counted (suspects.ts shows them as a group)
  const c = o.collapsedLabels;
  if (c && typeof c === 'object' && !Array.isArray(c)) {
    const collapsed = Object.entries(c as Record<string, unknown>).filter(([, n]) => Number.isSafeInteger(n) && (n as number) > 0);
    if (collapsed.length > 0) rec.collapsedLabels = Object.fromEntries(collapsed) as Record<string, number>;
  }
  return rec;
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

/**
 * Calls `fn` with each complete line of a file (without its newline), reading 1 MiB at a time: a file of any size,
 * never one string (V8 strings end at ~512 MiB, issue 10). A torn last line (no newline) is not passed.
 */
export function forEachLine(path: string, fn: (line: string) => void): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    const chunk = Buffer.alloc(1 << 20);
    let carry: Buffer[] = [];
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      let start = 0;
      for (let nl = chunk.indexOf(0x0a, 0); nl >= 0 && nl < n; nl = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, nl);
        // A line longer than the string limit is damage for our purposes: skip it rather than throw.
        const len = carry.reduce((t, b) => t + b.length, 0) + piece.length;
        if (len < 256 * 1024 * 1024) fn(carry.length ? Buffer.concat([...carry, piece]).toString('utf8') : piece.toString('utf8'));
        carry = [];
        start = nl + 1;
      }
      if (start < n) carry.push(Buffer.from(chunk.subarray(start, n)));
    }
  } finally {
    closeSync(fd);
  }
}

/** The largest stack id that stack-history.log mentions (0 if none): ids there must never be handed out again. */
export function maxHistoryStackId(path: string): number {
  let max = 0;
  forEachLine(path, (line) => {
    for (let i = line.indexOf(' ', 0), n = 0; i >= 0; i = line.indexOf(' ', i + 1), n++) {
      if (n < 3) continue; // kind, ts, lifetime, total come first
      const colon = line.indexOf(':', i);
      const id = Number(line.slice(i + 1, colon));
      if (colon > i && Number.isSafeInteger(id) && id > max) max = id;
    }
  });
  return max;
}

export interface LoadedState {
  state: TargetState;
  /** One line when state.json existed but failed validation (it is rebuilt from the files). */
  warning: string | null;
}

/**
 * Loads state.json and the stack ids. When state.json is missing, fails validation, or disagrees with the size of
 * stacks.jsonl or stack-ids.idx, the ids are rebuilt from stacks.jsonl and the next id from every source
 * (stacks.jsonl, stack-history.log, the old state), so an id the history already uses is never handed out again,
 * even after stacks.jsonl was truncated (issue 10).
 */
export function loadState(dir: string): LoadedState {
  const statePath = join(dir, FILES.state);
  let state = emptyState();
  let valid = false;
  let warning: string | null = null;
  let text: string | null = null;
  try {
    text = readFileSync(statePath, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') warning = `${statePath} could not be read (${code ?? (e as Error).message}); rebuilt it from the data files`;
  }
  if (text !== null) {
    let raw: unknown;
    let reason: string;
    try {
      raw = JSON.parse(text);
      const v = validateState(raw);
      if ('state' in v) {
        state = { ...v.state, stackIds: new Map() };
        valid = true;
      }
      reason = 'reason' in v ? v.reason : '';
    } catch {
      reason = 'not valid JSON';
    }
    // A state.json of an older version is an upgrade, not damage: rebuilt without a word.
    const older = !valid && raw !== null && typeof raw === 'object' && typeof (raw as { version?: unknown }).version === 'number' && (raw as { version: number }).version < 3;
    if (!valid && !older) warning = `${statePath} failed validation (${reason}); rebuilt it from the data files (nothing recorded was lost)`;
  }
  const stacksPath = join(dir, FILES.stacks);
  const idsPath = join(dir, FILES.stackIds);
  const stacksBytes = fileSize(stacksPath);
  const idsBytes = fileSize(idsPath);
  if (valid && stacksBytes === state.stacksBytes && idsBytes === state.idsBytes) {
    // The common path: the index is what we appended, line for line.
    if (idsBytes > 0) {
      for (const line of readFileSync(idsPath, 'latin1').split('\n')) {
        const sp = line.indexOf(' ');
        if (sp > 0) state.stackIds.set(line.slice(0, sp), Number(line.slice(sp + 1)));
      }
    }
    return { state, warning };
  }
  // Rebuild: stacks.jsonl is the source of truth for ids; every source bounds the next one.
  let next = valid ? state.nextStackId : 1;
  const ids = new Map<string, number>();
  const labelGroups = new Map<string, { key: string; seen: number }>();
  forEachLine(stacksPath, (line) => {
    let o: { id?: unknown; frames?: unknown; labels?: unknown; collapsedLabels?: unknown };
    try {
      o = JSON.parse(line);
    } catch {
      return; // damaged line: its id (if any) is also in the history, which bounds `next` below
    }
    if (!Number.isSafeInteger(o.id) || !Array.isArray(o.frames)) return;
    const labels = o.labels && typeof o.labels === 'object' ? (o.labels as Record<string, string>) : {};
    ids.set(stackHash(stackKey(o.frames, labels)), o.id as number);
    next = Math.max(next, (o.id as number) + 1);
    // Collapsed label keys stay collapsed (with the count the record kept), so ids stay stable without state.json.
    if (o.collapsedLabels && typeof o.collapsedLabels === 'object') {
      const fh = stackHash(stackKey(o.frames, {}));
      for (const [k, n] of Object.entries(o.collapsedLabels as Record<string, unknown>)) {
        if (labels[k] !== LABEL_PLACEHOLDER) continue;
        const g = labelGroupId(fh, k);
        labelGroups.set(g, { key: k, seen: Math.max(labelGroups.get(g)?.seen ?? 0, Number(n) || 0) });
      }
    }
  });
  // Closed history segments too: a stack seen only in an earlier month has an id there and nowhere else.
  for (const s of listSegments(dir)) if (s.isFile && (s.kind === 'history' || s.kind === 'hourly')) next = Math.max(next, maxHistoryStackId(join(dir, s.name)) + 1);
  next = Math.max(next, maxHistoryStackId(join(dir, FILES.history)) + 1);
  state.stackIds = ids;
  state.nextStackId = next;
  for (const [g, c] of labelGroups) {
    if (!state.collapsedLabels[g]) state.collapsedLabels[g] = { key: c.key, sketch: '', distinctValues: c.seen, saturated: false, examples: [] };
  }
  let idx = '';
  for (const [h, id] of ids) idx += `${h} ${id}\n`;
  writeFileAtomic(idsPath, idx);
  state.stacksBytes = stacksBytes;
  state.idsBytes = Buffer.byteLength(idx);
  state.historyBytes = -1; // force a keyframe
  if (!valid) {
    state.lastCounts = {};
    resumeFromLastRow(dir, state);
  }
  return { state, warning };
}

/** The last non-empty line of a data file, or null. */
function lastLineOf(path: string): string | null {
  const o = openDataFile(path);
  if (!('file' in o)) return null;
  let last: string | null = null;
  try {
    forEachLineBackward(o.file, (line) => {
      if (line.trim() === '') return true;
      last = line;
      return false;
    });
  } finally {
    closeDataFile(o.file);
  }
  return last;
}

/**
 * What a rebuilt state takes from samples.csv's last row, when it is a row of this layout: the process lifetime it
 * belongs to (the key is exact: the start time is whole seconds, procSampler.ts), its time and CPU seconds (the next
 * row's cpu_percent), and its time as the last success when it was ok. A row without a pid is a pprof-only target's
 * ("url"). Without it a deleted state.json (documented as safe) made the next row of the same process an
 * `event=start` with no cpu_percent, and the textfile's success stamp vanished until the next ok tick.
 */
function resumeFromLastRow(dir: string, state: TargetState): void {
  const row = lastLineOf(join(dir, FILES.samples));
  const cells = row === null ? [] : csvCells(row);
  if (cells.length !== SAMPLES_COLUMNS.length || cells[0] === SAMPLES_COLUMNS[0]) return;
  const cell = (name: (typeof SAMPLES_COLUMNS)[number]) => cells[SAMPLES_COLUMNS.indexOf(name)]!;
  const num = (name: (typeof SAMPLES_COLUMNS)[number]) => (cell(name) === '' || !Number.isFinite(Number(cell(name))) ? null : Number(cell(name)));
  const ts = num('ts_seconds');
  if (ts === null) return;
  const pid = num('pid');
  if (pid !== null && Number.isSafeInteger(pid) && pid > 0) {
    const start = num('process_start_ts_seconds');
    state.lifetime = lifetimeOf(pid, start);
    state.pid = pid;
    state.processStartTsSeconds = start;
    state.lastTsSeconds = ts;
    state.lastCpuSecondsTotal = num('cpu_seconds_total');
  } else if (cell('pid') === '') state.lifetime = 'url';
  if (cell('status') === 'ok') state.lastOkTsSeconds = ts;
}

/** state.json without the stack ids (they live in stack-ids.idx): small, whatever the dictionary's size. */
export function saveState(dir: string, state: TargetState): void {
  const { stackIds: _ids, ...rest } = state;
  writeFileAtomic(join(dir, FILES.state), JSON.stringify(rest));
}

/**
 * Opens samples.csv for appending. A file from an older layout (another header), or one whose header was lost (its
 * first line a row: `why` says which), is moved aside to samples.<unix seconds>.old.csv so the new rows never mix
 * with old columns and the new file starts with its header; readers read both (io/readRecording.ts).
 */
export function prepareSamplesFile(dir: string, nowSeconds: number): { path: string; movedAside: string | null; why: 'another layout' | 'no header line' | null } {
  const path = join(dir, FILES.samples);
  const first = readFirstLine(path);
  if (first !== null && first !== '' && first !== SAMPLES_HEADER) {
    const aside = join(dir, `samples.${Math.floor(nowSeconds)}.old.csv`);
    renameSync(path, aside);
    return { path, movedAside: aside, why: isHeaderlessRow(first.replace(/\n$/, '')) ? 'no header line' : 'another layout' };
  }
  return { path, movedAside: null, why: null };
}

/**
 * Appends new stacks to stacks.jsonl, then their ids to stack-ids.idx (dictionary first: an index line never
 * names a stack the dictionary lacks; a crash between the two leaves sizes that make the next tick rebuild).
 */
export function appendStacks(dir: string, stacks: StackRecord[]): { stacksBytes: number; idsBytes: number } {
  const path = join(dir, FILES.stacks);
  const idsPath = join(dir, FILES.stackIds);
  if (stacks.length === 0) return { stacksBytes: fileSize(path), idsBytes: fileSize(idsPath) };
  const stacksBytes = appendLines(path, stacks.map(stackLine).join('')).size;
  const idsBytes = appendLines(idsPath, stacks.map((s) => `${s.hash ?? stackHash(s.key)} ${s.id}\n`).join('')).size;
  return { stacksBytes, idsBytes };
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

