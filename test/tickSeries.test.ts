// Per-tick sums of stacks (src/core/tickSeries.ts) and the suspect search that judges stacks JUDGE_BLOCK ids at a
// time (src/analysis/suspects.ts): the fast paths over a tick's typed arrays (CompactCounts, as every tick read from
// a file is) must give what the plain Map path and a naive sum give, for any set of series — single stacks, label
// groups sharing ids, ids no tick has, ids past the largest — and the suspects must not depend on how the stacks
// fall into blocks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HistoryTick, StackRecord } from '../src/core/model.js';
import { CompactCounts, replayHistory } from '../src/core/stackHistory.js';
import { lifetimeSpans, maxCountById, sumSeries } from '../src/core/tickSeries.js';
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
  // and stacks of their own few beside the range they span (a suspect-search block over a thinned read); a few ids far
  // apart, some in two series, are looked up one by one in a dense tick (SPARSE_IDS_SHARE)
  const fixed = [[[5]], [[150], [42]], [[1]], [[300]], [[300, 1]], [[299, 300], [300]], [[301]], [], [[2], [150], [330]], [[300], [1]], [[310], [320]], [[1, 300], [300], [150]]];
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

test('ticks replayed from deltas are read at their changes only, with the same sums, maxima and suspects as whole reads', () => {
  // A history as the recorder writes it: a keyframe every 60 lines, deltas between (stacks coming, going, changing,
  // some past 8 and 16 bits), a delta that changes nothing, a lifetime change, and ticks a window leaves out.
  const r = seededRandom(23);
  const lines: string[] = [];
  const maps: HistoryTick[] = [];
  const m = new Map<number, number>();
  for (let tick = 0; tick < 400; tick++) {
    const ts = T0 + tick * 60;
    const lifetime = tick < 250 ? '7@1' : '8@2';
    if (tick === 250) m.clear();
    if (tick % 60 === 0 || tick === 250) {
      for (let id = 1; id <= 120; id++) if (id <= 10 || r() < 0.8) m.set(id, 1 + Math.floor(r() * 30)); // 1..10 never gone
      const pairs = [...m].sort((a, b) => a[0] - b[0]);
      lines.push(`K ${ts} ${lifetime} 0${pairs.map(([id, c]) => ` ${id}:${c}`).join('')}`);
    } else {
      const pairs: Array<[number, number]> = [];
      if (tick % 17 !== 0) {
        for (let id = 1; id <= 125; id++) {
          if (r() >= 0.1) continue;
          const c = r() < 0.2 && id > 10 ? 0 : id === 3 && tick > 300 ? 70_000 + tick : 1 + Math.floor(r() * (id % 5 === 0 ? 400 : 40));
          pairs.push([id, c]);
        }
      }
      if (tick === 30) pairs.push([126, 9]); // a stack that comes later and stays: its least count is 0 (absent before)
      for (const [id, c] of pairs) (c === 0 ? m.delete(id) : m.set(id, c));
      lines.push(`D ${ts} ${lifetime} 0${pairs.map(([id, c]) => ` ${id}:${c}`).join('')}`);
    }
    maps.push({ tsSeconds: ts, lifetime, total: 0, counts: new Map([...m].filter(([, c]) => c > 0)) });
  }
  const { ticks } = replayHistory(lines.join('\n') + '\n', 'test');
  let chained = 0;
  for (let i = 1; i < ticks.length; i++) if (CompactCounts.changedIds(ticks[i - 1]!.counts, ticks[i]!.counts) !== null) chained++;
  assert.ok(chained > 300, `most ticks are read at their changes (${chained})`);
  const series = [[3], [5], [1, 2], [2, 130], [125], [64, 65, 66, 67], [200]];
  const asArrays = (xs: (Float32Array | undefined)[]) => xs.map((a) => (a ? Array.from(a) : undefined));
  assert.deepEqual(asArrays(sumSeries(ticks, series)), asArrays(sumSeries(maps, series)));
  assert.deepEqual(asArrays(sumSeries(ticks, series)), naive(maps, series));
  // stacks of their own few beside their range (a suspect-search block): keyframes read whole, deltas after
  const singles = [[3], [40], [97], [125]];
  assert.deepEqual(asArrays(sumSeries(ticks, singles)), naive(maps, singles));
  assert.deepEqual(Array.from(maxCountById(ticks).subarray(0, 131)), Array.from(maxCountById(maps).subarray(0, 131)));
  // a window's ticks: the first one kept is read whole
  const some = ticks.filter((_, i) => i % 3 !== 1);
  const someMaps = maps.filter((_, i) => i % 3 !== 1);
  assert.deepEqual(asArrays(sumSeries(some, series)), naive(someMaps, series));
  // spans: least (0 where absent at some tick) and largest count, and the order ids first have goroutines
  const naiveSpans = (ts: readonly HistoryTick[]) => {
    const order: number[] = [];
    for (const t of ts) for (const [id, c] of [...t.counts].sort((a, b) => a[0] - b[0])) if (c > 0 && !order.includes(id) && id <= 126) order.push(id);
    return order.map((id) => {
      const vs = ts.map((t) => t.counts.get(id) ?? 0);
      return [id, Math.min(...vs), Math.max(...vs)];
    });
  };
  for (const [name, ts, ms] of [['whole lifetime', ticks.slice(0, 250), maps.slice(0, 250)], ['a window of it', some.slice(0, 160), someMaps.slice(0, 160)]] as const) {
    const sp = lifetimeSpans(ts, 126);
    assert.deepEqual(sp.order.map((id) => [id, sp.min[id], sp.max[id]]), naiveSpans(ms), name);
    assert.ok(sp.order.some((id) => sp.min[id] === 0) && sp.order.some((id) => sp.min[id]! > 0), `${name}: both kinds of least count`);
  }
  // suspects: stacks by their ids, every one eligible
  const stacks = Array.from({ length: 130 }, (_, k) => ({
    id: k + 1,
    key: `s${k + 1}`,
    frames: [...SEND, userFrame(`main.worker${k + 1}`, 10, '/src/svc/workers.go')],
    labels: {},
    firstSeenTsSeconds: T0,
  })) as StackRecord[];
  for (const life of ['7@1', '8@2']) assert.deepEqual(findSuspects(stacks, ticks, life), findSuspects(stacks, maps, life));
});

test('sumSeries into a pool reused call after call gives what arrays of their own give (no sum left from the call before)', () => {
  const r = seededRandom(41);
  const ticks = randomTicks(r, 50, 200, 300).map((t) => ({ ...t, counts: CompactCounts.from(t.counts) }));
  const pool = new Float32Array(12 * ticks.length);
  for (let call = 0; call < 20; call++) {
    const k = 1 + Math.floor(r() * 12);
    const series = Array.from({ length: k }, () => (r() < 0.8 ? [1 + Math.floor(r() * 230)] : [1 + Math.floor(r() * 200), 1 + Math.floor(r() * 200)]));
    const own = sumSeries(ticks, series).map((a) => (a ? Array.from(a) : undefined));
    const pooled = sumSeries(ticks, series, pool);
    assert.deepEqual(pooled.map((a) => (a ? Array.from(a) : undefined)), own, `call ${call}`);
    for (const a of pooled) if (a) assert.equal(a.buffer, pool.buffer, 'written into the pool');
  }
  assert.throws(() => sumSeries(ticks, [[1], [2]], new Float32Array(ticks.length)), /pool/);
});
