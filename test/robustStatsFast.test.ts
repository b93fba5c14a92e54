// The O(n log n) Theil–Sen and Mann–Kendall (src/analysis/robustStats.ts) against their O(n^2) definitions, on
// thousands of random series shaped like what the analyses feed them: whole goroutine counts, bucket medians,
// millisecond timestamps, ties, repeated and unsorted times, constant series, and plain real numbers. Equality is
// exact (Object.is through assert/strict): the fast paths must return the same number, bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  bucketMedians,
  medianOfRange,
  medianOfRangeKept,
  THEIL_SEN_FAST_MIN_POINTS,
  mannKendall,
  mannKendallReference,
  theilSenExact,
  theilSenExactReference,
  theilSenFast,
} from '../src/analysis/robustStats.js';
import { gaussian, seededRandom } from './helpers/seededRandom.js';

const T0 = 1_794_614_400;

/** provable: whole or half counts (or dyadic reals) at ascending times, which the fast path must always answer. */
type Series = { kind: string; x: number[]; y: number[]; provable: boolean };

/** One random series of n points; `kind` picks the shape (see the cases). */
function randomSeries(r: () => number, n: number, kind: number): Series {
  const g = gaussian(r);
  const int = (k: number) => Math.floor(r() * k);
  const x: number[] = [];
  const y: number[] = [];
  // times: one a minute with the recorder's millisecond jitter (ts_seconds in samples.csv), whole seconds,
  // repeated times, or a few distinct times only
  const timeKind = int(4);
  let level = int(50);
  const slope = (int(7) - 3) / (1 + int(5));
  let run = 0;
  for (let i = 0; i < n; i++) {
    let t: number;
    if (timeKind === 0) t = Math.round((T0 + i * 60 + r()) * 1000) / 1000;
    else if (timeKind === 1) t = T0 + i * 60;
    else if (timeKind === 2) t = T0 + (run += int(2)) * 60; // runs of equal times
    else t = int(1 + Math.floor(n / 10)); // few distinct x, small numbers
    x.push(t);
    let v: number;
    switch (kind) {
      case 0: // constant
        v = 7;
        break;
      case 1: // whole counts, random walk (a churning stack)
        level = Math.max(0, level + int(3) - 1);
        v = level;
        break;
      case 2: // a line with a rational slope, many exactly equal slopes
        v = Math.round(20 + slope * i);
        break;
      case 3: // a step
        v = i < n / 2 ? 10 : 10 + int(3) * 5;
        break;
      case 4: // two-valued noise
        v = int(2);
        break;
      case 5: // real numbers (RSS-like bytes with noise)
        v = 50e6 + i * 1234.5 + g() * 1e5;
        break;
      case 6: // plain gaussian reals
        v = g();
        break;
      default: // halves (medians of whole counts), rising
        v = (Math.round(i / 3) + int(4)) / 2;
    }
    y.push(v);
  }
  const shuffled = int(8) === 0;
  if (shuffled) {
    // shuffled: x no longer ascending in input order (memory.ts passes goroutine counts as x)
    for (let i = n - 1; i > 0; i--) {
      const j = int(i + 1);
      [x[i], x[j]] = [x[j]!, x[i]!];
      [y[i], y[j]] = [y[j]!, y[i]!];
    }
  }
  const provable = kind !== 5 && kind !== 6 && timeKind !== 3 && !shuffled;
  return { kind: `kind ${kind}, times ${timeKind}${shuffled ? ', shuffled' : ''}`, x, y, provable };
}

test('theilSenExact equals the O(n^2) reference exactly on thousands of random series (n = 2..400)', () => {
  const r = seededRandom(20261129);
  let fast = 0;
  for (let trial = 0; trial < 3000; trial++) {
    const n = trial < 400 ? 2 + (trial % 100) : 2 + Math.floor(r() * 399);
    const s = randomSeries(r, n, trial % 8);
    const want = theilSenExactReference(s.x, s.y);
    assert.equal(theilSenExact(s.x, s.y), want, `${s.kind}, n ${n}, trial ${trial}`);
    // and the fast path alone, wherever it answers (also below the threshold where theilSenExact skips it)
    const f = theilSenFast(s.x, s.y);
    if (f !== undefined) {
      assert.equal(f, want, `fast path: ${s.kind}, n ${n}, trial ${trial}`);
      if (n >= THEIL_SEN_FAST_MIN_POINTS) fast++;
    } else if (s.provable && n >= THEIL_SEN_FAST_MIN_POINTS && !(want === 0 && s.y.some((v) => Object.is(v, -0)))) {
      assert.fail(`the fast path declined a series it can prove: ${s.kind}, n ${n}, trial ${trial}`);
    }
  }
  assert.ok(fast > 1000, `the fast path answered ${fast} times`); // it must actually be the one being tested
});

