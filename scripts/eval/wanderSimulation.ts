// The daily-floor test (src/analysis/seasonal.ts dailyFloorRises) on simulated single stacks, for EVAL.md: stacks
// that wander from day to day without leaking (long-lived sessions, a bounded random walk) and leaks inside a stack
// that follows traffic. Per minute, seeded; each series checked every 2 hours from day 2 to day 8, as a sliding
// `check` would. Three rules side by side: the seasonal Kendall test with the floor conditions alone (before the
// wander test), the wander test fitted from two days of differences, and from three (kept: WALK_FIT_MIN_DIFFERENCES).
import { dailyMaterial } from '../../src/analysis/growth.js';
import { dailyFloorRises, hourlyMedians, walkZ, type HourlyMedians } from '../../src/analysis/seasonal.js';
import { SUSPECT_MIN_INCREASE } from '../../src/analysis/suspects.js';
import { Z_SIGNIFICANT } from '../../src/analysis/trend.js';
import { gauss, poisson } from '../lib/generatorStacks.js';
import { seededRandom } from '../lib/seededRandom.js';

const DAY = 86400;
const MIDNIGHT = 1_790_035_200;
/** Load at a time of day: peak 15:00 UTC, trough 03:00, ±70% (the scenarios' curve, without weekly growth). */
export const simulatedLoad = (ts: number) => 1 + 0.7 * Math.sin(((((ts % DAY) / 3600 - 9) / 24) * 2 * Math.PI));

export type SimulatedShape =
  /**
   * M/M/inf: `level` sessions at load 1, arrivals following load, each staying `holdHours` on average; with
   * `traffic`, short requests on the same frames too (keep-alive connections: one stack for both).
   */
  | { kind: 'sessions'; level: number; holdHours: number; traffic?: Traffic }
  /** The bench generator's churn walk: a tenth of the minutes a step of 1-3, kept within about 0..40. */
  | { kind: 'walk' }
  /** Traffic on the same frames, plus a leak of `perHour` (Poisson arrivals). */
  | { kind: 'leak'; perHour: number; traffic: Traffic };

/**
 * Requests in flight: Poisson around `level` x load, the level times e^(hourSd x a normal draw) redrawn each hour
 * (traffic busier or quieter than the curve from hour to hour, beyond Poisson; 0: none).
 */
export interface Traffic {
  level: number;
  hourSd: number;
}

/** One value a minute for `days` from a midnight UTC. */
export function simulateStack(shape: SimulatedShape, seed: number, days: number): { ts: Float64Array; vs: Float64Array } {
  const r = seededRandom(seed);
  const n = Math.round(days * 1440);
  const ts = new Float64Array(n);
  const vs = new Float64Array(n);
  let c = shape.kind === 'sessions' ? poisson(r, shape.level * simulatedLoad(MIDNIGHT)) : shape.kind === 'walk' ? 1 + Math.floor(r() * 20) : 0;
  let leaked = 0;
  const traffic = shape.kind === 'walk' ? undefined : shape.traffic;
  let hourly = 1;
  const inFlight = (t: number, i: number) => {
    if (!traffic) return 0;
    if (traffic.hourSd > 0 && i % 60 === 0) hourly = Math.exp(traffic.hourSd * gauss(r));
    return poisson(r, traffic.level * simulatedLoad(t) * hourly);
  };
  for (let i = 0; i < n; i++) {
    const t = MIDNIGHT + i * 60;
    ts[i] = t;
    if (shape.kind === 'sessions') {
      const hold = shape.holdHours * 60;
      c = Math.max(0, c + poisson(r, (shape.level * simulatedLoad(t)) / hold) - poisson(r, c / hold));
      vs[i] = c + inFlight(t, i);
    } else if (shape.kind === 'walk') {
      if (r() < 0.1) {
        const step = 1 + Math.floor(r() * 3);
        c = c > 0 && (c > 40 || r() < 0.5) ? Math.max(0, c - step) : c + step;
      }
      vs[i] = c;
    } else {
      leaked += poisson(r, shape.perHour / 60);
      vs[i] = inFlight(t, i) + leaked;
    }
  }
  return { ts, vs };
}

export interface FloorRules {
  /** Seasonal Kendall z and the floor conditions, no wander test (the rule before). */
  seasonalOnly: boolean;
  /** With the wander test, walk and noise fitted apart from 48 differences. */
  fit48: boolean;
  /** The rule as kept (dailyFloorRises: fitted from WALK_FIT_MIN_DIFFERENCES). */
  kept: boolean;
}

/** The three rules on an elastic stack's hourly medians, ending at `endTs`, with a stack's material rise. */
export function floorRules(h: HourlyMedians, endTs: number): FloorRules {
  const material = dailyMaterial(h, SUSPECT_MIN_INCREASE);
  const seasonalOnly = dailyFloorRises(h, endTs, material, false).rises;
  return { seasonalOnly, fit48: seasonalOnly && walkZ(h, 48).z >= Z_SIGNIFICANT, kept: dailyFloorRises(h, endTs, material).rises };
}

