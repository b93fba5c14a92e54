// What the page embeds from the stack history (stack-history.log): the "top" view of the last tick and the
// "compare two times" matrix. Pure. Both are bounded (topGroups groups, compareTimes × compareStacks counts)
// however long the recording; reportData.ts interns the stacks they name.

import { NO_FRAMES_NAME, type BlockingKind, type HistoryTick, type SnapshotFile, type StackRecord, type Suspect } from '../core/model.js';
import { medianStep, thinIndices } from './downsample.js';
import { maxCountById } from '../core/tickSeries.js';
import { blockingFrameIndex, blockingKindOf } from './blocking.js';
import type { CompareData, TopGroup } from './reportData.js';

/**
 * Goroutines at the last tick grouped by the function that blocks, largest first. stackAt(id) interns a stack
 * the page will show and returns its blocking frame's file:line.
 */
export function buildTop(
  last: HistoryTick,
  records: ReadonlyMap<number, StackRecord>,
  topGroups: number,
  stackAt: (id: number) => string,
): { topAt: number; topTotal: number; top: TopGroup[] } {
  const groups = new Map<string, { count: number; stacks: [number, number][]; kinds: Set<BlockingKind> }>();
  for (const [id, count] of last.counts) {
    if (count <= 0) continue;
    const r = records.get(id);
    const frames = r?.frames ?? [];
    const bf = frames[blockingFrameIndex(frames)];
    const leaf = bf ? bf.function : r ? NO_FRAMES_NAME : `(stack ${id}: missing from stacks.jsonl)`;
    let g = groups.get(leaf);
    if (!g) groups.set(leaf, (g = { count: 0, stacks: [], kinds: new Set() }));
    g.count += count;
    g.stacks.push([id, count]);
    g.kinds.add(blockingKindOf(frames));
  }
  const total = last.total > 0 ? last.total : [...groups.values()].reduce((a, g) => a + g.count, 0);
  const top = [...groups.entries()]
    .sort((a, b) => b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))
    .slice(0, topGroups)
    .map(([leaf, g]) => {
      g.stacks.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
      const ids = g.stacks.slice(0, 5).map(([id]) => id);
      const at = ids.map(stackAt)[0] ?? '';
      return {
        leaf,
        at,
        count: g.count,
        share: total > 0 ? g.count / total : 0,
        stacks: g.stacks.length,
        kinds: [...g.kinds].sort(),
        stackIds: ids,
      };
    });
  return { topAt: last.tsSeconds, topTotal: last.total, top };
}

function nearestIndex(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && Math.abs(sorted[lo - 1] - x) <= Math.abs(sorted[lo] - x)) return lo - 1;
  return lo;
}

/** Selectable times (thinned, keeping every lifetime's edges and the snapshot times) and the stacks' counts. */
export function buildCompare(
  ticks: readonly HistoryTick[],
  allSnapshots: readonly SnapshotFile[],
  suspects: readonly Suspect[],
  o: { compareTimes: number; compareStacks: number },
): CompareData {
  const tickXs = ticks.map((t) => t.tsSeconds);
  const mustKeep: number[] = [];
  for (let i = 0; i < ticks.length; i++) {
    if (i === 0 || ticks[i].lifetime !== ticks[i - 1].lifetime) {
      mustKeep.push(i);
      if (i > 0) mustKeep.push(i - 1);
    }
  }
  const snapAt = new Map<number, string>();
  const step = medianStep(tickXs);
  const snapshots = allSnapshots
    .filter((sn) => (sn.kind ?? 'goroutine') === 'goroutine')
    .sort((a, b) => a.tsSeconds - b.tsSeconds);
  const snapIdx: number[] = [];
  for (const sn of snapshots) {
    const i = nearestIndex(tickXs, sn.tsSeconds);
    if (Math.abs(tickXs[i] - sn.tsSeconds) <= Math.max(90, step * 1.5)) {
      snapAt.set(i, sn.path); // the latest snapshot near a tick wins
      snapIdx.push(i);
    }
  }
  const half = Math.floor(o.compareTimes / 2);
  const keepSnaps = snapIdx.length <= half ? snapIdx : thinIndices(snapIdx.length, half).map((k) => snapIdx[k]);
  const lifeKeep = mustKeep.length <= half ? mustKeep : thinIndices(mustKeep.length, half).map((k) => mustKeep[k]);
  const picked = thinIndices(ticks.length, o.compareTimes, [...lifeKeep, ...keepSnaps]);

  const maxById = maxCountById(ticks);
  const maxCount: Array<[number, number]> = [];
  maxById.forEach((c, id) => {
    if (c > 0) maxCount.push([id, c]);
  });
  const chosen = maxCount
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, o.compareStacks)
    .map(([id]) => id);
  const chosenSet = new Set(chosen);
  for (const s of suspects) if (!chosenSet.has(s.stackId)) chosen.push(s.stackId), chosenSet.add(s.stackId);
  const lifeNames: string[] = [];
  const lifeIndex = new Map<string, number>();
  const pickedTicks = picked.map((i) => ticks[i]);
  return {
    times: pickedTicks.map((t) => t.tsSeconds),
    lifetime: pickedTicks.map((t) => {
      let k = lifeIndex.get(t.lifetime);
      if (k === undefined) lifeIndex.set(t.lifetime, (k = lifeNames.push(t.lifetime) - 1));
      return k;
    }),
    lifetimeNames: lifeNames,
    snapshot: picked.map((i) => snapAt.get(i) ?? null),
    totals: pickedTicks.map((t) => t.total),
    stacks: chosen.map((id) => ({ id, c: pickedTicks.map((t) => t.counts.get(id) ?? 0) })),
    stacksInHistory: maxCount.length,
  };
}
