import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyTrend, MIN_POINTS, MIN_SPAN_SECONDS, type TrendOptions } from '../src/analysis/trend.js';
import { mannKendall, median, quantile, theilSenSlope, MAX_EXACT_POINTS } from '../src/analysis/robustStats.js';
import { gaussian, seededRandom } from './helpers/seededRandom.js';

const MIN = 60;
const H = 3600;
const MiB = 1024 * 1024;
const T0 = 1_790_000_000; // an arbitrary unix time: the analysis must not care where the window starts

/** n points every `step` seconds (± jitter), value f(t since start, standard normal, uniform). */
function series(
  n: number,
  step: number,
  f: (t: number, g: () => number, r: () => number) => number,
  seed = 1,
  jitter = 0,
): { ts: number[]; vs: number[] } {
  const r = seededRandom(seed);
  const g = gaussian(r);
  const ts: number[] = [];
  const vs: number[] = [];
  let t = 0;
  for (let i = 0; i < n; i++) {
    ts.push(T0 + t);
    vs.push(f(t, g, r));
    t += step + (jitter ? (r() - 0.5) * 2 * jitter : 0);
  }
  return { ts, vs };
}

function shapeOf(s: { ts: number[]; vs: number[] }, opts: TrendOptions = {}) {
  return classifyTrend(s.ts, s.vs, opts);
}

const GOROUTINES: TrendOptions = { minAbsRise: 10 };
const RSS: TrendOptions = { minAbsRise: 4 * MiB };

// ---------------------------------------------------------------- statistics kit

test('median, quantile', () => {
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  assert.equal(quantile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110], 0.1), 20);
  // against sorting, on random data with duplicates
  const r = seededRandom(7);
  for (let k = 0; k < 50; k++) {
    const a = Array.from({ length: 1 + Math.floor(r() * 200) }, () => Math.floor(r() * 20));
    const s = [...a].sort((x, y) => x - y);
    const n = s.length;
    const want = n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
    assert.equal(median(a), want);
  }
});

test('Theil–Sen slope: exact on a line, robust to outliers, ignores equal x', () => {
  const xs = Array.from({ length: 50 }, (_, i) => i);
  const ys = xs.map((x) => 3 * x + 7);
  assert.equal(theilSenSlope(xs, ys), 3);
  ys[10] = 10_000; // 3 wild outliers do not move the median slope much
  ys[20] = -5_000;
  ys[30] = 99_999;
  assert.ok(Math.abs(theilSenSlope(xs, ys)! - 3) < 0.2);
  assert.equal(theilSenSlope([1, 1, 1], [1, 2, 3]), null);
  // above MAX_EXACT_POINTS it works on bucket medians, still exact for a line
  const bx = Array.from({ length: MAX_EXACT_POINTS * 4 }, (_, i) => i * 0.5);
  assert.ok(Math.abs(theilSenSlope(bx, bx.map((x) => -2 * x + 1))! + 2) < 1e-9);
});

