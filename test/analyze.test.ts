import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Frame } from '../src/core/model.js';
import {
  analyzeAll,
  analyzeTarget,
  lifetimeOfRow,
  MIN_BYTES_PER_GOROUTINE,
} from '../src/analysis/analyze.js';
import { formatBytes, formatSpan as formatDuration } from '../src/core/format.js';
import { mapSourcePath, MAX_SOURCE_BYTES, readSourceLines } from '../src/analysis/source.js';
import { minuteRecording, T0, type LifetimeSpec, type MinuteRecordingOptions, type StackSpec } from './helpers/minuteRecording.js';
import { MUTEX, RECV, SELECT, SEND, SLEEP, userFrame } from './helpers/goFrames.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MIN = 60;
const MiB = 1024 * 1024;

const user = (fn: string, line: number, file = '/src/demo/demo.go'): Frame => userFrame(fn, line, file);

/** One sample and one history tick per minute of each lifetime; stacks keyed by id, all first seen at T0. */
const build = (lifetimes: LifetimeSpec[], stacks: StackSpec[], o: MinuteRecordingOptions = {}) => minuteRecording(lifetimes, stacks, { ...o, fixedIdentity: true });

const A = { pid: 100, startTs: T0, minutes: 180 };
const B = { pid: 200, startTs: T0 + 3 * 3600 + 120, minutes: 360 };

const BENIGN: StackSpec[] = [
  { id: 3, frames: [...RECV, user('main.runWorker', 35)], count: () => 8 }, // constant pool
  { id: 4, frames: [...SLEEP, user('main.handleBurstRequest', 108)], count: (i) => (i % 30 < 2 ? 30 : 0) }, // bursts
  { id: 5, frames: [...SELECT, user('main.runShard', 115)], count: (i) => Math.min(16, 1 + Math.floor(i / 2)) }, // warm-up plateau
  { id: 6, frames: [...SELECT, user('main.runMetricsTicker', 80)], count: () => 1 }, // ticker
];
const LEAK_SEND: StackSpec = {
  id: 1,
  frames: [...SEND, user('main.leakUnbufferedSend', 42), user('main.handleOrder', 30)],
  count: (i, l) => (l === 1 ? 1 + i : 2), // +60/h in the current lifetime only
};
const LEAK_MUTEX: StackSpec = {
  id: 2,
  frames: [...MUTEX, user('main.leakLockNeverReleased', 77)],
  count: (i, l) => (l === 1 ? Math.floor(i / 3) : 0), // +20/h
};

test('leak: two growing stacks among benign ones, restart in the middle; verdict about the last lifetime', () => {
  const rec = build([A, B], [LEAK_SEND, LEAK_MUTEX, ...BENIGN]);
  const s = analyzeTarget(rec, { nowSeconds: B.startTs + 30 + 360 * MIN });
  assert.equal(s.verdict, 'leak');
  assert.equal(s.lifetimes, 2);
  assert.equal(s.samples, 180 + 360);
  assert.deepEqual(
    s.suspects.map((x) => x.leafFunction),
    ['main.leakUnbufferedSend', 'main.leakLockNeverReleased'],
  );
  // series are of the current lifetime only
  assert.equal(s.goroutines.shape, 'rising');
  assert.equal(s.goroutines.first, 1 + 0 + 8 + 30 + 1 + 1); // minute 0 of lifetime B
  assert.ok(Math.abs(s.goroutines.perHour! - 80) < 3, `goroutines/h ${s.goroutines.perHour}`);
  // RSS grows 8 KiB x 478 goroutines = 3.7 MiB: under RSS_MIN_RISE_BYTES (4 MiB), so not material by itself
  assert.equal(s.rssBytes.shape, 'flat');
  // RSS = 20 MiB + 8192 x goroutines (+-32 KiB): the estimate recovers 8 KiB per goroutine
  assert.ok(s.bytesPerGoroutine !== null && Math.abs(s.bytesPerGoroutine - 8192) < 200, `bpg ${s.bytesPerGoroutine}`);
  const held = s.suspects.reduce((a, x) => a + (x.last - x.first), 0);
  assert.equal(held, 359 + 119);
  // what the suspects hold is never more than goroutine stacks explain of the RSS growth
  const stackPart = s.memoryExplained!.parts!.stackBytes;
  assert.ok(stackPart > 0 && stackPart < held * s.bytesPerGoroutine!, `stack part ${stackPart}`);
  assert.equal(s.suspectsHoldBytes, Math.min(held * s.bytesPerGoroutine!, stackPart));
  const rate = s.suspects.reduce((a, x) => a + x.perHour, 0);
  assert.ok(Math.abs(s.suspectsHoldBytesInADay! - (s.suspectsHoldBytes! + 24 * rate * s.bytesPerGoroutine!)) < 1e-6);
  assert.equal(s.verdictReason, 'suspects');
  assert.match(s.headline, /^top suspect main\.leakUnbufferedSend blocked on chan send \(demo\.go:42\), \+60\/hour for 6\.0 h; 1 more suspect; goroutines \+80\/hour, now ~\d+ overall$/);
  assert.ok(s.warnings.some((w) => /process restarted 1 time\(s\) \(2 lifetimes\)/.test(w) && w.includes('pid 200')), s.warnings.join('\n'));
});

