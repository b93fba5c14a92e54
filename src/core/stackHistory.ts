// data/<target>/stack-history.log: every stack's goroutine count at every tick, compactly, so the report
// can chart any stack over a month without re-reading 43,200 profiles.
//
//   K <ts_seconds> <lifetime> <total> <id>:<count> <id>:<count> ...   keyframe: every non-zero count
//   D <ts_seconds> <lifetime> <total> <id>:<count> ...                 delta: only counts that changed (0 = gone)
//
// Most stacks keep their count between ticks, so deltas are short. A keyframe is written at the start of a
// lifetime, at least every KEYFRAME_EVERY lines, and whenever the writer is not sure what the file's last
// line said (its state cache disagrees with the file size), so a torn or lost line never corrupts what follows.
import type { HistoryTick } from './model.js';

/** Keyframe interval, in lines: bounds how much one damaged line can affect (one hour at one tick a minute). */
export const KEYFRAME_EVERY = 60;

export function formatHistoryLine(
  kind: 'K' | 'D',
  tsSeconds: number,
  lifetime: string,
  total: number,
  counts: Iterable<[number, number]>,
): string {
  let line = `${kind} ${Number(tsSeconds.toFixed(3))} ${lifetime} ${total}`;
  for (const [id, count] of counts) line += ` ${id}:${count}`;
  return line + '\n';
}

/** The entries of `next` that differ from `prev`, with 0 for stacks that disappeared. Sorted by id. */
export function diffCounts(prev: Map<number, number>, next: Map<number, number>): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [id, c] of next) if (prev.get(id) !== c) out.push([id, c]);
  for (const id of prev.keys()) if (!next.has(id)) out.push([id, 0]);
  return out.sort((a, b) => a[0] - b[0]);
}

export function sortedEntries(m: Map<number, number>): Array<[number, number]> {
  return [...m.entries()].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
}

/**
 * One tick's counts, frozen: ids ascending in one typed array, counts in another. A year of ticks at one a
 * minute is 525,600 of these; as Maps (~2.5 KB each at 60 stacks) they took 1.3 GB, as typed arrays ~0.6 KB.
 * Lookups are a binary search. Read-only, like every tick handed out.
 */
export class CompactCounts implements ReadonlyMap<number, number> {
  private constructor(
    private readonly ids: Int32Array,
    private readonly vals: Int32Array,
  ) {}

  /** Non-zero entries of a map, sorted by id. */
  static from(m: ReadonlyMap<number, number>): CompactCounts {
    const ids = new Int32Array(m.size);
    let n = 0;
    for (const [id, c] of m) if (c > 0) ids[n++] = id;
    const sorted = ids.subarray(0, n).sort();
    const vals = new Int32Array(n);
    for (let i = 0; i < n; i++) vals[i] = m.get(sorted[i]!)!;
    return new CompactCounts(n === ids.length ? ids : ids.slice(0, n), vals);
  }

  get size(): number {
    return this.ids.length;
  }

  private indexOf(id: number): number {
    let lo = 0;
    let hi = this.ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.ids[mid]!;
      if (v === id) return mid;
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  get(id: number): number | undefined {
    const i = this.indexOf(id);
    return i < 0 ? undefined : this.vals[i];
  }

  has(id: number): boolean {
    return this.indexOf(id) >= 0;
  }

  forEach(fn: (count: number, id: number, map: ReadonlyMap<number, number>) => void, thisArg?: unknown): void {
    for (let i = 0; i < this.ids.length; i++) fn.call(thisArg, this.vals[i]!, this.ids[i]!, this);
  }

  *entries(): MapIterator<[number, number]> {
    for (let i = 0; i < this.ids.length; i++) yield [this.ids[i]!, this.vals[i]!];
  }

  *keys(): MapIterator<number> {
    yield* this.ids;
  }

  *values(): MapIterator<number> {
    yield* this.vals;
  }

  [Symbol.iterator](): MapIterator<[number, number]> {
    return this.entries();
  }
}

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const COLON = 58;
const SPACE = 32;

/** `<id>:<count>` pairs separated by single spaces from `from` to the end of the line, or null when damaged. */
function parseEntries(line: string, from: number): Array<[number, number]> | null {
  const out: Array<[number, number]> = [];
  let i = from;
  const n = line.length;
  while (i < n) {
    let id = 0;
    const idStart = i;
    for (let c = line.charCodeAt(i); c >= DIGIT_0 && c <= DIGIT_9; c = line.charCodeAt(++i)) id = id * 10 + (c - DIGIT_0);
    if (i === idStart || line.charCodeAt(i) !== COLON) return null;
    const countStart = ++i;
    let count = 0;
    for (let c = line.charCodeAt(i); c >= DIGIT_0 && c <= DIGIT_9; c = line.charCodeAt(++i)) count = count * 10 + (c - DIGIT_0);
    if (i === countStart || !Number.isSafeInteger(id) || !Number.isSafeInteger(count)) return null;
    out.push([id, count]);
    if (i < n) {
      if (line.charCodeAt(i) !== SPACE || i + 1 === n) return null;
      i++;
    }
  }
  return out;
}

export interface ReplayResult {
  ticks: HistoryTick[];
  warnings: string[];
}

/**
 * Replays the log into per-tick counts, one line at a time, so a reader can stream a file of any size (never
 * one string: V8 strings stop at ~512 MiB). Damaged lines are skipped; a delta that cannot be applied (no
 * keyframe of its lifetime before it) is skipped until the next keyframe, so a wrong number is never invented.
 * `keep(ts)` filters ticks (e.g. --since/--until) without breaking the replay.
 */
export class HistoryReplay {
  readonly ticks: HistoryTick[] = [];
  /** Lines that did not parse. */
  bad = 0;
  /** Non-empty lines seen (to tell a file with some damage from one that is not a history at all). */
  lines = 0;
  private orphanDeltas = 0;
  /** Counts as of the last line; handed out frozen (CompactCounts), the same object while they do not change. */
  private state: Map<number, number> | null = null;
  private frozen: CompactCounts | null = null;
  private stateLifetime = '';

