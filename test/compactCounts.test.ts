// CompactCounts.withChanges (the reader's merge of one delta into the previous tick's frozen counts) against the
// plain way (apply the delta to a Map, freeze it), and the replay that uses it against a Map-only replay.
import assert from 'node:assert/strict';
import test from 'node:test';
import { seededRandom } from '../scripts/lib/seededRandom.js';
import { CHAIN_MAX, CompactCounts, HistoryCounts, LiveCounts, replayHistory } from '../src/core/stackHistory.js';

const asPairs = (c: ReadonlyMap<number, number>) => {
  const out: Array<[number, number]> = [];
  c.forEach((n, id) => out.push([id, n]));
  return out;
};

/** A random delta over ids 1..maxId: ascending ids, counts 0 (gone) to 40. */
function randomDelta(rand: () => number, maxId: number, share: number, goneShare = 0.2): number[] {
  const flat: number[] = [];
  for (let id = 1; id <= maxId; id++) if (rand() < share) flat.push(id, rand() < goneShare ? 0 : Math.floor(rand() * 40));
  return flat;
}

test('withChanges equals freezing the Map the delta was applied to (new ids, gone ids, changed ids, empty sides)', () => {
  const rand = seededRandom(7);
  const m = new Map<number, number>();
  let frozen = CompactCounts.from(m);
  const layouts = new Set<string>();
  for (let step = 0; step < 400; step++) {
    const maxId = step < 200 ? 60 : 600; // more ids later: merges of short into long lists and back
    // from step 300 most changes are stacks going away: few stacks over a wide range of ids, kept sparse
    const delta = randomDelta(rand, maxId, step % 50 === 0 ? 1 : 0.1, step >= 300 ? 0.95 : 0.2);
    for (let i = 0; i < delta.length; i += 2) {
      if (delta[i + 1] === 0) m.delete(delta[i]!);
      else m.set(delta[i]!, delta[i + 1]!);
    }
    const merged = CompactCounts.withChanges(frozen, delta);
    assert.ok(merged, `step ${step}: ascending ids merge`);
    assert.deepEqual(asPairs(merged), asPairs(CompactCounts.from(m)), `step ${step}`);
    assert.equal(merged.size, m.size);
    for (let id = 0; id <= maxId + 1; id++) assert.equal(merged.get(id), m.get(id), `step ${step} id ${id}`);
    const now = CompactCounts.rawOf(merged)!;
    const before = CompactCounts.rawOf(frozen)!;
    layouts.add(now.ids === null ? 'dense' : 'sparse');
    // a dense tick made from a dense one keeps a stack gone at an end as a 0 (`of` would trim it)
    if (now.ids === null && before.ids === null && (now.vals[0] === 0 || now.vals[now.vals.length - 1] === 0)) layouts.add('dense, a 0 at an end');
    frozen = merged;
  }
  assert.ok(frozen.size > 0);
  // both layouts, merges from one into the other, and a dense tick's range kept past a gone stack were exercised
  assert.deepEqual([...layouts].sort(), ['dense', 'dense, a 0 at an end', 'sparse']);
});

test('withChanges refuses ids out of order or repeated (a hand-edited line): the caller builds from the Map', () => {
  const prev = CompactCounts.from(new Map([[1, 2], [5, 3]]));
  assert.equal(CompactCounts.withChanges(prev, [5, 1, 2, 4]), null);
  assert.equal(CompactCounts.withChanges(prev, [2, 1, 2, 4]), null);
  assert.deepEqual(asPairs(CompactCounts.withChanges(prev, [])!), [[1, 2], [5, 3]]);
});

test('replay with merged deltas gives every tick the counts a Map-only replay gives (and an out-of-order line too)', () => {
  const rand = seededRandom(11);
  const lines: string[] = [];
  const m = new Map<number, number>();
  const expected: Array<Array<[number, number]>> = [];
  for (let tick = 0; tick < 300; tick++) {
    const ts = 1_800_000_000 + tick * 60;
    if (tick % 60 === 0) {
      // a keyframe: the counts as they are
      const pairs = [...m].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
      lines.push(`K ${ts} 9@1 0${pairs.map(([id, c]) => ` ${id}:${c}`).join('')}`);
    } else {
      const delta = randomDelta(rand, 80, 0.15);
      const pairs: Array<[number, number]> = [];
      for (let i = 0; i < delta.length; i += 2) pairs.push([delta[i]!, delta[i + 1]!]);
      if (tick === 100) pairs.reverse(); // as a hand edit might leave it: still right, built the plain way
      for (const [id, c] of pairs) {
        if (c === 0) m.delete(id);
        else m.set(id, c);
      }
      lines.push(`D ${ts} 9@1 0${pairs.map(([id, c]) => ` ${id}:${c}`).join('')}`);
    }
    expected.push([...m].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]));
  }
  const { ticks, warnings } = replayHistory(lines.join('\n') + '\n', 'test');
  assert.deepEqual(warnings, []);
  assert.equal(ticks.length, expected.length);
  ticks.forEach((t, i) => assert.deepEqual(asPairs(t.counts), expected[i], `tick ${i}`));
});

