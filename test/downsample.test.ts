import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { downsampleMinMax, insertGaps, prepareChartSeries, thinIndices, type Series } from '../src/render/downsample.js';

const minutes = (n: number, start = 1_795_000_000) => Array.from({ length: n }, (_, i) => start + i * 60);

test('min/max bucketing keeps a single one-minute spike (30 days per minute)', () => {
  const xs = minutes(43_200);
  const ys: Series = xs.map((_, i) => 100 + (i % 7));
  ys[12_345] = 5_000; // one minute
  const dip: Series = xs.map(() => 50);
  dip[30_001] = 1; // one minute down
  const out = downsampleMinMax(xs, [ys, dip], 2000);
  assert.ok(out.xs.length <= 2000, `${out.xs.length} points`);
  assert.equal(Math.max(...(out.series[0].filter((v) => v !== null) as number[])), 5_000);
  assert.equal(Math.min(...(out.series[1].filter((v) => v !== null) as number[])), 1);
  // The spike sits at a time inside the bucket that holds 12,345.
  const at = out.series[0].indexOf(5_000);
  assert.ok(Math.abs(out.xs[at] - xs[12_345]) <= (xs[xs.length - 1] - xs[0]) / 1000);
  // x stays sorted.
  for (let i = 1; i < out.xs.length; i++) assert.ok(out.xs[i] >= out.xs[i - 1]);
});

test('output never exceeds the budget and every series keeps the x length', () => {
  for (const n of [0, 1, 2, 3, 1999, 2000, 2001, 5000, 43_200]) {
    for (const budget of [2, 3, 10, 601, 2000]) {
      const xs = minutes(n);
      const a: Series = xs.map((_, i) => (i % 13 === 0 ? null : Math.sin(i)));
      const out = downsampleMinMax(xs, [a, a.map((v) => (v === null ? null : -v))], budget);
      assert.ok(out.xs.length <= Math.max(budget, 0) || n <= budget, `n=${n} budget=${budget}: ${out.xs.length}`);
      for (const s of out.series) assert.equal(s.length, out.xs.length);
    }
  }
});

test('under budget the data comes back unchanged (copied)', () => {
  const xs = minutes(10);
  const ys: Series = [1, 2, null, 4, 5, 6, null, null, 9, 10];
  const out = downsampleMinMax(xs, [ys], 2000);
  assert.deepEqual(out.xs, xs);
  assert.deepEqual(out.series[0], ys);
  assert.notEqual(out.series[0], ys);
});

test('nulls stay gaps: never zero, and an all-null stretch stays null', () => {
  const xs = minutes(20_000);
  const ys: Series = xs.map((_, i) => (i >= 5_000 && i < 9_000 ? null : 7 + (i % 3)));
  const out = downsampleMinMax(xs, [ys], 1000);
  assert.ok(!out.series[0].includes(0), 'no zero invented');
  const inGap = out.xs.map((x, i) => ({ x, v: out.series[0][i] })).filter((p) => p.x > xs[5_100] && p.x < xs[8_900]);
  assert.ok(inGap.length > 10);
  assert.ok(inGap.every((p) => p.v === null), 'points inside the null stretch are null');
  // Values that are there come from the input.
  for (const v of out.series[0]) if (v !== null) assert.ok(v >= 7 && v <= 9);
});

test('a time range without rows becomes one null point, not a bridge', () => {
  const xs = [...minutes(3000), ...minutes(3000, 1_795_000_000 + 3000 * 60 + 86_400)];
  const ys: Series = xs.map(() => 3);
  const big = downsampleMinMax(xs, [ys], 500);
  assert.ok(big.series[0].includes(null), 'gap bucket emitted');
  const small = insertGaps(minutes(5), [[1, 2, 3, 4, 5]], 120);
  assert.deepEqual(small.series[0], [1, 2, 3, 4, 5]);
  const holes = insertGaps([0, 60, 120, 3600, 3660], [[1, 2, 3, 4, 5]], 300);
  assert.deepEqual(holes.series[0], [1, 2, 3, null, 4, 5]);
  const prepared = prepareChartSeries([0, 60, 120, 3600, 3660], [[1, 2, 3, 4, 5]], 2000);
  assert.equal(prepared.downsampled, false);
  assert.deepEqual(prepared.series[0], [1, 2, 3, null, 4, 5]);
});

test('property: global min and max survive, budget holds, nulls never become numbers', () => {
  fc.assert(
    fc.property(
      fc.array(fc.option(fc.integer({ min: -1000, max: 1000 }), { nil: null, freq: 5 }), { minLength: 1, maxLength: 3000 }),
      fc.integer({ min: 2, max: 400 }),
      (vals, budget) => {
        const xs = vals.map((_, i) => i * 60);
        const out = downsampleMinMax(xs, [vals], budget);
        assert.ok(out.xs.length <= Math.max(budget, vals.length <= budget ? vals.length : budget));
        const nums = vals.filter((v): v is number => v !== null);
        const outNums = out.series[0].filter((v): v is number => v !== null);
        if (nums.length === 0) {
          assert.equal(outNums.length, 0);
        } else {
          assert.equal(Math.max(...outNums), Math.max(...nums));
          assert.equal(Math.min(...outNums), Math.min(...nums));
        }
        for (const v of outNums) assert.ok(nums.includes(v));
      },
    ),
    { numRuns: 200 },
  );
});

test('thinIndices keeps first, last and required picks within the limit', () => {
  const picks = thinIndices(43_200, 200, [100, 20_000, 43_000]);
  assert.ok(picks.length <= 200);
  for (const i of [0, 100, 20_000, 43_000, 43_199]) assert.ok(picks.includes(i), `missing ${i}`);
  for (let i = 1; i < picks.length; i++) assert.ok(picks[i] > picks[i - 1]);
  assert.deepEqual(thinIndices(5, 200), [0, 1, 2, 3, 4]);
  assert.deepEqual(thinIndices(0, 200), []);
  const many = thinIndices(10_000, 50, Array.from({ length: 500 }, (_, i) => i * 20));
  assert.ok(many.length <= 50);
});