test('theilSenExact equals the reference on bucket medians of a day of one-minute samples, as classifyTrend passes them', () => {
  const r = seededRandom(7);
  let fast = 0;
  for (let trial = 0; trial < 200; trial++) {
    const n = 1440;
    const ts = new Float64Array(n);
    const vs = new Float64Array(n);
    let level = Math.floor(r() * 30);
    for (let i = 0; i < n; i++) {
      ts[i] = Math.round((T0 + i * 60 + r() * 0.9) * 1000) / 1000;
      if (r() < 0.2) level = Math.max(0, level + (r() < 0.5 + (trial % 3) * 0.05 ? 1 : -1));
      vs[i] = level;
    }
    const b = bucketMedians(ts, vs, 360);
    const want = theilSenExactReference(b.t, b.v);
    assert.equal(theilSenExact(b.t, b.v), want, `trial ${trial}`);
    // the recent third, as classifyTrend takes it
    const rt = b.t.slice(240);
    const rv = b.v.slice(240);
    assert.equal(theilSenExact(rt, rv), theilSenExactReference(rt, rv), `recent third, trial ${trial}`);
    if (theilSenFast(b.t, b.v) !== undefined) fast++;
  }
  assert.equal(fast, 200, 'whole counts at millisecond times are always provably exact');
});

test('theilSenExact: zero slopes keep their sign as the reference computes it, unsorted x included', () => {
  // 0 / negative dx is -0 in the reference: with x not ascending a zero median is left to the reference
  const n = 100;
  const x = Array.from({ length: n }, (_, i) => n - i);
  const y = Array.from({ length: n }, () => 5);
  assert.ok(Object.is(theilSenExactReference(x, y), -0));
  assert.ok(Object.is(theilSenExact(x, y), -0));
  const up = Array.from({ length: n }, (_, i) => i);
  assert.ok(Object.is(theilSenExact(up, y), 0));
  assert.equal(theilSenExact(Array(n).fill(3), y), null);
});

test('theilSenExact: a zero median among few zero slopes (between the sampled pivots) is +0, as in the reference', () => {
  // 101 points at x = 0..100, y a shuffle of 99 distinct values plus two repeated ones, moved by adjacent swaps
  // until as many pairs fall as rise: then exactly the two tied pairs give slope 0 and they are the middle two
  const r = seededRandom(4242);
  for (let trial = 0; trial < 20; trial++) {
    const n = 101;
    const y = Array.from({ length: n }, (_, i) => (i < 99 ? i : Math.floor(r() * 99)));
    if (y[99] === y[100]) y[100] = (y[100]! + 1) % 99;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [y[i], y[j]] = [y[j]!, y[i]!];
    }
    const s = () => mannKendallReference(y).s;
    for (let guard = 0; s() !== 0 && guard < 100000; guard++) {
      const i = Math.floor(r() * (n - 1));
      const d = y[i + 1]! - y[i]!;
      if (d !== 0 && Math.sign(d) === Math.sign(s())) [y[i], y[i + 1]] = [y[i + 1]!, y[i]!]; // moves s toward 0 by 2
    }
    assert.equal(s(), 0);
    const x = Array.from({ length: n }, (_, i) => i);
    const want = theilSenExactReference(x, y);
    assert.ok(Object.is(want, 0), `trial ${trial}: the reference gives ${want}`);
    assert.ok(Object.is(theilSenFast(x, y), 0), `trial ${trial}`);
  }
});

test('mannKendall equals the O(n^2) reference exactly (s, variance, z) on thousands of random series', () => {
  const r = seededRandom(99);
  for (let trial = 0; trial < 3000; trial++) {
    const n = trial < 400 ? trial % 120 : 2 + Math.floor(r() * 399);
    const s = randomSeries(r, Math.max(n, 0), trial % 8);
    const vs = s.y.slice(0, n);
    if (trial % 50 === 0 && n > 3) {
      vs[1] = -0; // -0 and 0 are one value to both
      vs[2] = 0;
      vs[3] = Infinity;
    }
    assert.deepEqual(mannKendall(vs), mannKendallReference(vs), `${s.kind}, n ${n}, trial ${trial}`);
  }
  // NaN: the reference counts its pairs as ties; the fast path leaves such input to it
  const withNaN = Array.from({ length: 100 }, (_, i) => (i === 40 ? NaN : i % 7));
  assert.deepEqual(mannKendall(withNaN), mannKendallReference(withNaN));
});