test('fromEntries (a keyframe or hourly line frozen without a Map) equals freezing the Map; out of order is refused', () => {
  const rand = seededRandom(11);
  const layouts = new Set<string>();
  for (let step = 0; step < 200; step++) {
    const width = step % 2 === 0 ? 2 : 4; // K/D lines: id:count; H lines: id:last:min:max
    const flat: number[] = [];
    const m = new Map<number, number>();
    const share = step % 4 < 2 ? 0.3 : 0.95; // sparse lines and dense ones (an hourly line of 5,000 stacks)
    for (let id = 1; id <= 300; id++) {
      if (rand() > share) continue;
      const c = rand() < 0.1 ? 0 : Math.floor(rand() * 50);
      flat.push(id, c);
      if (width === 4) flat.push(Math.floor(rand() * 5), 50 + Math.floor(rand() * 5));
      if (c > 0) m.set(id, c);
    }
    const c = CompactCounts.fromEntries(Float64Array.from(flat), width);
    assert.ok(c, `step ${step}`);
    assert.deepEqual(asPairs(c), asPairs(CompactCounts.from(m)), `step ${step}`);
    // the same layout as from the Map: dense or sparse, its first id, the width of its counts
    const [got, want] = [CompactCounts.rawOf(c)!, CompactCounts.rawOf(CompactCounts.from(m))!];
    assert.deepEqual([got.ids === null, got.base, got.vals.constructor.name, got.vals.length], [want.ids === null, want.base, want.vals.constructor.name, want.vals.length], `step ${step}`);
    layouts.add(got.ids === null ? 'dense' : 'sparse');
  }
  assert.deepEqual([...layouts].sort(), ['dense', 'sparse']);
  assert.equal(CompactCounts.fromEntries([5, 1, 3, 1], 2), null, 'descending ids');
  assert.equal(CompactCounts.fromEntries([5, 1, 5, 2], 2), null, 'a repeated id');
  // replayed through a keyframe line, the hand-edited order still gives the right counts (from the Map)
  const { ticks } = replayHistory('K 100 1@1 3 5:1 3:2\n', 'x');
  assert.deepEqual(asPairs(ticks[0]!.counts), [[3, 2], [5, 1]]);
});

test('counts and ids past 16 bits are kept whole (a stack of 100,000 goroutines, a dictionary past 65,535 ids)', () => {
  const m = new Map<number, number>([[3, 70_000], [65_535, 2], [65_536, 5], [1_000_000, 65_535], [7, 1]]);
  const c = CompactCounts.from(m);
  assert.deepEqual(asPairs(c), [[3, 70_000], [7, 1], [65_535, 2], [65_536, 5], [1_000_000, 65_535]]);
  assert.equal(c.get(1_000_000), 65_535);
  const d = CompactCounts.withChanges(c, [3, 0, 65_536, 123_456, 2_000_000, 9]);
  assert.deepEqual(asPairs(d!), [[7, 1], [65_535, 2], [65_536, 123_456], [1_000_000, 65_535], [2_000_000, 9]]);
  const small = CompactCounts.fromEntries([1, 65_535, 2, 3], 2)!;
  assert.deepEqual(asPairs(small), [[1, 65_535], [2, 3]]);
  assert.deepEqual(asPairs(CompactCounts.withChanges(small, [2, 65_536])!), [[1, 65_535], [2, 65_536]]);
});

