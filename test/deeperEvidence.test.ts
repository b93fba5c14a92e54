// The pure parts of "deeper evidence": matching suspects to the runtime's leak profile and to a debug=2 dump
// (on real fixtures from the demo service and a hand-captured dump), picking the snapshots of the current
// lifetime, the Go heap in the verdict, and how much of the RSS growth goroutine stacks explain.
import assert from 'node:assert/strict';
import test from 'node:test';
import { analyzeTarget, currentLifetimeWindow, explainMemory, growthOf } from '../src/analysis/analyze.js';
import { applyLeakProfile, dumpFactsForSuspects, dumpMatchKey, pickEvidenceSnapshots } from '../src/analysis/evidence.js';
import { parseGoroutineDump } from '../src/core/goroutineDump.js';
import { parseGoroutineProfile } from '../src/core/goroutineProfile.js';
import type { Frame, GoroutineProfile, SampleRow, SnapshotFile, StackRecord, Suspect, TargetRecording } from '../src/core/model.js';
import { fixture } from './helpers/fixtures.js';
import { gaussian, seededRandom } from './helpers/seededRandom.js';

const MiB = 1024 * 1024;

function asSuspect(st: { frames: Frame[]; labels: Record<string, string> }, stackId: number): Suspect {
  return {
    stackId,
    leafFunction: '',
    frames: st.frames,
    labels: st.labels,
    kind: 'other',
    first: 0,
    last: 0,
    perHour: 1,
    consistency: 1,
    share: 0,
    score: 1,
    firstSeenTsSeconds: 0,
    confirmed: false,
  };
}

const LEAKS = {
  'main.leakUnbufferedSend': 'chan send',
  'main.leakReceiveNoSender': 'chan receive',
  'main.leakSelectNoReady': 'select',
  'main.leakLockNeverReleased': 'sync.Mutex.Lock',
  'main.leakLoopNeverExits': 'sleep',
} as const;

test('debug=2 matching on real fixtures: every leak stack of the profile finds its goroutines, creator and wait reason', () => {
  // leaky-t2.pb.gz and leaky-t2.debug2.txt were fetched 20 ms apart from the same demo service.
  const profile = parseGoroutineProfile(fixture('leaky-t2.pb.gz'), 1 << 26);
  const dump = parseGoroutineDump(fixture('leaky-t2.debug2.txt'));
  const stacks: StackRecord[] = profile.stacks.map((s, i) => ({ id: i + 1, key: s.key, frames: s.frames, labels: s.labels, firstSeenTsSeconds: 0 }));
  const suspects = stacks.map((s) => asSuspect(s, s.id));
  const facts = dumpFactsForSuspects(suspects, dump, 1_795_000_000, stacks);
  for (const [fn, reason] of Object.entries(LEAKS)) {
    const i = stacks.findIndex((s) => s.frames.some((f) => f.function === fn));
    assert.ok(i >= 0, fn);
    const f = facts[i]!;
    assert.ok(f, `${fn} matched a dump group`);
    assert.equal(f.createdBy, 'main.spawnLeak');
    assert.match(f.createdAt!, /\/demo-service\/leaks\.go:78$/);
    assert.equal(f.waitReason, reason);
    // 21 leaked per kind in both captures (demo /stats right after says 21)
    assert.equal(f.blockedMinutes.goroutines, 21);
    assert.equal(profile.stacks[i]!.count, 21);
    assert.deepEqual([f.blockedMinutes.min, f.blockedMinutes.median, f.blockedMinutes.max, f.blockedMinutes.stamped], [0, 0, 0, 0], 'a 10-second run: no minutes yet');
    assert.equal(f.blockedMinutes.histogram[0]!.count, 21);
    assert.equal(f.blockedMinutes.mergedWithOtherLabels, false);
  }
  // The benign worker pool (labelled pool=worker; debug=2 prints no labels) matches too, created by startWorkerPool.
  const w = stacks.findIndex((s) => s.frames.some((f) => f.function === 'main.runWorker'));
  assert.equal(facts[w]!.createdBy, 'main.startWorkerPool');
  assert.equal(facts[w]!.blockedMinutes.goroutines, 8);
  // Every stack whose goroutines were parked at both moments matches; what does not is transient: the burst
  // goroutines replaced between the two fetches, the goroutine writing each response, connection readers.
  // On these two captures only two stacks go unmatched: the goroutine writing the protobuf response (the dump
  // was written by another one) and a sample with no frames at all.
  const unmatched = stacks.filter((_, i) => facts[i] === null);
  assert.deepEqual(unmatched.map((s) => s.frames[0]?.function ?? '(no frames)').sort(), ['(no frames)', 'runtime.goroutineProfileWithLabels']);
  // debug=2 hides package runtime's frames; the profile keeps them: the key drops them on both sides.
  assert.ok(!dumpMatchKey(stacks[0]!.frames).includes('runtime.gopark'));
});

