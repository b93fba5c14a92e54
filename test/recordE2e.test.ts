// End to end: the real CLI records the real leaking Go service.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { promisify } from 'node:util';
import { parseGoroutineProfile } from '../src/core/goroutineProfile.js';
import { parseSamplesCsv } from '../src/core/samplesCsvRead.js';
import { readRecording } from '../src/io/readRecording.js';
import { buildDemoService, fetchStats, findGo, findRepoRoot, startDemoService, type DemoService } from '../src/demo/demoService.js';
import { tempDir } from './helpers/tmp.js';

const run = promisify(execFile);

async function cli(root: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [join(root, 'dist', 'src', 'cli.js'), ...args], { timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

test('record: cron ticks, loop mode, snapshots, restart and a dead endpoint against the real Go service', { timeout: 180_000 }, async (t) => {
  const go = await findGo();
  assert.ok(go, 'Go is needed for this test: apt-get install golang-go');
  const root = await findRepoRoot();
  const dir = tempDir(t);
  // A uniquely named copy, so that `process` finds exactly this service even if other demo services run.
  const comm = `lwe2e${process.pid % 100000}`;
  const binary = join(dir, comm);
  copyFileSync(await buildDemoService(), binary);
  let svc: DemoService = await startDemoService({ binary, args: ['-rate', '5'] });
  t.after(() => svc.stop());

  const data = join(dir, 'data');
  const config = join(dir, 'leakwatch.config.json');
  writeFileSync(config, JSON.stringify({
    targets: [
      { name: 'svc', process: comm, pprof: svc.pprofUrl },
      { name: 'dead', pprof: 'http://127.0.0.1:9/debug/pprof', timeoutSeconds: 2 },
    ],
  }));

  // Three cron-style ticks.
  const leakedBefore: number[] = [];
  const leakedAfter: number[] = [];
  for (let i = 0; i < 3; i++) {
    leakedBefore.push((await fetchStats(svc.baseUrl)).leaked.send);
    const r = await cli(root, ['record', '--config', config, '--data', data]);
    leakedAfter.push((await fetchStats(svc.baseUrl)).leaked.send);
    assert.equal(r.code, 1, 'exit 1: the dead target could not be sampled');
    assert.match(r.stderr, /target dead: pprof-unreachable: connection refused at 127\.0\.0\.1:9/);
    assert.doesNotMatch(r.stderr, /target svc/);
    await new Promise((res) => setTimeout(res, 700));
  }

  const rec = readRecording(data, 'svc');
  assert.deepEqual(rec.warnings, []);
  assert.equal(rec.samples.length, 3);
  assert.deepEqual(rec.samples.map((s) => s.status), ['ok', 'ok', 'ok']);
  assert.deepEqual(rec.samples.map((s) => s.event), ['start', '', '']);
  assert.ok(rec.samples.every((s) => s.pid === svc.pid && s.rssBytes! > 1e6 && s.threads! >= 2 && s.fds! >= 3));
  assert.ok(rec.samples[1].cpuPercent !== null && rec.samples[1].cpuPercent >= 0);
  // The recorded count of the send leak lies between the service's own counts just before and after each tick.
  const sendStack = rec.stacks.find((s) => s.frames.some((f) => f.function === 'main.leakUnbufferedSend'))!;
  assert.deepEqual(sendStack.labels, { handler: '/api/orders', tenant: 't1' });
  rec.ticks.forEach((tick, i) => {
    // absent from a tick = no goroutine on that stack then (the first tick can come before the first leak)
    const c = tick.counts.get(sendStack.id) ?? 0;
    assert.ok(c >= leakedBefore[i] && c <= leakedAfter[i], `tick ${i}: ${c} not in [${leakedBefore[i]}, ${leakedAfter[i]}]`);
    assert.equal(tick.total, rec.samples[i].goroutines);
  });
  const dead = parseSamplesCsv(readFileSync(join(data, 'dead', 'samples.csv'), 'utf8'), 'dead').rows;
  assert.deepEqual(dead.map((r) => r.status), ['pprof-unreachable', 'pprof-unreachable', 'pprof-unreachable']);

  // Loop mode: one process, a row every second.
  const loop = await cli(root, ['record', '--name', 'svc', '--process', comm, '--pprof', svc.pprofUrl, '--data', data, '--every', '1s', '--for', '3500ms']);
  assert.equal(loop.code, 0, loop.stderr);
  const afterLoop = readRecording(data, 'svc');
  assert.ok(afterLoop.samples.length >= 6 && afterLoop.samples.length <= 8, `${afterLoop.samples.length} rows`);
  assert.equal(afterLoop.ticks.length, afterLoop.samples.length);
  const g = afterLoop.samples.map((s) => s.goroutines!);
  assert.ok(g[g.length - 1] > g[0], `goroutines grew: ${g.join(',')}`);

  // Snapshots: real profiles that decode and that go tool pprof opens.
  const all = readdirSync(join(data, 'svc', 'snapshots'));
  const snaps = all.filter((n) => /^goroutine-\d/.test(n));
  assert.ok(snaps.length >= 2 && snaps.length <= 3, snaps.join(' ')); // first of lifetime (= first of the hour) + latest
  // One debug=2 dump (the service is far below the goroutine cap, and they are taken at most every 30 minutes).
  assert.equal(all.filter((n) => n.startsWith('goroutine-debug2-')).length, 1, all.join(' '));
  // Measured on the first cron tick, then at most every 5 minutes by one-shot runs (heapProfileMinutes), and on every
  // loop tick (the sampled heap estimate can legitimately be 0 bytes right after start).
  const heaps = afterLoop.samples.map((s) => s.heapInuseBytes);
  assert.ok(heaps[0] != null && heaps[0] >= 0, 'Go heap in use recorded from /debug/pprof/heap on the first tick');
  assert.deepEqual(heaps.slice(1, 3), [null, null], 'one-shot ticks within 5 minutes skip the heap profile');
  assert.ok(heaps.slice(3).every((h) => h != null && h >= 0), `every loop tick measures the heap: ${heaps.join(',')}`);
  assert.ok(afterLoop.samples.some((s) => s.heapInuseBytes! > 0));
  const newest = join(data, 'svc', 'snapshots', snaps.sort()[snaps.length - 1]);
  assert.equal(parseGoroutineProfile(readFileSync(newest), 1 << 26).total, g[g.length - 1]);
  const top = await run(go!, ['tool', 'pprof', '-top', newest]);
  assert.match(top.stdout, /main\.leakUnbufferedSend/);

  // The process exits: a no-process row, nothing lost. Then it is restarted: a new lifetime.
  const oldPid = svc.pid;
  await svc.stop();
  const gone = await cli(root, ['record', '--config', config, '--data', data]);
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, new RegExp(`target svc: no-process: no process named "${comm}" is running`));
  svc = await startDemoService({ binary, args: ['-rate', '5'] });
  writeFileSync(config, JSON.stringify({ targets: [{ name: 'svc', process: comm, pprof: svc.pprofUrl }] }));
  const back = await cli(root, ['record', '--config', config, '--data', data]);
  assert.equal(back.code, 0, back.stderr);
  const final = readRecording(data, 'svc');
  const last2 = final.samples.slice(-2);
  assert.equal(last2[0].status, 'no-process');
  assert.equal(last2[0].goroutines, null);
  assert.equal(last2[1].event, 'restart');
  assert.notEqual(last2[1].pid, oldPid);
  assert.equal(last2[1].pid, svc.pid);
  assert.equal(final.samples.length, afterLoop.samples.length + 2, 'earlier rows all still there');
  assert.equal(new Set(final.ticks.map((k) => k.lifetime)).size, 2);
  assert.ok(readdirSync(join(data, 'svc', 'snapshots')).some((n) => n.includes(`pid${svc.pid}`)), 'first snapshot of the new lifetime kept');
});

test('record: a second recorder during a tick skips with a line naming the holder, and a stale lock is taken over', async (t) => {
  const root = await findRepoRoot();
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(data);
  // A live holder: this test process.
  const { tryLock } = await import('../src/io/lock.js');
  const held = tryLock(data);
  assert.ok(held.ok);
  const r = await cli(root, ['record', '--name', 'self', '--pid', String(process.pid), '--data', data]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`another leakwatch record \\(pid ${process.pid}\\) holds .*skipping this tick`));
  held.release();
  // A stale holder: a pid that does not exist.
  writeFileSync(join(data, '.leakwatch.lock'), '999999999 1\n');
  const r2 = await cli(root, ['record', '--name', 'self', '--pid', String(process.pid), '--data', data]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(readRecording(data, 'self').samples[0].pid, process.pid);
});

test('record: usage and config errors exit 2 with one line that says what to fix', async (t) => {
  const root = await findRepoRoot();
  const dir = tempDir(t);
  const missing = await cli(root, ['record', '--config', join(dir, 'nope.json'), '--data', dir]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no config at .*nope\.json: write one/);
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ targets: [{ name: 'a', proces: 'x' }] }));
  const bad = await cli(root, ['record', '--config', join(dir, 'bad.json'), '--data', dir]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /targets\[0\]\.proces: unknown key/);
  const flags = await cli(root, ['record', '--pid', '12']);
  assert.equal(flags.code, 2);
  assert.match(flags.stderr, /give it a --name too/);
  const every = await cli(root, ['record', '--name', 'a', '--pid', '1', '--every', 'often']);
  assert.equal(every.code, 2);
  assert.match(every.stderr, /--every: "often" is not a duration/);
});