test('Mann–Kendall: S, tie-corrected variance, z', () => {
  // strictly increasing n=10: S = 45, Var = 10*9*25/18 = 125, z = 44/sqrt(125)
  const up = mannKendall([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(up.s, 45);
  assert.equal(up.variance, 125);
  assert.ok(Math.abs(up.z - 44 / Math.sqrt(125)) < 1e-12);
  // ties: [1,1,2,2,2]: S = 6 (each 1 < each 2), ties t=2 and t=3:
  // Var = (5*4*15 - 2*1*9 - 3*2*11) / 18 = (300 - 18 - 66) / 18 = 12
  const tied = mannKendall([1, 1, 2, 2, 2]);
  assert.equal(tied.s, 6);
  assert.equal(tied.variance, 12);
  assert.equal(mannKendall([4, 4, 4, 4]).z, 0);
});

// ---------------------------------------------------------------- shapes (6 h of one-minute samples unless said)

test('flat: a constant series is flat with zero slope', () => {
  const r = shapeOf(series(360, MIN, () => 40), GOROUTINES);
  assert.equal(r.shape, 'flat');
  assert.equal(r.perHour, 0);
  assert.equal(r.first, 40);
  assert.equal(r.last, 40);
});

test('noisy flat: gaussian noise around a level is flat', () => {
  const r = shapeOf(series(360, MIN, (t, g) => 100 + 5 * g()), GOROUTINES);
  assert.equal(r.shape, 'flat');
  assert.ok(Math.abs(r.perHour!) < 1, `perHour ${r.perHour}`);
});

test('sawtooth (GC-like): 100 MiB ramping to 150 MiB every 10 min, dropping back, is flat', () => {
  const r = shapeOf(series(360, MIN, (t, g) => 100 * MiB + 50 * MiB * ((t % (10 * MIN)) / (10 * MIN)) + MiB * g()), RSS);
  assert.equal(r.shape, 'flat');
});

test('long-period sawtooth (90 min ramps, 4 in the window) is flat although Mann–Kendall alone is significant', () => {
  const r = shapeOf(series(360, MIN, (t, g) => 100 * MiB + 50 * MiB * ((t % (90 * MIN)) / (90 * MIN)) + MiB * g()), RSS);
  assert.ok(r.details.mkZ > 3, 'MK is fooled by the long ramps: the floor test must catch it');
  assert.equal(r.shape, 'flat');
});

test('steady growth: +200 goroutines/hour is rising, perHour ~200', () => {
  const r = shapeOf(series(360, MIN, (t, g) => 40 + (200 * t) / H + 3 * g()), GOROUTINES);
  assert.equal(r.shape, 'rising');
  assert.ok(Math.abs(r.perHour! - 200) < 5, `perHour ${r.perHour}`);
});

test('slow steady growth with noise: +10/hour on ~1,000 with sd 15, over a day, is rising', () => {
  const r = shapeOf(series(1440, MIN, (t, g) => 1000 + (10 * t) / H + 15 * g()), GOROUTINES);
  assert.equal(r.shape, 'rising');
  assert.equal(r.details.downsampled, true);
  assert.ok(Math.abs(r.perHour! - 10) < 1.5, `perHour ${r.perHour}`);
});

test('integer leak: one more goroutine every 7 minutes is rising', () => {
  const r = shapeOf(series(360, MIN, (t) => Math.floor(t / (7 * MIN))), { minAbsRise: 5 });
  assert.equal(r.shape, 'rising');
  assert.ok(Math.abs(r.perHour! - 60 / 7) < 0.5);
});

test('RSS leak under a GC sawtooth is rising (the floor rises)', () => {
  const r = shapeOf(
    series(720, MIN, (t, g) => 100 * MiB + 10 * MiB * (t / H) + 30 * MiB * ((t % (7 * MIN)) / (7 * MIN)) + MiB * g()),
    RSS,
  );
  assert.equal(r.shape, 'rising');
  assert.ok(Math.abs(r.perHour! / MiB - 10) < 1, `perHour ${r.perHour! / MiB} MiB`);
});

test('late onset: flat at 0 for 18 h, then +30/hour for 6 h, is rising at ~30/hour', () => {
  const r = shapeOf(series(1440, MIN, (t) => (t < 18 * H ? 0 : Math.round(((t - 18 * H) / H) * 30))), { minAbsRise: 5 });
  assert.equal(r.shape, 'rising');
  assert.ok(Math.abs(r.perHour! - 30) < 3, `perHour ${r.perHour}`);
});

test('growth that slowed to a crawl (+300/h for 4 h, then +10/h, still significant) is plateau, not rising', () => {
  const r = shapeOf(series(360, MIN, (t, g) => 40 + (t < 4 * H ? (300 * t) / H : 1200 + (10 * (t - 4 * H)) / H) + 3 * g()), GOROUTINES);
  assert.ok(r.details.recent!.mkZ > 3, 'the recent third does still grow significantly...');
  assert.ok(r.details.recent!.slopePerSecond! < 0.25 * r.details.slopePerSecond!, '...but at under a quarter of the overall rate');
  assert.equal(r.shape, 'plateau');
});

test('warm-up then plateau: 40 -> 440 with a 30 min time constant is plateau', () => {
  const r = shapeOf(series(360, MIN, (t, g) => 40 + 400 * (1 - Math.exp(-t / (30 * MIN))) + 5 * g()), GOROUTINES);
  assert.equal(r.shape, 'plateau');
});

test('pool warm-up: 0 -> 20 goroutines in the first hour, then constant, is plateau', () => {
  const r = shapeOf(series(360, MIN, (t) => Math.min(20, Math.floor(t / (3 * MIN)))), GOROUTINES);
  assert.equal(r.shape, 'plateau');
});

test('periodic bursts: baseline 50 with a 3 min spike of +200 every 30 min is flat', () => {
  const r = shapeOf(series(360, MIN, (t, g) => 50 + (t % (30 * MIN) < 3 * MIN ? 200 : 0) + 2 * g()), GOROUTINES);
  assert.equal(r.shape, 'flat');
});

test('step then flat: 40 for 2 h, then 140, is step', () => {
  const r = shapeOf(series(360, MIN, (t, g) => (t < 2 * H ? 40 : 140) + 2 * g()), GOROUTINES);
  assert.equal(r.shape, 'step');
  assert.ok(Math.abs(r.details.step!.jump - 100) < 3);
  assert.ok(Math.abs(r.details.step!.tSeconds - (T0 + 2 * H)) <= MIN);
});

test('step down then flat is step (not falling)', () => {
  const r = shapeOf(series(360, MIN, (t, g) => (t < 4 * H ? 140 : 60) + 2 * g()), GOROUTINES);
  assert.equal(r.shape, 'step');
  assert.ok(r.details.step!.jump < -70);
});

test('a step smaller than the absolute minimum is flat, not step or rising', () => {
  const r = shapeOf(series(360, MIN, (t) => (t < 3 * H ? 0 : 8)), GOROUTINES);
  assert.equal(r.shape, 'flat');
});

test('decline: -50/hour is falling', () => {
  const r = shapeOf(series(360, MIN, (t, g) => 500 - (50 * t) / H + 5 * g()), GOROUTINES);
  assert.equal(r.shape, 'falling');
  assert.ok(Math.abs(r.perHour! + 50) < 3);
});

test('too few points: insufficient-data, perHour null', () => {
  const r = shapeOf(series(MIN_POINTS - 1, 10 * MIN, (t) => t), GOROUTINES);
  assert.equal(r.shape, 'insufficient-data');
  assert.equal(r.perHour, null);
  assert.equal(r.first, 0);
  assert.equal(r.last, (MIN_POINTS - 2) * 10 * MIN);
});

test('too short a span: 20 points over 28.5 s is insufficient-data', () => {
  const r = shapeOf(series(20, 1.5, (t) => t * 100), GOROUTINES);
  assert.equal(r.details.spanSeconds < MIN_SPAN_SECONDS, true);
  assert.equal(r.shape, 'insufficient-data');
  assert.equal(r.perHour, null);
});

test('empty input and non-finite values', () => {
  const e = classifyTrend([], []);
  assert.deepEqual([e.shape, e.first, e.last, e.perHour], ['insufficient-data', null, null, null]);
  // NaN points are skipped, not read as zero: 10 real points + 5 NaN is still a series of 10
  const s = series(15, MIN, (t) => t / 60);
  s.vs[3] = NaN;
  s.vs[7] = NaN;
  s.ts[9] = NaN;
  const r = classifyTrend(s.ts, s.vs, { minAbsRise: 1 });
  assert.equal(r.details.n, 12);
  assert.equal(r.shape, 'rising');
});

test('unevenly spaced and unsorted points: growth is still rising at the right rate', () => {
  const s = series(200, 90, (t, g) => 100 + (60 * t) / H + 4 * g(), 3, 60);
  // shuffle deterministically
  const r = seededRandom(99);
  const order = s.ts.map((_, i) => i).sort(() => r() - 0.5);
  const res = classifyTrend(
    order.map((i) => s.ts[i]!),
    order.map((i) => s.vs[i]!),
    GOROUTINES,
  );
  assert.equal(res.shape, 'rising');
  assert.ok(Math.abs(res.perHour! - 60) < 5, `perHour ${res.perHour}`);
  assert.equal(res.first, s.vs[0]);
  assert.equal(res.last, s.vs[s.vs.length - 1]);
});

test('a month of one-minute samples (43,200 points): leak is rising, noise is flat', () => {
  const leak = shapeOf(series(43_200, MIN, (t, g) => 50 * MiB + (MiB * t) / (24 * H) + 3 * MiB * g()), RSS);
  assert.equal(leak.shape, 'rising');
  assert.equal(leak.details.nUsed, MAX_EXACT_POINTS);
  assert.ok(Math.abs((leak.perHour! * 24) / MiB - 1) < 0.1, `perDay ${(leak.perHour! * 24) / MiB} MiB`);
  const flat = shapeOf(series(43_200, MIN, (t, g) => 50 * MiB + 3 * MiB * g(), 2), RSS);
  assert.equal(flat.shape, 'flat');
});

test('property: for 20 seeds, noisy steady growth is always rising and flat noise never is', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const r = seededRandom(seed * 7919);
    const rate = 20 + 80 * r(); // 20..100 per hour
    const sd = 2 + 8 * r(); // 2..10
    const grow = shapeOf(series(360, MIN, (t, g) => 300 + (rate * t) / H + sd * g(), seed), GOROUTINES);
    assert.equal(grow.shape, 'rising', `seed ${seed}: rate ${rate.toFixed(1)}/h sd ${sd.toFixed(1)}: ${grow.details.reason}`);
    const flat = shapeOf(series(360, MIN, (t, g) => 300 + sd * g(), seed + 1000), GOROUTINES);
    assert.notEqual(flat.shape, 'rising', `seed ${seed}: ${flat.details.reason}`);
    assert.equal(flat.shape, 'flat', `seed ${seed}: ${flat.details.reason}`);
  }
});

test('a slow leak of whole goroutines is a staircase: rising, though ties make its recent Theil–Sen slope 0', () => {
  // One goroutine at a time, 8 steps in 4.5 h, the last third's steps near its ends: most pairs of points there lie
  // on one step, so the median pairwise slope is 0 while Mann–Kendall finds the third rising (z 8). Read as
  // "plateau", the eval's 3/hour leak beside idle goroutines flapped between leak and stable hour by hour; the
  // recent slope is then taken from the means of the third's two halves (trend.ts recentSlope).
  const steps = [20, 50, 95, 130, 165, 185, 200, 265];
  const ts: number[] = [];
  const vs: number[] = [];
  for (let m = 0; m < 270; m++) {
    ts.push(m * 60);
    vs.push(1 + steps.filter((s) => s <= m).length);
  }
  const r = classifyTrend(ts, vs, { minAbsRise: 5 });
  assert.equal(r.shape, 'rising', r.details.reason);
  assert.ok(r.details.recent!.slopePerSecond! > 0);
  // a staircase that stopped (its last third one level) is still a plateau
  const stopped = vs.map((v, i) => (i >= 180 ? 6 : v));
  assert.equal(classifyTrend(ts, stopped, { minAbsRise: 5 }).shape, 'plateau');
});
