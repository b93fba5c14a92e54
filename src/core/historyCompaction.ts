// Hourly compaction of stack-history lines: a month of full-resolution history (43,200 lines a target at one
// tick a minute; ~180 MB at 5,000 stacks with 10 % churning) becomes 744 `H` lines, one per UTC hour per process
// lifetime. Leaks are slow (hours to days), so for data older than `fullResolutionDays` an hourly point with the
// hour's min/max per stack keeps every verdict and chart, and the spikes inside an hour stay visible as min/max.
//
//   H <ts_seconds> <lifetime> <total> <from_ts_seconds> <ticks> <id>:<last>:<min>:<max> ...
//
// ts_seconds = the bucket's last tick and total its goroutine total; from_ts_seconds = its first tick; ticks = how
// many ticks it merges. Entries: every stack with a non-zero count at any tick of the bucket, by id; last = its
// count at the last tick (0 = gone by then), min/max over the bucket's ticks (absent at a tick = 0). Every H line
// is self-contained (a keyframe), so a reader can start at any one, and a damaged one costs only its hour.
import { ENTRY_WIDTH, HistoryLineReader } from './stackHistory.js';

export const HOUR_SECONDS = 3600;

/** One stack within the current bucket. */
interface BucketEntry {
  last: number;
  min: number;
  max: number;
}

/** Formats one hourly line (with its newline); entries sorted by id. */
export function formatHourlyLine(
  tsSeconds: number,
  lifetime: string,
  total: number,
  fromTsSeconds: number,
  ticks: number,
  entries: Iterable<[number, BucketEntry]>,
): string {
  let line = `H ${Number(tsSeconds.toFixed(3))} ${lifetime} ${total} ${Number(fromTsSeconds.toFixed(3))} ${ticks}`;
  for (const [id, e] of entries) line += ` ${id}:${e.last}:${e.min}:${e.max}`;
  return line + '\n';
}

/**
 * Streaming compactor: push full-resolution lines (`K`, `D`; an `H` line counts as one tick of its last counts)
 * one at a time, in file order; each finished bucket
 * comes out through `emit` as one `H` line. Memory is the current counts and the current bucket, never more.
 * A bucket ends when a tick belongs to another UTC hour (by `ts_seconds`, so a clock stepped back also starts
 * one) or another lifetime; call `end()` after the last line. Damaged lines and deltas that cannot be applied are
 * skipped exactly as HistoryReplay skips them (the same HistoryCounts), so replaying the output gives, for each
 * bucket, the counts replaying the input gives at the bucket's last tick.
 */
export class HistoryCompactor extends HistoryLineReader {
  private bucket = new Map<number, BucketEntry>();
  private hour = NaN;
  private lifetime = '';
  private fromTsSeconds = 0;
  private lastTsSeconds = 0;
  private lastTotal = 0;
  private ticks = 0;
  /** Ticks merged and lines written so far. */
  ticksIn = 0;
  linesOut = 0;

  constructor(private readonly emit: (line: string) => void) {
    super();
  }

  /** One line without its newline. */
  line(text: string): void {
    const line = this.counts.apply(text);
    if (!line) return;
    const hour = Math.floor(line.tsSeconds / HOUR_SECONDS);
    const counts = this.counts.counts!;
    if (this.ticks === 0 || hour !== this.hour || line.lifetime !== this.lifetime) {
      this.flush();
      this.hour = hour;
      this.lifetime = line.lifetime;
      this.fromTsSeconds = line.tsSeconds;
      for (const [id, c] of counts) this.bucket.set(id, { last: c, min: c, max: c });
    } else if (line.kind === 'D') {
      // Only the listed stacks changed; every other entry's count (and so its min/max) stays as it was.
      const e = line.entries;
      for (let i = 0; i < e.length; i += ENTRY_WIDTH.D) this.see(e[i]!, e[i + 1]!);
    } else {
      this.keyframe(counts);
    }
    this.lastTsSeconds = line.tsSeconds;
    this.lastTotal = line.total;
    this.ticks++;
    this.ticksIn++;
  }

  /** A keyframe inside a bucket sets every count: stacks of the bucket it does not list are 0 at this tick. */
  private keyframe(counts: ReadonlyMap<number, number>): void {
    for (const [id, e] of this.bucket) {
      if (!counts.has(id)) {
        e.last = 0;
        e.min = 0;
      }
    }
    for (const [id, c] of counts) this.see(id, c);
  }

  private see(id: number, count: number): void {
    const e = this.bucket.get(id);
    if (e) {
      e.last = count;
      if (count < e.min) e.min = count;
      if (count > e.max) e.max = count;
    } else if (count > 0) {
      // New in this bucket: absent (0) at every earlier tick of it.
      this.bucket.set(id, { last: count, min: 0, max: count });
    }
  }

  /** Writes the current bucket, if any. */
  private flush(): void {
    if (this.ticks === 0) return;
    const entries = [...this.bucket].filter(([, e]) => e.max > 0).sort((a, b) => a[0] - b[0]);
    this.emit(formatHourlyLine(this.lastTsSeconds, this.lifetime, this.lastTotal, this.fromTsSeconds, this.ticks, entries));
    this.linesOut++;
    this.bucket = new Map();
    this.ticks = 0;
  }

  /** After the last line: writes the last bucket. */
  end(): void {
    this.flush();
  }
}