test('a dense tick keeps its range past a stack gone at an end and grows it for a new stack; a count past its width or a sparser tick is laid out afresh', () => {
  const layout = (c: CompactCounts) => {
    const r = CompactCounts.rawOf(c)!;
    return { dense: r.ids === null, base: r.base, length: r.vals.length, width: (r.vals as Uint8Array).BYTES_PER_ELEMENT };
  };
  // ids 5..14, two goroutines each: dense, one byte a count
  const start = CompactCounts.from(new Map(Array.from({ length: 10 }, (_, i) => [5 + i, 2] as [number, number])));
  assert.deepEqual(layout(start), { dense: true, base: 5, length: 10, width: 1 });
  // stack 5 gone: kept as a 0 at the start (only the dense copy leaves one: `of` starts at the first stack with goroutines)
  const gone = CompactCounts.withChanges(start, [5, 0])!;
  assert.deepEqual(layout(gone), { dense: true, base: 5, length: 10, width: 1 });
  assert.equal(gone.get(5), undefined);
  assert.equal(gone.size, 9);
  // new stacks 3 and 16: the range grows at both ends, the 0 at 5 and the gaps at 4 and 15 kept
  const grown = CompactCounts.withChanges(gone, [3, 7, 16, 1])!;
  assert.deepEqual(layout(grown), { dense: true, base: 3, length: 14, width: 1 });
  assert.deepEqual([...grown.entries()], [[3, 7], ...Array.from({ length: 9 }, (_, i) => [6 + i, 2]), [16, 1]]);
  // a count that needs two bytes: laid out afresh as `of` would (ends trimmed)
  const wide = CompactCounts.withChanges(grown, [9, 300])!;
  assert.deepEqual(layout(wide), layout(CompactCounts.from(new Map(wide.entries()))));
  assert.deepEqual(layout(wide), { dense: true, base: 3, length: 14, width: 2 });
  // and back to one byte when that count falls
  const narrow = CompactCounts.withChanges(wide, [9, 2])!;
  assert.deepEqual(layout(narrow), { dense: true, base: 3, length: 14, width: 1 });
  // all but the stacks at 3 and 16 gone: sparse is smaller now, so sparse it is
  const few = CompactCounts.withChanges(narrow, [6, 0, 7, 0, 8, 0, 9, 0, 10, 0, 11, 0, 12, 0, 13, 0, 14, 0])!;
  assert.deepEqual([...few.entries()], [[3, 7], [16, 1]]);
  assert.deepEqual(layout(few), layout(CompactCounts.from(new Map(few.entries()))));
  assert.equal(layout(few).dense, false);
  // a stack gone at the top of a range past 65,535 ids: sparse is counted with the ids that have goroutines
  const high = CompactCounts.from(new Map(Array.from({ length: 8 }, (_, i) => [65_530 + i, 1] as [number, number])));
  const topGone = CompactCounts.withChanges(high, [65_531, 0, 65_532, 0, 65_533, 0, 65_534, 0, 65_536, 0, 65_537, 0])!;
  assert.deepEqual(layout(topGone), layout(CompactCounts.from(new Map(topGone.entries()))));
});

test('two readers of history lines fed in turn keep their own keyframes (each parses into its own scratch)', () => {
  const a = new HistoryCounts();
  const b = new HistoryCounts();
  a.apply('K 100 p@1 11 1:5 2:6');
  b.apply('K 100 q@1 18 7:9 8:9');
  a.apply('D 160 p@1 12 3:1');
  assert.deepEqual([...a.frozen()!.entries()], [[1, 5], [2, 6], [3, 1]]);
  assert.deepEqual([...b.frozen()!.entries()], [[7, 9], [8, 9]]);
});

