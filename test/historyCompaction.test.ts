import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HistoryCompactor } from '../src/core/historyCompaction.js';
import { diffCounts, formatHistoryLine, parseHistoryLine, replayHistory, sortedEntries } from '../src/core/stackHistory.js';
import { analyzeTarget } from '../src/analysis/analyze.js';
import { readRecording } from '../src/io/readRecording.js';
import { generateRecording } from '../scripts/generateRecording.js';
import { bucketsOf } from './helpers/historyBuckets.js';
import { seededRandom } from './helpers/seededRandom.js';
import { tempDir } from './helpers/tmp.js';

function compact(text: string): string {
  let out = '';
  const c = new HistoryCompactor((line) => (out += line));
  for (const line of text.split('\n')) c.line(line);
  c.end();
  return out;
}

/** Replaying the compacted text equals the per-bucket last tick of replaying the raw text, and min/max are right. */
function assertCompactsExactly(raw: string): { buckets: number; rawTicks: number } {
  const rawTicks = replayHistory(raw, 'raw').ticks;
  const expected = bucketsOf(rawTicks);
  const hourly = compact(raw);
  const lines = hourly.split('\n').slice(0, -1);
  assert.equal(lines.length, expected.length, 'one H line per bucket');
  const replayed = replayHistory(hourly, 'hourly');
  assert.deepEqual(replayed.warnings, []);
  assert.equal(replayed.ticks.length, expected.length);
  expected.forEach((b, i) => {
    const got = replayed.ticks[i]!;
    const where = `bucket ${i} (ts ${b.last.tsSeconds})`;
    assert.equal(got.tsSeconds, b.last.tsSeconds, where);
    assert.equal(got.lifetime, b.last.lifetime, where);
    assert.equal(got.total, b.last.total, where);
    assert.deepEqual([...got.counts].sort((x, y) => x[0] - y[0]), [...b.last.counts].sort((x, y) => x[0] - y[0]), where);
    const h = parseHistoryLine(lines[i]!)!;
    assert.equal(h.kind, 'H');
    assert.equal(h.fromTsSeconds, b.fromTsSeconds, where);
    assert.equal(h.ticks, b.ticks, where);
    const ids: number[] = [];
    for (let k = 0; k < h.entries.length; k += 4) {
      const [id, last, min, max] = Array.from(h.entries.subarray(k, k + 4)) as [number, number, number, number];
      ids.push(id);
      assert.equal(last, b.last.counts.get(id) ?? 0, `${where} id ${id} last`);
      assert.equal(min, b.min.get(id), `${where} id ${id} min`);
      assert.equal(max, b.max.get(id), `${where} id ${id} max`);
    }
    assert.deepEqual(ids, [...b.max.keys()].filter((id) => b.max.get(id)! > 0).sort((x, y) => x - y), `${where}: ids, sorted`);
  });
  return { buckets: expected.length, rawTicks: rawTicks.length };
}

// Hand-written histories and the exact hourly lines they must compact to.
const EXACT_CASES: Array<{ name: string; raw: string[]; hourly: string }> = [
  {
    name: 'the exact hourly line (last, min, max; a stack that comes and goes inside the hour)',
    raw: [
      'K 3600 7@1 5 1:3 2:2',
      'D 3660 7@1 12 1:5 2:0 3:4', // 2 goes, 3 appears
      'D 3720 7@1 6 1:2', // 3 stays at 4
      'D 3780 7@1 6 3:0 4:4', // 3 goes again, 4 appears
      'D 7200 7@1 4', // next hour
    ],
    hourly: 'H 3780 7@1 6 3600 4 1:2:2:5 2:0:0:2 3:0:0:4 4:4:0:4\nH 7200 7@1 4 7200 1 1:2:2:2 4:4:4:4\n',
  },
  {
    name: 'a lifetime change inside an hour starts a new bucket; a K inside a bucket zeroes what it omits',
    raw: [
      'K 3600 7@1 3 1:3',
      'D 3660 7@1 5 2:2',
      'K 3720 7@1 1 1:1', // keyframe without 2: 2 is 0 at this tick
      'K 3780 8@3780 4 5:4', // restart in the same hour
      'D 3840 8@3780 6 5:6',
    ],
    hourly: 'H 3720 7@1 1 3600 3 1:1:1:3 2:0:0:2\nH 3840 8@3780 6 3780 2 5:6:4:6\n',
  },
];

for (const c of EXACT_CASES) {
  test(`compaction: ${c.name}`, () => {
    const raw = [...c.raw, ''].join('\n');
    assert.equal(compact(raw), c.hourly);
    assertCompactsExactly(raw);
  });
}