test('the previous lifetime leaked, the current one does not: stable, no suspects', () => {
  const oldLeak: StackSpec = { id: 1, frames: [...SEND, user('main.oldLeak', 9)], count: (i, l) => (l === 0 ? i : 0) };
  const rec = build([A, B], [oldLeak, ...BENIGN]);
  const s = analyzeTarget(rec, {});
  assert.equal(s.lifetimes, 2);
  assert.deepEqual(s.suspects, []);
  assert.equal(s.verdict, 'stable');
  // the shard pool's warm-up (1 -> 16 in the first 30 min) makes the total a plateau, not a rise
  assert.equal(s.goroutines.shape, 'plateau');
  assert.equal(s.headline, 'goroutines plateaued at ~25 (6.0 h recorded), RSS flat at ~20.2 MiB');
  // and the same data cut to lifetime A alone is a leak
  const onlyA = build([A], [oldLeak, ...BENIGN]);
  assert.equal(analyzeTarget(onlyA, {}).verdict, 'leak');
});

test('the ignore list can turn a leak into growing (goroutines rise, no suspect left)', () => {
  const rec = build([B], [LEAK_SEND, ...BENIGN].map((s) => ({ ...s, count: (i: number) => s.count(i, 1) })));
  assert.equal(analyzeTarget(rec, {}).verdict, 'leak');
  const s = analyzeTarget(rec, { ignore: ['main.leakUnbufferedSend'] });
  assert.equal(s.verdict, 'growing');
  assert.equal(s.verdictReason, 'goroutines-unexplained');
  assert.deepEqual(s.suspects, []);
  assert.match(s.headline, /^goroutines \+\d+\/hour for 6\.0 h and never given back, but no single stack or label group grows steadily/);
});

test('growing: many one-off stacks add up to growth that no single stack explains', () => {
  // a new distinct stack (e.g. a goroutine per request id label) every minute, each holding one goroutine
  const stacks: StackSpec[] = Array.from({ length: 360 }, (_, k) => ({
    id: 100 + k,
    frames: [...RECV, user(`main.handler${k}`, 1)],
    count: (i: number) => (i >= k ? 1 : 0),
  }));
  const s = analyzeTarget(build([{ pid: 1, startTs: T0, minutes: 360 }], [...stacks, ...BENIGN]), {});
  assert.equal(s.goroutines.shape, 'rising');
  assert.deepEqual(s.suspects, []);
  assert.equal(s.verdict, 'growing');
});

