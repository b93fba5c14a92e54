// Compacted hourly history read on a second thread while this one reads the rest. A year's report at 5,000 stacks
// spends most of its time parsing the hourly segments (~520 MB of `<id>:<last>:<min>:<max>` text, a character at a
// time, and freezing each line's counts); a month's file is independent of the ones before it (every line is an H
// keyframe), so the newer half of them (by bytes) is parsed by a worker while the replay works through the older
// half here, then takes the worker's lines in file order (HistoryReplay.parsedKeyframe): the same ticks, thinning
// and damage counts as reading them here. The worker is used only when the hourly files read hold at least
// READ_AHEAD_MIN_BYTES (a worker costs a thread and ~50 ms to start), and anything unusual in a file (it cannot be
// opened, a line that is not H, more than READ_AHEAD_MAX_LINES lines) sends that file back to be read here as before.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { fileSize } from './dataStore.js';
import type { CompactRaw } from '../core/stackHistory.js';

/** Hourly history read at least this large (bytes) is split with a worker: 64 MB is ~1.3 months at 5,000 stacks. */
export const READ_AHEAD_MIN_BYTES = 64 * 1024 * 1024;

/** One line of an hourly file as the worker read it: a tick with its counts' arrays, or a line that did not parse. */
export type HourlyLine =
  | { tsSeconds: number; lifetime: string; total: number; raw: CompactRaw }
  | { bad: true; tsSeconds: number | null; lifetime: string | null }
  | { blank: true };

/**
 * Lines a worker takes of one file at most; a file with more (a target restarting many times an hour: an H line per
 * lifetime per hour, or a hostile folder) is read on the main thread. A month is 744 lines a lifetime. The answer is
 * copied, not moved: moving one typed array per line cost time growing with the square of the lines (200,000 lines:
 * 21 s; 1.5 million: over 10 minutes in Node's message serializer, past any wait).
 */
export const READ_AHEAD_MAX_LINES = 20_000;

/** An hourly file's lines in the window, and what the line reader noticed (for the same warnings). */
export interface HourlyFileRead {
  lines: HourlyLine[];
  tornTail: boolean;
  tooLong: number;
}

/** What the main thread tells the worker (workerData). */
export interface ReadAheadJob {
  paths: string[];
  sinceSeconds: number;
  untilSeconds: number;
  port: MessagePort;
  /** Set to 1 (and notified) once the answer is on `port`, whatever happened. */
  done: Int32Array;
}

/** The worker's answer: per path, its lines, or null (read it on the main thread). */
export type ReadAheadAnswer = { files: Array<HourlyFileRead | null> } | { error: string };

/**
 * How long to wait for the worker before reading its files here: ten seconds plus one per 10 MB (it parses ~100 MB a
 * second here). The worker answers whatever happens to what it runs; only a thread that dies outright (out of
 * memory) leaves this to end the wait, since the main thread cannot see that while it waits.
 */
function patienceMs(bytes: number): number {
  return 10_000 + bytes / 10_000;
}

/** The worker's file, next to this one (absent from a bundle that left it out: then no worker). */
const WORKER_URL = new URL('./hourlyHistoryWorker.js', import.meta.url);

export class HourlyReadAhead {
  private answer: Map<string, HourlyFileRead | null> | null = null;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    private readonly done: Int32Array,
    private readonly paths: string[],
    private readonly bytes: number,
  ) {}

  /**
   * Starts a worker on the newer half (by bytes) of `paths` (hourly files, oldest first) when they hold at least
   * `minBytes`; null when not worth it or the worker cannot start (then everything is read here).
   */
  static start(paths: readonly string[], sinceSeconds: number, untilSeconds: number, minBytes = READ_AHEAD_MIN_BYTES): HourlyReadAhead | null {
    const sizes = paths.map((p) => Math.max(0, fileSize(p)));
    const total = sizes.reduce((a, b) => a + b, 0);
    if (paths.length < 2 || total < minBytes) return null;
    // the newest files up to half of the bytes: this thread reads the older ones meanwhile, then the rest of history
    let k = paths.length;
    let taken = 0;
    while (k > 1 && taken + sizes[k - 1]! <= total / 2) taken += sizes[--k]!;
    if (k === paths.length) return null;
    const mine = paths.slice(k);
    if (WORKER_URL.protocol !== 'file:' || !existsSync(fileURLToPath(WORKER_URL))) return null;
    try {
      const { port1, port2 } = new MessageChannel();
      const done = new Int32Array(new SharedArrayBuffer(4));
      const job: ReadAheadJob = { paths: mine, sinceSeconds, untilSeconds, port: port2, done };
      const worker = new Worker(WORKER_URL, { workerData: job, transferList: [port2] });
      worker.unref();
      // an error is also answered on the port (the worker catches it); this keeps an unhandled 'error' from throwing
      worker.on('error', () => undefined);
      return new HourlyReadAhead(worker, port1, done, mine, taken);
    } catch {
      return null;
    }
  }

  /**
   * The worker's lines of `path`, waiting for them if need be; null when the worker does not have the file (not
   * given to it, not plain hourly, the worker failed or took too long): read it here.
   */
  take(path: string): HourlyFileRead | null {
    if (!this.paths.includes(path)) return null;
    if (this.answer === null) this.answer = this.wait();
    const read = this.answer.get(path) ?? null;
    this.answer.delete(path); // held by the replay's ticks from now on, not here until the read ends
    return read;
  }

  private wait(): Map<string, HourlyFileRead | null> {
    const deadline = Date.now() + patienceMs(this.bytes);
    while (Atomics.load(this.done, 0) === 0 && Date.now() < deadline) Atomics.wait(this.done, 0, 0, 1000);
    const msg = receiveMessageOnPort(this.port)?.message as ReadAheadAnswer | undefined;
    this.port.close();
    const answer = new Map<string, HourlyFileRead | null>();
    if (msg === undefined || 'error' in msg) {
      void this.worker.terminate();
      return answer;
    }
    this.paths.forEach((p, i) => answer.set(p, msg.files[i] ?? null));
    return answer;
  }
}
