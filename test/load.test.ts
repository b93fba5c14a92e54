// Load: 50 targets plus a hanging one in one tick of the real CLI, sampled concurrently within the config's bound;
// and a long in-process run of the tick function (a simulated week of cron minutes) with flat memory and
// consistent files afterwards.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { validateConfig } from '../src/core/config.js';
import { parseGoroutineProfile } from '../src/core/goroutineProfile.js';
import { readRecording } from '../src/io/readRecording.js';
import { parseSegmentFileName } from '../src/core/segments.js';
import { recordTick } from '../src/io/recordTick.js';
import { collectGarbage } from '../src/io/collectGarbage.js';
import { bytes, hang, onGoroutine, startBadServer, type Behavior } from './helpers/badServer.js';
import { cli } from './helpers/cli.js';
import { fixture } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';

const CONCURRENCY = 8;

test('one tick over 50 targets and a hanging one: concurrent within the bound, 50 ok rows and one pprof-timeout', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const server = await startBadServer();
  t.after(() => server.close());
  // Each answer takes 50 ms, so requests overlap whenever the recorder runs targets side by side.
  const profile = fixture('leaky-t2.pb.gz');
  const names = Array.from({ length: 50 }, (_, i) => `svc-${String(i).padStart(2, '0')}`);
  for (const n of names) server.set(n, onGoroutine(bytes(profile, 50)));
  server.set('stuck', hang);
  const lean = { heap: false, vars: false, debug2: false };
  const config = join(dir, 'c.json');
  writeFileSync(config, JSON.stringify({
    targets: [
      { name: 'stuck', pprof: server.pprofUrl('stuck'), ...lean },
      ...names.map((n) => ({ name: n, pprof: server.pprofUrl(n), ...lean })),
    ],
    concurrency: CONCURRENCY,
    timeoutSeconds: 2,
  }));

  const r = await cli(['record', '--config', config, '--data', data]);

  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /target stuck: pprof-timeout: no complete answer from 127\.0\.0\.1:\d+ within 2 s/);
  for (const n of names) {
    const rec = readRecording(data, n);
    assert.deepEqual(rec.samples.map((s) => [s.status, s.goroutines]), [['ok', 173]], n);
    assert.deepEqual(rec.warnings, []);
  }
  assert.deepEqual(readRecording(data, 'stuck').samples.map((s) => s.status), ['pprof-timeout']);
  const goroutineRequests = server.requests.filter((q) => q.path === '/debug/pprof/goroutine');
  assert.equal(goroutineRequests.length, 51, 'each target asked once');
  t.diagnostic(`most requests in flight at once: ${server.maxInFlight} (concurrency ${CONCURRENCY})`);
  assert.ok(server.maxInFlight <= CONCURRENCY, `${server.maxInFlight} in flight > concurrency ${CONCURRENCY}`);
  assert.ok(server.maxInFlight > 1, 'targets were sampled concurrently');
});

/** Ticks of the long run. 10,000 at 60 simulated seconds each: ~7 days of cron minutes. */
const LONG_TICKS = 10_000;
const SAMPLE_EVERY = 50;

