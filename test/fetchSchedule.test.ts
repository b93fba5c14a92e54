// The optional endpoints' schedule (src/core/fetchSchedule.ts): which a tick asks, and how their back-off moves.
import assert from 'node:assert/strict';
import test from 'node:test';
import type { TargetConfig } from '../src/core/config.js';
import { extrasDue, isNotServed, OPTIONAL_RETRY_SECONDS, retryLater, type FetchBackoff } from '../src/core/fetchSchedule.js';
import { emptyState } from '../src/core/tickPlan.js';

const api: TargetConfig = { name: 'api', pprof: 'http://127.0.0.1:6060/debug/pprof' };
const fresh = (): FetchBackoff => emptyState();
const T0 = 1_800_000_000;

/** Runs `minutes` ticks a minute apart and lists the minutes at which `pick` was due. */
function dueMinutes(t: TargetConfig, minutes: number, oneShot: boolean, pick: (d: ReturnType<typeof extrasDue>['due']) => boolean, goroutines = 100): number[] {
  let state = fresh();
  const at: number[] = [];
  for (let m = 0; m < minutes; m++) {
    const { due, backoff } = extrasDue(t, state, T0 + m * 60, goroutines, oneShot);
    if (pick(due)) at.push(m);
    state = backoff;
  }
  return at;
}

test('heap: every 5 minutes in a one-shot (cron) run, every tick in loop mode, as configured, or never', () => {
  assert.deepEqual(dueMinutes(api, 12, true, (d) => d.heap), [0, 5, 10]);
  assert.deepEqual(dueMinutes(api, 4, false, (d) => d.heap), [0, 1, 2, 3]);
  assert.deepEqual(dueMinutes({ ...api, heapProfileMinutes: 2 }, 5, false, (d) => d.heap), [0, 2, 4]);
  assert.deepEqual(dueMinutes({ ...api, heap: false }, 6, false, (d) => d.heap), []);
});

test('heap: a clock stepped back does not stop the heap for as long as it stepped', () => {
  const { backoff } = extrasDue(api, fresh(), T0, 10, true);
  assert.equal(extrasDue(api, backoff, T0 + 60, 10, true).due.heap, false, 'one minute later: not yet');
  assert.equal(extrasDue(api, backoff, T0 - 3600, 10, true).due.heap, true, 'an hour back: asked again at once');
});

test('goroutineleak: every leakProfileMinutes (default 10); a 404 leaves it alone for 6 hours', () => {
  assert.deepEqual(dueMinutes(api, 25, true, (d) => d.leak), [0, 10, 20]);
  assert.deepEqual(dueMinutes({ ...api, leakProfileMinutes: 3 }, 7, true, (d) => d.leak), [0, 3, 6]);
  const { due, backoff } = extrasDue(api, fresh(), T0, 10, true);
  assert.equal(due.leak, true);
  assert.equal(isNotServed('HTTP 404 Not Found'), true);
  retryLater(backoff, 'leak', T0);
  assert.equal(extrasDue(api, backoff, T0 + OPTIONAL_RETRY_SECONDS - 60, 10, true).due.leak, false);
  assert.equal(extrasDue(api, backoff, T0 + OPTIONAL_RETRY_SECONDS, 10, true).due.leak, true);
});

test('/debug/vars: asked every tick where served, from the pprof origin or the configured URL; a 404 waits 6 hours', () => {
  assert.equal(extrasDue(api, fresh(), T0, 10, true).due.varsUrl, 'http://127.0.0.1:6060/debug/vars');
  assert.equal(extrasDue({ ...api, vars: 'http://127.0.0.1:7070/vars' }, fresh(), T0, 10, true).due.varsUrl, 'http://127.0.0.1:7070/vars');
  assert.equal(extrasDue({ ...api, vars: false }, fresh(), T0, 10, true).due.varsUrl, null);
  assert.equal(extrasDue({ name: 'x', pprof: 'http://127.0.0.1:6060/pprof' }, fresh(), T0, 10, true).due.varsUrl, null, 'no origin to guess from');
  assert.equal(isNotServed('connection refused at 127.0.0.1:6060'), false);
  const state = fresh();
  retryLater(state, 'vars', T0);
  assert.equal(extrasDue(api, state, T0 + 60, 10, true).due.varsUrl, null);
  assert.equal(extrasDue(api, state, T0 + OPTIONAL_RETRY_SECONDS, 10, true).due.varsUrl, 'http://127.0.0.1:6060/debug/vars');
});

test('debug=2: only at or below the goroutine cap (it stops the world), every 30 minutes by default, or never', () => {
  assert.deepEqual(dueMinutes(api, 61, true, (d) => d.debug2, 5000), [0, 30, 60]);
  assert.deepEqual(dueMinutes(api, 61, true, (d) => d.debug2, 5001), []);
  assert.deepEqual(dueMinutes({ ...api, debug2: { maxGoroutines: 10, everyMinutes: 1 } }, 3, true, (d) => d.debug2, 10), [0, 1, 2]);
  assert.deepEqual(dueMinutes({ ...api, debug2: false }, 61, true, (d) => d.debug2, 1), []);
});

test('the state handed in is never changed: the tick keeps the old one when it fails', () => {
  const prev = fresh();
  const before = JSON.stringify(prev);
  const { backoff } = extrasDue(api, prev, T0, 10, true);
  retryLater(backoff, 'leak', T0);
  assert.equal(JSON.stringify(prev), before);
  assert.notEqual(JSON.stringify(backoff), before);
});
