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
  private state: Map<number, number> | null = null;
  private shared = false;
  private stateLifetime = '';

  constructor(
    private readonly source: string,
    private readonly keep: (ts: number) => boolean = () => true,
  ) {}

  /** One line without its newline. */
  line(line: string): void {
    if (line === '' || line.startsWith('#')) return;
    this.lines++;
    const parts = line.split(' ');
    const kind = parts[0];
    const ts = Number(parts[1]);
    const lifetime = parts[2];
    const total = Number(parts[3]);
    if ((kind !== 'K' && kind !== 'D') || !Number.isFinite(ts) || !lifetime || !Number.isFinite(total)) {
      this.bad++;
      this.state = null; // we no longer know what the next delta is relative to
      return;
    }
    const entries: Array<[number, number]> = [];
    for (let i = 4; i < parts.length; i++) {
      const colon = parts[i].indexOf(':');
      const id = Number(parts[i].slice(0, colon));
      const count = Number(parts[i].slice(colon + 1));
      if (colon <= 0 || !Number.isInteger(id) || !Number.isInteger(count) || count < 0) {
        this.bad++;
        this.state = null;
        return;
      }
      entries.push([id, count]);
    }
    if (kind === 'K') {
      this.state = new Map(entries.filter(([, c]) => c > 0));
      this.stateLifetime = lifetime;
      this.shared = false;
    } else {
      if (!this.state || this.stateLifetime !== lifetime) {
        this.orphanDeltas++;
        return;
      }
      // Copy-on-write: a map already handed out in a tick must not change; one that was filtered out
      // (outside --since/--until) or a delta that changes nothing can be reused as is.
      if (this.shared && entries.length > 0) {
        this.state = new Map(this.state);
        this.shared = false;
      }
      for (const [id, c] of entries) {
        if (c === 0) this.state.delete(id);
        else this.state.set(id, c);
      }
    }
    if (this.keep(ts)) {
      this.ticks.push({ tsSeconds: ts, lifetime, total, counts: this.state });
      this.shared = true;
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