test('growing: RSS rises while goroutines stay flat (memory grows for another reason)', () => {
  const rec = build([{ pid: 1, startTs: T0, minutes: 360 }], BENIGN, {
    rss: (total, i, _l, noise) => 50 * MiB + (2 * MiB * i) / 60 + 8192 * total + noise, // +2 MiB/h
  });
  const s = analyzeTarget(rec, {});
  assert.equal(s.rssBytes.shape, 'rising');
  assert.notEqual(s.goroutines.shape, 'rising');
  assert.equal(s.verdict, 'growing');
  assert.equal(s.verdictReason, 'rss-rising');
  assert.match(s.headline, /^RSS \+2 MiB\/hour for 6\.0 h, [\d.]+ MiB of it neither Go heap nor goroutine stacks \(cgo, off-heap or runtime memory\) while no goroutine stack leaks$/);
});

test('leak without per-stack history: strong goroutine growth alone', () => {
  const rec = build([{ pid: 1, startTs: T0, minutes: 360 }], [LEAK_SEND, ...BENIGN].map((s) => ({ ...s, count: (i: number) => s.count(i, 1) })), {
    noTicks: true,
  });
  const s = analyzeTarget(rec, {});
  assert.equal(s.verdict, 'leak');
  assert.deepEqual(s.suspects, []);
  assert.equal(s.verdictReason, 'total-only');
  assert.match(s.headline, /and still rising \(no goroutine profiles to name a suspect stack\)$/);
});

test('insufficient-data: 3 samples over 2 min', () => {
  const rec = build([{ pid: 1, startTs: T0, minutes: 3 }], [LEAK_SEND]);
  const s = analyzeTarget(rec, {});
  assert.equal(s.verdict, 'insufficient-data');
  assert.equal(s.headline, 'not enough data yet: 3 samples over 2 min (need 8 over 60 s)');
  assert.equal(s.goroutines.perHour, null);
  assert.equal(s.rssBytes.perHour, null);
  assert.equal(s.bytesPerGoroutine, null);
  assert.equal(s.suspectsHoldBytes, null);
  const empty = analyzeTarget({ name: 'none', samples: [], stacks: [], ticks: [], snapshots: [], warnings: [] }, {});
  assert.equal(empty.verdict, 'insufficient-data');
  assert.equal(empty.lifetimes, 0);
  assert.equal(empty.headline, 'not enough data yet: 0 samples over 0 s (need 8 over 60 s)');
});

test('only the current lifetime counts toward "enough data": a fresh restart is insufficient', () => {
  const rec = build([A, { pid: 200, startTs: B.startTs, minutes: 4 }], [LEAK_SEND, ...BENIGN]);
  const s = analyzeTarget(rec, {});
  assert.equal(s.lifetimes, 2);
  assert.equal(s.verdict, 'insufficient-data');
  assert.match(s.headline, /^not enough data yet: 4 samples over 3 min/);
});

test('null means not measured: failed rows are skipped, not read as zero', () => {
  const rec = build([{ pid: 1, startTs: T0, minutes: 120 }], BENIGN);
  const first = rec.samples[0]!;
  rec.samples[0] = { ...first, status: 'pprof-timeout', goroutines: null, stacksDistinct: null, message: 'timeout after 10s' };
  for (const i of [40, 41, 42]) rec.samples[i] = { ...rec.samples[i]!, status: 'pprof-unreachable', goroutines: null, message: 'connection refused' };
  rec.ticks = rec.ticks.filter((t) => t.tsSeconds !== first.tsSeconds);
  const s = analyzeTarget(rec, {});
  assert.equal(s.goroutines.first, rec.samples[1]!.goroutines); // not 0
  assert.equal(s.rssBytes.first, first.rssBytes); // RSS of the failed-pprof row was measured and is used
  assert.equal(s.lifetimes, 1);
  assert.ok(s.warnings.some((w) => w.startsWith('4 of 120 samples not ok: pprof-unreachable ×3, pprof-timeout ×1')), s.warnings.join('\n'));
  // a row where nothing was measured (process gone) belongs to no lifetime and splits none
  rec.samples[60] = { ...rec.samples[60]!, status: 'no-process', rssBytes: null, goroutines: null, processStartTsSeconds: null };
  assert.equal(lifetimeOfRow(rec.samples[60]!), null);
  assert.equal(analyzeTarget(rec, {}).lifetimes, 1);
});

