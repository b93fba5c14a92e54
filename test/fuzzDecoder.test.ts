// Fuzz: thousands of mutated real goroutine profiles (bit flips, truncations, insertions, duplicated ranges, on
// the gzipped bytes and on the inflated protobuf) through the decoder and the tick planner. A hostile or broken
// endpoint must yield a clean ProfileError (a pprof-bad-profile row) or a sane profile, never a crash.
import assert from 'node:assert/strict';
import test from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { parseGoroutineProfile, ProfileError } from '../src/core/goroutineProfile.js';
import type { GoroutineProfile, SampleStatus } from '../src/core/model.js';
import { replayHistory } from '../src/core/stackHistory.js';
import { emptyState, planTick, type ProfileOutcome, type TargetState } from '../src/core/tickPlan.js';
import { fixture } from './helpers/fixtures.js';
import { buildProfile } from './helpers/profiles.js';

const SEED = 20261127;
const RUNS = 3000;
/** Per-case size bound (instead of a timer): a mutated input never exceeds this, so no case can run long. */
const MAX_CASE_BYTES = 256 * 1024;
/** The inflate cap the recorder would use for maxProfileBytes = 512 KiB (x8). */
const MAX_INFLATED = 4 * 1024 * 1024;

const STATUSES: SampleStatus[] = [
  'ok', 'no-process', 'process-ambiguous', 'pid-reused', 'pprof-unreachable', 'pprof-timeout', 'pprof-http-error',
  'pprof-bad-profile', 'pprof-too-large', 'error',
];

const FIXTURES = ['leaky-t1.pb.gz', 'leaky-t2.pb.gz', 'quiet.pb.gz', 'hostile.pb.gz', 'distinct-500.pb.gz', 'heap.pb.gz'];
const gz = FIXTURES.map((n) => fixture(n));
const raw = gz.map((b) => gunzipSync(b));

type Op =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'dup'; from: number; len: number; at: number }
  | { op: 'set'; at: number; value: number };

const frac = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('flip' as const), at: frac, bit: fc.integer({ min: 0, max: 7 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: frac }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), at: frac, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('dup' as const), from: frac, len: fc.integer({ min: 1, max: 4096 }), at: frac }) },
  // Bytes that matter to protobuf: varint continuation, wire types 1/5 (unsupported), huge lengths.
  { weight: 2, arbitrary: fc.record({ op: fc.constant('set' as const), at: frac, value: fc.constantFrom(0x00, 0x7f, 0x80, 0xff, 0x09, 0x0d, 0x0a, 0x12, 0x3a, 0x5a) }) },
);

function mutate(input: Uint8Array, ops: Op[]): Buffer {
  let b = Buffer.from(input);
  for (const o of ops) {
    const pos = (f: number) => Math.floor(f * (b.length + 1));
    if (o.op === 'flip' && b.length) {
      const i = Math.min(b.length - 1, pos(o.at));
      b[i] ^= 1 << o.bit;
    } else if (o.op === 'set' && b.length) {
      b[Math.min(b.length - 1, pos(o.at))] = o.value;
    } else if (o.op === 'truncate') {
      b = b.subarray(0, pos(o.at));
    } else if (o.op === 'insert') {
      const i = pos(o.at);
      b = Buffer.concat([b.subarray(0, i), o.bytes, b.subarray(i)]);
    } else if (o.op === 'dup') {
      const from = pos(o.from);
      const piece = b.subarray(from, from + o.len);
      const at = pos(o.at);
      b = Buffer.concat([b.subarray(0, at), piece, b.subarray(at)]);
    }
    if (b.length > MAX_CASE_BYTES) b = b.subarray(0, MAX_CASE_BYTES); // the per-case size bound
  }
  return Buffer.from(b);
}

/** How a mutated body reaches the decoder: gzipped bytes mutated; inflated protobuf mutated, sent raw or re-gzipped. */
type Layer = 'gzip' | 'proto-raw' | 'proto-regzip';

function bodyFor(base: number, layer: Layer, ops: Op[]): Buffer {
  if (layer === 'gzip') return mutate(gz[base], ops);
  const m = mutate(raw[base], ops);
  return layer === 'proto-raw' ? m : gzipSync(m);
}

/** The invariant every decoded profile must hold. */
function checkProfile(p: GoroutineProfile): void {
  assert.ok(Number.isSafeInteger(p.total) && p.total >= 0, `total ${p.total}`);
  let sum = 0;
  for (const s of p.stacks) {
    assert.ok(Number.isSafeInteger(s.count) && s.count >= 0, `count ${s.count}`);
    sum += s.count;
  }
  assert.equal(sum, p.total);
  // A time that a Date can hold (diff prints it with toISOString, which throws on anything else).
  assert.ok(Number.isSafeInteger(p.timeSeconds) && !Number.isNaN(new Date(p.timeSeconds * 1000).getTime()), `timeSeconds ${p.timeSeconds}`);
}

/** A state after one good tick on a real profile, so the fuzzed tick also exercises the delta path. */
const target = { name: 'fuzz', pprof: 'http://127.0.0.1:1/debug/pprof' };
const seeded = (() => {
  const p = parseGoroutineProfile(gz[0], MAX_INFLATED);
  const plan = planTick(emptyState(), target, 1000, { kind: 'url-only', lifetime: 'url', event: 'start' }, { ok: true, profile: p }, -1);
  plan.state.historyBytes = plan.historyLine!.length;
  return { state: plan.state, history: plan.historyLine! };
})();

