// The daily-floor test against wander (seasonal.ts walkZ, hourlyStepVariance): stacks of long-lived sessions and
// random walks drift from day to day and must not read as leaks; a leak inside a traffic-following stack must still
// be found within days. Series simulated per minute as production shapes them (scripts/eval/wanderSimulation.ts: a
// ±70% daily curve, Poisson arrivals), seeded; `npm run eval` measures the same shapes over 60 seeds (EVAL.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dayOverDayStepVariance, hourlyMedians, hourlyStepVariance, seasonalKendall, walkZ, WALK_FIT_MIN_DIFFERENCES, type HourlyMedians } from '../src/analysis/seasonal.js';
import { floorRules, simulateStack, type SimulatedShape } from '../scripts/eval/wanderSimulation.js';
import { seededRandom } from './helpers/seededRandom.js';

/** The rule as dailyFloorRises applies it, beside the rule before the wander test (seasonal z and the floors). */
function judged(s: { ts: Float64Array; vs: Float64Array }): { h: HourlyMedians; rises: boolean; seasonalOnly: boolean } {
  const h = hourlyMedians(s.ts, s.vs);
  const rules = floorRules(h, s.ts[s.ts.length - 1]!);
  return { h, rises: rules.kept, seasonalOnly: rules.seasonalOnly };
}

const series = simulateStack;

test('sessions held for hours and a bounded random walk: never a rising floor, though the seasonal test alone says so', () => {
  const shapes: SimulatedShape[] = [
    { kind: 'sessions', level: 30, holdHours: 12 },
    { kind: 'sessions', level: 60, holdHours: 12 },
    { kind: 'sessions', level: 20, holdHours: 6 },
    { kind: 'walk' },
  ];
  const flagged: string[] = [];
  let seasonalWouldFlag = 0;
  for (const shape of shapes) {
    for (let seed = 1; seed <= 8; seed++) {
      for (const days of [2, 3, 5]) {
        const j = judged(series(shape, 500 + seed, days));
        if (j.seasonalOnly) seasonalWouldFlag++;
        if (j.rises) flagged.push(`${JSON.stringify(shape)} seed ${seed} ${days} d`);
      }
    }
  }
  assert.deepEqual(flagged, []);
  // the wander is real: the seasonal Kendall test with the other conditions flags a good share of these series
  assert.ok(seasonalWouldFlag >= 10, `the seasonal test alone flagged ${seasonalWouldFlag} of 96`);
});

test('a leak inside a traffic-following stack is still found by its daily floors: 2/hour in three days, 1/hour and 0.5/hour in four', () => {
  // (on day 2 the excess over yesterday's range may say so sooner: verdictClassesE2e, the orders handler)
  const missed: string[] = [];
  for (const [perHour, days] of [
    [2, 3],
    [1, 4],
    [0.5, 4],
  ] as const) {
    for (let seed = 1; seed <= 6; seed++) {
      // 2 days plus 2 hours: dailyFloorRises wants two whole days counted back from the end
      const j = judged(series({ kind: 'leak', perHour, traffic: { level: 120, hourSd: 0 } }, 900 + seed, days + 2 / 24));
      if (!j.rises) missed.push(`${perHour}/hour seed ${seed} at ${days} d: walk z ${walkZ(j.h).z.toFixed(2)}`);
    }
  }
  assert.deepEqual(missed, []);
});

test('walkZ: white noise around a steady rise is far beyond a walk; a driftless walk is not; the split needs three days', () => {
  const r = seededRandom(3);
  const hours = (n: number, f: (i: number) => number): HourlyMedians => ({ hours: Array.from({ length: n }, (_, i) => 500_000 + i), values: Array.from({ length: n }, (_, i) => f(i)) });
  const noise = () => (r() - 0.5) * 6;
  // +1/hour under noise of sd ~1.7, four days: the fitted split reads the noise as noise
  const rise = hours(96, (i) => 100 + i + noise());
  const z = walkZ(rise);
  assert.equal(z.differences, 72);
  assert.ok(z.differences >= WALK_FIT_MIN_DIFFERENCES);
  assert.ok(z.z > 10, `z ${z.z}`);
  // the same over two days: all of the noise is taken as wander (conservative), so z is far lower but still positive
  const short = walkZ(hours(48, (i) => 100 + i + noise()));
  assert.ok(short.z > 0 && short.z < z.z, `z ${short.z}`);
  // a walk with steps of sd 2 and no drift: within a few standard deviations either way
  let v = 100;
  const g = seededRandom(4);
  const walk = hours(120, () => (v += (g() - 0.5) * 7));
  assert.ok(Math.abs(walkZ(walk).z) < 3, `z ${walkZ(walk).z}`);
  // flat: no rise at all
  assert.equal(walkZ(hours(72, () => 5)).z, 0);
});