test('clock going backwards: ticks are sorted, a warning says so, the result is unchanged', () => {
  const rec = build([B], [LEAK_SEND, LEAK_MUTEX, ...BENIGN].map((s) => ({ ...s, count: (i: number) => s.count(i, 1) })));
  const base = analyzeTarget(rec, {});
  const swapped = structuredClone(rec);
  [swapped.samples[10], swapped.samples[11]] = [swapped.samples[11]!, swapped.samples[10]!];
  [swapped.ticks[20], swapped.ticks[21]] = [swapped.ticks[21]!, swapped.ticks[20]!];
  const s = analyzeTarget(swapped, {});
  assert.ok(s.warnings.some((w) => w.startsWith('clock went backwards: 1 sample(s) and 1 profile tick(s) out of order')), s.warnings.join('\n'));
  assert.deepEqual({ ...s, warnings: [] }, { ...base, warnings: [] });
});

test('gaps and a stale recording are warned about', () => {
  const rec = build([{ pid: 1, startTs: T0, minutes: 240 }], BENIGN);
  rec.samples = rec.samples.filter((_, i) => i < 100 || i >= 190); // 90 min hole
  rec.ticks = rec.ticks.filter((_, i) => i < 100 || i >= 190);
  const last = rec.samples[rec.samples.length - 1]!.tsSeconds;
  const s = analyzeTarget(rec, { nowSeconds: last + 5 * 3600 });
  assert.ok(s.warnings.some((w) => /^1 gap\(s\) in the recording, longest 91 min/.test(w)), s.warnings.join('\n'));
  assert.ok(s.warnings.some((w) => /^no sample for 5\.0 h/.test(w) || /^no sample for 5 h/.test(w)), s.warnings.join('\n'));
  assert.equal(s.verdict, 'stable');
});

test('bytesPerGoroutine: null when goroutines barely vary, at least 2 KiB when RSS does not follow them', () => {
  const stable = analyzeTarget(build([{ pid: 1, startTs: T0, minutes: 120 }], BENIGN), {});
  assert.equal(stable.bytesPerGoroutine, null); // totals span 11..55: a range of 44 < BPG_MIN_GOROUTINE_RANGE (50)
  const rec = build([{ pid: 1, startTs: T0, minutes: 240 }], [LEAK_SEND, ...BENIGN].map((s) => ({ ...s, count: (i: number) => s.count(i, 1) })), {
    rss: (_t, i, _l, noise) => 80 * MiB - 1000 * i + noise, // RSS slowly falls while goroutines grow
  });
  assert.equal(analyzeTarget(rec, {}).bytesPerGoroutine, MIN_BYTES_PER_GOROUTINE);
});

test('history lifetime spelled differently from samples: matched by time, with a warning', () => {
  const rec = build([{ pid: 7, startTs: T0, minutes: 240 }], [LEAK_SEND, ...BENIGN].map((s) => ({ ...s, count: (i: number) => s.count(i, 1) })));
  for (const t of rec.ticks) t.lifetime = '7@?';
  const s = analyzeTarget(rec, {});
  assert.equal(s.verdict, 'leak');
  assert.deepEqual(
    s.suspects.map((x) => x.stackId),
    [1],
  );
  assert.ok(s.warnings.some((w) => w.includes('matched by time')));
});

test('pprof-only target (no pid): lifetime "url", suspects still found, RSS not measured', () => {
  const rec = build([{ pid: null, startTs: T0, minutes: 240 }], [LEAK_SEND, ...BENIGN].map((s) => ({ ...s, count: (i: number) => s.count(i, 1) })));
  assert.equal(rec.ticks[0]!.lifetime, 'url');
  const s = analyzeTarget(rec, {});
  assert.equal(s.lifetimes, 1);
  assert.equal(s.verdict, 'leak');
  assert.equal(s.rssBytes.shape, 'insufficient-data');
  assert.equal(s.bytesPerGoroutine, null);
  assert.equal(s.suspectsHoldBytes, null);
  assert.deepEqual(
    s.suspects.map((x) => x.stackId),
    [1],
  );
});