test('debug=2 matching with labels in the dump (GODEBUG=tracebacklabels=1): labels must agree; minutes as printed', () => {
  const dump = parseGoroutineDump(fixture('waiting.debug2.txt'));
  const PARK = { function: 'runtime.gopark', file: '/usr/local/go/src/runtime/proc.go', line: 462 };
  const labelled = [
    PARK,
    { function: 'runtime.chanrecv1', file: '/usr/local/go/src/runtime/chan.go', line: 509 },
    { function: 'main.labelled.func1', file: '/tmp/waitingdump/main.go', line: 79 },
    { function: 'runtime/pprof.Do', file: '/usr/local/go/src/runtime/pprof/runtime.go', line: 57 },
    { function: 'main.labelled', file: '/tmp/waitingdump/main.go', line: 79 },
  ];
  const labels = { handler: '/api/orders', note: 'a "quoted" }]: value\nwith a newline and ü' };
  const send = [PARK, { function: 'runtime.chansend1', file: '', line: 161 }, { function: 'main.blockSend', file: '/tmp/waitingdump/main.go', line: 22 }];
  const facts = dumpFactsForSuspects(
    [asSuspect({ frames: labelled, labels }, 1), asSuspect({ frames: labelled, labels: { handler: '/other' } }, 2), asSuspect({ frames: send, labels: {} }, 3)],
    dump,
    1_795_000_000,
    [],
  );
  assert.equal(facts[0]!.blockedMinutes.goroutines, 1);
  assert.equal(facts[0]!.waitReason, 'chan receive');
  assert.equal(facts[0]!.blockedMinutes.max, 2);
  assert.equal(facts[1], null, 'other labels: not the same goroutines');
  // main.blockSend: the goroutines parked at 0 s and 61 s say "2 minutes", the one parked 5 s before the dump
  // "1 minutes", the one parked after the last GC nothing (see test/fixtures/README.md: stamped at GC, approximate).
  const b = facts[2]!.blockedMinutes;
  assert.deepEqual([b.goroutines, b.min, b.median, b.max, b.stamped, b.leaked], [7, 0, 2, 2, 6, 0]);
  assert.deepEqual(b.histogram.map((h) => h.count), [1, 6, 0, 0, 0, 0, 0]);
  assert.equal(facts[2]!.createdBy, 'main.main');
});