test(`long run: ${LONG_TICKS} ticks in-process, heap flat, every row and history line readable afterwards`, { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const t1 = fixture('leaky-t1.pb.gz');
  const t2 = fixture('leaky-t2.pb.gz');
  const totals = [parseGoroutineProfile(t1, 1 << 26).total, parseGoroutineProfile(t2, 1 << 26).total];
  let served = 0;
  const alternate: Behavior = (req, res) => bytes(served++ % 2 === 0 ? t1 : t2)(req, res);
  const server = await startBadServer();
  t.after(() => server.close());
  server.set('svc', onGoroutine(alternate));
  const config = validateConfig({ targets: [{ name: 'svc', pprof: server.pprofUrl('svc'), vars: false, debug2: false, heap: false }], timeoutSeconds: 5 });

  // A real collection for steady heap readings (node --test passes no --expose-gc to the test process).
  const start = Math.floor(Date.now() / 1000) - LONG_TICKS * 60;
  let clock = start;
  const heap: number[] = [];
  let fdsEarly = 0;
  const started = performance.now();
  let lap = started;
  const msPer1000: number[] = [];
  for (let i = 0; i < LONG_TICKS; i++) {
    clock += 60;
    const ts = clock;
    const [res] = await recordTick({ dataDir: data, config, env: {}, nowSeconds: () => ts });
    if (res.row?.status !== 'ok') assert.fail(`tick ${i}: ${res.row?.status} ${res.row?.message} ${res.problems.join('; ')}`);
    if ((i + 1) % SAMPLE_EVERY === 0) {
      server.requests.length = 0; // the fake endpoint's own request log is not the recorder's memory
      collectGarbage();
      heap.push(process.memoryUsage().heapUsed);
    }
    if (i === 999) fdsEarly = readdirSync('/proc/self/fd').length;
    if ((i + 1) % 1000 === 0) {
      msPer1000.push(Math.round(performance.now() - lap));
      lap = performance.now();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const per = 1000 / SAMPLE_EVERY;
  const early = median(heap.slice(per, 2 * per)); // ticks 1,000-2,000
  const late = median(heap.slice(-per)); // the last 1,000
  const growthMb = (late - early) / 1048576;
  t.diagnostic(`ms per 1000 ticks: ${msPer1000.join(' ')}`);
  t.diagnostic(`heapUsed MB every 1000 ticks: ${heap.filter((_, i) => (i + 1) % per === 0).map((h) => (h / 1048576).toFixed(2)).join(' ')}`);
  t.diagnostic(`${LONG_TICKS} ticks in ${seconds.toFixed(1)} s; heapUsed after gc: ticks 1000-2000 median ${(early / 1048576).toFixed(2)} MB, last 1000 median ${(late / 1048576).toFixed(2)} MB, growth ${growthMb.toFixed(2)} MB`);
  assert.ok(growthMb < 5, `heap grew ${growthMb.toFixed(2)} MB over ${LONG_TICKS - 2000} ticks`);
  const fdsLate = readdirSync('/proc/self/fd').length;
  assert.ok(fdsLate <= fdsEarly + 3, `open files: ${fdsEarly} at tick 1,000, ${fdsLate} at the end`);

  const rec = readRecording(data, 'svc');
  assert.deepEqual(rec.warnings, []);
  assert.equal(rec.samples.length, LONG_TICKS, 'rows lost: 0');
  assert.equal(rec.ticks.length, LONG_TICKS);
  assert.ok(rec.samples.every((s, i) => s.status === 'ok' && s.goroutines === totals[i % 2] && s.tsSeconds === start + 60 * (i + 1)));
  assert.ok(rec.ticks.every((k, i) => k.total === totals[i % 2] && [...k.counts.values()].reduce((a, b) => a + b, 0) === k.total));
  assert.equal(new Set(rec.stacks.map((s) => s.id)).size, rec.stacks.length);
  // Deltas happened (t1 and t2 alternate), with a keyframe every 60 lines of each file. The run ends now, so it
  // crosses a month's start in its first week: then the recorder closed the month's history as a segment and began
  // a new live file with a keyframe (this test once failed only in the first week of a month for that).
  const files = readdirSync(join(data, 'svc')).filter((n) => n === 'stack-history.log' || parseSegmentFileName(n)?.kind === 'history').sort();
  assert.equal(files.at(-1), 'stack-history.log', 'the closed segments come first by name, the live file last');
  const perFile = files.map((n) => readFileSync(join(data, 'svc', n), 'utf8').split('\n').filter(Boolean));
  const history = perFile.flat();
  const keyframes = history.filter((l) => l.startsWith('K ')).length;
  assert.equal(history.length, LONG_TICKS);
  assert.equal(keyframes, perFile.reduce((a, lines) => a + Math.ceil(lines.length / 60), 0));
  assert.ok(history.filter((l) => l.startsWith('D ')).every((l) => l.split(' ').length > 4), 'every delta changes some counts');
  // Snapshots pruned to the first of each hour and the newest: about one per simulated hour, not one per tick.
  const snaps = readdirSync(join(data, 'svc', 'snapshots')).filter((n) => n.startsWith('goroutine-'));
  const hours = Math.ceil((LONG_TICKS * 60) / 3600);
  assert.ok(snaps.length >= hours - 1 && snaps.length <= hours + 2, `${snaps.length} snapshots for ${hours} hours`);
});
