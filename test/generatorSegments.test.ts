import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { replayHistory } from '../src/core/stackHistory.js';
import { generateRecording } from '../scripts/generateRecording.js';
import { bucketsOf } from './helpers/historyBuckets.js';
import { tempDir } from './helpers/tmp.js';

const END = Date.UTC(2026, 10, 3) / 1000; // 2026-11-03T00:00:00Z
const OCT_1 = Date.UTC(2026, 9, 1) / 1000;

const sorted = (m: ReadonlyMap<number, number>) => [...m].sort((a, b) => a[0] - b[0]);

test('generator --segmented: monthly segments, old history hourly, same data as one unsegmented recording', (t) => {
  const plain = tempDir(t);
  const seg = tempDir(t);
  // 34 days to Nov 3: Sep 30, October, Nov 1-2. With 20 days of full resolution, October (last line Oct 31,
  // 2 days old) stays full, September is compacted. One target: the churning one (its ~60 usual stacks + 200).
  const opts = { days: 34, targets: 0, churnTargets: 1, churnStacks: 200, seed: 4, endTsSeconds: END };
  const a = generateRecording({ ...opts, outDir: plain });
  const b = generateRecording({ ...opts, outDir: seg, segmented: { fullResolutionDays: 20 } });
  assert.deepEqual(
    b.targets.map((x) => x.name),
    ['churn'],
  );
  for (const [i, name] of ['churn'].entries()) {
    const dir = join(seg, name);
    const files = readdirSync(dir).filter((n) => n !== 'snapshots').sort();
    assert.deepEqual(files, [
      'samples.20260930T000000Z-20260930T235900Z.csv',
      'samples.20261001T000000Z-20261031T235900Z.csv',
      'samples.csv',
      'stack-history.20260930T000000Z-20260930T235900Z.hourly.log',
      'stack-history.20261001T000000Z-20261031T235900Z.log',
      'stack-history.log',
      'stacks.jsonl',
      'state.json',
    ]);
    const read = (f: string) => readFileSync(join(dir, f), 'utf8');
    const whole = readFileSync(join(plain, name, 'samples.csv'), 'utf8');
    const header = whole.slice(0, whole.indexOf('\n') + 1);
    // Samples: each segment has the header, and together they are the unsegmented file, row for row.
    const parts = files.filter((f) => f.startsWith('samples.'));
    for (const f of parts) assert.ok(read(f).startsWith(header), f);
    assert.equal(header + parts.map((f) => read(f).slice(header.length)).join(''), whole);
    // The dictionary is one file either way.
    assert.equal(read('stacks.jsonl'), readFileSync(join(plain, name, 'stacks.jsonl'), 'utf8'));

    const full = replayHistory(readFileSync(join(plain, name, 'stack-history.log'), 'utf8'), 'plain').ticks;
    // October and the live file are full resolution, each starting with a keyframe: the same ticks and counts.
    for (const f of ['stack-history.20261001T000000Z-20261031T235900Z.log', 'stack-history.log']) assert.match(read(f), /^K /, f);
    const recent = replayHistory(read('stack-history.20261001T000000Z-20261031T235900Z.log') + read('stack-history.log'), 'seg');
    assert.deepEqual(recent.warnings, []);
    const fullRecent = full.filter((x) => x.tsSeconds >= OCT_1);
    assert.equal(recent.ticks.length, fullRecent.length);
    recent.ticks.forEach((x, k) => {
      assert.equal(x.tsSeconds, fullRecent[k]!.tsSeconds);
      assert.deepEqual(sorted(x.counts), sorted(fullRecent[k]!.counts), `${name} tick ${x.tsSeconds}`);
    });
    // September is hourly: one H line per hour (and lifetime), each the last tick of that hour.
    const hourly = read('stack-history.20260930T000000Z-20260930T235900Z.hourly.log');
    assert.ok(hourly.split('\n').slice(0, -1).every((l) => l.startsWith('H ')));
    const old = replayHistory(hourly, 'hourly').ticks;
    const buckets = bucketsOf(full.filter((x) => x.tsSeconds < OCT_1));
    assert.equal(old.length, buckets.length);
    assert.ok(old.length >= 24 && old.length <= 24 + 3, `${old.length} hours`);
    old.forEach((x, k) => {
      assert.equal(x.tsSeconds, buckets[k]!.last.tsSeconds);
      assert.deepEqual(sorted(x.counts), sorted(buckets[k]!.last.counts));
    });
    // What the generator reports: sizes before and after compaction.
    const g = b.targets[i]!;
    const plainBytes = statSync(join(plain, name, 'stack-history.log')).size;
    assert.equal(a.targets[i]!.historyFullResolutionBytes, plainBytes);
    // Segmented, the same ticks, with a keyframe where each month's file starts (and the 60-line rhythm after it).
    assert.ok(Math.abs(g.historyFullResolutionBytes / plainBytes - 1) < 0.02, `${g.historyFullResolutionBytes} vs ${plainBytes}`);
    const sep = g.historySegments[0]!;
    assert.equal(sep.bytes, Buffer.byteLength(hourly));
    assert.ok(sep.fullResolutionBytes! > 3 * sep.bytes, `${sep.fullResolutionBytes} -> ${sep.bytes}`);
  }
  // The churning target has its 200 extra stacks, ~10 % (20) changing a minute.
  assert.ok(b.targets[0]!.stacks >= 200 + 55, `${b.targets[0]!.stacks} stacks`);
  const deltas = readFileSync(join(seg, 'churn', 'stack-history.log'), 'utf8').split('\n').filter((l) => l.startsWith('D '));
  const meanEntries = deltas.reduce((n, l) => n + l.split(' ').length - 4, 0) / deltas.length;
  assert.ok(meanEntries > 18 && meanEntries < 30, `${meanEntries} changes a minute`);
});