test('leak profile: suspects with the same stack key are confirmed; leaked stacks that are not suspects are listed', () => {
  // The runtime's leak profile has the goroutine profile's shape and stack keys (checked on the real demo
  // service in deeperEvidenceE2e.test.ts); here the three GC-provable leak stacks of a real profile stand in for it.
  const profile = parseGoroutineProfile(fixture('leaky-t2.pb.gz'), 1 << 26);
  const stacks: StackRecord[] = profile.stacks.map((s, i) => ({ id: i + 1, key: s.key, frames: s.frames, labels: s.labels, firstSeenTsSeconds: 0 }));
  const idOf = (fn: string) => stacks.find((s) => s.frames.some((f) => f.function === fn))!.id;
  const provable = ['main.leakUnbufferedSend', 'main.leakReceiveNoSender', 'main.leakSelectNoReady'];
  const leak: GoroutineProfile = {
    total: 63,
    timeSeconds: 0,
    stacks: profile.stacks.filter((s) => provable.some((fn) => s.frames.some((f) => f.function === fn))),
  };
  assert.equal(leak.stacks.length, 3);
  // Suspects: send, select, mutex, loop (receive is "not growing" here, so not a suspect).
  const suspects = ['main.leakUnbufferedSend', 'main.leakSelectNoReady', 'main.leakLockNeverReleased', 'main.leakLoopNeverExits'].map((fn) =>
    asSuspect(stacks.find((s) => s.id === idOf(fn))!, idOf(fn)),
  );
  const rl = applyLeakProfile(suspects, { tsSeconds: 1_795_000_000, path: 'demo/snapshots/goroutineleak-x.pb.gz', profile: leak }, stacks);
  assert.deepEqual(suspects.map((s) => s.confirmed), [true, true, false, false]);
  assert.equal(rl.total, 63);
  const byLeaf = new Map(rl.stacks.map((s) => [s.leafFunction, s]));
  assert.equal(byLeaf.get('main.leakUnbufferedSend')!.suspectRank, 1);
  assert.equal(byLeaf.get('main.leakSelectNoReady')!.suspectRank, 2);
  assert.equal(byLeaf.get('main.leakReceiveNoSender')!.suspectRank, null, 'leaked but not a suspect: listed anyway');
  assert.equal(byLeaf.get('main.leakReceiveNoSender')!.kind, 'chan receive');
  assert.equal(byLeaf.get('main.leakReceiveNoSender')!.stackId, idOf('main.leakReceiveNoSender'));
  // A stack the dictionary does not know keeps a null id; labels are part of the key.
  const other = { ...leak.stacks[0]!, labels: { tenant: 'elsewhere' }, key: leak.stacks[0]!.key + 'x' };
  const rl2 = applyLeakProfile([], { tsSeconds: 0, path: '', profile: { total: 21, timeSeconds: 0, stacks: [other] } }, stacks);
  assert.equal(rl2.stacks[0]!.stackId, null);
});

test('snapshots of the current lifetime only: same pid, not before its first sample; the latest of each kind', () => {
  const snap = (kind: SnapshotFile['kind'], ts: number, pid: number | null): SnapshotFile => ({ path: `t/snapshots/${kind}-${ts}-${pid}`, kind, tsSeconds: ts, pid, bytes: 1 });
  const snaps = [
    snap('goroutineleak', 1000, 10),
    snap('goroutineleak', 5000, 10), // pid 10 again, but a later lifetime would have another pid; here: older lifetime
    snap('goroutine-debug2', 1000, 10),
    snap('goroutineleak', 7000, 20),
    snap('goroutineleak', 9000, 20),
    snap('goroutine', 9500, 20),
    snap('goroutine-debug2', 6000, 20), // before the lifetime's first sample: a reused pid? not ours
  ];
  const picked = pickEvidenceSnapshots(snaps, { pid: 20, startTs: 6500.4 });
  assert.equal(picked.leak?.tsSeconds, 9000);
  assert.equal(picked.firstLeak?.tsSeconds, 7000, 'the first leak profile of the lifetime, to tell whether a proven stack grew');
  assert.equal(picked.dump, null);
  assert.deepEqual(pickEvidenceSnapshots(snaps, null), { leak: null, firstLeak: null, dump: null });
  assert.equal(pickEvidenceSnapshots(snaps, { pid: 10, startTs: 4000 }).firstLeak, null, 'one leak profile: nothing to compare it with');
  assert.equal(pickEvidenceSnapshots([snap('goroutineleak', 100, null)], { pid: null, startTs: 100.7 }).leak?.tsSeconds, 100, 'file names have whole seconds');

  const row = (ts: number, pid: number, start: number): SampleRow => ({
    tsSeconds: ts, target: 't', status: 'ok', pid, processStartTsSeconds: start, rssBytes: 1, vszBytes: 1, cpuSecondsTotal: 1,
    cpuPercent: null, threads: 1, fds: 1, goroutines: 1, stacksDistinct: 1, event: '', message: '',
  });
  const rec: TargetRecording = { name: 't', samples: [row(100, 10, 90), row(160, 10, 90), row(6500.4, 20, 6400), row(6560, 20, 6400)], stacks: [], ticks: [], snapshots: [], warnings: [] };
  assert.deepEqual(currentLifetimeWindow(rec), { pid: 20, startTs: 6500.4 });
});

