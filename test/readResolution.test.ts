// A long window is read thinned (core/readResolution.ts): bounded points, the same verdict and suspects as a read of
// every point, each lifetime's first point and the latest point kept, samples and ticks on the same times.
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeTarget } from '../src/analysis/analyze.js';
import { BucketThinner, READ_POINTS_BUDGET, thinningStepSeconds } from '../src/core/readResolution.js';
import { readRecording } from '../src/io/readRecording.js';
import { samplesLineTsSeconds, samplesRowWholeSeconds } from '../src/core/samplesCsv.js';
import { KEYFRAME_EVERY } from '../src/core/stackHistory.js';
import { readWindow } from '../src/commands/report.js';
import { evalScenarios, generateScenario } from '../scripts/eval/scenarios.js';
import { tempDir } from './helpers/tmp.js';

test('the step: none within the budget, else the smallest round step under it', () => {
  const day = 86400;
  assert.equal(thinningStepSeconds(READ_POINTS_BUDGET * 60, 60), 0, 'exactly the budget: every point');
  assert.equal(thinningStepSeconds(READ_POINTS_BUDGET * 60 + 60, 60), 120);
  assert.equal(thinningStepSeconds(365 * day, 60), 3600, 'a year of cron: hourly (8,760 points)');
  assert.equal(thinningStepSeconds(15 * day, 60), 120, 'a 15-day lifetime');
  assert.equal(thinningStepSeconds(7 * day, 5), 120, 'a week of record --every 5s (120,960 rows): 5,040 points');
  assert.equal(thinningStepSeconds(30 * day, 5), 300, 'a month of it: 8,640 points');
  assert.equal(thinningStepSeconds(100 * 365 * day, 60), 86400, 'past every step: a day');
  assert.equal(thinningStepSeconds(0, 60), 0);
});

test('BucketThinner keeps each lifetime run\'s first item and each bucket\'s last, in order', () => {
  const kept: string[] = [];
  const t = new BucketThinner<string>(600, (x) => kept.push(x));
  const items: Array<[string, number, string]> = [
    ['a0', 0, 'A'], // first of lifetime A
    ['a1', 60, 'A'],
    ['a2', 540, 'A'], // last of bucket 0
    ['a3', 600, 'A'],
    ['a4', 1190, 'A'], // last of bucket 1
    ['b0', 1200, 'B'], // a restart: first of B
    ['b1', 1260, 'B'],
    ['b2', 1000, 'B'], // the clock stepped back: a bucket of its own
    ['b3', 1300, 'B'],
  ];
  for (const [x, ts, key] of items) t.add(x, ts, key);
  t.flush();
  assert.deepEqual(kept, ['a0', 'a2', 'a4', 'b0', 'b1', 'b2', 'b3']);
  assert.equal(t.dropped, 2);
});

// Real-format recordings of the evaluation (scripts/eval/scenarios.ts), read with a budget small enough to thin them
// (8 days at one point per 10 minutes): what the verdict says must not change.
for (const name of ['leak-every-lifetime', 'benign-week-deploys', 'slow-leak-idle-ballast', 'unique-label-leak']) {
  test(`a thinned read of ${name} judges as a read of every point`, (t) => {
    const data = tempDir(t);
    const spec = evalScenarios().find((s) => s.name === name)!;
    const truth = generateScenario(spec, data);
    const until = Math.ceil(truth.lastTsSeconds);
    const full = readRecording(data, name);
    const thin = readRecording(data, name, { maxPoints: 1500 });
    const step = thinningStepSeconds(truth.lastTsSeconds - truth.firstTsSeconds, 60, 1500);
    assert.ok(step >= 300, `step ${step}`);

    // bounded: the budget, plus each lifetime's first point
    const lifetimes = new Set(full.ticks.map((x) => x.lifetime)).size;
    assert.ok(thin.ticks.length <= 1500 + lifetimes + 1, `${thin.ticks.length} ticks`);
    assert.ok(thin.samples.length <= 1500 + 2 * lifetimes + 1, `${thin.samples.length} rows`);
    assert.ok(thin.ticks.length < full.ticks.length / 4);
    assert.ok(thin.warnings.some((w) => w.includes('read at one point per') && w.includes('leakwatch export')), thin.warnings.join('\n'));
    assert.ok(!full.warnings.some((w) => w.includes('read at one point per')));

    // the latest point and every lifetime's first are kept, with the counts a full read gives them
    const byTs = new Map(full.ticks.map((x) => [x.tsSeconds, x]));
    for (const x of [thin.ticks.at(-1)!, ...thin.ticks.filter((x, i) => i === 0 || thin.ticks[i - 1]!.lifetime !== x.lifetime)]) {
      const f = byTs.get(x.tsSeconds)!;
      assert.ok(f, `tick ${x.tsSeconds} is one of the full read's`);
      assert.deepEqual([...x.counts.entries()], [...f.counts.entries()], `counts at ${x.tsSeconds}`);
    }
    assert.equal(thin.ticks.at(-1)!.tsSeconds, full.ticks.at(-1)!.tsSeconds);
    assert.equal(thin.samples.at(-1)!.tsSeconds, full.samples.at(-1)!.tsSeconds);
    // every thinned tick is the full read's tick at that time (no counts invented), and samples sit on the same times
    for (const x of thin.ticks) assert.deepEqual([...x.counts.entries()], [...byTs.get(x.tsSeconds)!.counts.entries()]);
    const rowTimes = new Set(thin.samples.map((r) => r.tsSeconds));
    assert.ok(thin.ticks.filter((x) => rowTimes.has(x.tsSeconds)).length >= thin.ticks.length * 0.95, 'ticks and rows thinned alike');

    const judge = (rec: typeof full) => analyzeTarget(rec, { nowSeconds: until, window: { untilSeconds: until } });
    const a = judge(full);
    const b = judge(thin);
    assert.equal(b.verdict, a.verdict, `${name}: ${b.headline} / full: ${a.headline}`);
    assert.equal(b.verdict, truth.expected === 'stable' ? 'stable' : b.verdict);
    assert.deepEqual(
      b.suspects.map((s) => s.leafFunction).sort(),
      a.suspects.map((s) => s.leafFunction).sort(),
      'the same suspects',
    );
  });
}

