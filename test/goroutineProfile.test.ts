import assert from 'node:assert/strict';
import test from 'node:test';
import { gzipSync } from 'node:zlib';
import { decodeGoroutineProfile, inflateProfile, parseGoroutineProfile, ProfileError } from '../src/core/goroutineProfile.js';
import { fixture, parseDebug1 } from './helpers/fixtures.js';

const MAX = 64 * 1024 * 1024;

test('decodes a real profile from the demo service: totals and per-stack counts match its own debug=1 dump', () => {
  const p = parseGoroutineProfile(fixture('leaky-t2.pb.gz'), MAX);
  const d1 = parseDebug1(fixture('leaky-t2.debug1.txt').toString());
  assert.equal(p.total, 173);
  assert.equal(p.total, d1.total);
  assert.equal(p.stacks.reduce((a, s) => a + s.count, 0), p.total);
  // Each debug=1 block of the service's own goroutines (which hides runtime frames) is one decoded stack with
  // the same count, labels and non-runtime functions in the same order. (The two dumps were two HTTP requests,
  // so the few goroutines serving those requests differ; those are left out of the comparison.)
  const strip = (fns: string[]) => fns.filter((f) => !f.startsWith('runtime.'));
  const canon = (count: number, labels: Record<string, string>, fns: string[]) =>
    `${count} ${JSON.stringify(Object.entries(labels).sort())} ${strip(fns).join('<')}`;
  const own = (fns: string[]) => fns.some((f) => f.startsWith('main.'));
  const decoded = p.stacks.filter((s) => own(s.frames.map((f) => f.function))).map((s) => canon(s.count, s.labels, s.frames.map((f) => f.function))).sort();
  const expected = d1.blocks.filter((b) => own(b.functions)).map((b) => canon(b.count, b.labels, b.functions)).sort();
  assert.ok(decoded.length >= 12, `${decoded.length} service stacks`);
  assert.deepEqual(decoded, expected);
});

test('stack frames are leaf first with file and line; labels come through', () => {
  const p = parseGoroutineProfile(fixture('leaky-t2.pb.gz'), MAX);
  const send = p.stacks.find((s) => s.frames.some((f) => f.function === 'main.leakUnbufferedSend'))!;
  assert.equal(send.count, 21);
  assert.deepEqual(send.labels, { handler: '/api/orders', tenant: 't1' });
  assert.equal(send.frames[0].function, 'runtime.gopark');
  const leak = send.frames.find((f) => f.function === 'main.leakUnbufferedSend')!;
  assert.match(leak.file, /demo-service\/leaks\.go$/);
  assert.ok(leak.line > 0);
  const names = send.frames.map((f) => f.function);
  assert.ok(names.indexOf('main.leakUnbufferedSend') < names.indexOf('main.handleOrder'), 'callee before caller');
});

test('the leak grows between two real captures, benign stacks do not', () => {
  const t1 = parseGoroutineProfile(fixture('leaky-t1.pb.gz'), MAX);
  const t2 = parseGoroutineProfile(fixture('leaky-t2.pb.gz'), MAX);
  assert.equal(t1.total, 123);
  const count = (p: typeof t1, fn: string) => p.stacks.filter((s) => s.frames.some((f) => f.function === fn)).reduce((a, s) => a + s.count, 0);
  for (const fn of ['main.leakUnbufferedSend', 'main.leakReceiveNoSender', 'main.leakSelectNoReady', 'main.leakLoopNeverExits']) {
    assert.ok(count(t2, fn) > count(t1, fn), fn);
  }
  assert.equal(count(t2, 'main.runWorker.func1'), count(t1, 'main.runWorker.func1'));
});

test('hostile label strings decode exactly as the service set them', () => {
  const p = parseGoroutineProfile(fixture('hostile.pb.gz'), MAX);
  const hostile = p.stacks.find((s) => 'formula' in s.labels)!;
  assert.equal(hostile.labels.formula, '=HYPERLINK("http://x","click")');
  assert.equal(hostile.labels.comma_newline, 'a,b\nc');
  assert.ok(hostile.labels.long.length >= 5000);
  assert.ok(Object.values(hostile.labels).some((v) => v.includes('</script>')));
});

test('a high-cardinality profile keeps every distinct labelled stack', () => {
  const p = parseGoroutineProfile(fixture('distinct-500.pb.gz'), MAX);
  assert.equal(p.total, 517);
  const shards = new Set(p.stacks.map((s) => s.labels.shard).filter(Boolean));
  assert.equal(shards.size, 500);
});

test('wrong or broken bodies are refused with a message that says what they are', () => {
  const real = fixture('leaky-t2.pb.gz');
  const cases: Array<[Uint8Array, RegExp]> = [
    [Buffer.from('<!DOCTYPE html><html><body>Please log in</body></html>'), /answered HTML/],
    [fixture('leaky-t2.debug1.txt'), /text dump \(debug=1\/2\)/],
    [real.subarray(0, real.length / 2), /truncated gzip|not valid gzip/],
    [gzipSync(Buffer.from('this is not a protobuf at all, just words')), /not a pprof profile|out of range|not a goroutine profile/],
    [fixture('heap.pb.gz'), /not a goroutine profile \(sample types: alloc_objects\/count/],
    [Buffer.alloc(0), /empty body/],
  ];
  for (const [body, re] of cases) {
    assert.throws(() => parseGoroutineProfile(body, MAX), (e: Error) => e instanceof ProfileError && re.test(e.message), re.source);
  }
});

test('a gzip bomb is stopped at the inflate cap', () => {
  const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024));
  assert.throws(() => inflateProfile(bomb, 1024 * 1024), /inflates to more than 1048576 bytes/);
});

test('an uncompressed profile.proto is accepted too', () => {
  const raw = inflateProfile(fixture('quiet.pb.gz'), MAX);
  assert.equal(decodeGoroutineProfile(raw).total, parseGoroutineProfile(fixture('quiet.pb.gz'), MAX).total);
});