/** Runs one input through decode + plan, as recordTick does, and checks everything that comes out. */
function runCase(body: Buffer): 'ok' | 'profile-error' {
  let outcome: ProfileOutcome;
  let result: 'ok' | 'profile-error';
  try {
    const profile = parseGoroutineProfile(body, MAX_INFLATED);
    checkProfile(profile);
    outcome = { ok: true, profile };
    result = 'ok';
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    assert.ok(e instanceof ProfileError, `not a ProfileError: ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.ok(e.message.length > 0 && !/[\r\n]/.test(e.message), 'a one-line message');
    outcome = { ok: false, status: /more than/.test(e.message) ? 'pprof-too-large' : 'pprof-bad-profile', message: e.message };
    result = 'profile-error';
  }
  for (const [prev, historyBytes, history] of [
    [emptyState(), -1, ''],
    [seeded.state, seeded.history.length, seeded.history],
  ] as Array<[TargetState, number, string]>) {
    const plan = planTick(prev, target, 1060, { kind: 'url-only', lifetime: 'url', event: prev.lifetime === 'url' ? '' : 'start' }, outcome, historyBytes);
    assert.ok(STATUSES.includes(plan.row.status), plan.row.status);
    assert.equal(plan.row.status === 'ok', result === 'ok');
    JSON.stringify(plan.state); // the state must serialise (no BigInt)
    if (outcome?.ok) {
      assert.equal(plan.row.goroutines, outcome.profile.total);
      // The history line reads back to the same total and counts: nothing the decoder let through breaks the log.
      const replay = replayHistory(history + plan.historyLine!, 'h');
      assert.deepEqual(replay.warnings, []);
      const last = replay.ticks[replay.ticks.length - 1];
      assert.equal(last.total, outcome.profile.total);
      assert.equal([...last.counts.values()].reduce((a, b) => a + b, 0), outcome.profile.total);
    } else {
      assert.equal(plan.historyLine, null);
      assert.ok(plan.row.message.length > 0);
    }
  }
  return result;
}

test(`fuzz: ${RUNS} mutated real profiles decode to a sane profile or a ProfileError, and always plan a valid row`, { timeout: 300_000 }, (t) => {
  t.diagnostic(`fast-check seed ${SEED}, ${RUNS} runs`);
  console.log(`fuzzDecoder: fast-check seed ${SEED}, ${RUNS} runs`);
  const tally = { ok: 0, 'profile-error': 0 };
  const layers: Layer[] = ['gzip', 'proto-raw', 'proto-regzip', 'proto-regzip'];
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: gz.length - 1 }),
      fc.constantFrom(...layers),
      fc.array(opArb, { minLength: 1, maxLength: 6 }),
      (base, layer, ops) => {
        tally[runCase(bodyFor(base, layer, ops))]++;
      },
    ),
    { seed: SEED, numRuns: RUNS, endOnFailure: false },
  );
  t.diagnostic(`outcomes: ${JSON.stringify(tally)}`);
  // Both branches are exercised: the fuzz is not just rejecting everything at the gzip check. (~5% come through:
  // the decoder refuses a length, varint or wire type that pprof-format let pass, e.g. a length past the end.)
  assert.ok(tally.ok > RUNS / 40, JSON.stringify(tally));
  assert.ok(tally['profile-error'] > RUNS / 20, JSON.stringify(tally));
});

// ---- Regression and hand-made hostile cases ----

test('hand-made hostile profiles and fuzz regressions: ProfileError or a sane profile, never a crash', async (t) => {
  const cases: Array<[string, () => Buffer, 'ok' | 'profile-error']> = [
    ['empty body', () => Buffer.alloc(0), 'profile-error'],
    ['gzip of nothing', () => gzipSync(Buffer.alloc(0)), 'profile-error'],
    ['samples with no locations', () => buildProfile({ samples: [{ locs: [], value: 3 }, { locs: [], value: 4 }] }), 'ok'],
    // Regression: a count of 2^60 came through as an inexact double (counts no longer summed to the total).
    ['a count of 2^60 (not a goroutine count)', () => buildProfile({ samples: [{ locs: [1], value: 2n ** 60n }] }), 'profile-error'],
    ['two counts whose sum is beyond 2^53', () => buildProfile({ samples: [{ locs: [1], value: 2 ** 52 }, { locs: [2], value: 2 ** 52 }] }), 'profile-error'],
    // Regression: frames.push(...loc) threw RangeError (Maximum call stack size exceeded), not a ProfileError.
    ['a location with 300,000 inlined lines', () => buildProfile({ samples: [{ locs: [1], value: 1 }], locLines: 300_000 }), 'ok'],
    // Regression: ~1 MB of protobuf expanded into 100 million frames (memory exhaustion).
    ['frame amplification: 2,000 samples x 500 refs to a 100-line location', () => buildProfile({
      samples: Array.from({ length: 2000 }, (_, i) => ({ locs: [...Array<number>(499).fill(1), i + 2], value: 1 })),
      locLines: 100,
    }), 'profile-error'],
    ['a huge string table (200,000 strings)', () => buildProfile({ samples: [{ locs: [1], value: 5 }], extraStrings: 200_000 }), 'ok'],
    ['a valid profile of another type (heap)', () => fixture('heap.pb.gz'), 'profile-error'],
    // A 16-byte varint time_nanos (field 9, last value wins): ~4e22 s, a time no Date holds (`diff` printed it with toISOString).
    ['a time_nanos far beyond 2^64', () => gzipSync(Buffer.concat([raw[1], Buffer.from([0x48, ...Array<number>(15).fill(0xff), 0x01])])), 'ok'],
  ];
  for (const [name, body, expected] of cases) {
    await t.test(name, () => assert.equal(runCase(body()), expected));
  }
});
