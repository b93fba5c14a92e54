// Monthly segments of samples.csv and stack-history.log (issue 10 item 1, data/README.md "Segments"): the real
// recorder closing its live files at a UTC month boundary, folders of earlier versions, crashes between the
// steps, retention, and readers opening only the segments a window needs. Real files, real profiles over HTTP
// on loopback, the recorder's own tick function and the real CLI.
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { DEFAULTS, parseConfigText, type Config, type TargetConfig } from '../src/core/config.js';
import type { SampleRow, TargetRecording } from '../src/core/model.js';
import { formatSampleRow, SAMPLES_HEADER } from '../src/core/samplesCsv.js';
import { needsRollover, parseSegmentFileName, segmentFileName, segmentsForWindow, segmentsToDelete, segmentToCompact, type Segment } from '../src/core/segments.js';
import { formatHistoryLine, KEYFRAME_EVERY } from '../src/core/stackHistory.js';
import { readRecording } from '../src/io/readRecording.js';
import { recordTarget } from '../src/io/recordTick.js';
import { ensureDataDir } from '../src/io/safeOpen.js';
import { maintainSegments, rollOverLiveFiles } from '../src/io/segments.js';
import { cli } from './helpers/cli.js';
import { encodeGoroutineProfile, requestFrames, serveProfile } from './helpers/goroutineProfiles.js';
import { tempDir } from './helpers/tmp.js';

const utc = (y: number, m: number, d: number, h = 0, min = 0, s = 0) => Date.UTC(y, m - 1, d, h, min, s) / 1000;
const NOV1 = utc(2026, 11, 1);

/** A served profile: an idle pool of 5 and a leak that grows by one each time `leak.n` is raised. */
async function leakingService(t: { after(fn: () => Promise<void> | void): void }) {
  const leak = { n: 1 };
  const srv = await serveProfile(() => encodeGoroutineProfile([
    { frames: requestFrames('idle'), count: 5 },
    { frames: requestFrames('leaky'), count: leak.n },
  ]));
  t.after(() => srv.close());
  return { leak, pprof: srv.pprof };
}

