// `leakwatch diff` on the real leaky-t1 / leaky-t2 captures, checked against `go tool pprof -top -diff_base`.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import test from 'node:test';
import { promisify } from 'node:util';
import { parseGoroutineProfile } from '../src/core/goroutineProfile.js';
import { diffProfiles } from '../src/core/profileDiff.js';
import { UsageError } from '../src/commands/args.js';
import { runDiff, type CommandIo } from '../src/commands/diff.js';
import { findGo } from '../src/demo/demoService.js';
import { fixture, FIXTURES } from './helpers/fixtures.js';
import { join } from 'node:path';

const run = promisify(execFile);
const MAX = 64 << 20;
const LEAK_FUNCTIONS = ['main.leakUnbufferedSend', 'main.leakReceiveNoSender', 'main.leakSelectNoReady', 'main.leakLockNeverReleased', 'main.leakLoopNeverExits'];
const manifest = JSON.parse(fixture('manifest.json').toString()) as { files: Array<{ file: string; goroutines?: number; takenAtSeconds: number }> };
const entry = (f: string) => manifest.files.find((x) => x.file === f)!;

function capture(): { io: CommandIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { io: { out: (s) => void (out += s), err: (s) => void (err += s) }, out: () => out, err: () => err };
}

const A = join(FIXTURES, 'leaky-t1.pb.gz');
const B = join(FIXTURES, 'leaky-t2.pb.gz');

test('diffProfiles: the five leak stacks grew by 10 each (11 -> 21), unchanged stacks are left out, deltas add up', () => {
  const a = parseGoroutineProfile(fixture('leaky-t1.pb.gz'), MAX);
  const b = parseGoroutineProfile(fixture('leaky-t2.pb.gz'), MAX);
  const d = diffProfiles(a, b);
  assert.equal(d.totalA, entry('leaky-t1.pb.gz').goroutines);
  assert.equal(d.totalB, entry('leaky-t2.pb.gz').goroutines);
  assert.equal(d.changed.reduce((s, x) => s + x.delta, 0), d.totalB - d.totalA, 'deltas add up to the change in totals');
  const top5 = d.changed.slice(0, 5);
  assert.deepEqual(top5.map((x) => x.blocking!.function).sort(), [...LEAK_FUNCTIONS].sort());
  assert.ok(top5.every((x) => x.a === 11 && x.b === 21 && x.delta === 10));
  // Benign stacks with the same count in both (the worker pool, the ticker, the burst of 50) are not listed.
  assert.ok(d.changed.every((x) => x.delta !== 0));
  for (const fn of ['main.runWorker', 'main.runMetricsTicker', 'main.handleBurstRequest']) {
    assert.ok(!d.changed.some((x) => x.frames.some((f) => f.function === fn)), `${fn} unchanged, omitted`);
  }
  assert.ok(d.stacks > d.changed.length);
  const send = top5.find((x) => x.blocking!.function === 'main.leakUnbufferedSend')!;
  assert.deepEqual(send.labels, { handler: '/api/orders', tenant: 't1' });
  assert.equal(d.secondsBetween, b.timeSeconds - a.timeSeconds);
  assert.ok(d.secondsBetween! >= 4 && d.secondsBetween! <= 6, `${d.secondsBetween} s between captures taken ${(entry('leaky-t2.pb.gz').takenAtSeconds - entry('leaky-t1.pb.gz').takenAtSeconds).toFixed(2)} s apart`);
});

