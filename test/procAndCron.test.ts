import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { cronLine, shQuote, updateCrontab } from '../src/core/cronLine.js';
import { parseBootTimeSeconds, parseProcStat, parseProcStatus } from '../src/core/procStat.js';
import { findProcess, sampleProcess } from '../src/io/procSampler.js';
import { installInput } from './helpers/installInput.js';

test('parses this very process from /proc, and agrees with Node about it', async () => {
  const stat = parseProcStat(readFileSync('/proc/self/stat', 'utf8'));
  assert.ok(stat);
  assert.equal(stat.pid, process.pid);
  assert.equal(stat.comm, readFileSync('/proc/self/comm', 'utf8').trim());
  const s = await sampleProcess(process.pid);
  assert.ok(s);
  const rss = process.memoryUsage().rss;
  assert.ok(s.rssBytes! > rss * 0.5 && s.rssBytes! < rss * 2, `rss ${s.rssBytes} vs node's ${rss}`);
  assert.ok(s.threads! >= 1);
  assert.ok(s.fds! >= 3);
  const boot = parseBootTimeSeconds(readFileSync('/proc/stat', 'utf8'))!;
  const uptimeSeconds = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  const startedApprox = boot + uptimeSeconds - process.uptime();
  assert.ok(Math.abs(s.processStartTsSeconds! - startedApprox) <= 3, `start ${s.processStartTsSeconds} vs ~${startedApprox}`);
});

test('a comm with spaces and parentheses does not shift the fields', () => {
  const text = '4242 (evil) (name ) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 9 0 123456 1000000 2000 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0';
  const s = parseProcStat(text)!;
  assert.equal(s.comm, 'evil) (name ');
  assert.equal(s.utimeTicks, 250);
  assert.equal(s.stimeTicks, 50);
  assert.equal(s.threads, 9);
  assert.equal(s.startTicks, 123456);
  assert.equal(s.vszBytes, 1000000);
  assert.equal(parseProcStat('garbage'), null);
});

test('status gives RSS in bytes from kB', () => {
  const s = parseProcStatus('Name:\tapi\nVmSize:\t  1000 kB\nVmRSS:\t   250 kB\nThreads:\t12\n');
  assert.deepEqual(s, { name: 'api', rssBytes: 256000, vszBytes: 1024000, threads: 12 });
});

test('a process found by name; none and several are errors that say what to do', async (t) => {
  // A uniquely named copy of sleep: other tests (and the machine) may run plain sleeps at the same time.
  const dir = mkdtempSync(join(tmpdir(), 'lw-find-'));
  const comm = `lwsl${process.pid % 100000}`;
  copyFileSync('/bin/sleep', join(dir, comm));
  chmodSync(join(dir, comm), 0o755);
  const kids = [1, 2].map(() => spawn(join(dir, comm), ['30'], { stdio: 'ignore' }));
  t.after(() => {
    kids.forEach((k) => k.kill('SIGKILL'));
    rmSync(dir, { recursive: true, force: true });
  });
  await new Promise((r) => setTimeout(r, 200));
  const many = findProcess({ name: 'x', process: comm });
  assert.ok('error' in many && many.error === 'process-ambiguous');
  assert.match((many as { message: string }).message, new RegExp(`pids .*${kids[0].pid}`));
  const none = findProcess({ name: 'x', process: 'no-such-proc-lw' });
  assert.ok('error' in none && /no process named "no-such-proc-lw" is running/.test(none.message));
  kids[1].kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 200));
  const one = findProcess({ name: 'x', process: comm });
  assert.deepEqual(one, { pid: kids[0].pid });
  assert.equal(await sampleProcess(kids[1].pid!), null, 'an exited process has no sample');
});

test('the cron line: absolute, quoted, % escaped, marker per data dir', () => {
  const line = cronLine(installInput('/opt/leak watch', '/var/lib/lw%data', { configPath: "/etc/it's.json" }));
  assert.equal(
    line,
    `* * * * * cd '/opt/leak watch' && umask 077 && mkdir -p '/var/lib/lw\\%data' && /usr/bin/node '/opt/leak watch/dist/src/cli.js' record --config '/etc/it'\\''s.json' --data '/var/lib/lw\\%data' >> '/var/lib/lw\\%data/record.log' 2>&1 # leakwatch-record /var/lib/lw_data`,
  );
  assert.equal(shQuote('plain/path-1.json'), 'plain/path-1.json');
});

test('installing twice leaves one line; remove leaves the rest alone', () => {
  const other = 'MAILTO=ops@example.com\n0 3 * * * /usr/local/bin/backup\n';
  const line = '* * * * * node cli.js record --data /d # leakwatch-record /d';
  const once = updateCrontab(other, '/d', line);
  const twice = updateCrontab(once, '/d', line);
  assert.equal(twice, once);
  assert.equal(twice.split('\n').filter((l) => l.includes('leakwatch-record')).length, 1);
  assert.equal(updateCrontab(twice, '/d', null), other);
  const second = updateCrontab(once, '/e', line.replace(/\/d/g, '/e'));
  assert.equal(second.split('\n').filter((l) => l.includes('leakwatch-record')).length, 2);
});
