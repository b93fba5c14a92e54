// One recorder at a time, under stress (issue 10, item 6): the lock's content exists the moment its name does, and
// a lock is only removed once proven stale. Real processes racing on real files, with a core kept busy.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { findRepoRoot } from '../src/demo/demoService.js';
import { readRecording } from '../src/io/readRecording.js';
import { tempDir } from './helpers/tmp.js';

function run(argv: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

/** Keeps one core busy for the duration (the issue saw the races only under load). */
function burnCpu(): ChildProcess {
  return spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
}

test('lock hammer: 4 processes x 200 rounds, a counter bumped under the lock never repeats', { timeout: 90_000 }, async (t) => {
  const root = await findRepoRoot();
  const dir = tempDir(t);
  const data = join(dir, 'data');
  mkdirSync(data);
  // Each round: take the lock, read-modify-write a counter with a yield in between (so an overlap shows up as a
  // repeated number), release. Every 25th round of worker 0 plants a stale lock (a dead pid) for the others.
  const worker = join(dir, 'worker.mjs');
  writeFileSync(
    worker,
    `import { tryLock } from ${JSON.stringify(join(root, 'dist', 'src', 'io', 'lock.js'))};
import { appendFileSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
const [data, me, rounds] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const counter = data + '/counter';
let done = 0;
while (done < rounds) {
  const l = tryLock(data);
  if (!l.ok) { await new Promise((r) => setImmediate(r)); continue; }
  const n = existsSync(counter) ? Number(readFileSync(counter, 'utf8')) : 0;
  await new Promise((r) => setTimeout(r, 1));
  writeFileSync(counter, String(n + 1));
  appendFileSync(data + '/seen', n + 1 + '\\n');
  l.release();
  done++;
  if (me === 0 && done % 25 === 0) { try { writeFileSync(data + '/.leakwatch.lock', '999999999 1\\n', { flag: 'wx' }); } catch {} }
}
`,
  );
  const burner = burnCpu();
  try {
    const results = await Promise.all([0, 1, 2, 3].map((i) => run([worker, data, String(i), '200'])));
    for (const r of results) assert.equal(r.code, 0, r.stderr);
  } finally {
    burner.kill();
  }
  const seen = readFileSync(join(data, 'seen'), 'utf8').trimEnd().split('\n').map(Number);
  assert.equal(new Set(seen).size, seen.length, 'no number handed out twice: no two holders at once');
  assert.equal(seen.length, 800);
  assert.deepEqual(readdirSync(data).filter((n) => /\.(tmp|stale)$/.test(n)), [], 'no temp file left behind');
});

test('two loop recorders and cron-style one-shots under CPU load: zero duplicate or out-of-order rows in >= 200 rounds', { timeout: 120_000 }, async (t) => {
  const root = await findRepoRoot();
  const data = join(tempDir(t), 'data');
  const cliPath = join(root, 'dist', 'src', 'cli.js');
  // The recorder's own pid as target: /proc only, no HTTP, so each round is pure recorder work.
  const target = ['--name', 'self', '--pid', String(process.pid), '--data', data];
  const burner = burnCpu();
  const oneShots: Array<{ code: number | null; stderr: string }> = [];
  try {
    const loops = [0, 1].map(() => run([cliPath, 'record', ...target, '--every', '30ms', '--for', '25s']));
    const deadline = Date.now() + 25_000;
    while (Date.now() < deadline) {
      oneShots.push(await run([cliPath, 'record', ...target]));
      // Now and then a stale lock, as a recorder killed by a reboot leaves it.
      if (oneShots.length % 10 === 0) {
        try {
          writeFileSync(join(data, '.leakwatch.lock'), '999999999 1\n', { flag: 'wx' });
        } catch {
          // a live lock is there
        }
      }
    }
    for (const r of await Promise.all(loops)) assert.ok(r.code === 0 || /holds .*skipping this tick/.test(r.stderr), r.stderr);
  } finally {
    burner.kill();
  }
  for (const r of oneShots) assert.ok(r.code === 0 || /holds .*skipping this tick/.test(r.stderr), r.stderr);
  const rec = readRecording(data, 'self');
  assert.deepEqual(rec.warnings, []);
  const rows = rec.samples;
  assert.ok(rows.length >= 200, `${rows.length} rounds recorded`);
  for (let i = 1; i < rows.length; i++) assert.ok(rows[i].tsSeconds > rows[i - 1].tsSeconds, `row ${i} (${rows[i].tsSeconds}) not after row ${i - 1}`);
  const lines = readFileSync(join(data, 'self', 'samples.csv'), 'utf8').trimEnd().split('\n');
  assert.equal(lines.filter((l) => l.startsWith('time_utc,')).length, 1, 'one header');
  assert.ok(oneShots.filter((r) => r.code === 0).length >= 10, 'one-shots got their turn too');
});

test('temp names left by a recorder killed mid-lock are swept by the next holder; a live one\'s are not', async (t) => {
  const data = join(tempDir(t), 'data');
  mkdirSync(data);
  const { tryLock } = await import('../src/io/lock.js');
  const dead = ['.leakwatch.lock.999999999.k1.tmp', '.leakwatch.lock.999999999.k2.stale', '.leakwatch.lock.break.999999999.k3.tmp'];
  const live = `.leakwatch.lock.${process.pid}.k4.tmp`;
  for (const n of [...dead, live]) writeFileSync(join(data, n), '1 2\n');
  const l = tryLock(data);
  assert.ok(l.ok);
  l.release();
  assert.deepEqual(readdirSync(data).sort(), [live]);
});
