// A year of unattended cron, the recorder's side (issue 10, items 2, 4, 5): label churn stays bounded, big
// profiles are recorded, and damage to the recorder's own files never makes it reuse an id or stop recording.
// Real profiles over real HTTP on loopback, real files, the recorder's own tick function.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { DEFAULTS, type Config, type TargetConfig } from '../src/core/config.js';
import { CUT_MARK, MAX_STRING_CHARS, parseGoroutineProfile, stackHash } from '../src/core/goroutineProfile.js';
import { LABEL_PLACEHOLDER } from '../src/core/tickPlan.js';
import { readRecording } from '../src/io/readRecording.js';
import { recordTarget } from '../src/io/recordTick.js';
import { encodeGoroutineProfile, requestFrames, serveProfile, type StackSpec } from './helpers/goroutineProfiles.js';
import { fixture } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';
import { ensureDataDir } from '../src/io/safeOpen.js';

const T0 = 1_800_000_000;

/** Profiles of one stack, "a" (2 goroutines): what most damage tests record around. */
const oneStack = () => encodeGoroutineProfile([{ frames: requestFrames('a'), count: 2 }]);

/**
 * A data folder for this test and a loopback server of `profile` (closed after the test), with the recorder's tick
 * at a given time.
 */
async function recorderFor(t: { after(fn: () => unknown): void }, profile: () => Buffer) {
  const data = join(tempDir(t), 'data');
  const srv = await serveProfile(profile);
  t.after(() => srv.close());
  return { data, srv, record: setup(srv.pprof, data) };
}

function setup(pprof: string, data: string) {
  const target: TargetConfig = { name: 'svc', pprof, heap: false, vars: false, debug2: false };
  const config: Config = { targets: [target], ...DEFAULTS, ignore: [] };
  // as `record` does before its ticks: the data folder is made (owner-only) and checked once
  ensureDataDir(data);
  return (ts: number) => recordTarget(target, { dataDir: data, config, env: {}, nowSeconds: () => ts });
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    total += e.isDirectory() ? dirBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size;
  }
  return total;
}

