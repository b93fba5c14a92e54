import assert from 'node:assert/strict';
import test from 'node:test';
import { formatSampleRow, formatTimeUtc, SAMPLES_COLUMNS, SAMPLES_HEADER, spreadsheetSafe } from '../src/core/samplesCsv.js';
import { parseSamplesCsv } from '../src/core/samplesCsvRead.js';
import { stringify } from 'csv-stringify/sync';
import { parse } from 'csv-parse/sync';

const parseSamplesCsvCells = (line: string): string[] => (parse(line) as string[][])[0];
import { diffCounts, formatHistoryLine, parseHistoryLine, replayHistory } from '../src/core/stackHistory.js';
import { parseSnapshotFileName, snapshotFileName, snapshotsToDelete } from '../src/core/snapshots.js';
import type { SampleRow } from '../src/core/model.js';

const row = (over: Partial<SampleRow> = {}): SampleRow => ({
  tsSeconds: 1795747611.357,
  target: 'api',
  status: 'ok',
  pid: 4242,
  processStartTsSeconds: 1795747600,
  rssBytes: 12_345_678,
  vszBytes: 1_200_000_000,
  cpuSecondsTotal: 1.25,
  cpuPercent: 3.456,
  threads: 7,
  fds: 9,
  goroutines: 1234,
  stacksDistinct: 17,
  event: '',
  message: '',
  ...over,
});

test('time_utc is the form spreadsheets parse as a date-time, in UTC', () => {
  assert.equal(formatTimeUtc(Date.UTC(2026, 10, 27, 2, 38, 12) / 1000), '2026-11-27 02:38:12');
});

test('a sample row round-trips through CSV; null stays empty, never zero', () => {
  const r = row({ cpuPercent: null, fds: null, event: 'start' });
  const text = SAMPLES_HEADER + formatSampleRow(r);
  assert.equal(text.split('\n')[1].split(',').length, SAMPLES_COLUMNS.length);
  const back = parseSamplesCsv(text, 'x').rows[0];
  assert.equal(back.cpuPercent, null);
  assert.equal(back.fds, null);
  assert.equal(back.cpuSecondsTotal, 1.25);
  assert.equal(back.event, 'start');
  assert.equal(back.tsSeconds, 1795747611.357);
});

test('cells that would start a formula are defused; commas, quotes and newlines stay in one cell', () => {
  for (const evil of ['=HYPERLINK("http://x")', '+1+2', '-2+3', '@SUM(1)']) {
    assert.ok(spreadsheetSafe(evil).startsWith("'"), evil);
  }
  const r = row({ status: 'pprof-http-error', message: '=cmd|\' /C calc\'!A0, "quoted"\nsecond line' });
  const line = formatSampleRow(r);
  assert.equal(line.split('\n').length, 2, 'one physical line');
  const back = parseSamplesCsv(SAMPLES_HEADER + line, 'x').rows[0];
  assert.equal(back.message, `'=cmd|' /C calc'!A0, "quoted" second line`);
});

test('the recorder\'s own CSV quoting writes exactly what csv-stringify writes', () => {
  const hostile = row({ status: 'error', message: 'a "quoted", comma\nnewline =1+1 \u00e9\u4e2d', target: 'x.y-z' });
  for (const r of [row(), row({ cpuPercent: null, event: 'restart' }), hostile]) {
    const line = formatSampleRow(r);
    const cells = parseSamplesCsvCells(line);
    assert.equal(line, stringify([cells], { record_delimiter: '\n' }));
  }
});

test('a torn last row (killed mid-write) is skipped with a warning', () => {
  const text = SAMPLES_HEADER + formatSampleRow(row()) + formatSampleRow(row({ tsSeconds: 1795747671 })).slice(0, 30);
  const parsed = parseSamplesCsv(text, 'api/samples.csv');
  assert.equal(parsed.rows.length, 1);
  assert.match(parsed.warnings.join(), /torn last row/);
});

test('history: deltas replay to the same counts as keyframes', () => {
  const a = new Map([[1, 10], [2, 5], [3, 1]]);
  const b = new Map([[1, 12], [2, 5], [4, 2]]);
  const text =
    formatHistoryLine('K', 100, '7@1', 16, a) +
    formatHistoryLine('D', 160, '7@1', 19, diffCounts(a, b));
  assert.equal(text.split('\n')[1], 'D 160 7@1 19 1:12 3:0 4:2');
  const { ticks, warnings } = replayHistory(text, 'h');
  assert.deepEqual(warnings, []);
  assert.deepEqual([...ticks[1].counts].sort(), [...b].sort());
  assert.equal(ticks[1].total, 19);
});

test('history: after a damaged line, deltas are skipped until the next keyframe; no invented numbers', () => {
  const text = [
    'K 100 7@1 10 1:10',
    'D 160 7@1 11 1:x',
    'D 220 7@1 12 1:12',
    'K 280 7@1 13 1:13',
    'D 340 7@1 14 1:14',
    'D 400 7@1 15 1:1', // torn: no newline
  ].join('\n');
  const { ticks, warnings } = replayHistory(text, 'h');
  assert.deepEqual(ticks.map((t) => [t.tsSeconds, t.counts.get(1)]), [[100, 10], [280, 13], [340, 14]]);
  assert.equal(warnings.length, 3);
});

test('history: a delta of another lifetime never applies to the previous state', () => {
  const { ticks } = replayHistory('K 100 7@1 10 1:10\nD 160 8@2 3 2:3\n', 'h');
  assert.equal(ticks.length, 1);
});