function recorder(pprof: string, data: string, extra: Partial<TargetConfig> = {}) {
  const target: TargetConfig = { name: 'svc', pprof, heap: false, vars: false, debug2: false, ...extra };
  const config: Config = { targets: [target], ...DEFAULTS, ignore: [] };
  ensureDataDir(data);
  return async (ts: number) => {
    const r = await recordTarget(target, { dataDir: data, config, env: {}, nowSeconds: () => ts });
    assert.equal(r.row?.status, 'ok', r.problems.join('\n'));
    assert.deepEqual(r.problems, []);
    return r;
  };
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
const rowTs = (path: string) => lines(path).slice(1).map((l) => Number(l.split(',')[1]));
const histTs = (path: string) => lines(path).map((l) => Number(l.split(' ')[1]));
const segmentsIn = (dir: string) => readdirSync(dir).filter((n) => parseSegmentFileName(n)).sort();

/** What a reader makes of a recording, comparable across folders (counts as sorted entries). */
function comparable(rec: TargetRecording) {
  return {
    samples: rec.samples,
    ticks: rec.ticks.map((k) => ({ ts: k.tsSeconds, lifetime: k.lifetime, total: k.total, counts: [...k.counts.entries()] })),
    stacks: rec.stacks.map((s) => s.id),
    warnings: rec.warnings,
    unreadable: rec.unreadableFiles,
  };
}

/** The same data as `segmented` in one live file per family, as an earlier version (or no rollover) leaves it. */
function unsegmentedCopy(segmented: string, out: string): void {
  mkdirSync(out, { recursive: true });
  const names = readdirSync(segmented);
  const segs = names.map(parseSegmentFileName).filter((s): s is Segment => s !== null);
  const samples = [...segmentsForWindow(segs, 'samples', -Infinity, Infinity).map((s) => s.name), 'samples.csv'];
  const history = [...segmentsForWindow(segs, 'history', -Infinity, Infinity).map((s) => s.name), 'stack-history.log'];
  writeFileSync(join(out, 'samples.csv'), samples.map((f, i) => lines(join(segmented, f)).slice(i === 0 ? 0 : 1).join('\n') + '\n').join(''));
  writeFileSync(join(out, 'stack-history.log'), history.map((f) => readFileSync(join(segmented, f), 'utf8')).join(''));
  copyFileSync(join(segmented, 'stacks.jsonl'), join(out, 'stacks.jsonl'));
}

test('segment names: formatted and parsed back, foreign names refused, windows and retention chosen from names', () => {
  const first = utc(2026, 10, 1, 0, 0, 12);
  const last = utc(2026, 10, 31, 23, 59, 12);
  assert.equal(segmentFileName('samples', first + 0.25, last + 0.9), 'samples.20261001T000012Z-20261031T235912Z.csv');
  assert.equal(segmentFileName('history', first, last), 'stack-history.20261001T000012Z-20261031T235912Z.log');
  assert.equal(segmentFileName('hourly', first, last, 2), 'stack-history.20261001T000012Z-20261031T235912Z-2.hourly.log');
  for (const kind of ['samples', 'history', 'hourly'] as const) {
    const s = parseSegmentFileName(segmentFileName(kind, first, last, 3))!;
    assert.deepEqual([s.kind, s.firstTsSeconds, s.lastTsSeconds], [kind, first, last]);
  }
  assert.deepEqual(parseSegmentFileName('samples.1790000000.old.csv'), { name: 'samples.1790000000.old.csv', kind: 'samplesOld', firstTsSeconds: -Infinity, lastTsSeconds: 1790000000, range: '1790000000' });
  for (const foreign of ['samples.csv', 'stack-history.log', 'stacks.jsonl', 'samples.20261001T000012Z-20261031T235912Z.csv.tmp-1-abc', 'stack-history.20261031T235912Z-20261001T000012Z.log', 'samples.20261001T000012Z-20261031T235912Z-1.csv', 'x-samples.20261001T000012Z-20261031T235912Z.csv']) {
    assert.equal(parseSegmentFileName(foreign), null, foreign);
  }
  assert.equal(needsRollover(utc(2026, 10, 31, 23, 59), NOV1), true);
  assert.equal(needsRollover(NOV1, utc(2026, 11, 30, 23, 59)), false);
  assert.equal(needsRollover(utc(2026, 12, 1), NOV1), false, 'a clock stepped back rolls nothing');
  assert.equal(needsRollover(utc(2025, 12, 31), utc(2026, 1, 1)), true, 'across a year');

  const oct = parseSegmentFileName(segmentFileName('history', utc(2026, 10, 1), utc(2026, 10, 31, 23, 59)))!;
  const octHourly = parseSegmentFileName(segmentFileName('hourly', utc(2026, 10, 1), utc(2026, 10, 31, 23, 59)))!;
  const sep = parseSegmentFileName(segmentFileName('history', utc(2026, 9, 1), utc(2026, 9, 30, 23, 59)))!;
  assert.deepEqual(segmentsForWindow([oct, sep], 'history', utc(2026, 10, 5), Infinity).map((s) => s.name), [oct.name]);
  assert.deepEqual(segmentsForWindow([octHourly, oct, sep], 'history', -Infinity, Infinity).map((s) => s.name), [sep.name, octHourly.name], 'the hourly file of a range present twice');
  assert.deepEqual(segmentsToDelete([oct, sep], utc(2026, 11, 15), 45).map((s) => s.name), [sep.name]);
  assert.equal(segmentToCompact([oct, sep], utc(2026, 11, 15), 31)?.name, sep.name);
  assert.equal(segmentToCompact([octHourly, oct], utc(2026, 12, 15), 31), null, 'already compacted');
});

test('rollover at a month boundary: the closed segments hold exactly October, the live files start fresh, reads equal an unsegmented folder', { timeout: 120_000 }, async (t) => {
  const root = tempDir(t);
  const data = join(root, 'data');
  const svc = await leakingService(t);
  const record = recorder(svc.pprof, data);
  const times = Array.from({ length: 40 }, (_, i) => NOV1 - 20 * 60 + 7 + i * 60);
  for (const ts of times) {
    await record(ts);
    svc.leak.n++;
  }
  const dir = join(data, 'svc');
  const before = times.filter((ts) => ts < NOV1);
  const after = times.filter((ts) => ts >= NOV1);
  assert.deepEqual(segmentsIn(dir), ['samples.20261031T234007Z-20261031T235907Z.csv', 'stack-history.20261031T234007Z-20261031T235907Z.log']);
  const seg = (n: number) => join(dir, segmentsIn(dir)[n]!);
  assert.equal(lines(seg(0))[0], SAMPLES_HEADER.trimEnd(), 'the closed segment keeps its header');
  assert.deepEqual(rowTs(seg(0)), before);
  assert.deepEqual(histTs(seg(1)), before);
  assert.equal(lines(join(dir, 'samples.csv'))[0], SAMPLES_HEADER.trimEnd(), 'the live samples.csv starts with the header');
  assert.deepEqual(rowTs(join(dir, 'samples.csv')), after);
  assert.deepEqual(histTs(join(dir, 'stack-history.log')), after);
  assert.match(lines(join(dir, 'stack-history.log'))[0]!, /^K /, 'the live history starts with a keyframe');
  assert.match(lines(seg(1))[1]!, /^D /, 'deltas as before inside a month');

  const flat = join(root, 'flat');
  unsegmentedCopy(dir, join(flat, 'svc'));
  const whole = readRecording(data, 'svc');
  assert.deepEqual(whole.samples.map((s) => s.tsSeconds), times, 'no row lost or duplicated');
  assert.deepEqual(whole.ticks.map((k) => k.tsSeconds), times);
  assert.deepEqual(whole.ticks.map((k) => k.counts.get(2)), times.map((_, i) => i + 1), 'the leak counts carry over the boundary');
  assert.deepEqual(comparable(whole), comparable(readRecording(flat, 'svc')));
  const across = { sinceSeconds: NOV1 - 300, untilSeconds: NOV1 + 300, wholeLifetime: true };
  assert.deepEqual(comparable(readRecording(data, 'svc', across)), comparable(readRecording(flat, 'svc', across)));
  const afterOnly = { sinceSeconds: NOV1 + 600 };
  assert.deepEqual(comparable(readRecording(data, 'svc', afterOnly)), comparable(readRecording(flat, 'svc', afterOnly)));

  const [a, b] = await Promise.all([cli(['check', '--data', data]), cli(['check', '--data', flat])]);
  assert.equal(a.code, b.code);
  assert.equal(a.stdout, b.stdout);
  assert.match(a.stdout, /^svc: leak/);
  const exported = await Promise.all([data, flat].map((d) => cli(['export', '--target', 'svc', '--data', d])));
  assert.equal(exported[0]!.code, 0, exported[0]!.stderr);
  assert.equal(exported[0]!.stdout, exported[1]!.stdout, 'export reads across the boundary too');
  assert.equal(exported[0]!.stdout.trimEnd().split('\n').length, 1 + times.length);
});

/** Rows and history lines in the recorder's format, appended to the live files, one per `times` entry. */
function appendTicks(dir: string, times: number[], state = { sinceKey: KEYFRAME_EVERY, leaked: 0 }): void {
  mkdirSync(dir, { recursive: true });
  const samples: string[] = existsSync(join(dir, 'samples.csv')) ? [] : [SAMPLES_HEADER.trimEnd() + '\n'];
  const history: string[] = [];
  const startTs = utc(2026, 8, 1);
  for (const ts of times) {
    state.leaked++;
    const row: SampleRow = {
      tsSeconds: ts, target: 'svc', status: 'ok', pid: 4242, processStartTsSeconds: startTs, rssBytes: 50e6 + state.leaked * 8192,
      vszBytes: 1e9, cpuSecondsTotal: (ts - startTs) / 100, cpuPercent: 1, threads: 8, fds: 12, goroutines: 10 + state.leaked, stacksDistinct: 2,
      event: '', message: '', heapInuseBytes: 20e6, memstatsHeapInuseBytes: null, memstatsStackInuseBytes: null, memstatsSysBytes: null,
      memstatsNumGc: null, leakedConfirmed: null,
    };
    samples.push(formatSampleRow(row));
    const key = state.sinceKey >= KEYFRAME_EVERY || !existsSync(join(dir, 'stack-history.log')) && history.length === 0;
    state.sinceKey = key ? 1 : state.sinceKey + 1;
    history.push(formatHistoryLine(key ? 'K' : 'D', ts, `4242@${startTs}`, 10 + state.leaked, key ? [[1, 10], [2, state.leaked]] : [[2, state.leaked]]));
  }
  appendFileSync(join(dir, 'samples.csv'), samples.join(''));
  appendFileSync(join(dir, 'stack-history.log'), history.join(''));
  if (!existsSync(join(dir, 'stacks.jsonl'))) {
    const frames = (fn: string) => [{ function: 'runtime.gopark', file: '/go/src/runtime/proc.go', line: 1 }, { function: fn, file: '/src/main.go', line: 7 }];
    writeFileSync(join(dir, 'stacks.jsonl'), [1, 2].map((id) => JSON.stringify({ id, frames: frames(id === 1 ? 'main.worker' : 'main.leak'), labels: {}, firstSeenTsSeconds: startTs }) + '\n').join(''));
  }
}

const every = (from: number, to: number, stepSeconds: number) => Array.from({ length: Math.ceil((to - from) / stepSeconds) }, (_, i) => from + i * stepSeconds);

test('a folder of an earlier version (one samples.csv and history spanning months) reads as before, and its first rollover closes it whole', { timeout: 120_000 }, async (t) => {
  const data = join(tempDir(t), 'data');
  const dir = join(data, 'svc');
  const times = every(utc(2026, 9, 1, 0, 0, 30), utc(2026, 12, 1), 600); // Sep-Nov, a row every 10 minutes
  appendTicks(dir, times);
  const before = readRecording(data, 'svc');
  assert.equal(before.samples.length, times.length);
  assert.deepEqual(before.warnings, []);
  const svc = await leakingService(t);
  const record = recorder(svc.pprof, data);
  const dec = utc(2026, 12, 1, 0, 0, 40);
  await record(dec);
  const last = times.at(-1)!;
  assert.deepEqual(segmentsIn(dir), [segmentFileName('samples', times[0]!, last), segmentFileName('history', times[0]!, last)]);
  assert.deepEqual(segmentsIn(dir), ['samples.20260901T000030Z-20261130T235030Z.csv', 'stack-history.20260901T000030Z-20261130T235030Z.log']);
  const after = readRecording(data, 'svc');
  assert.deepEqual(after.samples.map((s) => s.tsSeconds), [...times, dec]);
  assert.deepEqual(after.ticks.map((s) => s.tsSeconds), [...times, dec]);
  assert.deepEqual(after.warnings, []);
  assert.deepEqual(comparable(readRecording(data, 'svc', { sinceSeconds: utc(2026, 10, 10), untilSeconds: utc(2026, 10, 11) })).samples, before.samples.filter((s) => s.tsSeconds >= utc(2026, 10, 10) && s.tsSeconds <= utc(2026, 10, 11)));
});

test('ids are never reused: a rebuilt state reads the closed history segments too', { timeout: 60_000 }, async (t) => {
  const data = join(tempDir(t), 'data');
  const dir = join(data, 'svc');
  // October used stacks up to id 9; November (live) only 1 and 2; stacks.jsonl lost its lines after id 2 and
  // state.json is gone. Only the October segment still says that 3-9 were handed out.
  appendTicks(dir, [NOV1 + 60]);
  writeFileSync(join(dir, segmentFileName('history', NOV1 - 3600, NOV1 - 60)), formatHistoryLine('K', NOV1 - 3600, 'url', 30, [[1, 10], [9, 20]]) + formatHistoryLine('D', NOV1 - 60, 'url', 30, [[9, 21]]));
  const svc = await leakingService(t);
  await recorder(svc.pprof, data)(NOV1 + 120);
  const ids = lines(join(dir, 'stacks.jsonl')).map((l) => JSON.parse(l).id as number);
  assert.deepEqual(ids, [1, 2, 10, 11]);
});

test('a crash between rollover steps loses and duplicates nothing', { timeout: 180_000 }, async (t) => {
  const svc = await leakingService(t);
  const octTimes = Array.from({ length: 5 }, (_, i) => NOV1 - 300 + 11 + i * 60);
  const novTimes = Array.from({ length: 5 }, (_, i) => NOV1 + 11 + i * 60);
  const all = [...octTimes, ...novTimes];
  const scenarios: Record<string, (dir: string) => void> = {
    // Killed after closing samples.csv, before stack-history.log: the next tick closes the history on its own.
    'samples closed, history not': (dir) => {
      const ts = rowTs(join(dir, 'samples.csv'));
      renameSync(join(dir, 'samples.csv'), join(dir, segmentFileName('samples', ts[0]!, ts.at(-1)!)));
    },
    // Killed after both renames, before any append: the next tick starts both files fresh.
    'both closed, nothing appended': (dir) => void rollOverLiveFiles(dir, NOV1 + 1),
    // Killed mid-append in October: torn last lines. They are cut before the rename; the segment ends whole.
    'torn last lines': (dir) => {
      appendFileSync(join(dir, 'samples.csv'), '2026-10-31 23:59:59,1793491199.5,svc,ok,12');
      appendFileSync(join(dir, 'stack-history.log'), 'D 1793491199.5 url 1');
    },
    // A name already taken (a clock stepped back and forth): the segment gets -2, the other file is untouched.
    'name taken': (dir) => {
      const ts = rowTs(join(dir, 'samples.csv'));
      writeFileSync(join(dir, segmentFileName('samples', ts[0]!, ts.at(-1)!)), `${SAMPLES_HEADER}`);
    },
  };
  for (const [what, crash] of Object.entries(scenarios)) {
    const data = join(tempDir(t), 'data');
    const dir = join(data, 'svc');
    const record = recorder(svc.pprof, data);
    svc.leak.n = 1;
    for (const ts of octTimes) {
      await record(ts);
      svc.leak.n++;
    }
    crash(dir);
    for (const ts of novTimes) {
      await record(ts);
      svc.leak.n++;
    }
    const rec = readRecording(data, 'svc');
    if (what === 'name taken') {
      assert.ok(segmentsIn(dir).some((n) => /-2\.csv$/.test(n)), `${what}: ${segmentsIn(dir)}`);
      assert.equal(readFileSync(join(dir, segmentFileName('samples', octTimes[0]!, octTimes.at(-1)!)), 'utf8'), SAMPLES_HEADER, `${what}: the taken name is left as it was`);
    } else {
      assert.deepEqual(segmentsIn(dir).length, 2, `${what}: ${segmentsIn(dir)}`);
      assert.deepEqual(rec.warnings, [], what);
    }
    assert.deepEqual(rec.samples.map((s) => s.tsSeconds), all, `${what}: every row once`);
    assert.deepEqual(rec.ticks.map((k) => k.tsSeconds), all, `${what}: every history line once`);
    assert.deepEqual(rec.ticks.map((k) => k.counts.get(2)), all.map((_, i) => i + 1), `${what}: counts right after the boundary`);
    assert.match(lines(join(dir, 'stack-history.log'))[0]!, /^K /, what);
    assert.deepEqual(rowTs(join(dir, 'samples.csv')), novTimes, what);
  }
});

test('retention deletes only closed segments past dataRetentionDays that are regular files with our names', { timeout: 60_000 }, async (t) => {
  const root = tempDir(t);
  const data = join(root, 'data');
  const dir = join(data, 'svc');
  mkdirSync(dir, { recursive: true });
  const old = (kind: 'samples' | 'history' | 'hourly', m: number) => segmentFileName(kind, utc(2025, m, 1), utc(2025, m, 28));
  const doomed = [old('samples', 1), old('history', 1), old('hourly', 2), `samples.${utc(2025, 3, 1)}.old.csv`];
  const kept = [segmentFileName('samples', utc(2026, 10, 1), utc(2026, 10, 31)), segmentFileName('history', utc(2026, 10, 1), utc(2026, 10, 31)), 'notes-2025.txt'];
  for (const n of [...doomed, ...kept]) writeFileSync(join(dir, n), 'x\n');
  // Live files, the dictionary and the index are never segments, whatever their content's age.
  appendTicks(dir, [utc(2025, 1, 5)]);
  writeFileSync(join(dir, 'stack-ids.idx'), '');
  // A folder and a link under segment names: never deleted (nor deleted through).
  const outside = join(root, 'precious.txt');
  writeFileSync(outside, 'not leakwatch data\n');
  mkdirSync(join(dir, old('samples', 4)));
  symlinkSync(outside, join(dir, old('history', 4)));
  const res = maintainSegments(dir, utc(2026, 11, 29), { name: 'svc', pprof: 'http://127.0.0.1:1/debug/pprof', dataRetentionDays: 200 });
  assert.deepEqual(res.deleted.sort(), [...doomed].sort());
  assert.deepEqual(res.problems, []);
  assert.deepEqual(readdirSync(dir).sort(), [...kept, old('samples', 4), old('history', 4), 'samples.csv', 'stack-history.log', 'stacks.jsonl', 'stack-ids.idx'].sort());
  assert.equal(readFileSync(outside, 'utf8'), 'not leakwatch data\n');

  // A tick refuses a link under a segment name (as any link below the data folder) and writes nothing.
  const svc = await leakingService(t);
  const target: TargetConfig = { name: 'svc', pprof: svc.pprof, heap: false, vars: false, debug2: false, dataRetentionDays: 200 };
  const r = await recordTarget(target, { dataDir: data, config: { targets: [target], ...DEFAULTS, ignore: [] }, env: {}, nowSeconds: () => utc(2026, 11, 29) });
  assert.equal(r.row, null);
  assert.match(r.problems.join('\n'), /stack-history\.20250401T000000Z-20250428T000000Z\.log is a symbolic link; leakwatch never follows links/);
  assert.ok(existsSync(join(dir, old('history', 4))));
  // Without the link the tick records (its 2025 live files are closed, then past retention) and leaves the folder alone.
  rmSync(join(dir, old('history', 4)));
  const ok = await recordTarget(target, { dataDir: data, config: { targets: [target], ...DEFAULTS, ignore: [] }, env: {}, nowSeconds: () => utc(2026, 11, 29) });
  assert.equal(ok.row?.status, 'ok', ok.problems.join('\n'));
  assert.ok(existsSync(join(dir, old('samples', 4))));
  assert.ok(existsSync(join(dir, kept[0]!)));
});

/** A folder closed into monthly segments by the recorder's own rollover: Sep and Oct closed, Nov live. */
function segmentedFolder(data: string): string {
  const dir = join(data, 'svc');
  const state = { sinceKey: KEYFRAME_EVERY, leaked: 0 };
  for (const [from, to] of [[utc(2026, 9, 1), utc(2026, 10, 1)], [utc(2026, 10, 1), NOV1], [NOV1, utc(2026, 11, 29)]] as const) {
    rollOverLiveFiles(dir, from + 5);
    state.sinceKey = KEYFRAME_EVERY; // a fresh live history starts with a keyframe, as the recorder writes it
    appendTicks(dir, every(from + 5, to, 900), state);
  }
  return dir;
}

test('--since opens only the segments it needs: an unreadable old segment is named only by windows that need it', { timeout: 120_000 }, async (t) => {
  const data = join(tempDir(t), 'data');
  const dir = segmentedFolder(data);
  const segs = segmentsIn(dir);
  assert.equal(segs.length, 4, segs.join(' '));
  const all = readRecording(data, 'svc');
  assert.deepEqual(all.warnings, []);
  const sep = segs.filter((n) => n.includes('20260901T'));
  const oct = segs.filter((n) => n.includes('20261001T'));
  // Break both September segments: a folder in one's place, garbage in the other.
  rmSync(join(dir, sep[0]!));
  mkdirSync(join(dir, sep[0]!));
  writeFileSync(join(dir, sep[1]!), 'not a history line\n');
  const recent = readRecording(data, 'svc', { sinceSeconds: utc(2026, 11, 28) });
  assert.deepEqual(recent.warnings, [], 'the last day opens the live files only');
  assert.equal(recent.unreadableFiles, undefined);
  assert.equal(recent.samples.length, 96);
  const octWindow = readRecording(data, 'svc', { sinceSeconds: utc(2026, 10, 2), untilSeconds: utc(2026, 10, 3) });
  assert.deepEqual(octWindow.warnings, []);
  assert.equal(octWindow.samples.length, 96);
  const needsSep = readRecording(data, 'svc', { sinceSeconds: utc(2026, 9, 20), untilSeconds: utc(2026, 10, 3) });
  assert.deepEqual(needsSep.unreadableFiles?.sort(), sep.map((n) => `svc/${n}`).sort());
  assert.ok(needsSep.warnings.some((w) => w.startsWith(`svc/${sep[0]}: could not be read (a directory, not a file)`)), needsSep.warnings.join('\n'));
  assert.ok(needsSep.warnings.some((w) => w.startsWith(`svc/${sep[1]}: could not be read (no line is a history line)`)), needsSep.warnings.join('\n'));
  // The first hours of a month also open last month's segment (rows within the 6-hour clock-step margin).
  for (const n of oct) writeFileSync(join(dir, n), 'garbage\n');
  assert.equal(readRecording(data, 'svc', { sinceSeconds: NOV1 + 3 * 3600, untilSeconds: NOV1 + 4 * 3600 }).unreadableFiles?.length, 2);
  assert.equal(readRecording(data, 'svc', { sinceSeconds: NOV1 + 7 * 3600, untilSeconds: NOV1 + 8 * 3600 }).unreadableFiles, undefined);
});

test('an unreadable segment makes check say "cannot judge", naming the file and the fix', { timeout: 120_000 }, async (t) => {
  const data = join(tempDir(t), 'data');
  const dir = segmentedFolder(data);
  const octHistory = segmentsIn(dir).find((n) => n.startsWith('stack-history.20261001T'))!;
  rmSync(join(dir, octHistory));
  mkdirSync(join(dir, octHistory));
  const r = await cli(['check', '--data', data]);
  assert.match(r.stdout, /^svc: insufficient-data: cannot judge: could not read svc\/stack-history\.20261001T\S+\.log/m, r.stdout + r.stderr);
  const line = `leakwatch: svc/${octHistory}: could not be read (a directory, not a file); nothing in it is used, so this target cannot be judged. Fix: make ${join(dir, octHistory)} a readable regular file again, or move it aside (the recorder then starts a new one)`;
  assert.ok(r.stderr.split('\n').includes(line), r.stderr);
  const exported = await cli(['export', '--target', 'svc', '--data', data]);
  assert.equal(exported.code, 0, exported.stderr);
  assert.match(exported.stderr, /could not be read \(a directory, not a file\)/);
});

test('dataRetentionDays and fullResolutionDays are per-target settings; a bad value is one line naming the key', () => {
  const c = parseConfigText('{"targets":[{"name":"a","pprof":"http://127.0.0.1:6060/debug/pprof","dataRetentionDays":400,"fullResolutionDays":14}]}', 'cfg.json');
  assert.equal(c.targets[0]!.dataRetentionDays, 400);
  assert.equal(c.targets[0]!.fullResolutionDays, 14);
  assert.throws(() => parseConfigText('{"targets":[{"name":"a","pprof":"http://127.0.0.1:6060/debug/pprof","dataRetentionDays":0}]}', 'cfg.json'), /^Error: cfg\.json: targets\[0\]\.dataRetentionDays: expected a positive number, got 0$/);
});

test('compaction: a closed history segment older than fullResolutionDays becomes .hourly.log, one a tick, and the leak is still found', { timeout: 180_000 }, async (t) => {
  const root = tempDir(t);
  const data = join(root, 'data');
  const dir = segmentedFolder(data);
  const full = join(root, 'full');
  mkdirSync(join(full, 'svc'), { recursive: true });
  for (const n of readdirSync(dir)) copyFileSync(join(dir, n), join(full, 'svc', n));
  const sepFull = segmentsIn(dir).find((n) => n.startsWith('stack-history.20260901T'))!;
  const octFull = segmentsIn(dir).find((n) => n.startsWith('stack-history.20261001T'))!;
  const hourlyOf = (n: string) => n.replace(/\.log$/, '.hourly.log');

  // Real ticks on Dec 5: September and October are past 31 days; the oldest is compacted first, one a tick.
  const svc = await leakingService(t);
  const record = recorder(svc.pprof, data);
  await record(utc(2026, 12, 5));
  assert.ok(existsSync(join(dir, hourlyOf(sepFull))) && !existsSync(join(dir, sepFull)), segmentsIn(dir).join(' '));
  assert.ok(existsSync(join(dir, octFull)) && !existsSync(join(dir, hourlyOf(octFull))), 'one segment a tick');
  await record(utc(2026, 12, 5, 0, 1));
  assert.ok(existsSync(join(dir, hourlyOf(octFull))) && !existsSync(join(dir, octFull)), segmentsIn(dir).join(' '));
  assert.ok(segmentsIn(dir).some((n) => /^stack-history\.20261101T\S+Z\.log$/.test(n)), 'November (closed on Dec 5) stays at full resolution');
  assert.ok(lines(join(dir, hourlyOf(sepFull))).every((l) => l.startsWith('H ')));

  // Reads: one tick an hour for September and October, each with the counts the full history had at that time.
  const until = { untilSeconds: utc(2026, 11, 28, 23, 59) };
  const compacted = readRecording(data, 'svc', until);
  const reference = readRecording(full, 'svc', until);
  assert.deepEqual(compacted.warnings, []);
  const inMonth = (m: number) => (k: { tsSeconds: number }) => k.tsSeconds >= utc(2026, m, 1) && k.tsSeconds < utc(2026, m + 1, 1);
  assert.equal(compacted.ticks.filter(inMonth(9)).length, 30 * 24);
  assert.equal(compacted.ticks.filter(inMonth(10)).length, 31 * 24);
  assert.deepEqual(compacted.ticks.filter(inMonth(11)).length, reference.ticks.filter(inMonth(11)).length, 'November untouched');
  const byTs = new Map(reference.ticks.map((k) => [k.tsSeconds, k.counts.get(2)]));
  for (const k of compacted.ticks) assert.equal(k.counts.get(2), byTs.get(k.tsSeconds), `leak count at ${k.tsSeconds}`);
  assert.equal(compacted.samples.length, reference.samples.length, 'samples are never compacted');

  const [a, b] = await Promise.all([data, full].map((d) => cli(['check', '--data', d, '--until', '2026-11-28T23:59Z'])));
  assert.match(a.stdout, /^svc: leak/m, a.stdout + a.stderr);
  assert.match(b.stdout, /^svc: leak/m, b.stdout + b.stderr);
  assert.equal(a.code, b.code);

  // A crash between the hourly file's rename and the full file's unlink: readers use the hourly one (no tick
  // twice), and the next tick removes the full one.
  copyFileSync(join(full, 'svc', sepFull), join(dir, sepFull));
  assert.equal(readRecording(data, 'svc', until).ticks.filter(inMonth(9)).length, 30 * 24);
  const m = maintainSegments(dir, utc(2026, 12, 5, 0, 2), { name: 'svc', pprof: svc.pprof });
  assert.deepEqual(m.deleted, [sepFull]);
  assert.equal(m.compacted, null, 'nothing else due');
  assert.ok(existsSync(join(dir, hourlyOf(sepFull))));
});
