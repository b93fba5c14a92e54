// The setup the end-to-end tests share: a demo service started for one test (and stopped after it), a fresh
// temp folder with a data folder in it, the compiled CLI, and a demo build with the goroutine leak profile.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildDemoService, findGo, goMinorVersion, startDemoService, type DemoService, type StartOptions } from '../../src/demo/demoService.js';
import { cliPath } from './cli.js';
import { tempDir } from './tmp.js';

type TestContext = { after(fn: () => unknown): void };

/** A demo service for this test, stopped after it; `dir` is a temp folder removed after it, `data` a path inside. */
export async function serviceForTest(t: TestContext, opts: StartOptions = {}): Promise<{ svc: DemoService; dir: string; data: string; cli: string }> {
  const dir = tempDir(t);
  const svc = await startDemoService(opts);
  t.after(() => svc.stop());
  return { svc, dir, data: join(dir, 'data'), cli: await cliPath() };
}

/**
 * The demo service built into `dir`, with GOEXPERIMENT=goroutineleakprofile when Go is 1.26+ (`minor`), so it
 * serves /debug/pprof/goroutineleak. Go must be installed (the assertion says how).
 */
export async function buildWithLeakProfile(dir: string): Promise<{ binary: string; minor: number; hasLeakProfile: boolean }> {
  const go = await findGo();
  assert.ok(go, 'Go is needed: apt-get install golang-go');
  const minor = await goMinorVersion(go);
  const hasLeakProfile = minor >= 26;
  const binary = await buildDemoService({
    outPath: join(dir, hasLeakProfile ? 'leaky-gl' : 'leaky'),
    env: hasLeakProfile ? { GOEXPERIMENT: 'goroutineleakprofile' } : {},
  });
  return { binary, minor, hasLeakProfile };
}
