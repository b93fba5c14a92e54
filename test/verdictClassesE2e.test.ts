// End to end through the real `check` (and `report --json` for the suspects) on short production-shaped
// recordings written in the real on-disk format (scripts/eval/scenarios.ts): one case per verdict class of
// issue 9 — a leak in every lifetime across a deploy, a benign daily curve seen through 2-hour windows on its
// rising part, a leak spread over unique request-id labels, a slow leak beside 1,000 idle goroutines.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import type { Suspect, Summary } from '../src/core/model.js';
import { generateScenario, LEAK_FUNCTIONS, scenario } from '../scripts/eval/scenarios.js';
import { DEFAULT_END_TS } from '../scripts/generateRecording.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const HOUR = 3600;
const iso = (s: number) => new Date(s * 1000).toISOString();

/** `report --json` for one target: the suspects `check`'s verdict stands on. */
async function suspectsOf(t: { after(fn: () => void): void }, data: string, target: string, extra: string[] = []): Promise<Suspect[]> {
  const out = tempDir(t, 'leakwatch-verdict-out-');
  const r = await cli(['report', '--data', data, '--target', target, '--out', join(out, 'r.html'), '--json', join(out, 'r.json'), ...extra], { cwd: out });
  assert.equal(r.code, 0, r.stderr);
  const summary = JSON.parse(readFileSync(join(out, 'r.json'), 'utf8')) as Summary;
  return summary.targets[0].suspects;
}

const hasFrame = (s: Suspect, fn: string) => s.frames.some((f) => f.function === fn);

test('a leak of 10/hour in every lifetime across a deploy: check exits 1 and the leaking stack is the only suspect', async (t) => {
  const data = tempDir(t);
  // 3 days, a deploy at day 1 18:00: the current lifetime is 30 h long and ends on the falling evening curve.
  const g = generateScenario(
    scenario({ name: 'deploys', description: '', days: 3, seed: 11, restartHours: [42], leaks: [{ fn: LEAK_FUNCTIONS.lifetime, perHour: 10, onsetHour: 0 }], expected: 'leak' }),
    data,
  );
  assert.equal(g.restarts, 1);
  const r = await cli(['check', '--data', data, '--until', iso(DEFAULT_END_TS)], { cwd: data });
  assert.equal(r.code, 1, `want exit 1 (leak), got ${r.code}: ${r.stdout}${r.stderr}`);
  const suspects = await suspectsOf(t, data, 'deploys', ['--until', iso(DEFAULT_END_TS)]);
  assert.deepEqual(
    suspects.map((s) => s.leafFunction),
    [LEAK_FUNCTIONS.lifetime],
    `want exactly the leaking stack, got ${suspects.map((s) => s.leafFunction).join(', ')}`,
  );
});

test('a benign daily curve: check exits 0 for 2-hour windows on its rising part', async (t) => {
  const data = tempDir(t);
  // 2 days, one lifetime, traffic ±70% (trough 03:00, peak 15:00 UTC) with noise, idle goroutines, pools, nightly batch.
  generateScenario(scenario({ name: 'diurnal', description: '', days: 2, seed: 22, expected: 'stable' }), data);
  const day2 = DEFAULT_END_TS - 24 * HOUR;
  const codes: string[] = [];
  for (const untilHour of [7, 9, 11, 13]) {
    const until = day2 + untilHour * HOUR;
    const r = await cli(['check', '--data', data, '--since', iso(until - 2 * HOUR), '--until', iso(until)], { cwd: data });
    codes.push(`${untilHour}:00 -> ${r.code} ${r.stdout.trim()}`);
  }
  assert.deepEqual(
    codes.filter((c) => !/ -> 0 /.test(c)),
    [],
    `every rising 2-hour window must be stable:\n${codes.join('\n')}`,
  );
});

test('a leak spread over unique request-id labels: check exits 1 and the group of stacks is the suspect', async (t) => {
  const data = tempDir(t);
  generateScenario(
    scenario({ name: 'unique', description: '', days: 1, seed: 33, leaks: [{ fn: LEAK_FUNCTIONS.unique, perHour: 10, onsetHour: 0, uniqueLabel: 'request_id' }], expected: 'leak' }),
    data,
  );
  const r = await cli(['check', '--data', data], { cwd: data });
  assert.equal(r.code, 1, `want exit 1 (leak), got ${r.code}: ${r.stdout}${r.stderr}`);
  const suspects = await suspectsOf(t, data, 'unique');
  assert.equal(suspects.length, 1, `want one suspect (the group), got ${suspects.map((s) => s.leafFunction).join(', ')}`);
  const s = suspects[0];
  assert.ok(hasFrame(s, LEAK_FUNCTIONS.unique), s.leafFunction);
  assert.ok(s.group, 'the suspect is a group of stacks that differ only in label values');
  const key = s.group.labelKeys.find((k) => k.key === 'request_id');
  assert.ok(key && key.distinctValues >= 200 && key.examples.length > 0, JSON.stringify(s.group.labelKeys));
  assert.ok(s.group.stackIds.length >= 200);
});

test('a slow leak of 3/hour beside 1,000 idle goroutines: check exits 1 and names only it', async (t) => {
  const data = tempDir(t);
  generateScenario(scenario({ name: 'ballast', description: '', days: 1, seed: 44, leaks: [{ fn: LEAK_FUNCTIONS.slow, perHour: 3, onsetHour: 0 }], expected: 'leak' }), data);
  const r = await cli(['check', '--data', data], { cwd: data });
  assert.equal(r.code, 1, `want exit 1 (leak), got ${r.code}: ${r.stdout}${r.stderr}`);
  const suspects = await suspectsOf(t, data, 'ballast');
  assert.deepEqual(suspects.map((s) => s.leafFunction), [LEAK_FUNCTIONS.slow]);
});

