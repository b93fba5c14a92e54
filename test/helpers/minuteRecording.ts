// A recording built by hand for the analysis tests: one sample and one history tick per minute of each
// lifetime, with goroutine counts per stack given as functions of (minute, lifetime).
import type { Frame, HistoryTick, SampleRow, StackRecord, TargetRecording } from '../../src/core/model.js';
import { seededRandom } from './seededRandom.js';

/** A unix time of no meaning: the analysis must not care where a recording starts. */
export const T0 = 1_790_000_000;
const MIN = 60;
const MiB = 1024 * 1024;

export interface StackSpec {
  id: number;
  frames: Frame[];
  labels?: Record<string, string>;
  /** Goroutines on this stack at minute i of lifetime l. */
  count: (i: number, l: number) => number;
}

export interface LifetimeSpec {
  /** null: a target without a process (pprof URL only). */
  pid: number | null;
  startTs: number;
  minutes: number;
}

export interface MinuteRecordingOptions {
  /** Default 'demo'. */
  name?: string;
  seed?: number;
  /** RSS for a sample (default 20 MiB + 8 KiB per goroutine + up to ±32 KiB noise). */
  rss?: (total: number, i: number, l: number, noise: number) => number | null;
  /** Leave the per-stack history out (a target without pprof profiles). */
  noTicks?: boolean;
  /**
   * Stack keys are the ids and every stack was first seen at T0 (analyze.test.ts), instead of keys from the
   * frames' functions and first seen at the first tick that counts it (as the recorder writes them).
   */
  fixedIdentity?: boolean;
}

/** Samples at 30 s past each minute of each lifetime, status ok, with a 'start'/'restart' event on the first. */
export function minuteRecording(lifetimes: LifetimeSpec[], stacks: StackSpec[], o: MinuteRecordingOptions = {}): TargetRecording {
  const name = o.name ?? 'demo';
  const r = seededRandom(o.seed ?? 1);
  const samples: SampleRow[] = [];
  const ticks: HistoryTick[] = [];
  const firstSeen = new Map<number, number>();
  lifetimes.forEach((lt, l) => {
    const key = lt.pid === null ? 'url' : `${lt.pid}@${lt.startTs}`;
    for (let i = 0; i < lt.minutes; i++) {
      const ts = lt.startTs + 30 + i * MIN;
      const counts = new Map<number, number>();
      let total = 0;
      for (const s of stacks) {
        const c = s.count(i, l);
        if (c > 0) {
          counts.set(s.id, c);
          total += c;
          if (!firstSeen.has(s.id)) firstSeen.set(s.id, ts);
        }
      }
      if (!o.noTicks) ticks.push({ tsSeconds: ts, lifetime: key, total, counts });
      const noise = (r() - 0.5) * 64 * 1024;
      const rss = o.rss ? o.rss(total, i, l, noise) : 20 * MiB + 8192 * total + noise;
      samples.push({
        tsSeconds: ts,
        target: name,
        status: 'ok',
        pid: lt.pid,
        processStartTsSeconds: lt.pid === null ? null : lt.startTs,
        rssBytes: lt.pid === null ? null : rss === null ? null : Math.round(rss),
        vszBytes: null,
        cpuSecondsTotal: null,
        cpuPercent: null,
        threads: null,
        fds: null,
        goroutines: total,
        stacksDistinct: counts.size,
        event: i === 0 ? (l === 0 ? 'start' : 'restart') : '',
        message: '',
      });
    }
  });
  const stackRecords: StackRecord[] = stacks.map((s) => ({
    id: s.id,
    key: o.fixedIdentity ? String(s.id) : s.frames.map((f) => f.function).join(';'),
    frames: s.frames,
    labels: s.labels ?? {},
    firstSeenTsSeconds: o.fixedIdentity ? T0 : (firstSeen.get(s.id) ?? T0),
  }));
  return { name, samples, stacks: stackRecords, ticks, snapshots: [], warnings: [] };
}
