// The systemd timer + service: escaping per systemd.syntax(7), and `systemd-analyze verify` on the real files
// where systemd-analyze is installed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import test from 'node:test';
import { execWord, SYSTEMD_SERVICE_NAME, SYSTEMD_TIMER_NAME, systemdUnits } from '../src/core/systemdUnits.js';
import { installInput } from './helpers/installInput.js';
import { tempDir } from './helpers/tmp.js';

const setting = (unit: string, key: string) => unit.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));

test('plain paths: a oneshot service with absolute paths and a minutely timer', () => {
  const u = systemdUnits(installInput('/opt/leakwatch', '/opt/leakwatch/data'));
  assert.deepEqual(setting(u.service, 'Type'), ['oneshot']);
  assert.deepEqual(setting(u.service, 'ExecStart'), ['/usr/bin/node /opt/leakwatch/dist/src/cli.js record --config /opt/leakwatch/leakwatch.config.json --data /opt/leakwatch/data']);
  assert.deepEqual(setting(u.service, 'WorkingDirectory'), ['/opt/leakwatch']);
  assert.deepEqual(setting(u.service, 'EnvironmentFile'), ['-/etc/leakwatch/leakwatch.env']);
  assert.match(u.service, /^# Secrets referenced as \$\{VAR\}/m);
  assert.match(u.service, /^# +systemctl enable --now leakwatch-record\.timer$/m);
  assert.deepEqual(setting(u.timer, 'OnCalendar'), ['minutely']);
  assert.deepEqual(setting(u.timer, 'AccuracySec'), ['1s']);
  assert.deepEqual(setting(u.timer, 'Persistent'), ['false']);
  assert.deepEqual(setting(u.timer, 'Unit'), [SYSTEMD_SERVICE_NAME]);
  assert.deepEqual(setting(u.timer, 'WantedBy'), ['timers.target']);
  const noConfig = systemdUnits(installInput('/x', '/x/data', { cliPath: '/x/cli.js', configPath: null }));
  assert.deepEqual(setting(noConfig.service, 'ExecStart'), ['/usr/bin/node /x/cli.js record --data /x/data']);
});

test('spaces, %, $, quotes and backslashes in paths are quoted and escaped', () => {
  const d = '/srv/my apps/50% "off" $HOME\\x';
  const u = systemdUnits({ nodePath: `${d}/node`, cliPath: `${d}/cli.js`, projectDir: d, configPath: `${d}/c.json`, dataDir: `${d}/data`, logPath: `${d}/data/record.log` });
  const [exec] = setting(u.service, 'ExecStart');
  const q = '"/srv/my apps/50%% \\"off\\" $$HOME\\\\x';
  assert.equal(exec, `"/srv/my apps/50%% \\"off\\" $HOME\\\\x/node" ${q}/cli.js" record --config ${q}/c.json" --data ${q}/data"`);
  // WorkingDirectory= is one path to the end of the line: no quotes, no $ expansion, only specifiers.
  assert.deepEqual(setting(u.service, 'WorkingDirectory'), ['/srv/my apps/50%% "off" $HOME\\x']);
  assert.equal(execWord('plain/path-1.js'), 'plain/path-1.js');
  assert.equal(execWord('100%'), '"100%%"');
  assert.throws(() => systemdUnits({ nodePath: 'node', cliPath: '/x/cli.js', projectDir: '/x', configPath: null, dataDir: '/x/d', logPath: '/x/d/l' }), /node path must be an absolute path/);
  assert.throws(() => systemdUnits({ nodePath: '/n', cliPath: '/x/cli.js', projectDir: '/x\n[Service]', configPath: null, dataDir: '/x/d', logPath: '/x/d/l' }), /control character/);
});

function findSystemdAnalyze(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/bin'].filter((d) => d.startsWith('/'));
  return dirs.map((d) => join(d, 'systemd-analyze')).find((p) => existsSync(p)) ?? null;
}

test('systemd-analyze verify accepts the units, with spaces, % and $ in every path', (t) => {
  const analyze = findSystemdAnalyze();
  if (!analyze) {
    t.skip('systemd-analyze is not installed (apt-get install systemd): only the escaping rules above were checked');
    return;
  }
  const root = join(tempDir(t), 'lw dir 50% $HOME');
  mkdirSync(join(root, 'data'), { recursive: true });
  // verify checks that the program exists and is executable: put node at a path that needs every escape.
  symlinkSync(process.execPath, join(root, 'node'));
  const input = { nodePath: join(root, 'node'), cliPath: join(root, 'cli.js'), projectDir: root, configPath: join(root, 'leakwatch.config.json'), dataDir: join(root, 'data'), logPath: join(root, 'data', 'record.log') };
  const u = systemdUnits(input);
  const service = join(root, SYSTEMD_SERVICE_NAME);
  const timer = join(root, SYSTEMD_TIMER_NAME);
  writeFileSync(service, u.service);
  writeFileSync(timer, u.timer);
  const r = spawnSync(analyze, ['verify', '--man=no', service, timer], { encoding: 'utf8', cwd: root });
  assert.equal(r.status, 0, `systemd-analyze verify: ${r.stdout}${r.stderr}`);
  assert.equal((r.stdout + r.stderr).trim(), '', 'no warnings');

  // The executable is not $-expanded by systemd, so doubling its $ would name a file that does not exist:
  // verify says so. (Why execWord leaves the first word's $ alone.)
  const doubled = u.service.replace(/^ExecStart=("[^"]*")/m, (_, w: string) => `ExecStart=${w.replace(/\$/g, '$$$$')}`);
  writeFileSync(service, doubled);
  const bad = spawnSync(analyze, ['verify', '--man=no', service, timer], { encoding: 'utf8', cwd: root });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /is not executable/);
});