test('snapshot names round-trip', () => {
  const name = snapshotFileName(Date.UTC(2026, 10, 27, 2, 38, 12) / 1000, 4242);
  assert.equal(name, 'goroutine-20261127T023812Z-pid4242.pb.gz');
  assert.deepEqual(parseSnapshotFileName(name), { name, kind: 'goroutine', tsSeconds: Date.UTC(2026, 10, 27, 2, 38, 12) / 1000, pid: 4242 });
  assert.equal(parseSnapshotFileName('goroutine-x.pb.gz'), null);
  assert.equal(parseSnapshotFileName(snapshotFileName(0, null))?.pid, null);
  assert.equal(parseSnapshotFileName(snapshotFileName(0, 7, 'goroutine-debug2'))?.kind, 'goroutine-debug2');
  assert.match(snapshotFileName(0, 7, 'goroutine-debug2'), /\.txt\.gz$/);
  assert.equal(parseSnapshotFileName('goroutineleak-19700101T000000Z-pid7.txt.gz'), null);
});

test('snapshot retention keeps first of lifetime, first of each hour, latest; prunes by age', () => {
  const h = 3600;
  const t0 = Date.UTC(2026, 10, 1) / 1000;
  const names: string[] = [];
  // pid 1: one per minute for 3 hours
  for (let m = 0; m < 180; m++) names.push(snapshotFileName(t0 + m * 60, 1));
  // pid 2 (restart) 20 days later: 30 minutes
  const t1 = t0 + 20 * 86400;
  for (let m = 0; m < 30; m++) names.push(snapshotFileName(t1 + m * 60, 2));
  const del = new Set(snapshotsToDelete(names, t1 + 30 * 60, 14, 2));
  const kept = names.filter((n) => !del.has(n));
  // pid 1's files are all older than 14 days: gone. pid 2: its first (= first of its hour) and its latest.
  assert.deepEqual(kept, [snapshotFileName(t1, 2), snapshotFileName(t1 + 29 * 60, 2)]);
  // Retention is per kind: a debug2 file never counts as the newest goroutine snapshot.
  assert.deepEqual(snapshotsToDelete([...names.slice(0, 3), snapshotFileName(t0 + 600, 1, 'goroutine-debug2')], t0 + 700, 14, 1, 'goroutine'), [snapshotFileName(t0 + 60, 1)]);
  // Within retention: first of each hour and latest.
  const del2 = new Set(snapshotsToDelete(names.slice(0, 180), t0 + 3 * h, 14, 1));
  const kept2 = names.slice(0, 180).filter((n) => !del2.has(n));
  assert.deepEqual(kept2, [snapshotFileName(t0, 1), snapshotFileName(t0 + h, 1), snapshotFileName(t0 + 2 * h, 1), snapshotFileName(t0 + 179 * 60, 1)]);
});

test('history: a --since/--until window replays to exactly the counts of the full replay', () => {
  let text = '';
  let prev = new Map<number, number>();
  let seed = 7;
  const rnd = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  for (let i = 0; i < 300; i++) {
    const next = new Map(prev);
    for (let id = 1; id <= 12; id++) if (rnd() < 0.3) next.set(id, Math.floor(rnd() * 5));
    for (const [id, c] of [...next]) if (c === 0) next.delete(id);
    const total = [...next.values()].reduce((a, b) => a + b, 0);
    text += i % 60 === 0 ? formatHistoryLine('K', i, '1@1', total, [...next].sort((a, b) => a[0] - b[0])) : formatHistoryLine('D', i, '1@1', total, diffCounts(prev, next));
    prev = next;
  }
  const full = replayHistory(text, 'h').ticks;
  const windowed = replayHistory(text, 'h', (ts) => ts >= 100 && ts < 200).ticks;
  assert.equal(windowed.length, 100);
  for (const t of windowed) {
    const f = full.find((x) => x.tsSeconds === t.tsSeconds)!;
    assert.deepEqual([...t.counts].sort(), [...f.counts].sort(), `tick ${t.tsSeconds}`);
    assert.equal(t.total, [...t.counts.values()].reduce((a, b) => a + b, 0));
  }
});

test('history lines: every malformed entry list is damage (null), never a shorter or shifted list', () => {
  const ok: Array<[string, number[]]> = [
    ['K 100 1@1 3 5:1 7:2', [5, 1, 7, 2]],
    ['D 100 1@1 3 5:0', [5, 0]],
    ['K 100 1@1 0', []],
    ['H 100 1@1 3 40 60 5:1:0:4 7:2:2:2', [5, 1, 0, 4, 7, 2, 2, 2]],
    ['K 100 1@1 3 123456789012345:1', [123456789012345, 1]],
  ];
  for (const [line, entries] of ok) assert.deepEqual(Array.from(parseHistoryLine(line)?.entries ?? [-1]), entries, line);
  const bad = [
    'K 100 1@1 3 5:1 ', // trailing space
    'K 100 1@1 3 5:1  7:2', // two spaces
    'K 100 1@1 3 5:', // no count
    'K 100 1@1 3 :1',
    'K 100 1@1 3 5::1',
    'K 100 1@1 3 5:1:2', // three numbers in a K entry
    'K 100 1@1 3 5', // one number
    'H 100 1@1 3 40 60 5:1:0', // three numbers in an H entry
    'H 100 1@1 3 40 60 5:1:0:4:9',
    'K 100 1@1 3 5:1x',
    'K 100 1@1 3 5:-1',
    'K 100 1@1 3 1234567890123456:1', // 16 digits: past any real id, and past exact integers soon
  ];
  for (const line of bad) assert.equal(parseHistoryLine(line), null, line);
});
