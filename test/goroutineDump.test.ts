// The debug=2 / panic goroutine dump parser, on real dumps from Go 1.26 (see test/fixtures/README.md).
import assert from 'node:assert/strict';
import test from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import {
  GO_DUMP_LIMIT_BYTES,
  parseGoroutineDump,
  parseHeaderStatus,
  waitDistribution,
  type DumpGoroutine,
} from '../src/core/goroutineDump.js';
import { dumpFactsForSuspects } from '../src/analysis/evidence.js';
import { fixture, parseDebug1 } from './helpers/fixtures.js';

const manifest = JSON.parse(fixture('manifest.json').toString()) as { files: Array<{ file: string; goroutines?: number }> };
const stats = JSON.parse(fixture('leaky-t2.stats.json').toString()) as { leaked: Record<string, number> };

const LEAKS = [
  { kind: 'send', fn: 'main.leakUnbufferedSend', state: 'chan send' },
  { kind: 'recv', fn: 'main.leakReceiveNoSender', state: 'chan receive' },
  { kind: 'select', fn: 'main.leakSelectNoReady', state: 'select' },
  { kind: 'mutex', fn: 'main.leakLockNeverReleased', state: 'sync.Mutex.Lock' },
  { kind: 'loop', fn: 'main.leakLoopNeverExits', state: 'sleep' },
];

const through = (gs: DumpGoroutine[], fn: string) => gs.filter((g) => g.frames.some((f) => f.function === fn));

