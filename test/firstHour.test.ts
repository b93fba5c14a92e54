// The first hour of a new user (issue 12): times, wrong folders, usage errors and help texts, through the real CLI
// where the user meets them.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { parseTimeSeconds } from '../src/core/duration.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

test('a time without a zone is UTC whatever TZ says, like every time leakwatch prints', () => {
  const savedTz = process.env.TZ;
  try {
    for (const tz of ['America/New_York', 'Asia/Kolkata', 'UTC']) {
      // Node re-reads TZ when it is assigned, so Date.parse would follow it.
      process.env.TZ = tz;
      assert.equal(parseTimeSeconds('2026-11-29 03:24', 0), Date.UTC(2026, 10, 29, 3, 24) / 1000, tz);
      assert.equal(parseTimeSeconds('2026-11-29T03:24:05', 0), Date.UTC(2026, 10, 29, 3, 24, 5) / 1000, tz);
      assert.equal(parseTimeSeconds('2026-11-29 03:24:00.5', 0), Date.UTC(2026, 10, 29, 3, 24, 0, 500) / 1000, tz);
      assert.equal(parseTimeSeconds('2026-11-29', 0), Date.UTC(2026, 10, 29) / 1000, tz);
      // An explicit zone is honoured, in the forms people write.
      assert.equal(parseTimeSeconds('2026-11-29T03:24Z', 0), Date.UTC(2026, 10, 29, 3, 24) / 1000, tz);
      assert.equal(parseTimeSeconds('2026-11-29 03:24+02:00', 0), Date.UTC(2026, 10, 29, 1, 24) / 1000, tz);
      assert.equal(parseTimeSeconds('2026-11-29T03:24:00-0500', 0), Date.UTC(2026, 10, 29, 8, 24) / 1000, tz);
      // Loose forms Date.parse would read in the host's zone are refused, and the message says what a bare time means.
      assert.throws(() => parseTimeSeconds('Nov 29 2026 03:24', 0), /not a time; use 2026-11-27T08:00Z \(a time without a zone is UTC\)/);
    }
  } finally {
    if (savedTz === undefined) delete process.env.TZ;
    else process.env.TZ = savedTz;
  }
});

test('a wrong --data is one clear line and exit 2, never an empty success', async (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'samples.csv');
  writeFileSync(file, 'not a folder\n');
  const missing = join(dir, 'no-such-folder');
  for (const cmd of ['report', 'check']) {
    const out = cmd === 'report' ? ['--out', join(dir, 'r.html')] : [];
    const asFile = await cli([cmd, '--data', file, ...out]);
    assert.equal(asFile.code, 2, `${cmd} --data FILE: ${asFile.stdout}${asFile.stderr}`);
    assert.match(asFile.stderr, new RegExp(`--data ${file} is a file, not a data folder: pass --data DIR`));
    const gone = await cli([cmd, '--data', missing, ...out]);
    assert.equal(gone.code, 2, `${cmd} --data MISSING: ${gone.stdout}${gone.stderr}`);
    assert.match(gone.stderr, new RegExp(`no data folder at ${missing}: pass --data DIR where "leakwatch record" wrote`));
  }
  assert.equal(existsSync(join(dir, 'r.html')), false, 'no empty page is written');
  const exp = await cli(['export', '--target', 'api', '--data', missing]);
  assert.equal(exp.code, 2);
  assert.match(exp.stderr, /no data folder at/);
  const rec = await cli(['record', '--data', file, '--name', 'x', '--pid', String(process.pid)]);
  assert.equal(rec.code, 2, rec.stderr);
  assert.match(rec.stderr, new RegExp(`--data ${file} is a file, not a folder: pass --data DIR`));
  assert.equal(readFileSync(file, 'utf8'), 'not a folder\n', 'the file is untouched');
  // An existing folder with nothing recorded yet is still fine for report (it says so in words).
  const empty = join(dir, 'empty');
  mkdirSync(empty);
  const ok = await cli(['report', '--data', empty, '--out', join(dir, 'r.html')]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /no recordings in .* yet/);
});

