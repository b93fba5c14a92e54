// The evaluation's generated recordings (scripts/eval/scenarios.ts) read back through the real reader as the
// ground truth says: deploys are new lifetimes that start from zero, gaps are gaps, the same seed gives the same
// bytes. EVAL.md is only as honest as these recordings.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { readRecording } from '../src/io/readRecording.js';
import { evalScenarios, generateScenario, LEAK_FUNCTIONS, scenario } from '../scripts/eval/scenarios.js';
import { tempDir } from './helpers/tmp.js';

test('a deploy is a new lifetime with a restart row, and the per-lifetime leak starts again from zero', (t) => {
  const data = tempDir(t);
  const g = generateScenario(
    scenario({ name: 'svc', description: '', days: 2, seed: 5, restartHours: [30], leaks: [{ fn: LEAK_FUNCTIONS.lifetime, perHour: 10, onsetHour: 0 }], expected: 'leak' }),
    data,
  );
  const rec = readRecording(data, 'svc');
  assert.deepEqual(rec.warnings, []);
  assert.equal(rec.samples.length, 2 * 1440);
  assert.deepEqual(rec.samples.map((r) => r.event).filter(Boolean), ['start', 'restart']);
  const restartRow = rec.samples.findIndex((r) => r.event === 'restart');
  assert.equal(restartRow, 30 * 60);
  assert.notEqual(rec.samples[restartRow].pid, rec.samples[restartRow - 1].pid);
  assert.equal(new Set(rec.ticks.map((k) => k.lifetime)).size, 2);

  const leak = rec.stacks.find((s) => s.frames.some((f) => f.function === LEAK_FUNCTIONS.lifetime));
  assert.ok(leak, 'the leaking stack is in the dictionary');
  const count = (i: number) => rec.ticks[i].counts.get(leak.id) ?? 0;
  assert.ok(count(restartRow - 1) >= 250, `~300 leaked after 30 h, got ${count(restartRow - 1)}`);
  assert.ok(count(restartRow) <= 3, `a new lifetime starts from zero, got ${count(restartRow)}`);
  assert.ok(count(rec.ticks.length - 1) >= 140, `~180 leaked 18 h after the deploy, got ${count(rec.ticks.length - 1)}`);
  // Totals in samples.csv and the history agree.
  assert.equal(rec.samples[100].goroutines, rec.ticks[100].total);
  assert.equal(g.restarts, 1);
});

test('the gap scenario has exactly one 6.5-minute gap after 72 samples, then 6 more', (t) => {
  const data = tempDir(t);
  const spec = evalScenarios().find((s) => s.name === 'gap-rising')!;
  generateScenario(spec, data);
  const ts = readRecording(data, 'gap-rising').samples.map((r) => r.tsSeconds);
  assert.equal(ts.length, 78);
  const steps = ts.slice(1).map((x, i) => x - ts[i]);
  const long = steps.map((d, i) => [d, i] as const).filter(([d]) => d > 120);
  assert.equal(long.length, 1);
  assert.equal(long[0][1], 71, 'the gap follows the 72nd sample');
  assert.ok(Math.abs(long[0][0] - 390) < 2, `6.5 minutes, got ${long[0][0]} s`);
});

test('the same scenario and seed give the same bytes; another seed does not', (t) => {
  const a = tempDir(t);
  const b = tempDir(t);
  const c = tempDir(t);
  const spec = scenario({ name: 'u', description: '', days: 0.5, seed: 9, leaks: [{ fn: LEAK_FUNCTIONS.unique, perHour: 20, onsetHour: 0, uniqueLabel: 'request_id' }], expected: 'leak' });
  generateScenario(spec, a);
  generateScenario(spec, b);
  generateScenario({ ...spec, seed: 10 }, c);
  for (const file of ['samples.csv', 'stacks.jsonl', 'stack-history.log']) {
    assert.equal(readFileSync(join(a, 'u', file), 'utf8'), readFileSync(join(b, 'u', file), 'utf8'), file);
  }
  assert.notEqual(readFileSync(join(a, 'u', 'samples.csv'), 'utf8'), readFileSync(join(c, 'u', 'samples.csv'), 'utf8'));
  // Unique labels: every leaked goroutine is its own stack with its own request id.
  const rec = readRecording(a, 'u');
  const leaked = rec.stacks.filter((s) => s.frames.some((f) => f.function === LEAK_FUNCTIONS.unique));
  assert.ok(leaked.length >= 150, `${leaked.length}`);
  assert.equal(new Set(leaked.map((s) => s.labels.request_id)).size, leaked.length);
  assert.ok(rec.ticks.at(-1)!.counts.get(leaked[0].id) === 1);
});
