// The read path (src/io/readRecording.ts, src/io/lineReader.ts) on real files: recordings far longer than a
// call stack or a V8 string holds, damage confined to the line it is on, unreadable files named, and --since
// reading only the part of a year it needs.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import type { SampleRow } from '../src/core/model.js';
import { formatSampleRow, SAMPLES_HEADER } from '../src/core/samplesCsv.js';
import { samplesLineTsSeconds } from '../src/core/samplesCsvRead.js';
import { formatHistoryLine, KEYFRAME_EVERY, replayHistory } from '../src/core/stackHistory.js';
import { closeDataFile, forEachLine, forEachLineBackward, openDataFile, seekByKey, seekWindow, type DataFile } from '../src/io/lineReader.js';
import { readRecording } from '../src/io/readRecording.js';
import { READ_POINTS_BUDGET } from '../src/core/readResolution.js';
import { prepareSamplesFile } from '../src/io/dataStore.js';
import { seededRandom } from '../scripts/lib/seededRandom.js';
import { readWindow } from '../src/commands/report.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const T0 = 1_790_000_000; // 2026-09-21

function row(ts: number, pid: number, startTs: number, goroutines: number, event: '' | 'start' | 'restart' = ''): SampleRow {
  return {
    tsSeconds: ts, target: 't', status: 'ok', pid, processStartTsSeconds: startTs, rssBytes: 50e6 + goroutines * 8192,
    vszBytes: 1e9, cpuSecondsTotal: (ts - startTs) / 100, cpuPercent: 1, threads: 8, fds: 12, goroutines, stacksDistinct: 2,
    event, message: '', heapInuseBytes: 20e6, memstatsHeapInuseBytes: null, memstatsStackInuseBytes: null, memstatsSysBytes: null,
    memstatsNumGc: null, leakedConfirmed: null,
  };
}

/**
 * A recording written in the recorder's format: one tick a minute, a new process lifetime every
 * `lifetimeTicks` ticks, stack 1 flat at 10 and stack 2 leaking one goroutine a tick.
 */
function writeRecording(dir: string, ticks: number, lifetimeTicks = ticks): { samplesPath: string; historyPath: string; stacksPath: string } {
  const tdir = join(dir, 't');
  mkdirSync(tdir, { recursive: true });
  const samples: string[] = [SAMPLES_HEADER.trimEnd() + '\n'];
  const history: string[] = [];
  let sinceKey = 0;
  let prev = new Map<number, number>();
  for (let i = 0; i < ticks; i++) {
    const life = Math.floor(i / lifetimeTicks);
    const startTs = T0 + life * lifetimeTicks * 60 - 5;
    const ts = T0 + i * 60 + 0.25;
    const leaked = (i % lifetimeTicks) + 1;
    const first = i % lifetimeTicks === 0;
    samples.push(formatSampleRow(row(ts, 1000 + life, startTs, 10 + leaked, first ? (life ? 'restart' : 'start') : '')));
    const counts = new Map([[1, 10], [2, leaked]]);
    const key = first || sinceKey >= KEYFRAME_EVERY;
    sinceKey = key ? 1 : sinceKey + 1;
    const entries = key ? [...counts] : [...counts].filter(([id, c]) => prev.get(id) !== c);
    history.push(formatHistoryLine(key ? 'K' : 'D', ts, `${1000 + life}@${startTs}`, 10 + leaked, entries));
    prev = counts;
  }
  const frames = (fn: string) => [{ function: 'runtime.gopark', file: '/go/src/runtime/proc.go', line: 1 }, { function: fn, file: '/src/main.go', line: 7 }];
  const stacks = [1, 2].map((id) => JSON.stringify({ id, frames: frames(id === 1 ? 'main.worker' : 'main.leak'), labels: {}, firstSeenTsSeconds: T0 }) + '\n');
  const paths = { samplesPath: join(tdir, 'samples.csv'), historyPath: join(tdir, 'stack-history.log'), stacksPath: join(tdir, 'stacks.jsonl') };
  writeFileSync(paths.samplesPath, samples.join(''));
  writeFileSync(paths.historyPath, history.join(''));
  writeFileSync(paths.stacksPath, stacks.join(''));
  return paths;
}