test('hourlyStepVariance: a walk gives its step variance; a steady rise gives none; gaps and single hours are skipped', () => {
  const g = seededRandom(5);
  let v = 0;
  // uniform steps on ±3: variance 3
  const n = 4000;
  const walk: HourlyMedians = { hours: Array.from({ length: n }, (_, i) => i), values: Array.from({ length: n }, () => (v += (g() - 0.5) * 6)) };
  const s2 = hourlyStepVariance([walk]);
  assert.ok(Math.abs(s2 - 3) < 0.4, `s2 ${s2}`);
  const rise: HourlyMedians = { hours: [1, 2, 3, 4, 5], values: [10, 12, 14, 16, 18] };
  assert.equal(hourlyStepVariance([rise]), 0);
  // no three consecutive hours: nothing to say
  assert.ok(Number.isNaN(hourlyStepVariance([{ hours: [1, 2, 4, 5], values: [1, 9, 1, 9] }])));
  // the second differences never span two series (two lifetimes)
  assert.equal(hourlyStepVariance([rise, { hours: [6, 7], values: [0, 0] }]), 0);
});

test('the seasonal Kendall z of a session stack over two days is what made it a leak before', () => {
  // seed chosen among the first ten as one the rule flagged before the wander test: z >= 3 on a benign stack
  for (let seed = 1; seed <= 10; seed++) {
    const s = series({ kind: 'sessions', level: 60, holdHours: 12 }, 700 + seed, 2 + 1 / 24);
    const h = hourlyMedians(s.ts, s.vs);
    if (seasonalKendall(h).z >= 3) {
      assert.ok(walkZ(h).z < 3, `seed ${seed}: walk z ${walkZ(h).z}`);
      return;
    }
  }
  assert.fail('no seed of ten gave a seasonal z of 3 or more: the case this guards against did not occur');
});

/** walkZ as its doc comment defines it, by hour in Maps (the first implementation; walkZ is dense for speed). */
function walkZByHour(h: HourlyMedians, minFit: number): number {
  const at = new Map<number, number>();
  h.hours.forEach((hr, i) => Number.isFinite(h.values[i]!) && at.set(hr, h.values[i]!));
  const d = new Map<number, number>();
  for (const [hr, v] of at) if (at.has(hr + 24)) d.set(hr, at.get(hr + 24)! - v);
  if (d.size < 2) return 0;
  const lags: number[] = [];
  const vk: number[] = [];
  for (let k = 1; k <= 8; k++) {
    const changes = [...d].filter(([hr]) => d.has(hr + k)).map(([hr, x]) => (d.get(hr + k)! - x) ** 2);
    if (changes.length >= 4 || (k === 1 && changes.length > 0)) {
      lags.push(k);
      vk.push(changes.reduce((a, b) => a + b, 0) / changes.length);
    }
  }
  if (vk.length === 0) return 0;
  let s2 = vk[0]! / (2 * (lags[0]! - 1 / 3)); // a walk's hourly medians: V(k) = 2 s2 (k - 1/3)
  let n2 = 0;
  if (d.size >= minFit && lags.length >= 3) {
    const mk = lags.reduce((a, b) => a + b, 0) / lags.length;
    const mv = vk.reduce((a, b) => a + b, 0) / vk.length;
    const sxx = lags.reduce((a, k) => a + (k - mk) ** 2, 0);
    const ols = lags.reduce((a, k, i) => a + (k - mk) * (vk[i]! - mv), 0) / sxx;
    const residuals = lags.reduce((a, k, i) => a + (vk[i]! - (mv - ols * mk) - ols * k) ** 2, 0);
    const slope = ols + 2 * Math.sqrt(residuals / (lags.length - 2) / sxx); // two standard errors high
    const noise = mv - slope * mk + slope / 3;
    if (noise >= 0) [s2, n2] = [Math.max(0, slope / 2), noise / 4];
    else s2 = Math.max(s2, slope / 2);
  }
  const sum = [...d.values()].reduce((a, b) => a + b, 0);
  let w2 = 0;
  const hours = [...d.keys()];
  for (let j = Math.min(...hours) + 1; j <= Math.max(...hours) + 24; j++) w2 += hours.filter((hr) => hr < j && j <= hr + 24).length ** 2;
  const c = new Map<number, number>();
  for (const hr of hours) {
    c.set(hr + 24, (c.get(hr + 24) ?? 0) + 1);
    c.set(hr, (c.get(hr) ?? 0) - 1);
  }
  const c2 = [...c.values()].reduce((a, x) => a + x * x, 0);
  let variance = s2 * w2 + n2 * c2;
  if (!(variance > 0)) {
    const mean = sum / d.size;
    variance = ([...d.values()].reduce((a, x) => a + (x - mean) ** 2, 0) / d.size / 24) * w2;
  }
  return variance > 0 ? sum / Math.sqrt(variance) : sum === 0 ? 0 : Math.sign(sum) * Infinity;
}