  constructor(
    private readonly source: string,
    private readonly keep: (ts: number) => boolean = () => true,
  ) {}

  /** One line without its newline. */
  line(line: string): void {
    if (line === '' || line.startsWith('#')) return;
    this.lines++;
    // Scanned by hand rather than split(' '): a year of lines is ~50 MB, and the substrings were most of its cost.
    const s1 = line.indexOf(' ');
    const s2 = s1 < 0 ? -1 : line.indexOf(' ', s1 + 1);
    const s3 = s2 < 0 ? -1 : line.indexOf(' ', s2 + 1);
    let s4 = s3 < 0 ? -1 : line.indexOf(' ', s3 + 1);
    if (s4 < 0) s4 = line.length;
    else if (s4 === line.length - 1) s4 = -1; // a trailing space: damaged
    const kind = line.slice(0, s1);
    const ts = s2 < 0 ? NaN : Number(line.slice(s1 + 1, s2));
    const lifetime = s3 < 0 ? '' : line.slice(s2 + 1, s3);
    const total = s3 < 0 ? NaN : Number(line.slice(s3 + 1, s4));
    const entries = (kind === 'K' || kind === 'D') && Number.isFinite(ts) && lifetime && Number.isFinite(total) && s4 >= 0 ? parseEntries(line, s4 + 1) : null;
    if (!entries) {
      this.bad++;
      this.state = null; // we no longer know what the next delta is relative to
      return;
    }
    if (kind === 'K') {
      this.state = new Map(entries.filter(([, c]) => c > 0));
      this.stateLifetime = lifetime;
      this.frozen = null;
    } else {
      if (!this.state || this.stateLifetime !== lifetime) {
        this.orphanDeltas++;
        return;
      }
      for (const [id, c] of entries) {
        if (c === 0) this.state.delete(id);
        else this.state.set(id, c);
      }
      // A delta that changes nothing shares the previous tick's counts.
      if (entries.length > 0) this.frozen = null;
    }
    if (this.keep(ts)) {
      this.frozen ??= CompactCounts.from(this.state);
      this.ticks.push({ tsSeconds: ts, lifetime, total, counts: this.frozen });
    }
  }

  warnings(): string[] {
    const w: string[] = [];
    if (this.bad) w.push(`${this.source}: skipped ${this.bad} damaged line(s)`);
    if (this.orphanDeltas) w.push(`${this.source}: skipped ${this.orphanDeltas} tick(s) after damage, until the next keyframe`);
    return w;
  }
}

/** Replays a whole log held as text (tests, small files); readers of data files stream it (src/io/readRecording.ts). */
export function replayHistory(text: string, source: string, keep: (ts: number) => boolean = () => true): ReplayResult {
  const r = new HistoryReplay(source, keep);
  const end = text.endsWith('\n') ? text.length : text.lastIndexOf('\n') + 1;
  const torn = end < text.length ? [`${source}: skipped a torn last line (the recorder was killed mid-write)`] : [];
  let pos = 0;
  while (pos < end) {
    const nl = text.indexOf('\n', pos);
    r.line(text.slice(pos, nl));
    pos = nl + 1;
  }
  return { ticks: r.ticks, warnings: [...torn, ...r.warnings()] };
}