test('report and check read with the budget; a window within it is read whole', (t) => {
  assert.equal(readWindow(undefined, undefined, 1e9).maxPoints, READ_POINTS_BUDGET);
  assert.equal(readWindow(1e9 - 3600, undefined, 1e9).maxPoints, READ_POINTS_BUDGET);
  const data = tempDir(t);
  const spec = evalScenarios().find((s) => s.name === 'slow-leak-idle-ballast')!;
  generateScenario(spec, data);
  const whole = readRecording(data, spec.name, readWindow(undefined, undefined, 2e9));
  const full = readRecording(data, spec.name);
  assert.equal(whole.ticks.length, full.ticks.length, '3 days are within the budget');
  assert.equal(whole.samples.length, full.samples.length);
});

test('a step of an hour or more reads keyframes only: exact counts at every kept tick, the last tick exact', (t) => {
  const data = tempDir(t);
  const spec = evalScenarios().find((s) => s.name === 'leak-every-lifetime')!;
  const truth = generateScenario(spec, data);
  const full = readRecording(data, spec.name);
  const thin = readRecording(data, spec.name, { maxPoints: 150 }); // 8 days: one point per 2 h
  assert.equal(thinningStepSeconds(truth.lastTsSeconds - truth.firstTsSeconds, 60, 150), 7200);
  const byTs = new Map(full.ticks.map((x) => [x.tsSeconds, x]));
  for (const x of thin.ticks) assert.deepEqual([...x.counts.entries()], [...byTs.get(x.tsSeconds)!.counts.entries()], `tick ${x.tsSeconds}`);
  assert.equal(thin.ticks.at(-1)!.tsSeconds, full.ticks.at(-1)!.tsSeconds, 'the latest tick is kept');
  const lifetimes = [...new Set(full.ticks.map((x) => x.lifetime))];
  assert.deepEqual([...new Set(thin.ticks.map((x) => x.lifetime))], lifetimes, 'every lifetime is there, in order');
  for (const life of lifetimes) {
    assert.equal(thin.ticks.find((x) => x.lifetime === life)!.tsSeconds, full.ticks.find((x) => x.lifetime === life)!.tsSeconds, `${life} starts where it started`);
  }
  // before the file's last keyframe, only keyframe ticks are kept: the recorder writes one at each lifetime's first
  // tick and every KEYFRAME_EVERY ticks after it (scripts/lib/recordingWriter.ts), so at those positions
  const indexInLifetime = new Map<number, number>();
  for (const life of lifetimes) full.ticks.filter((x) => x.lifetime === life).forEach((x, i) => indexInLifetime.set(x.tsSeconds, i));
  let lastK = full.ticks.length - 1;
  while (indexInLifetime.get(full.ticks[lastK]!.tsSeconds)! % KEYFRAME_EVERY !== 0) lastK--;
  const beforeTail = thin.ticks.filter((x) => x.tsSeconds < full.ticks[lastK]!.tsSeconds);
  assert.ok(beforeTail.length > 20);
  for (const x of beforeTail) assert.equal(indexInLifetime.get(x.tsSeconds)! % KEYFRAME_EVERY, 0, `tick ${x.tsSeconds} is a keyframe`);
  assert.ok(thin.ticks.length <= 150 + 2 * lifetimes.length + KEYFRAME_EVERY, `${thin.ticks.length} ticks`);
  const until = Math.ceil(truth.lastTsSeconds);
  const verdict = (rec: typeof full) => analyzeTarget(rec, { nowSeconds: until, window: { untilSeconds: until } });
  const a = verdict(full);
  const b = verdict(thin);
  assert.equal(b.verdict, a.verdict, `${b.headline} / full: ${a.headline}`);
  assert.deepEqual(b.suspects.map((s) => s.leafFunction), a.suspects.map((s) => s.leafFunction));

  // A damaged line among the deltas passed over is still damage: counted and warned as a full read warns it
  // (deltas are passed over by their first bytes, "D ", before they are decoded)
  const historyPath = join(data, spec.name, 'stack-history.log');
  const lines = readFileSync(historyPath, 'utf8').split('\n');
  const at = lines.findIndex((l, i) => i > 3 && l.startsWith('D '));
  lines[at] = 'DX' + lines[at]!.slice(1);
  writeFileSync(historyPath, lines.join('\n'));
  const damagedWarning = (w: string[]) => w.find((x) => x.includes('damaged line'));
  assert.ok(damagedWarning(readRecording(data, spec.name).warnings), 'a full read warns');
  assert.equal(damagedWarning(readRecording(data, spec.name, { maxPoints: 150 }).warnings), damagedWarning(readRecording(data, spec.name).warnings));
});