test('bucketMedians: each bucket the median of its sorted points (small buckets by insertion sort, large by select)', () => {
  const r = seededRandom(19);
  const sortedMedian = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    const n = s.length;
    return n % 2 === 1 ? s[n >> 1]! : (s[(n >> 1) - 1]! + s[n >> 1]!) / 2;
  };
  // bucket sizes 1 to ~60: a day, a week, odd lengths; whole counts with ties, and reals
  for (const n of [361, 725, 1440, 2881, 10_080, 21_601]) {
    const ts = Float64Array.from({ length: n }, (_, i) => T0 + i * 60 + Math.round(r() * 900) / 1000);
    const vs = Float64Array.from({ length: n }, () => (n % 2 === 0 ? Math.floor(r() * 12) : r() * 1e6 - 5e5));
    const b = bucketMedians(ts, vs, 360);
    assert.equal(b.t.length, 360);
    for (let k = 0; k < 360; k++) {
      const lo = Math.floor((k * n) / 360);
      const hi = Math.floor(((k + 1) * n) / 360);
      assert.equal(b.v[k], sortedMedian(Array.from(vs.subarray(lo, hi))), `n ${n} bucket ${k}`);
      assert.equal(b.t[k], sortedMedian(Array.from(ts.subarray(lo, hi))), `n ${n} bucket ${k} time`);
    }
  }
});

test('medianOfRange counts whole numbers in a narrow range, and takes the same ranks as a sort', () => {
  const sortedMedian = (xs: number[]) => {
    const s = [...xs].sort((x, y) => x - y);
    const n = s.length;
    return n % 2 === 1 ? s[n >> 1]! : (s[(n >> 1) - 1]! + s[n >> 1]!) / 2;
  };
  const value = fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0, max: 60 }) }, // an hour of one stack's counts: counted
    { weight: 1, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }, // a wide range: quickselect
    // fractions: quickselect (-0 as 0: which of two equal zeros a sort or quickselect puts in the middle is not a rank)
    { weight: 1, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((x) => (x === 0 ? 0 : x)) },
  );
  fc.assert(
    fc.property(fc.array(value, { minLength: 1, maxLength: 200 }), fc.nat(20), (xs, pad) => {
      const a = new Float64Array(pad + xs.length + pad).fill(-1);
      a.set(xs, pad);
      // medianOfRangeKept: the same, with `a` left as it was, for counts in a Float32Array (sumSeries) too
      const scratch = new Float64Array(xs.length);
      for (const typed of [Float64Array.from(a), Float32Array.from(a)]) {
        const before = typed.slice();
        // (a tiny negative fraction is -0 in 32 bits: zeros compared as numbers, see `value`)
        const want = sortedMedian(Array.from(typed.subarray(pad, pad + xs.length))) || 0;
        assert.equal(medianOfRangeKept(typed, pad, pad + xs.length, scratch) || 0, want, `${xs.length} values kept`);
        assert.deepEqual(typed, before, 'not reordered');
      }
      assert.equal(medianOfRange(a, pad, pad + xs.length), sortedMedian(xs), `${xs.length} values`);
    }),
    { numRuns: 2000 },
  );
  // narrow whole numbers over 24 points go through the counting path; an even count averages the middle two
  const hour = Float64Array.from({ length: 60 }, (_, i) => 100 + (i % 7));
  assert.equal(medianOfRange(hour, 0, 60), sortedMedian([...hour]));
  assert.equal(medianOfRange(Float64Array.from([...Array(30).fill(3), ...Array(30).fill(8)]), 0, 60), 5.5);
  // the counters start at zero whatever came before: a count given up at a value too far (after 30 counted), one
  // given up at a fraction, and one done, each followed by others around the same values
  const scratch = new Float64Array(64);
  // (a counter left over below the median would move it: the given-up counts lie below the next count's median)
  const runs = [[...Array(15).fill(5), ...Array(15).fill(8), 1e6], [5, ...Array(30).fill(9)], [...Array(30).fill(6), 0.5], [2, ...Array(30).fill(9)], [...Array(30).fill(4), ...Array(10).fill(9)], [...Array(20).fill(5), ...Array(20).fill(7)]];
  for (const xs of [...runs, ...runs]) assert.equal(medianOfRangeKept(Float32Array.from(xs), 0, xs.length, scratch), sortedMedian(xs), xs.join(','));
  // a zero slope's sign survives (Object.is through assert/strict): -0 is not counted
  assert.equal(medianOfRange(Float64Array.from([...Array(13).fill(-0), ...Array(12).fill(1)]), 0, 25), -0);
});