test('analyzeAll: generatedAt from nowSeconds, one summary per target in order', () => {
  const a = build([{ pid: 1, startTs: T0, minutes: 60 }], BENIGN);
  const b = { ...build([{ pid: 2, startTs: T0, minutes: 2 }], BENIGN), name: 'tiny' };
  const sum = analyzeAll([a, b], { nowSeconds: T0 + 3600 });
  assert.equal(sum.generatedAt, new Date((T0 + 3600) * 1000).toISOString());
  assert.deepEqual(
    sum.targets.map((t) => [t.name, t.verdict]),
    [
      ['demo', 'stable'],
      ['tiny', 'insufficient-data'],
    ],
  );
  assert.ok(!Number.isNaN(Date.parse(analyzeAll([], {}).generatedAt)));
});

test('formatting helpers', () => {
  assert.equal(formatDuration(45), '45 s');
  assert.equal(formatDuration(120), '2 min');
  assert.equal(formatDuration(80), '80 s', 'seconds below two minutes: the card and the headline say the same');
  assert.equal(formatDuration(6 * 3600), '6.0 h');
  assert.equal(formatDuration(3.5 * 3600), '3.5 h');
  assert.equal(formatDuration(4 * 86400), '4.0 days');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(12.34 * MiB), '12.3 MiB');
});

// ---------------------------------------------------------------- source.ts ("list" for a suspect)

test('readSourceLines: ±5 lines around the blocking line from a real file, clipped at the edges', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leakwatch-src-'));
  try {
    const file = join(dir, 'leaks.go');
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    writeFileSync(file, lines.join('\n') + '\n');
    const trusted = { trustedRoots: [dir] };
    assert.deepEqual(readSourceLines(file, 12, trusted), { file, line: 12, startLine: 7, lines: lines.slice(6, 17) });
    assert.deepEqual(readSourceLines(file, 2, { ...trusted, context: 3 }), { file, line: 2, startLine: 1, lines: lines.slice(0, 5) });
    assert.deepEqual(readSourceLines(file, 30, { ...trusted, context: 1 })?.lines, ['line 29', 'line 30']);
    assert.equal(readSourceLines(file, 31, trusted), null); // no such line
    assert.equal(readSourceLines(file, 0, trusted), null);
    assert.equal(readSourceLines(join(dir, 'missing.go'), 1, trusted), null);
    assert.equal(readSourceLines(dir, 1, trusted), null); // a directory
    // --source-root maps the build machine's path to this one
    const mapped = readSourceLines('/build/src/leaks.go', 3, { context: 0, sourceRoots: [{ from: '/build/src', to: dir }] });
    assert.deepEqual(mapped, { file, line: 3, startLine: 3, lines: ['line 3'] });
    // too large a file is not read
    const big = join(dir, 'big.go');
    writeFileSync(big, 'x'.repeat(MAX_SOURCE_BYTES + 1));
    assert.equal(readSourceLines(big, 1, trusted), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readSourceLines never throws; mapSourcePath matches at path boundaries, first mapping wins', () => {
  const throwing = () => {
    throw new Error('boom');
  };
  assert.equal(readSourceLines('/a.go', 1, { readFile: throwing }), null);
  assert.equal(readSourceLines('/a.go', 1, { readFile: () => null }), null);
  assert.deepEqual(readSourceLines('/a.go', 2, { context: 1, readFile: () => 'a\r\nb\r\nc' })?.lines, ['a', 'b', 'c']);
  const roots = [
    { from: '/build/src/', to: '/home/me/src' },
    { from: '/build', to: '/elsewhere' },
  ];
  assert.equal(mapSourcePath('/build/src/x/y.go', roots), '/home/me/src/x/y.go');
  assert.equal(mapSourcePath('/build/srcfoo/y.go', roots), '/elsewhere/srcfoo/y.go');
  assert.equal(mapSourcePath('/other/y.go', roots), '/other/y.go');
  const seen: string[] = [];
  readSourceLines('/build/src/z.go', 1, { sourceRoots: roots, readFile: (p) => (seen.push(p), 'package z') });
  assert.deepEqual(seen, ['/home/me/src/z.go']);
});
