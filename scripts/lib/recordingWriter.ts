// The one writer of generated recordings (scripts/generateRecording.ts, scripts/eval/scenarios.ts): samples.csv,
// stacks.jsonl and stack-history.log in the recorder's own format and order (data/README.md), streaming (a
// year at 5,000 churning stacks is gigabytes: nothing is held but the current counts and a 1 MB write buffer).
// With `segments`, it also leaves what the recorder leaves after months of cron (the storage spec, issue 10):
// monthly closed segments named by their first and last line's UTC time, history older than
// `fullResolutionDays` compacted to hourly lines (src/core/historyCompaction.ts), the current month live.
import { closeSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { stackKey } from '../../src/core/goroutineProfile.js';
import type { Frame, SampleRow, SampleStatus } from '../../src/core/model.js';
import { formatSampleRow, SAMPLES_HEADER } from '../../src/core/samplesCsv.js';
import { formatHistoryLine, KEYFRAME_EVERY } from '../../src/core/stackHistory.js';
import { stackHash } from '../../src/core/tickPlan.js';
import { needsRollover, segmentFileName } from '../../src/core/segments.js';
import { compactHistorySegment } from '../../src/io/segments.js';

interface Writer {
  write(s: string): void;
  close(): number;
}

function bufferedWriter(path: string): Writer {
  const fd = openSync(path, 'w', 0o600);
  let buf = '';
  let total = 0;
  const flush = () => {
    if (buf) {
      const b = Buffer.from(buf);
      writeSync(fd, b);
      total += b.length;
      buf = '';
    }
  };
  return {
    write(s: string) {
      buf += s;
      if (buf.length > 1 << 20) flush();
    },
    close() {
      flush();
      closeSync(fd);
      return total;
    },
  };
}

export interface CompactionStats {
  bytesIn: number;
  bytesOut: number;
  seconds: number;
}

export interface SegmentOptions {
  /** Unix seconds at which the recording is looked at: history segments whose last line is older than
   *  `fullResolutionDays` before it are compacted (the recorder does it one segment per tick). */
  nowSeconds: number;
  fullResolutionDays: number;
}

export interface ClosedSegment {
  name: string;
  bytes: number;
  /** History only: the full-resolution segment's size, before compaction (equals bytes when not compacted). */
  fullResolutionBytes?: number;
  compaction?: CompactionStats;
}

/** One live file (`samples.csv`, `stack-history.log`) and its monthly rollover. */
class LiveFile {
  private out: Writer;
  private firstTs: number | null = null;
  private lastTs = 0;
  private closedBytes = 0;
  readonly closed: ClosedSegment[] = [];

  constructor(
    private readonly dir: string,
    private readonly base: string,
    private readonly ext: string,
    private readonly header: string,
    private readonly segments: SegmentOptions | undefined,
  ) {
    this.out = this.open();
  }

  private open(): Writer {
    const w = bufferedWriter(join(this.dir, `${this.base}.${this.ext}`));
    if (this.header) w.write(this.header);
    return w;
  }

  /** Whether a line at `tsSeconds` goes to a fresh live file (call before formatting it). */
  rollsBefore(tsSeconds: number): boolean {
    return this.segments !== undefined && this.firstTs !== null && needsRollover(this.firstTs, tsSeconds);
  }

  write(tsSeconds: number, text: string): void {
    if (this.rollsBefore(tsSeconds)) this.roll();
    this.firstTs ??= tsSeconds;
    this.lastTs = tsSeconds;
    this.out.write(text);
  }

  /** The recorder's rollover: the live file renamed to a closed segment named by its first and last line. */
  private roll(): void {
    const bytes = this.out.close();
    this.closedBytes += bytes;
    const live = join(this.dir, `${this.base}.${this.ext}`);
    const history = this.ext === 'log';
    const name = segmentFileName(history ? 'history' : 'samples', this.firstTs!, this.lastTs);
    renameSync(live, join(this.dir, name));
    const seg: ClosedSegment = { name, bytes, fullResolutionBytes: history ? bytes : undefined };
    const s = this.segments!;
    if (history && this.lastTs < s.nowSeconds - s.fullResolutionDays * 86400) {
      // What the recorder's tick does to a closed segment once it is older (src/io/segments.ts).
      const t0 = performance.now();
      seg.name = segmentFileName('hourly', this.firstTs!, this.lastTs);
      compactHistorySegment(join(this.dir, name), join(this.dir, seg.name));
      seg.bytes = statSync(join(this.dir, seg.name)).size;
      seg.compaction = { bytesIn: bytes, bytesOut: seg.bytes, seconds: (performance.now() - t0) / 1000 };
      unlinkSync(join(this.dir, name));
    }
    this.closed.push(seg);
    this.firstTs = null;
    this.out = this.open();
  }

  /** Bytes of the live file. */
  close(): number {
    return this.out.close();
  }
}

/** One distinct stack as a generator describes it; the writer gives it an id the first time it has a count. */
export interface StackDef {
  frames: Frame[];
  labels: Record<string, string>;
}

export interface RecordingWriterEnd {
  /** The live stack-history.log's size (what state.json records). */
  historyBytes: number;
  stacksBytes: number;
  linesSinceKeyframe: number;
  lastCounts: Map<number, number>;
  nextStackId: number;
  stackIdsByHash: Record<string, number>;
  /** Closed segments (with `segments` only), oldest first. */
  samplesSegments: ClosedSegment[];
  historySegments: ClosedSegment[];
  /** Every history byte written at full resolution, before any compaction. */
  historyFullResolutionBytes: number;
}

/**
 * The one writer of samples.csv, stacks.jsonl and stack-history.log for generated recordings, in the order the
 * recorder writes them: a new stack's dictionary line before the first history line that counts it, a keyframe
 * at each lifetime's first profiled tick, every KEYFRAME_EVERY lines and after a rollover, deltas otherwise.
 * Stacks are keyed by object identity.
 */
export interface RecordingWriter {
  /** A tick that got a profile, with every stack's count (absent = 0): `goroutines` and `stacks_distinct` of the row
   *  are filled in. */
  profiled(row: SampleRow, lifetime: string, counts: Map<StackDef, number>): { total: number };
  /**
   * The same for a tick given as changes since the previous profiled tick (0 = gone): what a year of thousands of
   * stacks needs (500 changes a minute, not 5,000 counts). A new lifetime starts from no stacks.
   */
  changed(row: SampleRow, lifetime: string, changes: Iterable<readonly [StackDef, number]>): { total: number };
  /** A row without a profile (process down, pprof failed): no history line. */
  unprofiled(row: SampleRow): void;
  /** Distinct stacks written to the dictionary so far. */
  stackCount(): number;
  close(): RecordingWriterEnd;
}

export function openRecordingWriter(dir: string, opts: { segments?: SegmentOptions } = {}): RecordingWriter {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const samples = new LiveFile(dir, 'samples', 'csv', SAMPLES_HEADER, opts.segments);
  const history = new LiveFile(dir, 'stack-history', 'log', '', opts.segments);
  const stacksOut = bufferedWriter(join(dir, 'stacks.jsonl'));
  const ids = new Map<StackDef, number>();
  const stackIdsByHash: Record<string, number> = {};
  let nextId = 1;
  // id -> count, by index: ids are dense from 1, and a year at 5,000 stacks makes 263 million changes (a Map
  // spent most of the generator's time on them).
  let current = new Int32Array(1024);
  let distinct = 0; // non-zero entries of current
  let total = 0;
  const entries = function* (): Generator<[number, number]> {
    for (let id = 1; id < nextId; id++) if (current[id]! > 0) yield [id, current[id]!];
  };
  let lastDefs: Map<StackDef, number> = new Map(); // the profiled() path's previous counts
  let linesSinceKeyframe = 0;
  let lastLifetime: string | null = null;
  let historyFullResolutionBytes = 0;

  const changed: RecordingWriter['changed'] = (r, lifetime, changes) => {
    if (lifetime !== lastLifetime) {
      current.fill(0);
      distinct = 0;
      total = 0;
    }
    const delta: Array<[number, number]> = [];
    for (const [def, c] of changes) {
      let id = ids.get(def);
      if (id === undefined) {
        if (!(c > 0)) continue;
        id = nextId++;
        ids.set(def, id);
        if (id >= current.length) {
          const grown = new Int32Array(current.length * 2);
          grown.set(current);
          current = grown;
        }
        stackIdsByHash[stackHash(stackKey(def.frames, def.labels))] = id;
        stacksOut.write(JSON.stringify({ id, frames: def.frames, labels: def.labels, firstSeenTsSeconds: r.tsSeconds }) + '\n');
      }
      const before = current[id]!;
      const after = c > 0 ? c : 0;
      if (before === after) continue;
      current[id] = after;
      distinct += (after > 0 ? 1 : 0) - (before > 0 ? 1 : 0);
      total += after - before;
      delta.push([id, after]);
    }
    // A fresh live file starts with a keyframe (the recorder writes one when the file is not the size it left).
    const keyframe = lifetime !== lastLifetime || linesSinceKeyframe + 1 >= KEYFRAME_EVERY || history.rollsBefore(r.tsSeconds);
    const line = keyframe
      ? formatHistoryLine('K', r.tsSeconds, lifetime, total, entries())
      : formatHistoryLine('D', r.tsSeconds, lifetime, total, delta.sort((a, b) => a[0] - b[0]));
    history.write(r.tsSeconds, line);
    historyFullResolutionBytes += Buffer.byteLength(line);
    linesSinceKeyframe = keyframe ? 0 : linesSinceKeyframe + 1;
    lastLifetime = lifetime;
    samples.write(r.tsSeconds, formatSampleRow({ ...r, goroutines: total, stacksDistinct: distinct }));
    return { total };
  };

  return {
    profiled(r, lifetime, counts) {
      const prev = lifetime === lastLifetime ? lastDefs : new Map<StackDef, number>();
      const changes: Array<[StackDef, number]> = [...counts];
      for (const def of prev.keys()) if (!counts.has(def)) changes.push([def, 0]);
      lastDefs = new Map(counts);
      return changed(r, lifetime, changes);
    },
    changed,
    stackCount: () => nextId - 1,
    unprofiled(r) {
      samples.write(r.tsSeconds, formatSampleRow(r));
    },
    close() {
      samples.close();
      const historyBytes = history.close();
      const stacksBytes = stacksOut.close();
      return {
        historyBytes,
        stacksBytes,
        linesSinceKeyframe,
        lastCounts: new Map(entries()),
        nextStackId: nextId,
        stackIdsByHash,
        samplesSegments: samples.closed,
        historySegments: history.closed,
        historyFullResolutionBytes,
      };
    },
  };
}

/** A sample row with the cells a generator sets; the rest not measured. */
export function row(
  ts: number,
  target: string,
  status: SampleStatus,
  o: {
    pid?: number;
    startTs?: number;
    rss?: number;
    vsz?: number;
    cpuSecondsTotal?: number;
    cpuPercent?: number | null;
    threads?: number;
    fds?: number;
    goroutines?: number;
    stacksDistinct?: number;
    event?: '' | 'start' | 'restart';
    message?: string;
    heapInuse?: number;
  },
): SampleRow {
  return {
    tsSeconds: ts,
    target,
    status,
    pid: o.pid ?? null,
    processStartTsSeconds: o.startTs ?? null,
    rssBytes: o.rss ?? null,
    vszBytes: o.vsz ?? null,
    cpuSecondsTotal: o.cpuSecondsTotal ?? null,
    cpuPercent: o.cpuPercent ?? null,
    threads: o.threads ?? null,
    fds: o.fds ?? null,
    goroutines: o.goroutines ?? null,
    stacksDistinct: o.stacksDistinct ?? null,
    event: o.event ?? '',
    message: o.message ?? '',
    heapInuseBytes: o.heapInuse ?? null,
    memstatsHeapInuseBytes: null,
    memstatsStackInuseBytes: null,
    memstatsSysBytes: null,
    memstatsNumGc: null,
    leakedConfirmed: null,
  };
}