test('leaky-t2.debug2.txt: every goroutine parses, the total matches the manifest and the leaks have their wait reason and creator', () => {
  const text = fixture('leaky-t2.debug2.txt').toString();
  const d = parseGoroutineDump(text);
  assert.equal(d.truncated, false);
  assert.equal(d.skippedLines, 0);
  const expectedTotal = manifest.files.find((f) => f.file === 'leaky-t2.debug2.txt')!.goroutines;
  assert.equal(d.goroutines.length, expectedTotal);
  assert.equal(d.goroutines.length, 173);
  assert.equal(d.goroutines.length, (text.match(/^goroutine \d+ \[/gm) ?? []).length);
  assert.equal(new Set(d.goroutines.map((g) => g.id)).size, 173, 'ids are unique');
  assert.ok(d.goroutines.every((g) => g.frames.length > 0 && g.frames.every((f) => f.function && f.file.startsWith('/') && f.line > 0)));
  // Every goroutine but main has a creator, with the creating goroutine (Go 1.21+ form).
  const noCreator = d.goroutines.filter((g) => !g.createdBy).map((g) => g.id);
  assert.deepEqual(noCreator, [1]);
  assert.ok(d.goroutines.every((g) => !g.createdBy || (g.createdBy.goroutineId !== null && g.createdBy.line > 0)));
  assert.ok(d.goroutines.every((g) => g.waitMinutes === null && !g.lockedToThread && !g.elidedFrames && Object.keys(g.labels).length === 0));

  for (const leak of LEAKS) {
    const gs = through(d.goroutines, leak.fn);
    assert.equal(gs.length, stats.leaked[leak.kind], `${leak.fn}: as many as the service's /stats counted`);
    assert.deepEqual([...new Set(gs.map((g) => g.state))], [leak.state], leak.fn);
    assert.deepEqual([...new Set(gs.map((g) => g.createdBy?.function))], ['main.spawnLeak'], leak.fn);
    assert.match(gs[0]!.createdBy!.file, /demo-service\/leaks\.go$/);
  }

  // Frame details: argument lists and +0x offsets are stripped, names with parentheses kept, inlined frames (no offset) kept.
  const mutex = through(d.goroutines, 'main.leakLockNeverReleased')[0]!;
  assert.deepEqual(mutex.frames.map((f) => f.function), [
    'internal/sync.runtime_SemacquireMutex',
    'internal/sync.(*Mutex).lockSlow',
    'internal/sync.(*Mutex).Lock',
    'sync.(*Mutex).Lock',
    'main.leakLockNeverReleased',
    'main.handleCheckout',
  ]);
  assert.deepEqual(mutex.frames[3], { function: 'sync.(*Mutex).Lock', file: '/usr/local/go/src/sync/mutex.go', line: 46 });
  const profiler = d.goroutines.find((g) => g.state === 'running')!;
  assert.equal(profiler.frames[0]!.function, 'runtime/pprof.writeGoroutineStacks');
  assert.equal(profiler.createdBy!.function, 'net/http.(*Server).Serve');

  // The same leaks, counted by the service's own debug=1 dump taken right after (same stacks, same counts).
  const d1 = parseDebug1(fixture('leaky-t2.debug1.txt').toString());
  for (const leak of LEAKS) {
    const inD1 = d1.blocks.filter((b) => b.functions.includes(leak.fn)).reduce((a, b) => a + b.count, 0);
    assert.equal(through(d.goroutines, leak.fn).length, inD1, leak.fn);
  }
});

/** What the report says about the goroutines on one stack of the dump (the stack of `fn`'s first goroutine). */
function factsFor(gs: DumpGoroutine[], fn: string) {
  const [facts] = dumpFactsForSuspects([{ frames: through(gs, fn)[0]!.frames, labels: {}, stackId: 1 }], { goroutines: gs, truncated: false, skippedLines: 0 }, 0, []);
  assert.ok(facts, fn);
  return facts;
}

test('leaky-t2 per leak stack: its count, state and creator; every goroutine but main has a creator', () => {
  const d = parseGoroutineDump(fixture('leaky-t2.debug2.txt'));
  assert.equal(d.goroutines.length, 173);
  for (const leak of LEAKS) {
    const gs = through(d.goroutines, leak.fn);
    assert.equal(new Set(gs.map((g) => g.id)).size, 21, leak.fn);
    assert.deepEqual([...new Set(gs.map((g) => g.state))], [leak.state]);
    assert.deepEqual([...new Set(gs.map((g) => g.createdBy?.function))], ['main.spawnLeak']);
    const f = factsFor(d.goroutines, leak.fn);
    assert.equal(f.blockedMinutes.goroutines, 21, 'one stack per leak');
    assert.equal(f.waitReason, leak.state);
    assert.equal(f.createdBy, 'main.spawnLeak');
    // Under a minute old: no minutes printed, counted as 0.
    const b = f.blockedMinutes;
    assert.deepEqual({ min: b.min, median: b.median, max: b.max, stamped: b.stamped }, { min: 0, median: 0, max: 0, stamped: 0 });
    assert.equal(b.histogram[0]!.count, 21);
  }
  assert.deepEqual(d.goroutines.filter((g) => g.createdBy === null).map((g) => g.id), [1]);
});

test('waiting.debug2.txt: wait minutes, locked to thread, every wait reason, labels in the header, elided frames', () => {
  const d = parseGoroutineDump(fixture('waiting.debug2.txt'));
  assert.equal(d.truncated, false);
  assert.equal(d.skippedLines, 0);
  const byFn = (fn: string) => through(d.goroutines, fn);
  const one = (fn: string) => {
    const gs = byFn(fn);
    assert.equal(gs.length, 1, fn);
    return gs[0]!;
  };
  assert.equal(one('main.blockNilRecv').state, 'chan receive (nil chan)');
  assert.equal(one('main.blockSelect').state, 'select');
  assert.equal(one('main.blockSelectNoCases').state, 'select (no cases)');
  assert.equal(one('main.blockMutex').state, 'sync.Mutex.Lock');
  assert.equal(one('main.blockWaitGroup').state, 'sync.WaitGroup.Wait');
  assert.equal(one('main.blockCond').state, 'sync.Cond.Wait');
  assert.equal(one('main.blockSleep').state, 'sleep');
  assert.deepEqual(byFn('main.blockRecv').map((g) => g.state), ['chan receive', 'chan receive']);

  const locked = one('main.lockedToThread');
  assert.equal(locked.lockedToThread, true);
  assert.equal(locked.state, 'chan receive');
  assert.equal(locked.waitMinutes, 2);
  assert.deepEqual(d.goroutines.filter((g) => g.lockedToThread).map((g) => g.id), [locked.id]);

  const labelled = one('main.labelled');
  assert.equal(labelled.state, 'chan receive');
  assert.equal(labelled.waitMinutes, 2);
  assert.deepEqual(labelled.labels, { handler: '/api/orders', note: 'a "quoted" }]: value\nwith a newline and ü' });
  assert.deepEqual(labelled.frames.map((f) => f.function), ['main.labelled.func1', 'runtime/pprof.Do', 'main.labelled']);

  const deep = one('main.deep');
  assert.equal(deep.elidedFrames, true);
  assert.equal(deep.frames.length, 100, 'Go prints the 50 innermost and 50 outermost frames');
  assert.equal(deep.createdBy!.function, 'main.main');
  assert.ok(d.goroutines.filter((g) => g !== deep).every((g) => !g.elidedFrames));

  // Seven goroutines on one blockSend stack, parked at 0 s, 61 s, 120 s and after the last GC (see the program).
  const send = factsFor(d.goroutines, 'main.blockSend');
  assert.equal(send.blockedMinutes.goroutines, 7);
  assert.deepEqual(byFn('main.blockSend').map((g) => g.createdBy?.function), Array(7).fill('main.main'));
  assert.equal(send.createdBy, 'main.main');
  const minutes = byFn('main.blockSend').map((g) => g.waitMinutes).sort();
  assert.deepEqual(minutes, [1, 2, 2, 2, 2, 2, null]);
  const w = send.blockedMinutes;
  assert.deepEqual({ min: w.min, median: w.median, max: w.max, stamped: w.stamped }, { min: 0, median: 2, max: 2, stamped: 6 });
  assert.deepEqual(w.histogram.map((b) => [b.label, b.count]), [['0', 1], ['1', 6], ['5', 0], ['15', 0], ['60', 0], ['240', 0], ['1440+', 0]]);
  assert.deepEqual([...new Set(byFn('main.blockSend').map((g) => g.state))], ['chan send']);
  assert.equal(send.waitReason, 'chan send');
});

test('panic-system.txt: a crash traceback with GOTRACEBACK=system (gp=/m= headers, fp/sp/pc) and tracebackancestors blocks', () => {
  const text = fixture('panic-system.txt').toString();
  const d = parseGoroutineDump(text);
  assert.equal(d.truncated, false);
  assert.equal(d.skippedLines, 1, 'the "panic: boom" line');
  assert.deepEqual(d.goroutines.map((g) => g.id), [1, 2, 3, 4, 17, 18, 19]);
  const [main] = d.goroutines;
  assert.equal(main!.state, 'running');
  assert.deepEqual(main!.frames.map((f) => f.function), ['panic', 'main.main', 'runtime.main', 'runtime.goexit']);
  assert.deepEqual(main!.frames[1], { function: 'main.main', file: '/tmp/panicdump/main.go', line: 22 });
  assert.equal(d.goroutines.find((g) => g.id === 2)!.state, 'force gc (idle)');
  const leaf = d.goroutines.find((g) => g.id === 19)!;
  assert.equal(leaf.state, 'chan receive');
  // The ancestor block after the creator describes goroutine 18, not this one.
  assert.deepEqual(leaf.frames.map((f) => f.function), ['runtime.gopark', 'runtime.chanrecv', 'runtime.chanrecv1', 'main.blockRecv', 'main.spawner.gowrap1', 'runtime.goexit']);
  assert.deepEqual(leaf.createdBy, { function: 'main.spawner', goroutineId: 18, file: '/tmp/panicdump/main.go', line: 14 });
  assert.equal(d.goroutines.find((g) => g.id === 18)!.state, 'select (no cases)');
});

test('the pre-Go 1.21 creator line ("created by F" without "in goroutine"), as Go still prints it in ancestor blocks', () => {
  // The record of goroutine 19 from panic-system.txt, with its creator written the way Go <= 1.20 did
  // (the very line the fixture's ancestor block of goroutine 18 has).
  const text = fixture('panic-system.txt').toString();
  const start = text.indexOf('goroutine 19 ');
  const record = text.slice(start, text.indexOf('[originating from goroutine 18]', start));
  const old = record.replace('created by main.spawner in goroutine 18\n', 'created by main.spawner\n');
  const d = parseGoroutineDump(old);
  assert.equal(d.goroutines.length, 1);
  assert.deepEqual(d.goroutines[0]!.createdBy, { function: 'main.spawner', goroutineId: null, file: '/tmp/panicdump/main.go', line: 14 });
  assert.equal(d.truncated, false);
});

test('header variants', () => {
  assert.deepEqual(parseHeaderStatus('chan send, 2 minutes'), { state: 'chan send', waitMinutes: 2, lockedToThread: false, labels: {}, leaked: false });
  assert.deepEqual(parseHeaderStatus('select, locked to thread'), { state: 'select', waitMinutes: null, lockedToThread: true, labels: {}, leaked: false });
  assert.deepEqual(parseHeaderStatus('chan receive (nil chan), 5 minutes'), { state: 'chan receive (nil chan)', waitMinutes: 5, lockedToThread: false, labels: {}, leaked: false });
  assert.equal(parseHeaderStatus('chan receive, 1 minutes').waitMinutes, 1);
  // Suffixes the runtime appends (runtime/traceback.go goroutineheader): leaked, scan, synctest bubble.
  assert.deepEqual(parseHeaderStatus('chan send (leaked), 12 minutes'), { state: 'chan send', waitMinutes: 12, lockedToThread: false, labels: {}, leaked: true });
  assert.equal(parseHeaderStatus('select (scan)').state, 'select');
  assert.equal(parseHeaderStatus('chan receive (durable), synctest bubble 3').state, 'chan receive (durable)');
  // Labels as runtime printquoted writes them: \xHH, \uHHHH, \UHHHHHHHH escapes; a value may hold "}]:" and ", ".
  assert.deepEqual(parseHeaderStatus('sleep labels:{"a": "x, y", "b\\x01": "\\U0001f600}]:"}').labels, { a: 'x, y', 'b\u0001': '😀}]:' });
  // A header line with labels is still one goroutine even when a value contains "]:".
  const d = parseGoroutineDump('goroutine 5 [select, 3 minutes labels:{"k": "]: ["}]:\nmain.f()\n\t/x/main.go:3 +0x1\ncreated by main.main in goroutine 1\n\t/x/main.go:9 +0x2\n');
  assert.deepEqual(d.goroutines.map((g) => [g.id, g.state, g.waitMinutes, g.labels]), [[5, 'select', 3, { k: ']: [' }]]);
});

test('truncated dumps keep what parsed and say so', () => {
  const text = fixture('leaky-t2.debug2.txt').toString();
  const full = parseGoroutineDump(text);
  // Cut mid-frame: inside the file line of the mutex leak's sync.(*Mutex).Lock frame, in the middle of the dump.
  const at = text.indexOf('\t/usr/local/go/src/sync/mutex.go:46', text.length / 3);
  assert.ok(at > 0);
  const cut = text.slice(0, at + 20);
  const d = parseGoroutineDump(cut);
  assert.equal(d.truncated, true);
  assert.equal(d.skippedLines, 0);
  const before = (cut.match(/^goroutine \d+ \[/gm) ?? []).length;
  assert.equal(d.goroutines.length, before);
  const last = d.goroutines[d.goroutines.length - 1]!;
  assert.equal(last.state, 'sync.Mutex.Lock');
  // The cut frame is dropped (its line number would be a guess); the frames before it are kept.
  assert.deepEqual(last.frames.map((f) => f.function), ['internal/sync.runtime_SemacquireMutex', 'internal/sync.(*Mutex).lockSlow', 'internal/sync.(*Mutex).Lock']);
  assert.deepEqual(d.goroutines.slice(0, -1), full.goroutines.slice(0, before - 1));

  // Cut right after a function line (its file line missing), and right after a header.
  const fnEnd = text.indexOf('\n', text.indexOf('main.leakSelectNoReady(', text.length / 2)) + 1;
  assert.equal(parseGoroutineDump(text.slice(0, fnEnd)).truncated, true);
  const headerEnd = text.indexOf('\n', text.indexOf('\ngoroutine ', text.length / 2) + 1) + 1;
  const h = parseGoroutineDump(text.slice(0, headerEnd));
  assert.equal(h.truncated, true);
  assert.equal(h.goroutines[h.goroutines.length - 1]!.frames.length, 0);
  // Cut inside a "+0x" offset: the file:line before it is whole and kept.
  const offEnd = text.indexOf(' +0x', text.indexOf('main.leakUnbufferedSend(')) + 4;
  const o = parseGoroutineDump(text.slice(0, offEnd));
  assert.equal(o.truncated, true);
  assert.deepEqual(o.goroutines[o.goroutines.length - 1]!.frames[0]!, { function: 'main.leakUnbufferedSend', file: '/work/main/demo-service/leaks.go', line: 140 });
  // Cut inside the line number (":14" of ":140"): that frame is dropped, not recorded at line 14.
  const numEnd = text.indexOf(':140 +0x', text.indexOf('main.leakUnbufferedSend(')) + 3;
  const n = parseGoroutineDump(text.slice(0, numEnd));
  assert.equal(n.truncated, true);
  assert.deepEqual(n.goroutines[n.goroutines.length - 1]!.frames, []);

  // Go's own cap: runtime/pprof writes exactly 64 MiB when the dump does not fit.
  const big = text.repeat(Math.ceil(GO_DUMP_LIMIT_BYTES / text.length) + 1).slice(0, GO_DUMP_LIMIT_BYTES);
  assert.equal(Buffer.byteLength(big), GO_DUMP_LIMIT_BYTES);
  const b = parseGoroutineDump(big);
  assert.equal(b.truncated, true);
  assert.ok(b.goroutines.length > 150_000);
});

test('garbage never throws', () => {
  for (const input of [
    '',
    '\n\n\n',
    'goroutine',
    'goroutine 1 [',
    'goroutine x [running]:\nmain.main()\n',
    '\t/orphan/file.go:12 +0x1\n',
    'created by nothing\n',
    '...additional frames elided...\n',
    fixture('leaky-t2.debug1.txt').toString(),
  ]) {
    const d = parseGoroutineDump(input);
    assert.equal(d.goroutines.length, 0, JSON.stringify(input.slice(0, 40)));
  }
  assert.ok(parseGoroutineDump(fixture('leaky-t2.debug1.txt')).skippedLines > 10, 'debug=1 text is not a debug=2 dump');
  const bin = parseGoroutineDump(fixture('leaky-t2.pb.gz'));
  assert.equal(bin.goroutines.length, 0, 'a gzipped protobuf inflates to no goroutine records');
  // Gzipped text (how the recorder stores debug=2 snapshots) parses like the text; cut gzip is garbage, not a throw.
  const gz = gzipSync(fixture('waiting.debug2.txt'));
  assert.deepEqual(parseGoroutineDump(gz), parseGoroutineDump(fixture('waiting.debug2.txt')));
  const half = parseGoroutineDump(gz.subarray(0, gz.length / 2));
  assert.equal(half.truncated, true, 'a gzip stream cut short: what it holds, marked truncated');
  assert.ok(half.goroutines.length > 3 && half.goroutines.length < 19, `${half.goroutines.length} goroutines`);
  const corrupt = Buffer.from(gz);
  corrupt.fill(0x55, 20, 60);
  assert.doesNotThrow(() => parseGoroutineDump(corrupt));
  assert.equal(parseGoroutineDump(new Uint8Array([0xff, 0xfe, 0x00, 0x80, 0x0a])).goroutines.length, 0);
  // Windows line ends (a dump saved by a Windows tool) parse the same.
  const lf = parseGoroutineDump(fixture('waiting.debug2.txt').toString());
  assert.deepEqual(parseGoroutineDump(fixture('waiting.debug2.txt').toString().replace(/\n/g, '\r\n')), lf);

  const lines = fixture('leaky-t2.debug2.txt').toString().split('\n');
  fc.assert(
    fc.property(fc.string({ maxLength: 400 }), (s) => {
      const d = parseGoroutineDump(s);
      return Array.isArray(d.goroutines) && d.skippedLines >= 0;
    }),
    { numRuns: 500 },
  );
  // Real lines, shuffled, dropped and duplicated: whatever comes out is well-formed.
  fc.assert(
    fc.property(fc.array(fc.nat({ max: lines.length - 1 }), { maxLength: 300 }), (idx) => {
      const d = parseGoroutineDump(idx.map((i) => lines[i]).join('\n') + '\n');
      return d.goroutines.every((g) => Number.isInteger(g.id) && g.frames.every((f) => typeof f.function === 'string' && f.line >= 0));
    }),
    { numRuns: 300 },
  );
});

test('waitDistribution: median of the printed minutes, null counted as 0, open last bin', () => {
  const w = waitDistribution([null, 3, 70, 2000, 2000]);
  assert.deepEqual({ min: w.min, median: w.median, max: w.max, stamped: w.stamped }, { min: 0, median: 70, max: 2000, stamped: 4 });
  assert.deepEqual(w.histogram.map((b) => b.count), [1, 1, 0, 0, 1, 0, 2]);
  assert.equal(w.histogram[6]!.toMinutes, null);
  assert.equal(waitDistribution([1, 4]).median, 2.5);
  assert.deepEqual(waitDistribution([]).histogram.map((b) => b.count), [0, 0, 0, 0, 0, 0, 0]);
});