test('samplesRowWholeSeconds reads the whole seconds of plain rows from their bytes, as samplesLineTsSeconds does, and leaves the rest', () => {
  const whole = (line: string) => samplesRowWholeSeconds(Buffer.from(line), 0, Buffer.byteLength(line));
  const cell = fc.oneof(
    fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }), fc.option(fc.stringMatching(/^[0-9]{1,8}$/))).map(([i, d]) => (d === null ? `${i}` : `${i}.${d}`)),
    fc.stringMatching(/^[0-9.e+\- "x]{0,12}$/),
  );
  fc.assert(
    fc.property(cell, fc.constantFrom('', ',api,ok', ',"a,b"'), (ts, rest) => {
      const line = `2026-11-15 00:00:00,${ts}${rest}`;
      const w = whole(line);
      const text = samplesLineTsSeconds(line);
      if (w >= 0) {
        assert.ok(text !== null, line);
        assert.equal(Math.floor(text), w, line);
      }
      // what the recorder writes (three decimals) is always read from the bytes
      if (/^[0-9]{1,15}(\.[0-9]{1,6})?$/.test(ts) && Number(ts) < 2 ** 33 && rest !== '') assert.ok(w >= 0, line);
    }),
    { numRuns: 3000 },
  );
  assert.equal(whole('2026-11-15 00:00:00,1793491199.999999,api'), 1793491199);
  assert.equal(whole('2026-11-15 00:00:00,1793491199.9999999,api'), -1, 'seven decimals may round up: decoded');
  assert.equal(whole('x,1793491199,'), 1793491199);
  assert.equal(whole('x,,api'), -1);
  assert.equal(whole('x,281474976710656.97,api'), -1, 'past 2^33 s a fraction may round up: decoded');
  assert.equal(whole('x,1e9,api'), -1);
});

