// `leakwatch report` shows one updating status line on a terminal and nothing extra anywhere else (cron, CI).
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { promisify } from 'node:util';
import { CLEAR_LINE, createProgress, formatProgress } from '../src/commands/progress.js';
import { findRepoRoot } from '../scripts/lib/demoService.js';
import { generateRecording } from '../scripts/generateRecording.js';
import { tempDir } from './helpers/tmp.js';

const run = promisify(execFile);

test('the progress text: phase, target, position; cut to the terminal width; no control characters', () => {
  assert.equal(formatProgress({ phase: 'reading', target: 'api', index: 1, total: 3 }), 'reading api (2/3)…');
  assert.equal(formatProgress({ phase: 'rendering' }), 'rendering…');
  assert.equal(formatProgress({ phase: 'analysing', target: 'a\u001b[2Jb\rc' }), 'analysing a\\u001b[2Jb\\rc…');
  const long = formatProgress({ phase: 'reading', target: 'x'.repeat(200), index: 0, total: 1 }, 40);
  assert.equal([...long].length, 39, 'never wraps (a wrapped line cannot be redrawn with \\r)');
  assert.ok(long.endsWith('…'));
});

test('createProgress: silent unless the stream is a TTY; on a TTY it redraws one line and clears it', () => {
  const writes: string[] = [];
  const pipe = createProgress({ isTTY: false, write: (s: string) => writes.push(s) });
  pipe.update({ phase: 'reading', target: 'api', index: 0, total: 1 });
  pipe.done();
  assert.equal(writes.length, 0);

  const tty = createProgress({ isTTY: true, columns: 80, write: (s: string) => writes.push(s) });
  tty.done(); // nothing drawn yet: nothing to clear
  tty.update({ phase: 'reading', target: 'api', index: 0, total: 2 });
  tty.update({ phase: 'reading', target: 'api', index: 0, total: 2 }); // same text: not redrawn
  tty.update({ phase: 'rendering' });
  tty.done();
  tty.done();
  assert.deepEqual(writes, [`${CLEAR_LINE}reading api (1/2)…`, `${CLEAR_LINE}rendering…`, CLEAR_LINE]);
});

test('report on a 3-target recording: silent on a pipe, one cleared status line on a terminal', { timeout: 120_000 }, async (t) => {
  const root = await findRepoRoot();
  const cli = join(root, 'dist', 'src', 'cli.js');
  const dir = tempDir(t);
  const data = join(dir, 'data');
  generateRecording({ outDir: data, days: 2, targets: 3, fixturesDir: join(root, 'test', 'fixtures') });

  // Not a terminal (as under cron or CI): stdout has the verdicts, stderr nothing at all.
  const piped = await run(process.execPath, [cli, 'report', '--data', data, '--out', join(dir, 'a.html')]);
  assert.equal(piped.stderr, '');
  assert.ok(!piped.stdout.includes('\r') && !piped.stdout.includes('\x1b'), 'no control sequences on a pipe');
  assert.match(piped.stdout, /^api: /);
  const check = await run(process.execPath, [cli, 'check', '--data', data]).catch((e: { stdout: string; stderr: string; code: number }) => e);
  assert.equal(check.stderr, '');

  // A terminal: util-linux `script` runs the CLI on a pseudo-terminal and copies what it wrote.
  const script = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));
  if (!script) {
    t.diagnostic('util-linux script(1) not installed: the terminal path is covered by the createProgress test above only');
    return;
  }
  const cmd = [process.execPath, cli, 'report', '--data', data, '--out', join(dir, 'b.html')].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync(script, ['-qefc', cmd, '/dev/null'], { encoding: 'utf8', timeout: 100_000, env: { ...process.env, COLUMNS: '100' } });
  assert.equal(r.status, 0, r.stderr);
  const tty = r.stdout;
  for (const line of ['reading api (1/3)…', 'reading gateway (2/3)…', 'reading worker (3/3)…', 'analysing api (1/3)…', 'analysing worker (3/3)…', 'rendering…', 'writing…']) {
    assert.ok(tty.includes(`${CLEAR_LINE}${line}`), `"${line}" drawn over the previous status (${JSON.stringify(tty.slice(0, 300))})`);
  }
  // The line is cleared before the first verdict is printed, and nothing of it is left after.
  const firstVerdict = tty.indexOf('api: ');
  assert.ok(firstVerdict > 0);
  assert.ok(tty.slice(0, firstVerdict).endsWith(`writing…${CLEAR_LINE}`), JSON.stringify(tty.slice(Math.max(0, firstVerdict - 40), firstVerdict)));
  assert.ok(!tty.slice(firstVerdict).includes('\x1b'), 'no control sequences after the status line is cleared');
  // Same verdicts either way.
  assert.equal(tty.slice(firstVerdict).replace(/\r\n/g, '\n').replace(/b\.html/, 'a.html'), piped.stdout);
});