function stackLines(data: string): Array<{ id: number; labels: Record<string, string>; collapsedLabels?: Record<string, number>; frames: Array<{ function: string }> }> {
  return readFileSync(join(data, 'svc', 'stacks.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
}

test('label churn: 500 in-flight requests with unique ids for 60 ticks stay a few stacks; a leak over unique ids is one rising stack', { timeout: 120_000 }, async (t) => {
  let tick = 0;
  let nextId = 0;
  // Each tick: 500 requests in flight on /serve, every one a new request id (the previous tick's have finished),
  // plus the leak: 3 more requests a tick on /leaky that never finish, each with its own id.
  const leaked: string[] = [];
  const profile = () => {
    const stacks: StackSpec[] = [];
    for (let i = 0; i < 500; i++) stacks.push({ frames: requestFrames('serve'), labels: { request_id: `req-${nextId++}`, route: '/serve' }, count: 1 });
    for (let i = 0; i < 3; i++) leaked.push(`req-${nextId++}`);
    for (const id of leaked) stacks.push({ frames: requestFrames('leaky'), labels: { request_id: id, route: '/leaky' }, count: 1 });
    stacks.push({ frames: requestFrames('idle'), count: 20 });
    return encodeGoroutineProfile(stacks);
  };
  const { data, record } = await recorderFor(t, profile);
  const sizes: number[] = [];
  for (tick = 0; tick < 60; tick++) {
    const r = await record(T0 + tick * 60);
    assert.equal(r.row?.status, 'ok', r.problems.join('\n'));
    assert.deepEqual(r.problems, []);
    sizes.push(dirBytes(join(data, 'svc')));
  }
  const perTick = (sizes[59] - sizes[0]) / 59;
  const snapshotBytes = dirBytes(join(data, 'svc', 'snapshots'));
  const withoutSnapshots = (sizes[59] - snapshotBytes - (sizes[0] - statSync(join(data, 'svc', 'snapshots')).size)) / 59;
  t.diagnostic(`bytes per tick after the first: ${perTick.toFixed(0)} (${((perTick * 1440) / 1e6).toFixed(1)} MB/day at one tick a minute), without snapshots ${withoutSnapshots.toFixed(0)}`);
  t.diagnostic(`stacks.jsonl ${statSync(join(data, 'svc', 'stacks.jsonl')).size} B, state.json ${statSync(join(data, 'svc', 'state.json')).size} B`);
  // The goal: <= 20 MB a day. Snapshots are pruned to one an hour, so the folder's growth is the files that stay.
  assert.ok(withoutSnapshots * 1440 <= 20e6, `${withoutSnapshots} bytes a tick`);
  const stacks = stackLines(data);
  assert.ok(stacks.length <= 3 * 17 + 3, `${stacks.length} stacks in the dictionary for 3 call sites`);
  assert.ok(statSync(join(data, 'svc', 'state.json')).size < 64 * 1024);
  // The leak stays findable: one stack for /leaky with the id collapsed, its count the sum of the leaked requests.
  const leak = stacks.find((s) => s.frames.some((f) => f.function === 'main.leaky') && s.labels.request_id === LABEL_PLACEHOLDER);
  assert.ok(leak, 'a collapsed /leaky stack');
  assert.equal(leak.labels.route, '/leaky', 'a label key with few values is kept as is');
  assert.ok(leak.collapsedLabels && leak.collapsedLabels.request_id > 16);
  const rec = readRecording(data, 'svc');
  const last = rec.ticks.at(-1)!;
  assert.equal(last.counts.get(leak.id), 180, 'the collapsed stack holds every leaked goroutine');
  const serve = stacks.find((s) => s.frames.some((f) => f.function === 'main.serve') && s.labels.request_id === LABEL_PLACEHOLDER)!;
  assert.equal(last.counts.get(serve.id), 500, 'the churning requests are one flat stack');
  const state = JSON.parse(readFileSync(join(data, 'svc', 'state.json'), 'utf8'));
  const counted = Object.values(state.collapsedLabels as Record<string, { key: string; distinctValues: number }>).filter((c) => c.key === 'request_id');
  // 30,000 distinct /serve ids: past the sketch's exact range, so a lower bound of about 15,600.
  assert.ok(counted.some((c) => c.distinctValues > 15_000), JSON.stringify(counted.map((c) => c.distinctValues)));
  // /leaky: 180 distinct ids, estimated within a few %.
  assert.ok(counted.some((c) => Math.abs(c.distinctValues - 180) <= 10), JSON.stringify(counted.map((c) => c.distinctValues)));
});

test('100,000 distinct stacks are recorded (not refused), and an absurd function name is cut with a mark', { timeout: 120_000 }, async (t) => {
  const stacks: StackSpec[] = [];
  const common = requestFrames('worker').slice(1);
  for (let i = 0; i < 100_000; i++) {
    // Like a real big service: a few hundred functions, each parked at many lines, under deep shared callers.
    const deep: Array<[string, string, number]> = Array.from({ length: 15 }, (_, d) => [`main.layer${d}`, '/src/svc/layers.go', 10 + d]);
    stacks.push({ frames: [[`main.fn${i % 500}`, `/src/svc/f${i % 50}.go`, 100 + Math.floor(i / 500)], ...common, ...deep], count: 1 + (i % 3) });
  }
  const huge = 'main.' + 'x'.repeat(2 * 1024 * 1024);
  stacks.push({ frames: [[huge, '/src/svc/huge.go', 1]], count: 1 });
  const body = encodeGoroutineProfile(stacks);
  const { data, record } = await recorderFor(t, () => body);
  const times: number[] = [];
  for (let k = 0; k < 2; k++) {
    const start = process.hrtime.bigint();
    const r = await record(T0 + k * 60);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    assert.equal(r.row?.status, 'ok', r.problems.join('\n'));
    assert.equal(r.row?.stacksDistinct, 100_001);
  }
  t.diagnostic(`body ${body.length} B; tick times: first ${times[0].toFixed(0)} ms, second ${times[1].toFixed(0)} ms`);
  const lines = readFileSync(join(data, 'svc', 'stacks.jsonl'), 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, 100_001);
  const hugeLine = lines.find((l) => l.includes('huge.go'))!;
  assert.ok(hugeLine.length < MAX_STRING_CHARS + 1000, `${hugeLine.length} chars`);
  const fn = JSON.parse(hugeLine).frames[0].function as string;
  assert.equal(fn, `${huge.slice(0, MAX_STRING_CHARS)}${CUT_MARK}${huge.length - MAX_STRING_CHARS} chars]`);
  const rec = readRecording(data, 'svc');
  assert.equal(rec.ticks.at(-1)!.counts.size, 100_001);
});

test('a truncated stacks.jsonl never makes the recorder hand out an id the history already uses', { timeout: 60_000 }, async (t) => {
  let handlers = ['a', 'b', 'c'];
  const { data, record } = await recorderFor(t, () => encodeGoroutineProfile(handlers.map((h, i) => ({ frames: requestFrames(h), count: i + 1 }))));
  for (let k = 0; k < 3; k++) assert.equal((await record(T0 + k * 60)).row?.status, 'ok');
  const stacksPath = join(data, 'svc', 'stacks.jsonl');
  const first = readFileSync(stacksPath, 'utf8').split('\n')[0];
  // A crash or a hand edit leaves only the first stack; the history still names ids 1-3.
  truncateSync(stacksPath, Buffer.byteLength(first) + 1);
  handlers = ['a', 'b', 'c', 'd'];
  const r = await record(T0 + 180);
  assert.equal(r.row?.status, 'ok', r.problems.join('\n'));
  const ids = stackLines(data).map((s) => s.id);
  assert.equal(new Set(ids).size, ids.length, `ids unique: ${ids}`);
  assert.deepEqual(ids.slice(1).filter((id) => id <= 3), [], `no new stack took an id the history used: ${ids}`);
});

test('a state.json that fails validation is rebuilt with one warning line, and the tick records', { timeout: 60_000 }, async (t) => {
  const { data, record } = await recorderFor(t, oneStack);
  assert.equal((await record(T0)).row?.status, 'ok');
  const statePath = join(data, 'svc', 'state.json');
  const cases = ['{"version":3,"lastCounts":null}', '{"version":2,"lastCounts":null}', '[]', '{"version":3', 'null'];
  for (const [k, text] of cases.entries()) {
    writeFileSync(statePath, text);
    const r = await record(T0 + 60 * (k + 1));
    assert.equal(r.row?.status, 'ok', `${text}: ${r.problems.join('\n')}`);
    // the same target goes on: no "start" event (faultsRecorder.test.ts: a process's CPU % too)
    assert.equal(r.row?.event, '', `${text}: the rebuilt state resumes the lifetime of the last row`);
    // An older version is an upgrade (no word); anything else is named once, with the file.
    if (text.includes('"version":2')) assert.deepEqual(r.problems, []);
    else {
      assert.equal(r.problems.length, 1, `${text}: ${r.problems.join('\n')}`);
      assert.match(r.problems[0], /^target svc: .*state\.json failed validation \(.+\); rebuilt it from the data files/);
    }
  }
  // deleted (documented as safe): the same
  rmSync(statePath);
  const after = await record(T0 + 60 * (cases.length + 1));
  assert.equal(after.row?.event, '');
  assert.deepEqual(stackLines(data).map((s) => s.id), [1], 'the same stack keeps its id through every rebuild');
  assert.deepEqual(readRecording(data, 'svc').warnings, []);
});

test('a torn line longer than any window is cut away; the next line starts on its own', { timeout: 60_000 }, async (t) => {
  const { data, record } = await recorderFor(t, oneStack);
  assert.equal((await record(T0)).row?.status, 'ok');
  const dir = join(data, 'svc');
  const before = { csv: readFileSync(join(dir, 'samples.csv'), 'utf8'), history: readFileSync(join(dir, 'stack-history.log'), 'utf8') };
  // What a crash while writing a 3 MB line leaves: 3 MB and no newline.
  appendFileSync(join(dir, 'samples.csv'), '2027-01-15 08:00:00,1800000030,svc,ok,' + '9'.repeat(3 * 1024 * 1024));
  appendFileSync(join(dir, 'stack-history.log'), 'K 1800000030 url 5 ' + '1:1 '.repeat(800_000));
  assert.equal((await record(T0 + 60)).row?.status, 'ok');
  const csv = readFileSync(join(dir, 'samples.csv'), 'utf8');
  const history = readFileSync(join(dir, 'stack-history.log'), 'utf8');
  assert.ok(csv.startsWith(before.csv) && history.startsWith(before.history), 'earlier lines untouched');
  assert.equal(csv.split('\n').length, before.csv.split('\n').length + 1, 'the torn row is gone, the new row is a line of its own');
  assert.match(history.slice(before.history.length), /^K 1800000060 url 2 1:2\n$/);
  const rec = readRecording(data, 'svc');
  assert.deepEqual(rec.warnings, []);
  assert.equal(rec.samples.length, 2);
});

test('a tick whose state.json cannot be saved says its row and history line were written', { timeout: 60_000 }, async (t) => {
  const { data, record } = await recorderFor(t, oneStack);
  assert.equal((await record(T0)).row?.status, 'ok');
  // The temp name state.json is written to is taken by a folder: the save fails after everything else was written.
  // (Temp names end in a random part, made predictable here; the temp file is created with O_EXCL, so: EEXIST.)
  const realRandom = Math.random;
  Math.random = () => 0.5;
  t.after(() => {
    Math.random = realRandom;
  });
  const blocker = join(data, 'svc', `state.json.tmp-${process.pid}-80000000`);
  mkdirSync(blocker);
  const r = await record(T0 + 60);
  Math.random = realRandom;
  assert.equal(r.problems.length, 1, r.problems.join('\n'));
  assert.match(r.problems[0], /recorded this tick but could not save state\.json \(EEXIST\): wrote the stack-history\.log line, the samples\.csv row; did not write state\.json \(the next tick rebuilds it\)/);
  assert.equal(readRecording(data, 'svc').samples.length, 2, 'the row is there, as the message says');
});

test('the hash the decoder computes on the way is stackHash of the key, also for names and labels holding newlines', () => {
  for (const name of ['hostile.pb.gz', 'leaky-t2.pb.gz', 'distinct-500.pb.gz']) {
    const p = parseGoroutineProfile(fixture(name), 64 * 1024 * 1024);
    for (const s of p.stacks) assert.equal(s.hash, stackHash(s.key), `${name}: ${s.key.slice(0, 80)}`);
  }
  const odd = encodeGoroutineProfile([
    { frames: [['main.a\nmain.b', 'x.go', 1]], labels: { k: 'v\nw' }, count: 1 },
    { frames: [], labels: { k: 'v' }, count: 2 },
    { frames: [], count: 3 },
  ]);
  for (const s of parseGoroutineProfile(odd, 1 << 20).stacks) assert.equal(s.hash, stackHash(s.key), JSON.stringify(s.key));
});

test('cron-style one-shot ticks fetch the heap profile every 5 minutes, not every tick; loop mode every tick', { timeout: 60_000 }, async (t) => {
  const srv = await serveProfile(oneStack);
  t.after(() => srv.close());
  const target: TargetConfig = { name: 'svc', pprof: srv.pprof, vars: false, debug2: false, leakProfileMinutes: 1e6 };
  const config: Config = { targets: [target], ...DEFAULTS, ignore: [] };
  for (const oneShot of [true, false]) {
    srv.requests.clear();
    const data = join(tempDir(t), 'data');
    ensureDataDir(data);
    for (let k = 0; k <= 10; k++) {
      const r = await recordTarget(target, { dataDir: data, config, env: {}, nowSeconds: () => T0 + k * 60, oneShot });
      assert.equal(r.row?.status, 'ok');
    }
    assert.equal(srv.requests.get('/debug/pprof/goroutine'), 11);
    // One-shot: minutes 0, 5 and 10.
    assert.equal(srv.requests.get('/debug/pprof/heap'), oneShot ? 3 : 11, `oneShot ${oneShot}`);
  }
});

test('state.json does not grow with every stack ever seen: ids live in the append-only stack-ids.idx', { timeout: 60_000 }, async (t) => {
  let k = 0;
  // 200 stacks a tick, all new each tick (the old ones gone): 4,000 stacks seen over 20 ticks.
  const { data, record } = await recorderFor(t, () =>
    encodeGoroutineProfile(Array.from({ length: 200 }, (_, i) => ({ frames: [['main.worker', '/src/w.go', k * 1000 + i] as [string, string, number], ...requestFrames('x').slice(2)], count: 1 }))),
  );
  const stateSizes: number[] = [];
  for (k = 0; k < 20; k++) {
    assert.equal((await record(T0 + k * 60)).row?.status, 'ok');
    stateSizes.push(statSync(join(data, 'svc', 'state.json')).size);
  }
  t.diagnostic(`state.json after 1 tick ${stateSizes[0]} B, after 20 ${stateSizes[19]} B; stack-ids.idx ${statSync(join(data, 'svc', 'stack-ids.idx')).size} B`);
  assert.ok(stateSizes[19] <= stateSizes[1] * 1.2, `state.json ${stateSizes[1]} -> ${stateSizes[19]} bytes`);
  assert.equal(stackLines(data).length, 4000);
  // And the index is what a rebuild from stacks.jsonl gives: delete it, the next tick rebuilds, no id changes.
  const idx = readFileSync(join(data, 'svc', 'stack-ids.idx'), 'utf8');
  writeFileSync(join(data, 'svc', 'stack-ids.idx'), '');
  k = 19;
  assert.equal((await record(T0 + 20 * 60)).row?.status, 'ok');
  assert.equal(readFileSync(join(data, 'svc', 'stack-ids.idx'), 'utf8').split('\n').sort().join('\n'), idx.split('\n').sort().join('\n'));
  assert.equal(stackLines(data).length, 4000, 'no stack re-added under a new id');
});