test('usage errors: one line that says what is wrong (with a guess for typos), then that command\'s own help', async (t) => {
  const dir = tempDir(t);
  const cases: Array<[string[], string, RegExp]> = [
    [['reprot'], 'unknown command "reprot"; did you mean "report"?', /^leakwatch — find goroutine/],
    [['report', '--sinse', '2h'], 'unknown option --sinse; did you mean --since?', /^leakwatch report — /],
    [['check', '--taget', 'api'], 'unknown option --taget; did you mean --target?', /^leakwatch check — /],
    [['record', '--every', '-5s'], '--every: "-5s" must be more than zero', /^leakwatch record — /],
    [['record', '--every', '5s', '--for'], '--for needs a value', /^leakwatch record — /],
    [['record', '--name', 'a', '--pid', '1', '--process', 'x'], 'give only one of --pid, --process, --pidfile (got --pid and --process)', /^leakwatch record — /],
    [['record', '--name', 'a', '--process', 'bin/api'], '--process: expected a command name as ps/pidstat show it, e.g. "api-server"', /^leakwatch record — /],
    [['cron', 'instal'], 'cron takes one of: print, install, remove', /^leakwatch cron — /],
    [['diff', 'only-one.pb.gz'], 'diff needs two profiles, SNAPSHOT_A (older) and SNAPSHOT_B (newer); got 1', /^leakwatch diff — /],
    // A name every object has is no command (the tables are looked up by own keys only).
    [['constructor'], 'unknown command "constructor"', /^leakwatch — find goroutine/],
    [['toString', '--help'], 'unknown command "toString"', /^leakwatch — find goroutine/],
  ];
  for (const [args, line, help] of cases) {
    const r = await cli(args, { cwd: dir });
    assert.equal(r.code, 2, args.join(' '));
    const [first, blank, ...rest] = r.stderr.split('\n');
    assert.equal(first, `leakwatch: ${line}`, args.join(' '));
    assert.equal(blank, '');
    assert.match(rest.join('\n'), help, args.join(' '));
    assert.doesNotMatch(r.stderr, /ambiguous|XYZ|ERR_|at .*\.js:\d+/, args.join(' '));
  }
  // A far-off word gets no wild guess.
  assert.match((await cli(['frobnicate'])).stderr, /^leakwatch: unknown command "frobnicate"\n/);
});

test('a report that cannot be written is one line naming the path and the flag', async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  mkdirSync(data);
  const r = await cli(['report', '--data', data, '--out', '/proc/r.html']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, 'leakwatch: cannot write /proc/r.html (ENOENT): pass --out FILE in a folder you can write to\n');
  const j = await cli(['report', '--data', data, '--out', join(dir, 'r.html'), '--json', '/proc/s.json']);
  assert.equal(j.code, 2);
  assert.equal(j.stderr, 'leakwatch: cannot write /proc/s.json (ENOENT): pass --json FILE in a folder you can write to\n');
});

test('cron print --systemd --out DIR writes the two unit files the instructions say to copy', async (t) => {
  const dir = tempDir(t);
  const config = join(dir, 'leakwatch.config.json');
  writeFileSync(config, JSON.stringify({ targets: [{ name: 'self', pid: process.pid }] }));
  const units = join(dir, 'units');
  const r = await cli(['cron', 'print', '--systemd', '--out', units, '--config', config, '--data', join(dir, 'data')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, `wrote ${join(units, 'leakwatch-record.service')} and ${join(units, 'leakwatch-record.timer')}; install them as their comments say\n`);
  const service = readFileSync(join(units, 'leakwatch-record.service'), 'utf8');
  const timer = readFileSync(join(units, 'leakwatch-record.timer'), 'utf8');
  assert.match(service, /^\[Service\]$/m);
  assert.match(timer, /^\[Timer\]$/m);
  assert.doesNotMatch(service, /\[Timer\]/);
  // Printed, the two are still there, each under a line saying it is its own file, and stderr says how to split them.
  const printed = await cli(['cron', 'print', '--systemd', '--config', config, '--data', join(dir, 'data')]);
  assert.equal(printed.stdout, `# --- leakwatch-record.service (save as its own file) ---\n${service}\n# --- leakwatch-record.timer (save as its own file) ---\n${timer}\n`);
  assert.match(printed.stderr, /--out DIR" writes them as DIR\/leakwatch-record\.service and DIR\/leakwatch-record\.timer/);
});
