// A clock set ahead for a while (a wrong RTC at boot, a bad NTP server): the recorder writes a tick dated months
// ahead, then the clock is put right and rows go on. Such a row once made a one-day leak's headline read "for 199.0
// days". report and check (no --until) read up to now (CLOCK_AHEAD_SECONDS later): the row is left out with a warning
// that names the target, how many and the latest, and everything else is judged as if it had never been written.
import assert from 'node:assert/strict';
import test from 'node:test';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Summary } from '../src/core/model.js';
import { CLOCK_AHEAD_SECONDS, readWindow } from '../src/commands/report.js';
import { evalScenarios, generateScenario } from '../scripts/eval/scenarios.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

/** 2027-06-01T00:00:00Z: months after anything these recordings hold, and after this test runs (until mid-2027). */
const AHEAD_TS = 1_811_808_000;

/** Inserts after the line at `fraction` of the file `count` copies of it, the k-th made by `edit(cells, sep, k)`. */
function insertAhead(path: string, fraction: number, count: number, edit: (cells: string[], sep: string, k: number) => string): void {
  const lines = readFileSync(path, 'utf8').split('\n');
  const i = Math.floor(lines.length * fraction);
  const sep = lines[i]!.includes(',') ? ',' : ' ';
  lines.splice(i + 1, 0, ...Array.from({ length: count }, (_, k) => edit(lines[i]!.split(sep), sep, k)));
  writeFileSync(path, lines.join('\n'));
}

