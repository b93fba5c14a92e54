// Per-tick sums of stacks (src/core/tickSeries.ts) and the suspect search that judges stacks JUDGE_BLOCK ids at a
// time (src/analysis/suspects.ts): the fast paths over a tick's typed arrays (CompactCounts, as every tick read from
// a file is) must give what the plain Map path and a naive sum give, for any set of series — single stacks, label
// groups sharing ids, ids no tick has, ids past the largest — and the suspects must not depend on how the stacks
// fall into blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HistoryTick, StackRecord } from '../src/core/model.js';
import { CompactCounts } from '../src/core/stackHistory.js';
import { maxCountById, sumSeries } from '../src/core/tickSeries.js';
import { findSuspects, JUDGE_BLOCK } from '../src/analysis/suspects.js';
import { seededRandom } from './helpers/seededRandom.js';
import { minuteRecording, T0 } from './helpers/minuteRecording.js';
import { SEND, userFrame } from './helpers/goFrames.js';

function randomTicks(r: () => number, n: number, maxId: number, maxCount: number): HistoryTick[] {
  const ticks: HistoryTick[] = [];
  for (let i = 0; i < n; i++) {
    const counts = new Map<number, number>();
    for (let id = 1; id <= maxId; id++) if (r() < 0.6) counts.set(id, 1 + Math.floor(r() * maxCount));
    ticks.push({ tsSeconds: T0 + 60 * i, lifetime: 'a', total: 0, counts });
  }
  return ticks;
}

function naive(ticks: readonly HistoryTick[], series: ReadonlyArray<readonly number[]>): (number[] | undefined)[] {
  return series.map((ids) => {
    const vs = ticks.map((t) => ids.reduce((a, id) => a + (t.counts.get(id) ?? 0), 0));
    return ticks.some((t) => ids.some((id) => (t.counts.get(id) ?? 0) > 0)) ? vs : undefined;
  });
}

// counts past 16 bits are kept sparse (ids and counts), small ones dense (a count per id of the range)
for (const [layout, maxCount] of [['sparse', 70_000], ['dense', 200]] as const) {
test(`sumSeries over typed-array ticks (${layout}) and over Map ticks equals a naive sum, for any set of series`, () => {
  const r = seededRandom(11);
  const maps = randomTicks(r, 40, 300, maxCount);
  const compact = maps.map((t) => ({ ...t, counts: CompactCounts.from(t.counts) }));
  assert.equal(CompactCounts.rawOf(compact[0]!.counts)?.ids === null, layout === 'dense', 'the layout meant is the one exercised');
  // the edges of the id range read: one stack, the first and last id a tick holds, a group around a gap
  const fixed = [[[5]], [[150], [42]], [[1]], [[300]], [[300, 1]], [[299, 300], [300]], [[301]], []];
  for (const series of fixed) {
    const want = naive(maps, series);
    for (const ticks of [compact, maps]) assert.deepEqual(sumSeries(ticks, series).map((a) => (a ? Array.from(a) : undefined)), want, JSON.stringify(series));
  }
  for (let trial = 0; trial < 60; trial++) {
    const series: number[][] = [];
    const k = 1 + Math.floor(r() * 40);
    for (let s = 0; s < k; s++) {
      const size = r() < 0.7 ? 1 : 2 + Math.floor(r() * 4); // stacks, and groups whose members repeat across series
      series.push(Array.from({ length: size }, () => 1 + Math.floor(r() * 330))); // some ids past 300: in no tick
    }
    const want = naive(maps, series);
    for (const ticks of [compact, maps]) {
      const got = sumSeries(ticks, series).map((a) => (a ? Array.from(a) : undefined));
      assert.deepEqual(got, want, `trial ${trial}`);
    }
  }
  const max = maxCountById(compact);
  for (let id = 1; id <= 300; id++) assert.equal(max[id] ?? 0, Math.max(0, ...maps.map((t) => t.counts.get(id) ?? 0)));
  // and the frozen counts answer like the Map they were made from
  for (const [k, t] of compact.entries()) {
    const m = maps[k]!.counts;
    assert.equal(t.counts.size, m.size);
    assert.deepEqual([...t.counts], [...m].sort((a, b) => a[0] - b[0]));
    for (let id = 0; id <= 302; id++) assert.equal(t.counts.get(id), m.get(id), `tick ${k} id ${id}`);
  }
});
}

test('suspects are the same whichever block a stack is judged in, with groups spanning blocks', () => {
  // 3 x JUDGE_BLOCK stacks that wander (never suspects), three leaks in different blocks, and a label group whose
  // two members sit in the first and the last block: each rises by 4 (under the 5-goroutine floor), in turns, together by 8
  const n = 3 * JUDGE_BLOCK;
  const r = seededRandom(5);
  const walk = Array.from({ length: n + 1 }, () => 10 + Math.floor(r() * 10));
  const leaks = new Set([7, JUDGE_BLOCK + 3, 2 * JUDGE_BLOCK + 100]);
  const groupIds = [11, n - 2];
  const stacks = Array.from({ length: n }, (_, k) => {
    const id = k + 1;
    const isGroup = groupIds.includes(id);
    return {
      id,
      frames: [...SEND, userFrame(isGroup ? 'main.perTenant' : `main.worker${id}`, isGroup ? 10 : 10 + id, '/src/svc/workers.go')],
      labels: (isGroup ? { tenant: `t${id}` } : {}) as Record<string, string>,
      count: (i: number) => (leaks.has(id) ? 1 + Math.floor(i / 4) : isGroup ? 1 + Math.floor((i + (id === groupIds[0] ? 0 : 20)) / 40) : walk[id]! + (i % 7 === id % 7 ? 6 : 0)),
    };
  });
  const rec = minuteRecording([{ pid: 1, startTs: T0, minutes: 180 }], stacks, { name: 'blocks' });
  const lifetime = rec.ticks[0]!.lifetime;
  const asMaps = findSuspects(rec.stacks as StackRecord[], rec.ticks, lifetime);
  const compactTicks = rec.ticks.map((t) => ({ ...t, counts: CompactCounts.from(t.counts) }));
  const asCompact = findSuspects(rec.stacks as StackRecord[], compactTicks, lifetime);
  assert.deepEqual(asCompact, asMaps);
  const ids = asMaps.suspects.map((s) => (s.group ? s.group.stackIds : [s.stackId]));
  assert.deepEqual(
    ids.map((x) => x.join('+')).sort(),
    [...[...leaks].map(String), groupIds.join('+')].sort(),
    'the three leaks and the group, nothing that wanders',
  );
});
