import assert from 'node:assert/strict';
import test from 'node:test';
import { emptyState, identify, planTick, type ObservedProcess } from '../src/core/tickPlan.js';
import type { GoroutineProfile } from '../src/core/model.js';
import { replayHistory } from '../src/core/stackHistory.js';

const proc = (over: Partial<ObservedProcess> = {}): ObservedProcess => ({
  pid: 100, comm: 'api', processStartTsSeconds: 1000, rssBytes: 1e7, vszBytes: 1e9, cpuSecondsTotal: 10, threads: 5, fds: 8, note: '', ...over,
});
const profile = (counts: Record<string, number>): GoroutineProfile => ({
  total: Object.values(counts).reduce((a, b) => a + b, 0),
  timeSeconds: 0,
  stacks: Object.entries(counts).map(([fn, count]) => ({
    key: fn, frames: [{ function: fn, file: 'x.go', line: 1 }], labels: {}, count,
  })),
});

test('first tick starts a lifetime; CPU % comes from differencing cumulative CPU within it', () => {
  const target = { name: 'api', process: 'api' };
  const s0 = emptyState();
  const id1 = identify(s0, target, { pid: 100 }, proc());
  assert.equal(id1.kind === 'process' && id1.event, 'start');
  const p1 = planTick(s0, target, 2000, id1, { ok: true, profile: profile({ a: 3, b: 1 }) }, -1);
  assert.equal(p1.row.cpuPercent, null, 'no interval yet');
  assert.equal(p1.row.goroutines, 4);
  assert.match(p1.historyLine!, /^K 2000 100@1000 4 1:3 2:1\n$/);
  p1.state.historyBytes = p1.historyLine!.length;

  const id2 = identify(p1.state, target, { pid: 100 }, proc({ cpuSecondsTotal: 13 }));
  const p2 = planTick(p1.state, target, 2060, id2, { ok: true, profile: profile({ a: 5, b: 1 }) }, p1.historyLine!.length);
  assert.equal(p2.row.event, '');
  assert.equal(p2.row.cpuPercent, 5, '3 CPU seconds over 60 s = 5 %');
  assert.equal(p2.historyLine, 'D 2060 100@1000 6 1:5\n');
  assert.equal(p2.newStacks.length, 0);

  // A restart (new pid and start time) is a new lifetime: event restart, keyframe, no CPU % across it.
  const id3 = identify(p2.state, target, { pid: 200 }, proc({ pid: 200, processStartTsSeconds: 2070, cpuSecondsTotal: 0.5 }));
  const p3 = planTick(p2.state, target, 2120, id3, { ok: true, profile: profile({ a: 1, c: 2 }) }, p1.historyLine!.length + p2.historyLine!.length);
  assert.equal(p3.row.event, 'restart');
  assert.equal(p3.row.cpuPercent, null);
  assert.match(p3.historyLine!, /^K 2120 200@2070 3 1:1 3:2\n$/);
  assert.deepEqual(p3.newStacks.map((s) => s.id), [3]);
  const replay = replayHistory(p1.historyLine! + p2.historyLine! + p3.historyLine!, 'h');
  assert.deepEqual(replay.ticks.map((t) => t.total), [4, 6, 3]);
});

test('a pid fixed in the config that now belongs to another program is recorded as pid-reused, with no numbers', () => {
  const target = { name: 'api', pid: 100 };
  const s = { ...emptyState(), lifetime: '100@1000', pid: 100 };
  const id = identify(s, target, { pid: 100 }, proc({ processStartTsSeconds: 5000, comm: 'bash' }));
  assert.equal(id.kind, 'failed');
  const p = planTick(s, target, 6000, id, null, 10);
  assert.equal(p.row.status, 'pid-reused');
  assert.equal(p.row.rssBytes, null);
  assert.match(p.row.message, /pid 100 now belongs to another process \("bash"\)/);
  assert.equal(p.historyLine, null);
});

test('a history file that changed behind our back gets a keyframe, not a delta', () => {
  const target = { name: 'api', process: 'api' };
  const s = { ...emptyState(), lifetime: '100@1000', pid: 100, historyBytes: 500, lastCounts: { '1': 3 }, stackIds: new Map(), nextStackId: 1 };
  const id = identify(s, target, { pid: 100 }, proc());
  const p = planTick(s, target, 2000, id, { ok: true, profile: profile({ a: 3 }) }, 480);
  assert.match(p.historyLine!, /^K /);
});

test('a failed profile fetch keeps the process numbers and says why', () => {
  const target = { name: 'api', process: 'api', pprof: 'http://127.0.0.1:1/debug/pprof' };
  const s = emptyState();
  const id = identify(s, target, { pid: 100 }, proc());
  const p = planTick(s, target, 2000, id, { ok: false, status: 'pprof-unreachable', message: 'connection refused at 127.0.0.1:1' }, -1);
  assert.equal(p.row.status, 'pprof-unreachable');
  assert.equal(p.row.rssBytes, 1e7);
  assert.equal(p.row.goroutines, null);
  assert.match(p.row.message, /connection refused/);
  assert.equal(p.historyLine, null);
});