test('a thinned read keeps the same rows whether they are judged from their bytes or their text', (t) => {
  const data = tempDir(t);
  // 20 days (~3.5 MB): rows held across the reader's 1 MiB buffers, which are reused (HeldBytes.pin)
  const spec = { ...evalScenarios().find((s) => s.name === 'benign-week-deploys')!, days: 20 };
  const truth = generateScenario(spec, data);
  // Rows the bytes leave to the text: a time with 8 decimals, a time in another form, a quoted pid (read by the
  // reader, but a quote before the lifetime cells: it passes by the thinner), a row with too few cells.
  const path = join(data, spec.name, 'samples.csv');
  const lines = readFileSync(path, 'utf8').split('\n');
  const cellsOf = (l: string) => l.split(',');
  const header = cellsOf(lines[0]!);
  const tsAt = header.indexOf('ts_seconds');
  const pidAt = header.indexOf('pid');
  const edit = (i: number, f: (cells: string[]) => string[]) => (lines[i] = f(cellsOf(lines[i]!)).join(','));
  edit(1000, (c) => ((c[tsAt] = Number(c[tsAt]).toFixed(8)), c));
  edit(2000, (c) => ((c[tsAt] = `${Math.floor(Number(c[tsAt]))}e0`), c));
  const quoted = lines.length >> 1;
  edit(quoted, (c) => ((c[pidAt] = `"${c[pidAt]}"`), c));
  edit(quoted + 500, (c) => c.slice(0, pidAt + 1));
  writeFileSync(path, lines.join('\n'));
  const quotedTs = Number(cellsOf(lines[quoted]!)[tsAt]);
  const full = readRecording(data, spec.name);
  // windows that start and end inside a second, so rows at the edges are decided from their text
  const mid = (truth.firstTsSeconds + truth.lastTsSeconds) / 2;
  // the whole at two minutes too: every other row is held across a buffer's end, and half of those are kept
  const windows = [[-Infinity, Infinity, 1500], [-Infinity, Infinity, 15_000], [truth.firstTsSeconds + 86_400.5, mid + 0.25, 1500], [mid - 0.5, truth.lastTsSeconds - 3600.1, 1500]] as const;
  for (const [since, until, maxPoints] of windows) {
    const thin = readRecording(data, spec.name, { maxPoints, sinceSeconds: since, untilSeconds: until });
    const inWindow = full.samples.filter((r) => r.tsSeconds >= since && r.tsSeconds <= until);
    const step = thinningStepSeconds(inWindow.at(-1)!.tsSeconds - inWindow[0]!.tsSeconds, 60, maxPoints);
    assert.ok(step >= (maxPoints === 1500 ? 300 : 120), `step ${step}`);
    // the rule, on the rows a full read gives: each lifetime run's first row and each bucket's last; the quoted row
    // passes by
    const expected: number[] = [];
    const rule = new BucketThinner<number>(step, (ts) => expected.push(ts));
    for (const r of inWindow) {
      if (r.tsSeconds === quotedTs) {
        rule.reset();
        expected.push(r.tsSeconds);
      } else rule.add(r.tsSeconds, r.tsSeconds, `${r.pid}@${r.processStartTsSeconds}`);
    }
    rule.flush();
    assert.deepEqual(thin.samples.map((r) => r.tsSeconds), expected, `window ${since}..${until}`);
    // and each row kept is the row a full read has at its time, every cell
    const fullAt = new Map(inWindow.map((r) => [r.tsSeconds, r]));
    for (const r of thin.samples) assert.deepEqual(r, fullAt.get(r.tsSeconds), `the row at ${r.tsSeconds}`);
    assert.ok(thin.samples.some((r) => r.tsSeconds === quotedTs) === (quotedTs >= since && quotedTs <= until));
  }
});

test('a thinned read keys rows by their pid and start cells, a missing cell read as empty: a pprof-only target with a short row', (t) => {
  const data = tempDir(t);
  const spec = evalScenarios().find((s) => s.name === 'benign-week-deploys')!;
  generateScenario(spec, data);
  // a target known only by its pprof URL has no process: empty pid and start cells in every row; one row is cut
  // short after its status cell (a damaged row the reader skips)
  const path = join(data, spec.name, 'samples.csv');
  const lines = readFileSync(path, 'utf8').split('\n');
  const header = lines[0]!.split(',');
  const [tsAt, pidAt, startAt, statusAt] = ['ts_seconds', 'pid', 'process_start_ts_seconds', 'status'].map((c) => header.indexOf(c));
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i]) continue;
    const cells = lines[i]!.split(',');
    cells[pidAt!] = '';
    cells[startAt!] = '';
    lines[i] = (i === 1001 ? cells.slice(0, statusAt! + 1) : cells).join(',');
  }
  writeFileSync(path, lines.join('\n'));
  const thin = readRecording(data, spec.name, { maxPoints: 1500 });
  const rows = lines.slice(1).filter(Boolean);
  const step = thinningStepSeconds(Number(rows.at(-1)!.split(',')[tsAt!]) - Number(rows[0]!.split(',')[tsAt!]), 60, 1500);
  // the rule over every line, the short one included: one lifetime key for all (empty cells), so only buckets cut
  const kept: string[] = [];
  const rule = new BucketThinner<string>(step, (l) => kept.push(l));
  for (const l of rows) {
    const cells = l.split(',');
    rule.add(l, Number(cells[tsAt!]), `${cells[pidAt!] ?? ''}@${cells[startAt!] ?? ''}`);
  }
  rule.flush();
  const expected = kept.filter((l) => l !== lines[1001]).map((l) => Number(l.split(',')[tsAt!]));
  assert.deepEqual(thin.samples.map((r) => r.tsSeconds), expected);
});