test('compaction: damaged lines and deltas after them are skipped as the replay skips them', () => {
  const raw = [
    'K 3600 7@1 3 1:3',
    'D 3660 7@1 4 1:4',
    'D 3720 7@1 9 1:x', // damaged
    'D 3780 7@1 9 1:9', // relative to unknown counts: skipped
    'garbage',
    'K 3840 7@1 2 2:2', // counts known again
    'D 3900 8@2 1 1:1', // a delta of another lifetime: skipped
    'D 3960 7@1 3 2:3',
    '',
  ].join('\n');
  const c = new HistoryCompactor(() => {});
  for (const l of raw.split('\n')) c.line(l);
  c.end();
  assert.equal(c.bad, 2);
  assert.equal(c.skippedDeltas, 2);
  assert.equal(compact(raw), 'H 3960 7@1 3 3600 4 1:0:0:4 2:3:0:3\n');
  assertCompactsExactly(raw);
});

test('compaction: random histories (lifetimes, churn, gaps, clock steps, damage) replay to the raw per-hour last ticks', () => {
  for (let seed = 1; seed <= 40; seed++) {
    const r = seededRandom(seed);
    let text = '';
    let prev = new Map<number, number>();
    let ts = 1_800_000_000 + Math.floor(r() * 3600);
    let lifetime = `1@${ts - 10}`;
    let sinceKey = 0;
    for (let i = 0; i < 400; i++) {
      const step = r();
      ts += step < 0.02 ? -1800 : step < 0.1 ? 3 * 3600 : step < 0.5 ? 60 : 7 + Math.floor(r() * 50); // stepped back, a gap, or within minutes
      let newLifetime = false;
      if (r() < 0.02) {
        lifetime = `${2 + i}@${ts - 5}`;
        prev = new Map();
        newLifetime = true;
      }
      const next = new Map(prev);
      for (let id = 1; id <= 15; id++) if (r() < 0.25) next.set(id, r() < 0.3 ? 0 : Math.floor(r() * 9));
      for (const [id, c] of [...next]) if (c === 0) next.delete(id);
      const total = [...next.values()].reduce((a, b) => a + b, 0) + Math.floor(r() * 3);
      const key = newLifetime || sinceKey >= 10 || r() < 0.05;
      sinceKey = key ? 0 : sinceKey + 1;
      let line = key ? formatHistoryLine('K', ts, lifetime, total, sortedEntries(next)) : formatHistoryLine('D', ts, lifetime, total, diffCounts(prev, next));
      if (r() < 0.03) line = line.slice(0, Math.floor(r() * line.length)).replace(/\n$/, '') + '#x\n'; // damage
      text += line;
      prev = next;
    }
    const { buckets, rawTicks } = assertCompactsExactly(text);
    assert.ok(buckets > 20 && buckets < rawTicks, `seed ${seed}: ${buckets} buckets of ${rawTicks} ticks`);
  }
});

test('compaction: generated days (real-shaped: restarts, outages, bursts) compacts exactly and ~60x smaller in lines', (t) => {
  const dir = tempDir(t);
  generateRecording({ outDir: dir, days: 3, targets: 2, seed: 3 });
  for (const name of ['api', 'worker']) {
    const raw = readFileSync(join(dir, name, 'stack-history.log'), 'utf8');
    const { buckets, rawTicks } = assertCompactsExactly(raw);
    assert.ok(buckets >= 72 && buckets <= 80, `${name}: ${buckets} buckets`);
    assert.ok(rawTicks > 4000, `${name}: ${rawTicks} ticks`);
  }
});

test('compaction: a leak in hourly history is still found, with the same top suspect', (t) => {
  const dir = tempDir(t);
  generateRecording({ outDir: dir, days: 4, targets: 1, seed: 5 });
  const now = Date.UTC(2026, 10, 1) / 1000;
  const before = analyzeTarget(readRecording(dir, 'api'), { nowSeconds: now });
  const path = join(dir, 'api', 'stack-history.log');
  const hourly = compact(readFileSync(path, 'utf8'));
  writeFileSync(path, hourly);
  const rec = readRecording(dir, 'api');
  assert.deepEqual(rec.warnings, []);
  assert.ok(rec.ticks.length <= 4 * 24 + 4, `${rec.ticks.length} hourly points`);
  const after = analyzeTarget(rec, { nowSeconds: now });
  assert.equal(before.verdict, 'leak');
  assert.equal(after.verdict, 'leak', after.headline);
  assert.ok(after.suspects.length > 0);
  assert.equal(after.suspects[0]!.leafFunction, before.suspects[0]!.leafFunction);
  assert.equal(after.suspects[0]!.last, before.suspects[0]!.last, 'the last count is exact');
});