test('walkZ is its definition: against a by-hour reference on series with gaps, NaN hours and both fit regimes', () => {
  const r = seededRandom(12);
  for (let trial = 0; trial < 200; trial++) {
    const n = 20 + Math.floor(r() * 150);
    const hours: number[] = [];
    const values: number[] = [];
    let hour = 480_000 + Math.floor(r() * 24);
    let v = 50;
    for (let i = 0; i < n; i++) {
      hour += r() < 0.1 ? 1 + Math.floor(r() * 5) : 1; // a tenth of the steps skip hours
      v += (r() - 0.45) * 8;
      hours.push(hour);
      values.push(r() < 0.03 ? NaN : Math.round(v));
    }
    const h = { hours, values };
    for (const minFit of [48, 72]) {
      const want = walkZByHour(h, minFit);
      const got = walkZ(h, minFit).z;
      assert.ok(got === want || Math.abs(got - want) <= 1e-9 * Math.max(1, Math.abs(want)), `trial ${trial} minFit ${minFit}: ${got} vs ${want}`);
    }
  }
});

test('dayOverDayStepVariance: the daily curve cancels, a deploy\'s drop is no step, too few pairs say nothing', () => {
  const day = (from: number, n: number, f: (hour: number) => number): HourlyMedians => ({
    hours: Array.from({ length: n }, (_, i) => from + i),
    values: Array.from({ length: n }, (_, i) => f(from + i)),
  });
  const curve = (hour: number) => 100 + 70 * Math.sin((2 * Math.PI * hour) / 24);
  // a pure daily curve plus a leak of 2/hour: D is 48 at every hour, so no step at all
  const lifetime = day(240_000, 40, (hour) => curve(hour) + 2 * (hour - 240_000));
  assert.ok(dayOverDayStepVariance(lifetime, []) < 1e-9);
  // across a deploy: the earlier lifetime stood 300 higher (leaked goroutines, gone with its process). The current
  // lifetime's first 24 hours compare with it, the rest with its own first hours: the pair that crosses is left out
  const before = day(240_000, 30, (hour) => curve(hour) + 300);
  const after = day(240_030, 30, curve);
  assert.ok(dayOverDayStepVariance(after, [before]) < 1e-9);
  // read as one lifetime, the drop is a step of 300
  const merged = { hours: [...before.hours, ...after.hours], values: [...before.values, ...after.values] };
  assert.ok(dayOverDayStepVariance(merged, []) > 1000, String(dayOverDayStepVariance(merged, [])));
  // five pairs: too few
  assert.ok(Number.isNaN(dayOverDayStepVariance(day(240_024, 6, curve), [day(240_000, 24, curve)])));
  assert.ok(dayOverDayStepVariance(day(240_024, 7, curve), [day(240_000, 24, curve)]) < 1e-9);
});

test('walkZ: a one-off step across a gap in the recording is not a rise beyond all wander', () => {
  // flat hour by hour at 20, 40 from hour 70; hours 60-69 not recorded (a night without the recorder). No change of
  // D within 8 hours sees the step, so walk and noise both fit to 0; z was Infinity and the floors "rose"
  const hours: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < 96; i++) {
    if (i >= 60 && i < 70) continue;
    hours.push(600_000 + i);
    values.push(i < 70 ? 20 : 40);
  }
  const z = walkZ({ hours, values }).z;
  assert.ok(Number.isFinite(z) && z < 3, `z ${z}`);
});

test('dayOverDayStepVariance: an hour two lifetimes share (a restart within it) is no reference and no step', () => {
  // flat 100 all along, but the new process's first five minutes (20) are the median of the shared hour 10
  const earlier: HourlyMedians = { hours: Array.from({ length: 11 }, (_, i) => 700_000 + i), values: Array.from({ length: 11 }, () => 100) };
  const current: HourlyMedians = { hours: Array.from({ length: 30 }, (_, i) => 700_010 + i), values: Array.from({ length: 30 }, (_, i) => (i === 0 ? 20 : 100)) };
  assert.equal(dayOverDayStepVariance(current, [earlier]), 0);
});
