// The crontab line, for real: installed into this user's crontab (restored afterwards, even when the run is
// interrupted: see guardCrontab) and run the way cron runs it, with an empty environment and sh.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { promisify } from 'node:util';
import { readRecording } from '../src/io/readRecording.js';
import { findRepoRoot } from '../src/demo/demoService.js';
import { guardCrontab, needTool } from './helpers/systemTools.js';
import { tempDir } from './helpers/tmp.js';

const run = promisify(execFile);

test('cron install/remove edit the real crontab idempotently, and the line works in a bare environment', { timeout: 60_000 }, async (t) => {
  if (!needTool(t, 'crontab', 'cron')) return;
  const root = await findRepoRoot();
  const cli = join(root, 'dist', 'src', 'cli.js');
  const dir = tempDir(t);
  const before = spawnSync('crontab', ['-l'], { encoding: 'utf8' });
  const original = before.status === 0 ? before.stdout : null;
  guardCrontab(t);

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

test('cron remove finds the installed line from any folder, and crontab\'s own chatter never reaches the user', { timeout: 60_000 }, async (t) => {
  if (!needTool(t, 'crontab', 'cron')) return;
  const root = await findRepoRoot();
  const cli = join(root, 'dist', 'src', 'cli.js');
  const dir = tempDir(t);
  guardCrontab(t);
  spawnSync('crontab', ['-r']);
  const config = join(dir, 'leakwatch.config.json');
  writeFileSync(config, JSON.stringify({ targets: [{ name: 'self', pid: process.pid }] }));
  // An empty crontab: crontab says "no crontab for USER" on stderr; leakwatch says it in its own words only.
  const none = spawnSync(process.execPath, [cli, 'cron', 'remove'], { cwd: '/', encoding: 'utf8' });
  assert.equal(none.status, 0);
  assert.equal(none.stderr, '');
  assert.equal(none.stdout, 'no leakwatch line to remove\n');
  // Installed from the project folder with the default ./data, removed from / without --data.
  const installed = spawnSync(process.execPath, [cli, 'cron', 'install', '--config', config], { cwd: dir, encoding: 'utf8' });
  assert.equal(installed.status, 0, installed.stderr);
  assert.equal(installed.stderr, '');
  const removed = spawnSync(process.execPath, [cli, 'cron', 'remove'], { cwd: '/', encoding: 'utf8' });
  assert.equal(removed.status, 0, removed.stderr);
  assert.equal(removed.stdout, `removed the leakwatch line for ${join(dir, 'data')}\n`);
  assert.ok(!(spawnSync('crontab', ['-l'], { encoding: 'utf8' }).stdout ?? '').includes('# leakwatch-record'));
  // Two data folders: without --data, remove names both and changes nothing.
  for (const d of ['a', 'b']) spawnSync(process.execPath, [cli, 'cron', 'install', '--config', config, '--data', join(dir, d)], { cwd: dir });
  const ambiguous = spawnSync(process.execPath, [cli, 'cron', 'remove'], { cwd: '/', encoding: 'utf8' });
  assert.equal(ambiguous.status, 2);
  assert.match(ambiguous.stderr, /2 leakwatch lines are installed .*: pass --data DIR to say which to remove/);
  assert.equal(spawnSync('crontab', ['-l'], { encoding: 'utf8' }).stdout.split('# leakwatch-record').length - 1, 2);
  // Without cron installed: one line naming the package, not the shell's "crontab: command not found".
  const noCron = spawnSync(process.execPath, [cli, 'cron', 'install', '--config', config], { cwd: dir, encoding: 'utf8', env: { PATH: '/nonexistent' } });
  assert.equal(noCron.status, 2);
  assert.equal(noCron.stderr, 'leakwatch: the crontab command is not installed: apt-get install cron (or use "leakwatch cron print --systemd")\n');
});

test('the crontab guard restores the real crontab when the test process is killed mid-run', { timeout: 30_000 }, async (t) => {
  if (!needTool(t, 'crontab', 'cron')) return;
  guardCrontab(t);
  const before = spawnSync('crontab', ['-l'], { encoding: 'utf8' }).stdout ?? '';
  const helper = join(await findRepoRoot(), 'dist', 'test', 'helpers', 'systemTools.js');
  // A child guards the crontab, changes it, then dies by SIGKILL before any cleanup can run.
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', `
    const { guardCrontab } = await import(${JSON.stringify(helper)});
    const { spawnSync } = await import('node:child_process');
    guardCrontab({ after() {} });
    spawnSync('crontab', ['-'], { input: '0 4 * * * true # left by a killed test\\n' });
    process.kill(process.pid, 'SIGKILL');`], { encoding: 'utf8' });
  assert.equal(child.signal, 'SIGKILL', child.stderr);
  let now = '';
  for (let i = 0; i < 20 && (now = spawnSync('crontab', ['-l'], { encoding: 'utf8' }).stdout ?? '') !== before; i++) {
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.equal(now, before, 'the watchdog put the crontab back');
});
