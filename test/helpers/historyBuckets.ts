// The oracle for hourly compaction (src/core/historyCompaction.ts), computed from a full replay alone.
import type { HistoryTick } from '../../src/core/model.js';
import { HOUR_SECONDS } from '../../src/core/historyCompaction.js';

export interface Bucket {
  last: HistoryTick;
  fromTsSeconds: number;
  ticks: number;
  min: Map<number, number>;
  max: Map<number, number>;
}

/**
 * The oracle, from the full replay alone: runs of consecutive ticks in one UTC hour and one lifetime, each with
 * its last tick and every stack's min/max over its ticks (0 where absent).
 */
export function bucketsOf(ticks: HistoryTick[]): Bucket[] {
  const out: Bucket[] = [];
  let cur: HistoryTick[] = [];
  const close = () => {
    if (!cur.length) return;
    const ids = new Set(cur.flatMap((t) => [...t.counts.keys()]));
    const min = new Map<number, number>();
    const max = new Map<number, number>();
    for (const id of ids) {
      const series = cur.map((t) => t.counts.get(id) ?? 0);
      min.set(id, Math.min(...series));
      max.set(id, Math.max(...series));
    }
    out.push({ last: cur.at(-1)!, fromTsSeconds: cur[0]!.tsSeconds, ticks: cur.length, min, max });
    cur = [];
  };
  for (const t of ticks) {
    const prev = cur.at(-1);
    if (prev && (Math.floor(prev.tsSeconds / HOUR_SECONDS) !== Math.floor(t.tsSeconds / HOUR_SECONDS) || prev.lifetime !== t.lifetime)) close();
    cur.push(t);
  }
  close();
  return out;
}