test('ticks replayed from deltas are chained (a delta each, a copy every CHAIN_MAX) and answer like the Map, whole or windowed', () => {
  // A churning target as the recorder writes it: a keyframe every 60 lines, deltas between that change ~10 % of
  // 400 stacks (counts past 8 and 16 bits, stacks coming and going), a delta that changes nothing, a hand-edited
  // line out of order, ids past 16 bits and one past what LiveCounts holds.
  const rand = seededRandom(31);
  const lines: string[] = [];
  const m = new Map<number, number>();
  const expected: Array<Array<[number, number]>> = [];
  const ids = Array.from({ length: 400 }, (_, k) => (k < 390 ? k + 1 : 70_000 + k));
  for (let tick = 0; tick < 240; tick++) {
    const ts = 1_800_000_000 + tick * 60;
    if (tick % 60 === 0) {
      for (const id of ids) if (rand() < 0.9) m.set(id, 1 + Math.floor(rand() * 30));
      const pairs = [...m].sort((a, b) => a[0] - b[0]);
      lines.push(`K ${ts} 9@1 0${pairs.map(([id, c]) => ` ${id}:${c}`).join('')}`);
    } else {
      const pairs: Array<[number, number]> = [];
      if (tick % 23 !== 0) {
        for (const id of ids) {
          if (rand() >= 0.1) continue;
          pairs.push([id, rand() < 0.2 ? 0 : id === 7 && tick > 100 ? 70_000 + tick : 1 + Math.floor(rand() * (id % 5 === 0 ? 400 : 40))]);
        }
      }
      if (tick === 150) pairs.push([2_000_000, 3]); // past LiveCounts: the ticks after it are copies, still right
      if (tick === 200) pairs.push([2_000_000, 0]);
      if (tick === 130) pairs.reverse(); // a hand edit: built the plain way, and the chain starts afresh after it
      for (const [id, c] of pairs) (c === 0 ? m.delete(id) : m.set(id, c));
      lines.push(`D ${ts} 9@1 0${pairs.map(([id, c]) => ` ${id}:${c}`).join('')}`);
    }
    expected.push([...m].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]));
  }
  const { ticks, warnings } = replayHistory(lines.join('\n') + '\n', 'test');
  assert.deepEqual(warnings, []);
  const check = (counts: ReadonlyMap<number, number>, want: Array<[number, number]>, what: string) => {
    assert.deepEqual(asPairs(counts), want, what);
    assert.deepEqual([...counts], want, what);
    assert.equal(counts.size, want.length, what);
    const wm = new Map(want);
    for (const id of [0, ...ids, 2_000_000]) {
      assert.equal(counts.get(id), wm.get(id), `${what} id ${id}`);
      assert.equal(counts.has(id), wm.has(id), `${what} id ${id}`);
    }
    const raw = CompactCounts.rawOf(counts)!;
    const fromRaw: Array<[number, number]> = [];
    for (let j = 0; j < raw.vals.length; j++) if (raw.vals[j]! > 0) fromRaw.push([raw.ids === null ? raw.base + j : raw.ids[j]!, raw.vals[j]!]);
    assert.deepEqual(fromRaw, want, `${what}: raw`);
  };
  ticks.forEach((t, i) => check(t.counts, expected[i]!, `tick ${i}`));
  // a window that starts inside a chain: its first tick read whole, the rest at their changes
  const windowed = ticks.slice(37, 90);
  windowed.forEach((t, i) => check(t.counts, expected[37 + i]!, `windowed tick ${i}`));
  // a chained tick holds its delta only, and leads back to a copy of its own within CHAIN_MAX - 1 ticks
  // (a delta that changes nothing shares the tick before it: one object)
  const compact = ticks.map((t) => t.counts as CompactCounts).filter((c, i, all) => i === 0 || c !== all[i - 1]);
  let chainedTicks = 0;
  for (let i = 1; i < compact.length; i++) {
    const c = compact[i]!;
    assert.ok(c.chainDepth < CHAIN_MAX, `tick ${i}: depth ${c.chainDepth}`);
    if (c.chainDepth === 0) continue;
    chainedTicks++;
    const copy = compact[i - c.chainDepth]!;
    assert.equal(copy.chainDepth, 0, `tick ${i}: its chain starts at a copy`);
    assert.ok(c.ownBytes < copy.ownBytes / 2, `tick ${i}: ${c.ownBytes} bytes held against its copy's ${copy.ownBytes}`);
  }
  // all but the keyframes, every CHAIN_MAX-th and the 50 ticks while an id past LiveCounts is there (~60)
  assert.ok(chainedTicks > 150, `most ticks hold only their delta (${chainedTicks} of ${compact.length - 1})`);
  // a chained tick handed to another reader's LiveCounts (it does not mirror it): the next tick is still right
  const next = CompactCounts.withChanges(ticks[45]!.counts as CompactCounts, [1, 5, 2, 0, 70_395, 9], new LiveCounts())!;
  const want = new Map(expected[45]);
  want.set(1, 5).delete(2);
  want.set(70_395, 9);
  check(next, [...want].sort((a, b) => a[0] - b[0]), 'made by a fresh LiveCounts');
  check(CompactCounts.withChanges(ticks[45]!.counts as CompactCounts, [1, 5, 2, 0, 70_395, 9])!, [...want].sort((a, b) => a[0] - b[0]), 'made without one');
});
