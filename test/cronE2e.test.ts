// The crontab line, for real: installed into this user's crontab (restored afterwards) and run the way cron
// runs it, with an empty environment and sh.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { promisify } from 'node:util';
import { readRecording } from '../src/io/readRecording.js';
import { findRepoRoot } from '../scripts/lib/demoService.js';
import { tempDir } from './helpers/tmp.js';

const run = promisify(execFile);

test('cron install/remove edit the real crontab idempotently, and the line works in a bare environment', { timeout: 60_000 }, async (t) => {
  const which = spawnSync('sh', ['-c', 'command -v crontab']);
  assert.equal(which.status, 0, 'crontab is needed for this test: apt-get install cron');
  const root = await findRepoRoot();
  const cli = join(root, 'dist', 'src', 'cli.js');
  const dir = tempDir(t);
  const before = spawnSync('crontab', ['-l'], { encoding: 'utf8' });
  const original = before.status === 0 ? before.stdout : null;
  t.after(() => {
    if (original === null) spawnSync('crontab', ['-r']);
    else spawnSync('crontab', ['-'], { input: original });
  });

  const config = join(dir, 'leakwatch.config.json');
  writeFileSync(config, JSON.stringify({ targets: [{ name: 'self', pid: process.pid }] }));
  const data = join(dir, 'data dir');
  const args = ['cron', 'install', '--config', config, '--data', data];
  await run(process.execPath, [cli, ...args], { cwd: dir });
  await run(process.execPath, [cli, ...args], { cwd: dir });
  const listed = execFileSync('crontab', ['-l'], { encoding: 'utf8' });
  const ours = listed.split('\n').filter((l) => l.includes('# leakwatch-record'));
  assert.equal(ours.length, 1, listed);
  if (original) assert.ok(listed.startsWith(original.trimEnd()), 'other lines kept');
  const printed = (await run(process.execPath, [cli, 'cron', 'print', '--config', config, '--data', data], { cwd: dir })).stdout.trim();
  assert.equal(ours[0], printed);

  // Run the command part exactly as cron would: /bin/sh -c, empty environment, another working directory.
  const command = ours[0].replace(/^(\S+\s+){5}/, '').replace(/\\%/g, '%');
  const r = spawnSync('/bin/sh', ['-c', command], { env: {}, cwd: '/', encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const rec = readRecording(data, 'self');
  assert.equal(rec.samples.length, 1);
  assert.equal(rec.samples[0].pid, process.pid);
  assert.ok(existsSync(join(data, 'record.log')), 'output goes to the log under data/');

  await run(process.execPath, [cli, 'cron', 'remove', '--data', data], { cwd: dir });
  const after = spawnSync('crontab', ['-l'], { encoding: 'utf8' });
  assert.ok(!(after.stdout ?? '').includes('# leakwatch-record'));
});
