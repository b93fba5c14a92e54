// Tests that need a Debian tool (crontab, faketime, promtool): skipped with one line naming the package on a
// developer's box, and failing loudly under CI=true, where .ci/run installs them.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface SkippableTest {
  skip(message?: string): void;
  after(fn: () => void): void;
}

/** True when `command` is on PATH; otherwise skips `t` (outside CI) or fails it (CI=true). Return when false. */
export function needTool(t: SkippableTest, command: string, debianPackage: string): boolean {
  if (spawnSync('sh', ['-c', `command -v ${command}`]).status === 0) return true;
  const why = `${command} is not installed: apt-get install ${debianPackage}`;
  if (process.env.CI === 'true') assert.fail(`${why} (CI=true, so this test must run: .ci/run installs it)`);
  console.log(`# skipped: ${why}`);
  t.skip(why);
  return false;
}

/**
 * Saves this user's crontab and guarantees it comes back, even when the test run is interrupted: t.after
 * restores it on a normal end, and a detached watchdog shell restores it from a backup file as soon as this
 * process is gone for any reason (Ctrl-C, SIGKILL, a crash), which no in-process handler can survive.
 */
export function guardCrontab(t: { after(fn: () => void): void }, ownerPid = process.pid): void {
  const before = spawnSync('crontab', ['-l'], { encoding: 'utf8' });
  const original = before.status === 0 ? before.stdout : null;
  const dir = mkdtempSync(join(tmpdir(), 'lw-crontab-'));
  const backup = join(dir, 'crontab.backup');
  writeFileSync(backup, original ?? '', { mode: 0o600 });
  // The paths are ours (mkdtemp), so single quotes are enough.
  const restore = original === null ? 'crontab -r 2>/dev/null' : `crontab '${backup}'`;
  const watchdog = spawn('sh', ['-c', `while kill -0 ${ownerPid} 2>/dev/null; do sleep 0.5; done; ${restore}; rm -rf '${dir}'`], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  t.after(() => {
    // Its own process group (detached): the shell and its sleep, by id.
    try {
      process.kill(-watchdog.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
    if (original === null) spawnSync('crontab', ['-r']);
    else spawnSync('crontab', ['-'], { input: original });
    rmSync(dir, { recursive: true, force: true });
  });
}