test('leakwatch diff prints totals, the time between, and one aligned line per changed stack', async () => {
  const c = capture();
  assert.equal(await runDiff([A, B], c.io), 0);
  assert.equal(c.err(), '');
  const lines = c.out().trimEnd().split('\n');
  assert.match(lines[0]!, /^A: .*leaky-t1\.pb\.gz {2}\(123 goroutines, 2026-11-27 \d\d:\d\d:\d\d UTC\)$/);
  assert.match(lines[1]!, /^B: .*leaky-t2\.pb\.gz {2}\(173 goroutines, /);
  assert.match(lines[2]!, /^goroutines 123 → 173 \(\+50\), 5 s apart; \d+ of \d+ stacks changed$/);
  assert.match(lines[4]!, /^delta +A +B +blocking frame +labels$/);
  const rows = lines.slice(5);
  for (const fn of LEAK_FUNCTIONS) {
    const row = rows.find((r) => r.includes(fn));
    assert.ok(row, fn);
    assert.match(row!, new RegExp(`^ *\\+10 +11 +21 +${fn.replace(/\./g, '\\.')} \\(leaks\\.go:\\d+\\)`));
  }
  assert.match(rows.find((r) => r.includes('leakUnbufferedSend'))!, /handler=\/api\/orders tenant=t1$/);
  assert.ok(rows.slice(0, 5).every((r) => /^ *\+10 /.test(r)), 'the leaks rank first');
  // Columns line up: "blocking frame" starts at the same offset in every row.
  const col = lines[4]!.indexOf('blocking frame');
  assert.ok(rows.every((r) => /\S/.test(r[col]!) && r[col - 1] === ' '));

  const top2 = capture();
  assert.equal(await runDiff([A, B, '--top', '2'], top2.io), 0);
  const t2 = top2.out().trimEnd().split('\n');
  assert.equal(t2.length, 5 + 2 + 1);
  assert.match(t2[t2.length - 1]!, /^… \d+ more changed stacks \(raise --top to see them\)$/);
});

test('hostile labels stay on one line, control characters escaped', async () => {
  const c = capture();
  assert.equal(await runDiff([join(FIXTURES, 'quiet.pb.gz'), join(FIXTURES, 'hostile.pb.gz')], c.io), 0);
  const lines = c.out().trimEnd().split('\n');
  const row = lines.find((l) => l.includes('main.parkUntilShutdown'))!;
  assert.equal(lines.length, 6, 'header (3), blank, table head, one row');
  assert.match(row, /comma_newline="a,b\\nc"/);
  assert.match(row, /long=0123456789\d*…/);
  assert.ok(!/[\u0000-\u0008\u000b-\u001f]/.test(c.out()));
  const same = capture();
  assert.equal(await runDiff([B, B], same.io), 0);
  assert.match(same.out(), /\(0\), 0 s apart; 0 of \d+ stacks changed\nno stack changed its goroutine count\n$/);
});

test('errors: one line naming the file, exit 2; usage errors throw UsageError', async () => {
  const cases: Array<[string[], RegExp]> = [
    [[join(FIXTURES, 'nope.pb.gz'), B], /^leakwatch: diff: .*nope\.pb\.gz: no such file\n$/],
    [[A, join(FIXTURES, 'heap.pb.gz')], /^leakwatch: diff: .*heap\.pb\.gz: not a goroutine profile \(sample types: alloc_objects\/count/],
    [[join(FIXTURES, 'leaky-t2.debug1.txt'), B], /^leakwatch: diff: .*leaky-t2\.debug1\.txt: .*text dump/],
    [[FIXTURES, B], /^leakwatch: diff: .*fixtures: is a folder, not a profile\n$/],
    [[join(FIXTURES, 'README.md'), B], /^leakwatch: diff: .*README\.md: not a pprof profile/],
  ];
  for (const [args, re] of cases) {
    const c = capture();
    assert.equal(await runDiff(args, c.io), 2, args.join(' '));
    assert.match(c.err(), re);
    assert.equal(c.err().split('\n').length, 2, 'one line');
    assert.equal(c.out(), '');
  }
  await assert.rejects(runDiff([A], capture().io), UsageError);
  await assert.rejects(runDiff([A, B, '--top', '0'], capture().io), /--top: "0" is not a positive whole number/);
  await assert.rejects(runDiff([A, B, '--bogus'], capture().io), UsageError);
  const help = capture();
  assert.equal(await runDiff(['--help'], help.io), 0);
  assert.match(help.out(), /^leakwatch diff — /);
});

test('same ranking as go tool pprof -top -diff_base: every leak function +10 there too', async (t) => {
  const go = await findGo();
  if (!go) {
    t.skip('Go is not installed (apt-get install golang-go): the comparison with go tool pprof was not made');
    return;
  }
  const env = { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '', PPROF_TMPDIR: process.env.TMPDIR ?? '/tmp' };
  const { stdout } = await run(go, ['tool', 'pprof', '-top', '-cum', '-nodecount=1000', '-diff_base', A, B], { env, timeout: 60_000 });
  // Rows: flat flat% sum% cum cum% name (name may end in " (inline)").
  const cum = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const m = /^\s*(-?\d+)\s+\S+%\s+\S+%\s+(-?\d+)\s+\S+%\s+(\S+)/.exec(line);
    if (m) cum.set(m[3]!, Number(m[2]));
  }
  assert.ok(cum.size > 10, stdout);
  const ours = capture();
  await runDiff([A, B], ours.io);
  for (const fn of LEAK_FUNCTIONS) {
    assert.equal(cum.get(fn), 10, `go tool pprof: ${fn} cum +10`);
    assert.match(ours.out(), new RegExp(`\\+10 +11 +21 +${fn.replace(/\./g, '\\.')} `));
  }
  // Every function with a non-zero cum delta in pprof is on some stack we list, and vice versa for the blocking frames.
  const a = parseGoroutineProfile(fixture('leaky-t1.pb.gz'), MAX);
  const b = parseGoroutineProfile(fixture('leaky-t2.pb.gz'), MAX);
  const d = diffProfiles(a, b);
  const onChanged = new Set(d.changed.flatMap((x) => x.frames.map((f) => f.function)));
  for (const [fn, v] of cum) if (v !== 0) assert.ok(onChanged.has(fn), `${fn} (pprof cum ${v}) is on a changed stack`);
  for (const x of d.changed) if (x.blocking) assert.ok(cum.has(x.blocking.function), `${x.blocking.function} in pprof's list`);
});