test('long-lived sessions drifting day to day: check exits 0 on the first evening and every day after', async (t) => {
  const data = tempDir(t);
  // 40 stacks of sessions (websocket or gRPC streams) that follow the daily curve hours late and wander; the same
  // seed as the eval's benign-week-long-sessions, whose first three days this is. Before the wander test and the
  // load-peak hold, check said "leak" at each of these times (first evening: a session stack still rising after the
  // load's peak; day 2: above yesterday's range; day 3: a daily floor "rising").
  const spec = scenario({ name: 'sessions', description: '', days: 3, seed: 1212, sessionStacks: 40, expected: 'stable' });
  generateScenario(spec, data);
  const day1 = DEFAULT_END_TS - 3 * 24 * HOUR;
  const codes: string[] = [];
  for (const hour of [18, 21, 27, 33, 39, 45, 72]) {
    const r = await cli(['check', '--data', data, '--until', iso(day1 + hour * HOUR - 30)], { cwd: data });
    codes.push(`hour ${hour} -> ${r.code} ${r.stdout.trim()}`);
  }
  assert.deepEqual(
    codes.filter((c) => !/ -> 0 /.test(c)),
    [],
    `every time must be stable:\n${codes.join('\n')}`,
  );
});

test('long-lived sessions recorded from 06:00: check exits 0 through the first evening, while they follow the load late', async (t) => {
  const data = tempDir(t);
  // The eval's benign-week-long-sessions recorded from 06:00 (its "First days" table): sessions of 2-12 h count the
  // arrivals of their last hours, so their stacks go on rising for hours after the load's 15:00 peak. Judged 2 hours
  // after the peak (before LOAD_PEAK_LAG_SECONDS, firstDay.ts), check said "leak" at each of these times.
  const end = DEFAULT_END_TS + 18 * HOUR; // 36 h from 06:00
  generateScenario(scenario({ name: 'sessions', description: '', days: 1.5, seed: 1212, sessionStacks: 40, expected: 'stable' }), data, end);
  const start = end - 36 * HOUR;
  const codes: string[] = [];
  for (const hour of [13, 15, 17]) {
    const r = await cli(['check', '--data', data, '--until', iso(start + hour * HOUR)], { cwd: data });
    codes.push(`${hour} h -> ${r.code} ${r.stdout.trim()}`);
  }
  assert.deepEqual(
    codes.filter((c) => !/ -> 0 /.test(c)),
    [],
    `every time must be stable:\n${codes.join('\n')}`,
  );
});

test('a leak of 2/hour inside a traffic-following handler: check exits 1 on day 2 and names only that handler', async (t) => {
  const data = tempDir(t);
  generateScenario(
    scenario({ name: 'elastic', description: '', days: 3, seed: 1313, leaks: [{ fn: LEAK_FUNCTIONS.ordersHandler, perHour: 2, onsetHour: 0, onOrdersHandler: true }], expected: 'leak' }),
    data,
  );
  const r = await cli(['check', '--data', data, '--until', iso(DEFAULT_END_TS)], { cwd: data });
  assert.equal(r.code, 1, `want exit 1 (leak), got ${r.code}: ${r.stdout}${r.stderr}`);
  // already on day 2, 34 h in, by the excess over yesterday's same hours (the eval's scenario: first at 33 h); a wander
  // estimate that counted the daily curve's bend and the noise three times over held it back to 46 h
  const day2 = await cli(['check', '--data', data, '--until', iso(DEFAULT_END_TS - 38 * HOUR)], { cwd: data });
  assert.equal(day2.code, 1, `want exit 1 at 34 h, got ${day2.code}: ${day2.stdout}${day2.stderr}`);
  const suspects = await suspectsOf(t, data, 'elastic', ['--until', iso(DEFAULT_END_TS)]);
  assert.deepEqual(suspects.map((s) => `${s.leafFunction} ${s.evidence}`), [`${LEAK_FUNCTIONS.ordersHandler} daily-floor-rises`]);
});

test('a recording started at 06:00 on a benign service: check exits 0 through its first morning (the total rises with load)', async (t) => {
  const data = tempDir(t);
  // The daily curve's morning ramp (trough 03:00, peak 15:00) from the first sample on: the goroutine total, RSS and
  // the stacks that follow traffic all rise for hours and have given nothing back yet. Before the first-day hold
  // covered the totals (src/analysis/firstDay.ts), check said "growing" (goroutines-unexplained) from 2 h to 9 h.
  const end = DEFAULT_END_TS + 18 * HOUR; // 36 h from 06:00
  generateScenario(scenario({ name: 'morning', description: '', days: 1.5, seed: 22, expected: 'stable' }), data, end);
  const start = end - 36 * HOUR;
  const codes: string[] = [];
  for (const hour of [2, 4, 6, 8]) {
    const r = await cli(['check', '--data', data, '--until', iso(start + hour * HOUR)], { cwd: data });
    codes.push(`hour ${hour} -> ${r.code} ${r.stdout.trim()}`);
  }
  assert.deepEqual(
    codes.filter((c) => !/ -> 0 /.test(c)),
    [],
    `every time must be stable:\n${codes.join('\n')}`,
  );
  assert.match(codes[1]!, /goroutines.* rose with load/, 'the headline says the total is held back, and why');
});