test('rows and ticks dated months ahead are left out with a warning; the verdict is that of the recording without them', async (t) => {
  assert.ok(AHEAD_TS > Date.now() / 1000 + CLOCK_AHEAD_SECONDS, 'the planted time is still in the future: move AHEAD_TS on');
  const plain = tempDir(t);
  const spec = evalScenarios().find((s) => s.name === 'slow-leak-idle-ballast')!;
  generateScenario(spec, plain);
  const ahead = tempDir(t);
  cpSync(plain, ahead, { recursive: true });
  const dir = join(ahead, spec.name);
  const header = readFileSync(join(dir, 'samples.csv'), 'utf8').split('\n')[0]!.split(',');
  const tsAt = header.indexOf('ts_seconds');
  const timeAt = header.indexOf('time_utc');
  // 400 ticks, 6 h 40 min of a clock set ahead, near the middle: where a binary search for the window's end probes
  // (read to "now" by searching, they ended the window there: the rows after them were lost with no word)
  const at = (k: number) => AHEAD_TS + 60 * k;
  insertAhead(join(dir, 'samples.csv'), 0.47, 400, (c, sep, k) => {
    c[tsAt] = `${at(k)}.5`;
    c[timeAt] = new Date(at(k) * 1000).toISOString().slice(0, 19).replace('T', ' ');
    return c.join(sep);
  });
  // the ticks written with them: deltas that change nothing, in the same lifetime (what follows stays exact)
  insertAhead(join(dir, 'stack-history.log'), 0.47, 400, (c, sep, k) => ['D', `${at(k)}.5`, c[2]!, c[3]!].join(sep));

  const summaryOf = async (data: string) => {
    const json = join(tempDir(t), 'summary.json');
    const r = await cli(['report', '--data', data, '--out', join(tempDir(t), 'page.html'), '--json', json]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(readFileSync(json, 'utf8')) as Summary;
    // the verdict lines (the last line names the page, a folder of its own per run)
    return { stdout: r.stdout.split('\n').filter((l) => !l.startsWith('report: ')).join('\n'), target: s.targets[0]! };
  };
  const want = await summaryOf(plain);
  const got = await summaryOf(ahead);
  const warning = got.target.warnings.find((w) => w.includes('dated after now'));
  assert.equal(warning, `${spec.name}: left out 400 sample row(s) dated after now (the latest 2027-06-01T06:39:00Z): the clock was set ahead when they were written; every row: leakwatch export`);
  assert.deepEqual({ ...got.target, warnings: got.target.warnings.filter((w) => w !== warning) }, want.target);
  assert.equal(got.stdout, want.stdout);
  assert.match(got.target.headline, /for 3\.0 days/, 'the headline spans the recording, not the months to the planted row');

  // check: the same exit (1: a leak) and lines
  const checks = await Promise.all([plain, ahead].map((d) => cli(['check', '--data', d])));
  assert.deepEqual(checks.map((c) => c.code), [1, 1]);
  assert.equal(checks[1]!.stdout.replaceAll(ahead, ''), checks[0]!.stdout.replaceAll(plain, ''));

  // export keeps every row, the planted ones too
  const rows = async (d: string) => (await cli(['export', '--data', d, '--target', spec.name])).stdout.trim().split('\n').length;
  assert.equal(await rows(ahead), (await rows(plain)) + 400);
});

test('--until reads to it, as given; without it, to an hour after now', () => {
  assert.deepEqual(readWindow(undefined, 5_000, 10_000), { untilSeconds: 5_000, maxPoints: readWindow(undefined, 5_000, 10_000).maxPoints });
  const open = readWindow(undefined, undefined, 10_000);
  assert.equal(open.untilSeconds, 10_000 + CLOCK_AHEAD_SECONDS);
  assert.equal(open.untilIsNow, true);
  assert.equal(readWindow(9_000, undefined, 10_000).untilIsNow, true);
  assert.equal(readWindow(9_000, 9_500, 10_000).untilIsNow, undefined);
});

test('a window given with --since and --until finds its rows past a block dated ahead or back', async (t) => {
  const plain = tempDir(t);
  const spec = evalScenarios().find((s) => s.name === 'slow-leak-idle-ballast')!;
  generateScenario(spec, plain);
  const dir = (data: string) => join(data, spec.name);
  const header = readFileSync(join(dir(plain), 'samples.csv'), 'utf8').split('\n')[0]!.split(',');
  const tsAt = header.indexOf('ts_seconds');
  const timeAt = header.indexOf('time_utc');
  const firstTs = Math.floor(Number(readFileSync(join(dir(plain), 'samples.csv'), 'utf8').split('\n')[1]!.split(',')[tsAt]));
  // day 2 to the middle of day 3: the window's edges fall inside the files, where a search has to find them
  const window = ['--since', String(firstTs + 86400), '--until', String(firstTs + 2.5 * 86400)];
  // 400 rows and ticks (6 h 40 min) from 47 % of the files, across the middle, where a binary search probes first
  const plant = (data: string, fromTs: number) => {
    const at = (k: number) => fromTs + 60 * k;
    insertAhead(join(dir(data), 'samples.csv'), 0.47, 400, (c, sep, k) => {
      c[tsAt] = `${at(k)}.5`;
      c[timeAt] = new Date(at(k) * 1000).toISOString().slice(0, 19).replace('T', ' ');
      return c.join(sep);
    });
    insertAhead(join(dir(data), 'stack-history.log'), 0.47, 400, (c, sep, k) => ['D', `${at(k)}.5`, c[2]!, c[3]!].join(sep));
  };
  const summaryOf = async (data: string) => {
    const json = join(tempDir(t), 'summary.json');
    const r = await cli(['report', '--data', data, ...window, '--out', join(tempDir(t), 'page.html'), '--json', json]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(readFileSync(json, 'utf8')) as Summary;
    return { stdout: r.stdout.split('\n').filter((l) => !l.startsWith('report: ')).join('\n'), target: { ...s.targets[0]!, warnings: s.targets[0]!.warnings.filter((w) => !w.startsWith('no sample for')) } };
  };
  const want = await summaryOf(plain);
  assert.equal(want.target.verdict, 'leak');
  const wantRows = await cli(['export', '--data', plain, '--target', spec.name, ...window]);
  assert.equal(wantRows.stdout.trim().split('\n').length, 1 + 1.5 * 1440, 'the window is a day and a half of rows, and a header');
  // ahead: a binary search for the window's end that probed them ended it at them (the rows after were lost); back
  // (a clock reset at boot): one for its start that probed them started it after them
  for (const [label, fromTs] of [['ahead', AHEAD_TS], ['back', Date.UTC(2020, 0, 1) / 1000]] as const) {
    const data = tempDir(t);
    cpSync(plain, data, { recursive: true });
    plant(data, fromTs);
    const got = await summaryOf(data);
    assert.deepEqual(got.target, want.target, label);
    assert.equal(got.stdout, want.stdout, label);
    const check = await cli(['check', '--data', data, ...window]);
    assert.equal(check.code, 1, `${label}: ${check.stdout}${check.stderr}`);
    // report and check read a week before --since as context (so here from the first row): export reads the window
    // alone, its start inside the files too
    const exported = await cli(['export', '--data', data, '--target', spec.name, ...window]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.equal(exported.stdout, wantRows.stdout, label);
  }
});
