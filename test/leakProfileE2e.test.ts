// Go 1.26+ built with GOEXPERIMENT=goroutineleakprofile serves /debug/pprof/goroutineleak: goroutines the GC
// proved can never be woken. The recorder fetches it (apart from the other fetches) and keeps a snapshot.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { promisify } from 'node:util';
import { readRecording } from '../src/io/readRecording.js';
import { fetchStats, findGo, goMinorVersion } from '../src/demo/demoService.js';
import { buildWithLeakProfile, serviceForTest } from './helpers/demoRun.js';
import { tempDir } from './helpers/tmp.js';

const run = promisify(execFile);

test('runtime-confirmed leaks are recorded from /debug/pprof/goroutineleak', { timeout: 120_000 }, async (t) => {
  // Go 1.25 and older have no leak profile: nothing to build.
  const go = await findGo();
  assert.ok(go, 'Go is needed: apt-get install golang-go');
  const minor = await goMinorVersion(go);
  if (minor < 26) {
    t.skip(`Go 1.${minor} has no goroutineleak profile (it needs Go 1.26+ with GOEXPERIMENT=goroutineleakprofile)`);
    return;
  }
  const dir = tempDir(t);
  const { binary } = await buildWithLeakProfile(dir);
  const { svc, data, cli } = await serviceForTest(t, { binary, args: ['-rate', '10'] });
  await new Promise((r) => setTimeout(r, 1500));
  const before = await fetchStats(svc.baseUrl);
  await run(process.execPath, [cli, 'record', '--name', 'gl', '--pid', String(svc.pid), '--pprof', svc.pprofUrl, '--data', data]);
  const after = await fetchStats(svc.baseUrl);
  const row = readRecording(data, 'gl').samples[0];
  assert.equal(row.status, 'ok', row.message);
  // The GC can prove the channel and select leaks (nothing else references those channels); the goroutines on
  // the global mutex and the polling loop are not provable, so they are not in the leak profile.
  const provableBefore = before.leaked.send + before.leaked.recv + before.leaked.select;
  const provableAfter = after.leaked.send + after.leaked.recv + after.leaked.select;
  assert.ok(row.leakedConfirmed! >= provableBefore && row.leakedConfirmed! <= provableAfter, `${row.leakedConfirmed} not in [${provableBefore}, ${provableAfter}]`);
  assert.ok(readdirSync(join(data, 'gl', 'snapshots')).some((n) => n.startsWith('goroutineleak-')));
});

test('a service without the leak profile is not asked again every tick', { timeout: 60_000 }, async (t) => {
  const { svc, data, cli } = await serviceForTest(t, { args: ['-rate', '1'] });
  await run(process.execPath, [cli, 'record', '--name', 'plain', '--pid', String(svc.pid), '--pprof', svc.pprofUrl, '--data', data]);
  const rec = readRecording(data, 'plain');
  assert.equal(rec.samples[0].leakedConfirmed, null, 'not measured, not zero');
  assert.equal(rec.samples[0].message, '', 'a missing optional endpoint is not a problem');
  const { readFileSync } = await import('node:fs');
  const state = JSON.parse(readFileSync(join(data, 'plain', 'state.json'), 'utf8'));
  assert.ok(state.leakRetryTsSeconds > rec.samples[0].tsSeconds + 3600, 'backs off for hours after a 404');
});