// ---- the Go heap in the verdict, and memory growth explained ----

const T0 = 1_790_000_000;

/** Three hours, one row a minute; goroutines flat around 40 with noise. */
function memoryRecording(opts: { heap?: (i: number) => number | null; memstatsHeap?: (i: number) => number | null; rss?: (i: number) => number | null; stack?: (i: number) => number | null; goroutines?: (i: number) => number }): TargetRecording {
  const noise = gaussian(seededRandom(7));
  const samples: SampleRow[] = [];
  for (let i = 0; i < 180; i++) {
    samples.push({
      tsSeconds: T0 + i * 60,
      target: 'svc',
      status: 'ok',
      pid: 4242,
      processStartTsSeconds: T0 - 10,
      rssBytes: opts.rss ? opts.rss(i) : Math.round(60 * MiB + noise() * 0.5 * MiB),
      vszBytes: 900 * MiB,
      cpuSecondsTotal: i,
      cpuPercent: i === 0 ? null : 1,
      threads: 9,
      fds: 12,
      goroutines: opts.goroutines ? opts.goroutines(i) : 40 + Math.round(noise() * 2),
      stacksDistinct: 12,
      event: i === 0 ? 'start' : '',
      message: '',
      heapInuseBytes: opts.heap ? opts.heap(i) : null,
      memstatsHeapInuseBytes: opts.memstatsHeap ? opts.memstatsHeap(i) : null,
      memstatsStackInuseBytes: opts.stack ? opts.stack(i) : null,
    });
  }
  return { name: 'svc', samples, stacks: [], ticks: [], snapshots: [], warnings: [] };
}

test('a steadily rising Go heap with flat goroutines is "growing": a memory leak that is not a goroutine leak', () => {
  // +6 MiB/hour with a GC sawtooth of 3 MiB on top; RSS flat (the runtime had the pages already).
  const rec = memoryRecording({ heap: (i) => Math.round(20 * MiB + (i / 60) * 6 * MiB + ((i % 9) / 9) * 3 * MiB) });
  const s = analyzeTarget(rec, { nowSeconds: T0 + 180 * 60 });
  assert.equal(s.goroutines.shape, 'flat');
  assert.equal(s.rssBytes.shape, 'flat');
  assert.equal(s.heapInuseBytes!.shape, 'rising');
  assert.ok(Math.abs(s.heapInuseBytes!.perHour! - 6 * MiB) < 0.5 * MiB, String(s.heapInuseBytes!.perHour));
  assert.equal(s.verdict, 'growing');
  assert.equal(s.verdictReason, 'heap-rising');
  assert.match(s.headline, /^Go heap \+6 MiB\/hour for 3\.0 h while no goroutine stack leaks \(goroutines flat at ~40\): a memory leak that is not a goroutine leak/);
});

test('a GC sawtooth that keeps returning to the same floor is not growth; memstats HeapInuse stands in without the heap profile', () => {
  const sawtooth = analyzeTarget(memoryRecording({ heap: (i) => Math.round(20 * MiB + ((i % 15) / 15) * 12 * MiB) }), { nowSeconds: T0 + 10_800 });
  assert.equal(sawtooth.heapInuseBytes!.shape, 'flat');
  assert.equal(sawtooth.verdict, 'stable');
  const fromVars = analyzeTarget(memoryRecording({ memstatsHeap: (i) => 30 * MiB + i * 0.2 * MiB }), { nowSeconds: T0 + 10_800 });
  assert.equal(fromVars.heapInuseBytes!.shape, 'rising');
  assert.equal(fromVars.verdict, 'growing');
  const none = analyzeTarget(memoryRecording({}), { nowSeconds: T0 + 10_800 });
  assert.equal(none.heapInuseBytes!.shape, 'insufficient-data');
  assert.equal(none.heapInuseBytes!.first, null);
  assert.equal(none.verdict, 'stable');
});