test('check reads 130,000 rows (90 days of cron) without overflowing the call stack', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  writeRecording(dir, 130_000);
  const rec = readRecording(dir, 't');
  assert.equal(rec.samples.length, 130_000);
  assert.equal(rec.ticks.length, 130_000);
  assert.deepEqual(rec.warnings, []);
  const r = await cli(['check', '--data', dir]);
  assert.doesNotMatch(r.stderr, /call stack|RangeError/);
  assert.equal(r.code, 1, `a goroutine a minute for 90 days is a leak: ${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /^t: leak: /);
});

test('one stray quote in row 10 of samples.csv skips that row only', async (t) => {
  const dir = tempDir(t);
  const { samplesPath } = writeRecording(dir, 30);
  const lines = readFileSync(samplesPath, 'utf8').split('\n');
  // Row 10 (line 10 after the header) gets a quote that never closes, as a hand edit or a torn write leaves it.
  lines[10] = lines[10]!.replace(',ok,', ',ok"x,');
  writeFileSync(samplesPath, lines.join('\n'));
  const rec = readRecording(dir, 't');
  assert.equal(rec.samples.length, 29, 'every row but the damaged one');
  assert.ok(!rec.samples.some((s) => s.tsSeconds === T0 + 9 * 60 + 0.25), 'the damaged row is left out');
  assert.equal(rec.samples.at(-1)!.tsSeconds, T0 + 29 * 60 + 0.25, 'later rows are all read');
  assert.match(rec.warnings.join('\n'), /t\/samples\.csv: skipped 1 row\(s\) that did not parse/);

  // Two stray quotes a few rows apart do not glue the rows between them into one.
  lines[20] = lines[20]!.replace(',ok,', ',ok,"');
  lines[23] = lines[23]!.replace(',ok,', ',"ok,');
  writeFileSync(samplesPath, lines.join('\n'));
  assert.equal(readRecording(dir, 't').samples.length, 27);

  // export too: every row but the damaged ones, and it says so.
  const exported = await cli(['export', '--target', 't', '--data', dir]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(exported.stdout.trimEnd().split('\n').length, 1 + 27);
  assert.match(exported.stderr, /t\/samples\.csv: skipped 3 row\(s\) that did not parse/);

  // A quoted cell with a line break in it (edited by hand; the recorder never writes one) is still one row.
  writeFileSync(samplesPath, readFileSync(samplesPath, 'utf8') + `2026-09-21 00:30:00,${T0 + 40 * 60},t,error,,,,,,,,,,,,"two\nlines, one cell"\n`);
  const last = readRecording(dir, 't').samples.at(-1)!;
  assert.equal(last.message, 'two\nlines, one cell');
});

test('an unreadable samples.csv, stack-history.log or stacks.jsonl is named with the fix, never silently empty', (t) => {
  for (const file of ['samples.csv', 'stack-history.log', 'stacks.jsonl']) {
    for (const damage of ['directory', 'garbage', 'symlink'] as const) {
      const dir = tempDir(t);
      const paths = writeRecording(dir, 120);
      const path = join(dir, 't', file);
      rmSync(path);
      // Tests run as root, so chmod 000 does not bite: a directory in the file's place, a file in which no line
      // parses, a link (never followed: leakwatch runs as root and did not make it).
      if (damage === 'directory') mkdirSync(path);
      else if (damage === 'garbage') writeFileSync(path, '\x00\x01binary junk\nmore junk, not a leakwatch file\n');
      else symlinkSync(paths.samplesPath === path ? paths.historyPath : paths.samplesPath, path);
      const rec = readRecording(dir, 't');
      const what = `${file} as ${damage}`;
      assert.deepEqual(rec.unreadableFiles, [`t/${file}`], what);
      const w = rec.warnings.find((x) => x.startsWith(`t/${file}: could not be read`));
      assert.ok(w, `${what}: ${rec.warnings.join(' | ')}`);
      assert.match(w, /Fix: make .* a readable regular file again, or move it aside/);
      assert.doesNotMatch(w, /[\x00-\x1f]/, 'no control characters');
      // What else was recorded is still read.
      if (file !== 'samples.csv') assert.equal(rec.samples.length, 120, what);
      if (file === 'samples.csv') assert.equal(rec.ticks.length, 120, what);
    }
  }
  // An intact recording lists nothing.
  const dir = tempDir(t);
  writeRecording(dir, 5);
  assert.equal(readRecording(dir, 't').unreadableFiles, undefined);
});

test('check says which data file it could not read and how to fix it', async (t) => {
  const dir = tempDir(t);
  const { historyPath } = writeRecording(dir, 120);
  rmSync(historyPath);
  mkdirSync(historyPath);
  const r = await cli(['check', '--data', dir]);
  const line = `leakwatch: t/stack-history.log: could not be read (a directory, not a file); nothing in it is used, so this target cannot be judged. Fix: make ${historyPath} a readable regular file again, or move it aside (the recorder then starts a new one)`;
  assert.ok(r.stderr.split('\n').includes(line), r.stderr);
});

test('a stacks.jsonl that lost its tail: the leak on a lost stack is still found, named by its id, and stderr says so', async (t) => {
  const dir = tempDir(t);
  const { stacksPath } = writeRecording(dir, 180);
  // the dictionary keeps stack 1 (flat) and lost stack 2 (the leak), as a file cut short leaves it
  writeFileSync(stacksPath, readFileSync(stacksPath, 'utf8').split('\n')[0] + '\n');
  const r = await cli(['check', '--data', dir]);
  assert.equal(r.code, 1, `the leak is still a leak: ${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /^t: leak: top suspect \(stack #2: its frames are missing from stacks\.jsonl\)/);
  assert.match(r.stderr, /^leakwatch: t\/stacks\.jsonl: 1 stack\(s\) of the history that changed by 5 goroutines or more have no line in it .*go tool pprof -traces/m);
  // an intact dictionary says nothing of the kind
  writeRecording(dir, 180);
  const ok = await cli(['check', '--data', dir]);
  assert.match(ok.stdout, /^t: leak: top suspect main\.leak /);
  assert.doesNotMatch(ok.stderr, /stacks\.jsonl/);
});

test('a stacks.jsonl line whose frame is not {function, file, line} is skipped with a warning, never an internal error', async (t) => {
  const dir = tempDir(t);
  const { stacksPath } = writeRecording(dir, 180);
  const good = readFileSync(stacksPath, 'utf8').split('\n');
  for (const frame of ['{"function":123,"file":"/a.go","line":1}', '{}', '{"function":"f","file":"/a.go","line":"7"}', 'null']) {
    writeFileSync(stacksPath, `${good[0]}\n{"id":3,"frames":[${frame}],"labels":{}}\n${good[1]}\n`);
    const json = join(dir, 'summary.json');
    const r = await cli(['report', '--data', dir, '--out', join(dir, 'page.html'), '--json', json]);
    assert.equal(r.code, 0, `${frame}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /is not a function|Cannot read properties/);
    const target = (JSON.parse(readFileSync(json, 'utf8')) as { targets: { verdict: string; warnings: string[] }[] }).targets[0]!;
    assert.equal(target.verdict, 'leak', frame);
    assert.ok(target.warnings.includes('t/stacks.jsonl: skipped 1 damaged line(s)'), `${frame}: ${target.warnings.join(' | ')}`);
  }
});

test('a target folder named with control characters is printed display-safe', async (t) => {
  const dir = tempDir(t);
  writeRecording(dir, 60);
  const odd = 'a\x1b]0;T\x07\x1b[31mb';
  renameSync(join(dir, 't'), join(dir, odd));
  for (const cmd of ['check', 'report']) {
    const r = await cli([cmd, '--data', dir, ...(cmd === 'report' ? ['--out', join(dir, 'page.html')] : [])]);
    assert.match(r.stdout, /^a\\u001b\]0;T\\u0007\\u001b\[31mb: /m, cmd);
    assert.doesNotMatch(r.stdout + r.stderr, /[\x00-\x08\x0b-\x1f\x7f]/, `${cmd}: no control character reaches the terminal`);
  }
});

test('a samples.csv that lost its header line is read by this version\'s columns, before and after the recorder moves it aside', async (t) => {
  const dir = tempDir(t);
  const { samplesPath } = writeRecording(dir, 180);
  const lines = readFileSync(samplesPath, 'utf8').split('\n');
  writeFileSync(samplesPath, lines.slice(1).join('\n')); // `tail -n +2`, a bad copy
  const rec = readRecording(dir, 't');
  assert.equal(rec.samples.length, 180, 'every row, the first one too');
  assert.equal(rec.unreadableFiles, undefined);
  assert.ok(rec.warnings.includes("t/samples.csv: has no header line (its first line is a row); read with this version's columns"), rec.warnings.join(' | '));
  const r = await cli(['check', '--data', dir]);
  assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
  const exported = await cli(['export', '--target', 't', '--data', dir]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(exported.stdout.trimEnd().split('\n').length, 1 + 180);

  // The recorder's next tick moves it aside (the new file starts with its header) and says why; both are read.
  const moved = prepareSamplesFile(join(dir, 't'), T0 + 181 * 60);
  assert.equal(moved.why, 'no header line');
  assert.ok(moved.movedAside?.endsWith('.old.csv'));
  writeFileSync(samplesPath, SAMPLES_HEADER + formatSampleRow(row(T0 + 181 * 60 + 0.25, 1000, T0 - 5, 192)));
  const after = readRecording(dir, 't');
  assert.equal(after.samples.length, 181);
  assert.equal(after.unreadableFiles, undefined);
  const since = await cli(['check', '--data', dir, '--since', String(T0 + 120 * 60)]);
  assert.equal(since.code, 1, `${since.stdout}${since.stderr}`);

  // Another layout is still told apart: a header of other columns is moved aside as such.
  writeFileSync(samplesPath, 'time,ts_seconds,status\n');
  assert.equal(prepareSamplesFile(join(dir, 't'), T0 + 182 * 60).why, 'another layout');
});

test('a recording whose files got CRLF line endings (a Windows editor, a CRLF copy) reads as it did', async (t) => {
  const dir = tempDir(t);
  const paths = writeRecording(dir, 180);
  const before = readRecording(dir, 't');
  for (const p of [paths.samplesPath, paths.historyPath, paths.stacksPath]) writeFileSync(p, readFileSync(p, 'utf8').replace(/\n/g, '\r\n'));
  const after = readRecording(dir, 't');
  assert.deepEqual(after.warnings, before.warnings);
  assert.equal(after.unreadableFiles, undefined);
  assert.equal(after.samples.length, 180);
  assert.deepEqual(after.ticks.map((x) => [x.tsSeconds, x.total, x.counts.get(2)]), before.ticks.map((x) => [x.tsSeconds, x.total, x.counts.get(2)]));
  const r = await cli(['check', '--data', dir]);
  assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
});

test('a window with a gap of days is read thinned only when its rows are more than the budget, not its span', (t) => {
  const dir = tempDir(t);
  const { samplesPath, historyPath } = writeRecording(dir, 2 * 1440);
  // the recorder was down for 11 days, then recorded one more day of the same process
  const samples: string[] = [];
  const history: string[] = [];
  for (let i = 0; i < 1440; i++) {
    const ts = T0 + 13 * 86400 + i * 60 + 0.25;
    const leaked = 2 * 1440 + i + 1;
    samples.push(formatSampleRow(row(ts, 1000, T0 - 5, 10 + leaked)));
    history.push(formatHistoryLine('K', ts, `1000@${T0 - 5}`, 10 + leaked, [[1, 10], [2, leaked]]));
  }
  writeFileSync(samplesPath, readFileSync(samplesPath, 'utf8') + samples.join(''));
  writeFileSync(historyPath, readFileSync(historyPath, 'utf8') + history.join(''));
  // 14 days of span at one a minute would be 20,160 points; 4,320 rows are there
  const rec = readRecording(dir, 't', { maxPoints: READ_POINTS_BUDGET });
  assert.equal(rec.samples.length, 3 * 1440);
  assert.equal(rec.ticks.length, 3 * 1440);
  assert.ok(!rec.warnings.some((w) => w.includes('was read at one point per')), rec.warnings.join(' | '));
  // more rows than the budget are still read thinned
  assert.ok(readRecording(dir, 't', { maxPoints: 2000 }).samples.length < 3 * 1440);
});

test('rows dated ahead early in a file do not switch a long window\'s thinning off', (t) => {
  const days = 30;
  const now = T0 + days * 86400;
  const read = (dir: string) => readRecording(dir, 't', readWindow(T0 + 5 * 86400, undefined, now));
  const plain = tempDir(t);
  writeRecording(plain, days * 1440, 3 * 1440);
  const planted = tempDir(t);
  const paths = writeRecording(planted, days * 1440, 3 * 1440);
  // 5 rows and ticks written on day 1 with the clock set months ahead (2027-06-01)
  const plant = (path: string, edit: (line: string, k: number) => string) => {
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.splice(101, 0, ...Array.from({ length: 5 }, (_, k) => edit(lines[100]!, k)));
    writeFileSync(path, lines.join('\n'));
  };
  const aheadTs = (k: number) => `${1_811_808_000 + 60 * k}.5`;
  plant(paths.samplesPath, (l, k) => l.split(',').map((c, i) => (i === 1 ? aheadTs(k) : c)).join(','));
  plant(paths.historyPath, (l, k) => ['D', aheadTs(k), l.split(' ')[2], l.split(' ')[3]].join(' '));
  const want = read(plain);
  const got = read(planted);
  assert.ok(want.samples.length < READ_POINTS_BUDGET, `read thinned: ${want.samples.length} rows`);
  // the window's first row is found past them: they once made the read's extent unknown, and 36,000 rows were read
  assert.equal(got.samples.length, want.samples.length);
  assert.equal(got.ticks.length, want.ticks.length);
  assert.ok(got.warnings.some((w) => w.includes('left out 5 sample row(s) dated after now')), got.warnings.join(' | '));
});

/** The slow way: offsets and keys of every line (null: no key). */
function keyedLines(lines: string[]): { at: number; key: number | null }[] {
  let at = 0;
  return lines.map((l) => {
    const line = { at, key: samplesLineTsSeconds(l) };
    at += Buffer.byteLength(l) + 1;
    return line;
  });
}

test('seekWindow finds every line of a window, in time order or not, passing over lines without a time; in time order, as seekByKey does', (t) => {
  const dir = tempDir(t);
  const rnd = seededRandom(7);
  for (let round = 0; round < 90; round++) {
    const lines: string[] = [];
    let ts = 1000;
    const n = Math.floor(rnd() * 300);
    // a third of the files in time order; the rest with a block written while the clock was set ahead or back
    const block = round % 3 === 0 ? null : { at: Math.floor(rnd() * n), length: 1 + Math.floor(rnd() * 40), shift: (rnd() < 0.5 ? -1 : 1) * Math.floor(rnd() * 500) };
    for (let i = 0; i < n; i++) {
      if (rnd() < 0.15) lines.push(rnd() < 0.5 ? 'damaged line without a time' : 'x'.repeat(Math.floor(rnd() * 600)));
      else {
        const shifted = block && i >= block.at && i < block.at + block.length ? block.shift : 0;
        lines.push(`2026-01-01 00:00:00,${(ts += Math.floor(rnd() * 3)) + shifted}.5,t,ok,${'y'.repeat(Math.floor(rnd() * 400))}`);
      }
    }
    const path = join(dir, `f${round}`);
    writeFileSync(path, lines.map((l) => l + '\n').join(''));
    const keyed = keyedLines(lines);
    const size = keyed.length ? keyed[keyed.length - 1]!.at + Buffer.byteLength(lines[lines.length - 1]!) + 1 : 0;
    const o = openDataFile(path);
    assert.ok('file' in o);
    const f: DataFile = o.file;
    try {
      const edges = [-Infinity, 999, 1000.5, 1001, 1050.5, 1200, ts + 0.5, ts + 1, Infinity];
      for (const lo of edges) {
        for (const hi of edges) {
          const got = seekWindow(f, samplesLineTsSeconds, lo, hi);
          const why = `round ${round}, [${lo}, ${hi})${block ? `, block ${JSON.stringify(block)}` : ''}`;
          // the first and last lines in the window; with none, both at the first line at lo or later
          const inside = keyed.filter((l) => l.key !== null && l.key >= lo && l.key < hi);
          const withKey = keyed.filter((l) => l.key !== null);
          const atOrAfterLo = withKey.find((l) => l.key! >= lo)?.at ?? size;
          const lastIn = inside.length ? withKey.indexOf(inside[inside.length - 1]!) : -1;
          const start = inside.length ? inside[0]!.at : atOrAfterLo;
          const end = inside.length ? (withKey[lastIn + 1]?.at ?? size) : atOrAfterLo;
          assert.deepEqual(got, { start, end }, why);
          // in time order: what the binary search gives
          if (!block) {
            const binStart = seekByKey(f, samplesLineTsSeconds, lo);
            assert.deepEqual(got, { start: binStart, end: seekByKey(f, samplesLineTsSeconds, hi, binStart) }, `${why}: binary search`);
          }
          // what that means: every line of the window lies within
          for (const l of keyed) if (l.key !== null && l.key >= lo && l.key < hi) assert.ok(l.at >= got.start && l.at < got.end, `${why}: line at ${l.at} (${l.key}) outside`);
        }
      }
    } finally {
      closeDataFile(f);
    }
  }
});

test('lines are read whole across buffer boundaries, forwards and backwards, and a torn tail is reported', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'lines');
  // Lines longer than one read (1 MiB) and many short ones; the last line has no newline (torn by a crash).
  const lines = ['a', 'b'.repeat(3 * 1024 * 1024), '', 'c,d', 'é'.repeat(700_000), ...Array.from({ length: 5000 }, (_, i) => `line ${i}`)];
  writeFileSync(path, lines.join('\n') + '\ntorn tail');
  const o = openDataFile(path);
  assert.ok('file' in o);
  try {
    const seen: string[] = [];
    const scan = forEachLine(o.file, (l) => void seen.push(l));
    assert.equal(scan.tornTail, true);
    assert.deepEqual(seen, lines);
    const back: string[] = [];
    forEachLineBackward(o.file, (l) => void back.push(l));
    assert.deepEqual(back.reverse(), lines);
    // skip sees each line's first byte and offset before it is decoded; what it passes over never reaches onLine,
    // and the offsets of the lines after it stay right
    const kept: Array<[string, number]> = [];
    const starts: number[] = [];
    forEachLine(o.file, (l, at) => void kept.push([l, at]), 0, o.file.sizeBytes, (b, s, e, at) => {
      starts.push(at);
      assert.equal(e - s, Buffer.from(lines[starts.length - 1]!).length, 'the line bytes, without the newline');
      return b[s] === 0x6c /* l */ && at % 2 === 0;
    });
    let at = 0;
    const want: Array<[string, number]> = [];
    for (const l of lines) {
      if (!(l.startsWith('l') && at % 2 === 0)) want.push([l, at]);
      at += Buffer.byteLength(l) + 1;
    }
    assert.deepEqual(kept, want);
    assert.equal(starts.length, lines.length);
    // the bytes of a line skip saw stay as they were until beforeMove is called: a reader may hold on to them
    // (HeldBytes in a thinned read) and copy them only then
    let held: { b: Uint8Array; s: number; e: number; text: string } | null = null;
    let moves = 0;
    const check = () => held && assert.equal(Buffer.from(held.b.subarray(held.s, held.e)).toString(), held.text, 'held bytes unchanged');
    forEachLine(o.file, () => undefined, 0, o.file.sizeBytes, (b, s, e, lineAt) => {
      check();
      held = { b, s, e, text: lines[starts.indexOf(lineAt)]! };
      return true;
    }, () => {
      check();
      held = null;
      moves++;
    });
    assert.ok(moves >= 3, `${moves} moves`);
  } finally {
    closeDataFile(o.file);
  }
});

test('--since reads only from the window (or the current lifetime) on: the same rows as a full read, nothing before', (t) => {
  const dir = tempDir(t);
  const day = 1440;
  const { samplesPath, historyPath } = writeRecording(dir, 20 * day, 7 * day); // lifetimes start on days 0, 7, 14
  const full = readRecording(dir, 't');
  const since = T0 + 19 * day * 60 + 0.25;
  const win = readRecording(dir, 't', { sinceSeconds: since });
  assert.deepEqual(win.samples, full.samples.filter((s) => s.tsSeconds >= since));
  assert.deepEqual(
    win.ticks.map((x) => [x.tsSeconds, [...x.counts]]),
    full.ticks.filter((x) => x.tsSeconds >= since).map((x) => [x.tsSeconds, [...x.counts]]),
  );
  // With the current lifetime: from its start (day 14), not the whole recording.
  const life = readRecording(dir, 't', { sinceSeconds: since, wholeLifetime: true });
  assert.equal(life.samples[0]!.tsSeconds, T0 + 14 * day * 60 + 0.25);
  assert.equal(life.samples[0]!.event, 'restart');
  assert.equal(life.samples.length, 6 * day);
  assert.equal(life.ticks[0]!.counts.get(2), 1);

  // Proof that what lies before is not read: damage in the first week warns on a full read only.
  const damage = (path: string, lineNo: number) => {
    const lines = readFileSync(path, 'utf8').split('\n');
    lines[lineNo] = 'damaged "line';
    writeFileSync(path, lines.join('\n'));
  };
  damage(samplesPath, 100);
  damage(historyPath, 100);
  assert.notDeepEqual(readRecording(dir, 't').warnings, []);
  assert.deepEqual(readRecording(dir, 't', { sinceSeconds: since, wholeLifetime: true }).warnings, []);
  // --until: the lifetime recorded at that time (the first one), up to it.
  const early = readRecording(dir, 't', { sinceSeconds: T0 + 5 * day * 60, untilSeconds: T0 + 6 * day * 60, wholeLifetime: true });
  assert.equal(early.samples[0]!.tsSeconds, T0 + 0.25);
  assert.equal(early.samples.at(-1)!.tsSeconds, T0 + (6 * day - 1) * 60 + 0.25);
});

test('replayed counts answer like a Map: get, has, size, iteration in id order, zero counts absent', () => {
  const rnd = seededRandom(3);
  let text = '';
  const truth: Map<number, number>[] = [];
  let m = new Map<number, number>();
  for (let i = 0; i < 200; i++) {
    const key = i % 20 === 0;
    const next = new Map(m);
    for (let j = 0; j < 5; j++) next.set(1 + Math.floor(rnd() * 50), Math.floor(rnd() * 4));
    for (const [id, c] of next) if (c === 0) next.delete(id);
    const entries = key ? [...next].sort((a, b) => a[0] - b[0]) : [...next].filter(([id, c]) => m.get(id) !== c).concat([...m.keys()].filter((id) => !next.has(id)).map((id) => [id, 0] as [number, number]));
    text += formatHistoryLine(key ? 'K' : 'D', 100 + i, '1@1', 0, entries);
    truth.push(next);
    m = next;
  }
  const { ticks } = replayHistory(text, 'h');
  assert.equal(ticks.length, 200);
  ticks.forEach((tick, i) => {
    const want = [...truth[i]!].sort((a, b) => a[0] - b[0]);
    assert.deepEqual([...tick.counts], want, `tick ${i}`);
    assert.deepEqual([...tick.counts.keys()], want.map(([id]) => id));
    assert.equal(tick.counts.size, want.length);
    for (let id = 0; id <= 51; id++) {
      assert.equal(tick.counts.get(id), truth[i]!.get(id));
      assert.equal(tick.counts.has(id), truth[i]!.has(id));
    }
  });
  // Ticks whose counts did not change share one object (a year of quiet ticks costs one copy).
  const quiet = replayHistory('K 1 1@1 3 1:3\nD 2 1@1 3\nD 3 1@1 3\n', 'h').ticks;
  assert.equal(quiet[0]!.counts, quiet[2]!.counts);
});

test('a window after the clock stepped back an hour gets every row in it, from both sides of the step', (t) => {
  const dir = tempDir(t);
  const { samplesPath, historyPath } = writeRecording(dir, 3000);
  // Rows 0..1999 as written, then the clock steps back 60 minutes: rows 2000.. repeat times from 1940 on.
  const step = (path: string, rewrite: (line: string, ts: number) => string, keyOf: (l: string) => number | null) => {
    const lines = readFileSync(path, 'utf8').split('\n');
    writeFileSync(path, lines.map((l) => {
      const ts = keyOf(l);
      return ts !== null && ts >= T0 + 2000 * 60 ? rewrite(l, ts) : l;
    }).join('\n'));
  };
  const back = (ts: number) => String(Number((ts - 3600).toFixed(3)));
  step(samplesPath, (l, ts) => l.replace(`,${ts},`, `,${back(ts)},`), samplesLineTsSeconds);
  step(historyPath, (l, ts) => l.replace(` ${ts} `, ` ${back(ts)} `), (l) => (/^[KD] /.test(l) ? Number(l.split(' ')[1]) : null));
  const full = readRecording(dir, 't');
  assert.equal(full.samples.length, 3000);
  for (const [since, until] of [[T0 + 1950 * 60, T0 + 1990 * 60], [T0 + 1900 * 60, Infinity], [T0 + 1999 * 60, T0 + 2100 * 60]] as const) {
    const win = readRecording(dir, 't', { sinceSeconds: since, untilSeconds: until });
    const want = full.samples.filter((s) => s.tsSeconds >= since && s.tsSeconds <= until);
    assert.ok(want.length > 60, `${want.length} rows`);
    assert.deepEqual(win.samples, want, `[${since}, ${until}]`);
    assert.deepEqual(win.ticks.map((x) => x.tsSeconds), full.ticks.filter((x) => x.tsSeconds >= since && x.tsSeconds <= until).map((x) => x.tsSeconds));
  }
});