export interface WanderRow {
  shape: string;
  /** Benign shapes: series flagged at some check, per rule; leaks: the first hour flagged (median, max; null = never). */
  seasonalOnly: string;
  fit48: string;
  kept: string;
}

const RULES = ['seasonalOnly', 'fit48', 'kept'] as const;

/** Every shape over `seeds` seeds, checked every 2 hours from hour 48 to 192. */
export function wanderSimulation(seeds: number): { benign: WanderRow[]; leaks: WanderRow[]; checks: number } {
  const benignShapes: SimulatedShape[] = [
    { kind: 'sessions', level: 5, holdHours: 6 },
    { kind: 'sessions', level: 20, holdHours: 6 },
    { kind: 'sessions', level: 30, holdHours: 12 },
    { kind: 'sessions', level: 60, holdHours: 12 },
    { kind: 'sessions', level: 20, holdHours: 24 },
    { kind: 'walk' },
    { kind: 'sessions', level: 60, holdHours: 12, traffic: { level: 120, hourSd: 0.05 } },
    { kind: 'sessions', level: 60, holdHours: 12, traffic: { level: 120, hourSd: 0.1 } },
  ];
  const leakShapes: SimulatedShape[] = [
    { kind: 'leak', perHour: 0.5, traffic: { level: 120, hourSd: 0 } },
    { kind: 'leak', perHour: 1, traffic: { level: 120, hourSd: 0 } },
    { kind: 'leak', perHour: 2, traffic: { level: 120, hourSd: 0 } },
    { kind: 'leak', perHour: 0.5, traffic: { level: 30, hourSd: 0 } },
    { kind: 'leak', perHour: 1, traffic: { level: 30, hourSd: 0 } },
    { kind: 'leak', perHour: 2, traffic: { level: 120, hourSd: 0.1 } },
  ];
  const checkHours: number[] = [];
  for (let hour = 48; hour <= 192; hour += 2) checkHours.push(hour);
  /** Per rule, the first check hour it flags (null: never), for one series. */
  const firstFlags = (shape: SimulatedShape, seed: number): Record<(typeof RULES)[number], number | null> => {
    const s = simulateStack(shape, seed, 8);
    const first: Record<(typeof RULES)[number], number | null> = { seasonalOnly: null, fit48: null, kept: null };
    for (const hour of checkHours) {
      const n = hour * 60;
      const ts = s.ts.subarray(0, n);
      const rules = floorRules(hourlyMedians(ts, s.vs.subarray(0, n)), ts[n - 1]!);
      for (const rule of RULES) if (rules[rule] && first[rule] === null) first[rule] = hour;
      if (RULES.every((rule) => first[rule] !== null)) break;
    }
    return first;
  };
  const trafficName = (t: Traffic) => `${t.level} in flight following traffic${t.hourSd > 0 ? `, ±${Math.round(t.hourSd * 100)}% from hour to hour` : ''}`;
  const name = (shape: SimulatedShape) =>
    shape.kind === 'sessions'
      ? `sessions: ${shape.level} at mean load, held ${shape.holdHours} h${shape.traffic ? `, beside ${trafficName(shape.traffic)}` : ''}`
      : shape.kind === 'walk'
        ? 'random walk (steps 1-3, within ~0-40)'
        : `leak ${shape.perHour}/hour beside ${trafficName(shape.traffic)}`;
  const benign = benignShapes.map((shape, i) => {
    const flagged = { seasonalOnly: 0, fit48: 0, kept: 0 };
    for (let k = 0; k < seeds; k++) {
      const first = firstFlags(shape, 20_000 + 1000 * i + k);
      for (const rule of RULES) if (first[rule] !== null) flagged[rule]++;
    }
    return { shape: name(shape), seasonalOnly: `${flagged.seasonalOnly}/${seeds}`, fit48: `${flagged.fit48}/${seeds}`, kept: `${flagged.kept}/${seeds}` };
  });
  const leaks = leakShapes.map((shape, i) => {
    const hours = { seasonalOnly: [] as number[], fit48: [] as number[], kept: [] as number[] };
    for (let k = 0; k < seeds; k++) {
      const first = firstFlags(shape, 40_000 + 1000 * i + k);
      for (const rule of RULES) hours[rule].push(first[rule] ?? Infinity);
    }
    const fmt = (xs: number[]) => {
      xs.sort((a, b) => a - b);
      const missed = xs.filter((x) => x === Infinity).length;
      const med = xs[Math.floor(xs.length / 2)]!;
      return `${Number.isFinite(med) ? `${med} h` : 'never'} (max ${Number.isFinite(xs[xs.length - 1]!) ? `${xs[xs.length - 1]} h` : 'never'})${missed ? `, ${missed} never` : ''}`;
    };
    return { shape: name(shape), seasonalOnly: fmt(hours.seasonalOnly), fit48: fmt(hours.fit48), kept: fmt(hours.kept) };
  });
  return { benign, leaks, checks: checkHours.length };
}
