// couldRise (src/analysis/trend.ts) answers "can classifyTrend say 'rising'?" without the Theil–Sen slopes, so that a
// report judges thousands of traffic-following stacks cheaply. It must never say no to a series classifyTrend calls
// rising (a leak would be lost), and it must say no to most series that wander without a trend (else it saves
// nothing). Both on thousands of seeded random series shaped like goroutine counts: random walks, noisy ramps, late
// onsets, sawtooths, steps, plateaus, daily curves, sparse and short series, and real numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyTrend, couldRise } from '../src/analysis/trend.js';
import { judgeGrowth } from '../src/analysis/growth.js';
import { gaussian, seededRandom } from './helpers/seededRandom.js';

const T0 = 1_794_614_400;
const KINDS = ['walk', 'ramp', 'late-onset', 'sawtooth', 'step', 'plateau', 'daily', 'noise', 'real'] as const;
type Kind = (typeof KINDS)[number];

function series(r: () => number, kind: Kind, n: number): { ts: number[]; vs: number[] } {
  const g = gaussian(r);
  const ts: number[] = [];
  const vs: number[] = [];
  const base = Math.floor(r() * 200);
  const slope = 0.02 + r() * 0.5; // goroutines a point
  let walk = Math.floor(r() * 40);
  const onset = Math.floor(n * (0.5 + r() * 0.4));
  const period = 20 + Math.floor(r() * 200);
  for (let i = 0; i < n; i++) {
    ts.push(T0 + i * 60 + (r() < 0.5 ? Math.round(r() * 1000) / 1000 : 0));
    let v: number;
    switch (kind) {
      case 'walk':
        walk = Math.min(40, Math.max(0, walk + Math.round(g() * 2)));
        v = walk;
        break;
      case 'ramp':
        v = base + slope * i + g() * 3;
        break;
      case 'late-onset':
        v = base + (i > onset ? slope * 3 * (i - onset) : 0) + g() * 2;
        break;
      case 'sawtooth':
        v = base + (i % period) * slope + (r() < 0.5 ? slope * i * 0.05 : 0);
        break;
      case 'step':
        v = base + (i > onset ? 30 : 0) + g();
        break;
      case 'plateau':
        v = base + Math.min(i, onset) * slope + g();
        break;
      case 'daily':
        v = base + 60 * Math.sin((2 * Math.PI * i) / 1440) + slope * 0.1 * i + g() * 5;
        break;
      case 'noise':
        v = base + g() * 10;
        break;
      case 'real':
        v = base * 1e6 + slope * 1e5 * i + g() * 3e6;
        break;
    }
    vs.push(kind === 'real' ? v : Math.max(0, Math.round(v)));
  }
  return { ts, vs };
}

test('couldRise never says no to a series classifyTrend calls rising, and rules out most random walks', () => {
  const r = seededRandom(20261206);
  const rising: Record<string, number> = {};
  const screened: Record<string, number> = {};
  const total: Record<string, number> = {};
  for (let trial = 0; trial < 2400; trial++) {
    const kind = KINDS[trial % KINDS.length]!;
    // short (the MIN_POINTS edge), under and over MAX_EXACT_POINTS (the bucketed path)
    const n = [5, 8, 12, 40, 200, 361, 1440, 4000][Math.floor(r() * 8)]!;
    const { ts, vs } = series(r, kind, n);
    const minAbsRise = [0, 5, 20][trial % 3]!;
    const shape = classifyTrend(ts, vs, { minAbsRise }).shape;
    const may = couldRise(ts, vs, { minAbsRise });
    total[kind] = (total[kind] ?? 0) + 1;
    if (shape === 'rising') {
      rising[kind] = (rising[kind] ?? 0) + 1;
      assert.equal(may, true, `trial ${trial}: a ${kind} of ${n} points is rising but couldRise said no`);
    }
    if (!may) screened[kind] = (screened[kind] ?? 0) + 1;
  }
  // the cases exercise the rule: leaks are found rising, and the screen does rule series out
  assert.ok((rising['ramp'] ?? 0) > total['ramp']! / 3, `ramps found rising: ${rising['ramp']} of ${total['ramp']}`);
  assert.ok((rising['late-onset'] ?? 0) > 0, 'some late onsets are rising');
  assert.ok((screened['walk'] ?? 0) > 0.6 * total['walk']!, `random walks ruled out: ${screened['walk']} of ${total['walk']}`);
  assert.ok((screened['noise'] ?? 0) > 0.9 * total['noise']!, `noise ruled out: ${screened['noise']} of ${total['noise']}`);
});

test('judgeGrowth gives the same status and reason with the screen as the full trend says', () => {
  const r = seededRandom(7);
  for (let trial = 0; trial < 600; trial++) {
    const kind = KINDS[trial % KINDS.length]!;
    const { ts, vs } = series(r, kind, [40, 400, 1440][trial % 3]!);
    const j = judgeGrowth({ current: { ts, vs }, earlier: [], minAbsRise: 5 });
    const trend = classifyTrend(ts, vs, { minAbsRise: 5 });
    if (j.status === 'not-rising' && !j.reason.startsWith('insufficient')) {
      assert.notEqual(trend.shape, 'rising', `trial ${trial} (${kind})`);
      assert.equal(j.reason, `${trend.shape}: ${trend.details.reason}`);
    }
    // the lazily computed trend is the same object a full classification gives
    assert.deepEqual(j.trend, trend);
  }
});