test('memory growth explained: memstats stack growth when served, else goroutines x bytes per goroutine', () => {
  assert.equal(growthOf([1, 2]), 1);
  assert.equal(growthOf([5]), null);
  // levels are medians of the first and last tenth (>= 3 points): one outlier at either end does not move them
  assert.equal(growthOf([10, 10, 10, 99, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 1, 30, 30, 30]), 20);

  // Goroutines grow 20 a minute; each holds an 8 KiB stack and ~10 KiB more of RSS. Levels are the medians of the
  // first and last 18 minutes, so the growth is measured between minutes 8.5 and 170.5: 162 x 20 goroutines.
  const g = (i: number) => 100 + 20 * i;
  const withStacks = analyzeTarget(
    memoryRecording({ goroutines: g, rss: (i) => 50 * MiB + g(i) * 18 * 1024, stack: (i) => g(i) * 8192, heap: (i) => 10 * MiB + g(i) * 2048 }),
    { nowSeconds: T0 + 10_800 },
  );
  const m = withStacks.memoryExplained!;
  assert.equal(m.stackGrowthSource, 'memstats');
  assert.equal(m.goroutineGrowth, 20 * 162);
  assert.equal(m.rssGrowthBytes, 20 * 162 * 18 * 1024);
  assert.equal(m.stackGrowthBytes, 20 * 162 * 8192);
  assert.equal(m.heapGrowthBytes, 20 * 162 * 2048);
  // the parts add up to the RSS growth: heap first, then stacks, the rest is "other"
  assert.deepEqual(m.parts, { heapBytes: 20 * 162 * 2048, stackBytes: 20 * 162 * 8192, otherBytes: 20 * 162 * 8192 });
  assert.equal(m.sentence, 'RSS grew 57.0 MiB: Go heap 6.33 MiB, goroutine stacks 25.3 MiB, other 25.3 MiB');

  const estimated = analyzeTarget(memoryRecording({ goroutines: g, rss: (i) => 50 * MiB + g(i) * 18 * 1024 }), { nowSeconds: T0 + 10_800 });
  const e = estimated.memoryExplained!;
  assert.equal(e.stackGrowthSource, 'estimate');
  assert.equal(estimated.bytesPerGoroutine, 18 * 1024);
  assert.equal(e.stackGrowthBytes, 20 * 162 * 18 * 1024);
  assert.equal(e.heapGrowthBytes, null);
  assert.equal(e.sentence, 'RSS grew 57.0 MiB: goroutine stacks about 57.0 MiB, other 0 B (goroutines +3,240 at about 18.0 KiB each)');
  // Goroutines explaining part of the growth: the estimate is given in bytes.
  const ramp = (n: number, from: number, to: number) => ({ ts: Array.from({ length: n }, (_, i) => i), vs: Array.from({ length: n }, (_, i) => from + ((to - from) * i) / (n - 1)) });
  const part = explainMemory({ rss: ramp(30, 100 * MiB, 200 * MiB), stackMem: { ts: [], vs: [] }, heap: { ts: [], vs: [] }, goroutines: ramp(30, 0, 1000) }, 40 * 1024)!;
  assert.equal(part.stackGrowthSource, 'estimate');
  assert.match(part.sentence, /^RSS grew 9\d\.\d MiB: goroutine stacks about 3\d\.\d MiB, other 5\d\.\d MiB \(goroutines \+9\d\d at about 40\.0 KiB each\)$/);
  assert.equal(part.parts!.heapBytes + part.parts!.stackBytes + part.parts!.otherBytes, part.rssGrowthBytes, 'the parts add up');
  const flatRss = explainMemory({ rss: { ts: [1, 2, 3], vs: [9, 8, 7] }, stackMem: { ts: [], vs: [] }, heap: { ts: [1, 2, 3], vs: [5, 5, 6] }, goroutines: { ts: [], vs: [] } }, null)!;
  assert.equal(flatRss.sentence, 'RSS did not grow (−2 B); Go heap +1 B');
  assert.equal(flatRss.parts, null);
  assert.equal(explainMemory({ rss: { ts: [], vs: [] }, stackMem: { ts: [], vs: [] }, heap: { ts: [], vs: [] }, goroutines: { ts: [], vs: [] } }, null), null, 'RSS not measured');
  assert.equal(analyzeTarget(memoryRecording({ rss: () => null }), { nowSeconds: T0 + 10_800 }).memoryExplained, null);
});
