// Hourly history parsed on a worker thread (src/io/hourlyReadAhead.ts) while the main thread reads the rest: a read
// with it gives the same ticks, counts and warnings as one without, on clean files and on damaged ones (a line that
// does not parse, a torn last line, empty and comment lines, a line that is not hourly, which sends its file back to
// the main thread).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TargetRecording } from '../src/core/model.js';
import { readRecording, parseHourlyFile } from '../src/io/readRecording.js';
import { HourlyReadAhead } from '../src/io/hourlyReadAhead.js';
import { generateRecording } from '../scripts/generateRecording.js';
import { tempDir } from './helpers/tmp.js';

const END = Date.UTC(2026, 10, 3) / 1000; // 2026-11-03T00:00:00Z

/** What a read gave of the history: every tick's time, lifetime, total and counts, and the warnings. */
function historyOf(rec: TargetRecording) {
  return {
    ticks: rec.ticks.map((x) => [x.tsSeconds, x.lifetime, x.total, [...x.counts].sort((a, b) => a[0] - b[0])]),
    warnings: rec.warnings,
  };
}

test('hourly history read with a worker gives what a read without one gives, damaged files included', { timeout: 180_000 }, (t) => {
  const data = tempDir(t);
  // 110 days to Nov 3: July (from the 16th), August and September compacted hourly, October and the live file at
  // full resolution (20 days kept full). Two targets: a churning one (5 lifetimes in that time) and a usual one.
  generateRecording({ days: 110, targets: 1, churnTargets: 1, churnStacks: 300, seed: 7, endTsSeconds: END, outDir: data, segmented: { fullResolutionDays: 20 } });
  const name = 'churn';
  const dir = join(data, name);
  const hourly = readdirSync(dir).filter((f) => f.endsWith('.hourly.log')).sort();
  assert.equal(hourly.length, 3, hourly.join(' '));
  const paths = hourly.map((f) => join(dir, f));

  // the worker takes the newest (September) and answers with its lines
  const ahead = HourlyReadAhead.start(paths, -Infinity, Infinity, 0)!;
  assert.ok(ahead, 'a worker for three hourly files');
  assert.equal(ahead.take(paths[0]!), null, 'the oldest is read on the main thread');
  const sep = ahead.take(paths[2]!);
  assert.ok(sep && sep.lines.length >= 29 * 24, `${sep?.lines.length} September lines`);

  const compare = (what: string) => {
    // one point per 2 hours and one an hour (the whole 110 days in 1,500 and 3,000 points), and a window in August
    for (const o of [{ maxPoints: 1500 }, { maxPoints: 3000 }, { maxPoints: 300, sinceSeconds: END - 90 * 86400, untilSeconds: END - 60 * 86400 }]) {
      const withWorker = historyOf(readRecording(data, name, { ...o, readAheadMinBytes: 0 }));
      const without = historyOf(readRecording(data, name, { ...o, readAheadMinBytes: Infinity }));
      assert.ok(withWorker.ticks.length > 100, `${what}: ${withWorker.ticks.length} ticks`);
      assert.deepEqual(withWorker, without, `${what} ${JSON.stringify(o)}`);
    }
  };
  compare('clean');

  // September damaged: a line that does not parse (its time still readable), one cut to its time, and a torn tail;
  // empty and comment lines (a hand edit), which pass on what a thinned read held
  const sepText = readFileSync(paths[2]!, 'utf8').split('\n');
  sepText[100] = sepText[100]!.replace(/ (\d+):(\d+):/, ' $1:x$2:');
  sepText[200] = sepText[200]!.split(' ').slice(0, 2).join(' ');
  for (let i = sepText.length - 2; i > 0; i -= 7) sepText.splice(i, 0, i % 2 === 0 ? '' : '# a note');
  writeFileSync(paths[2]!, sepText.join('\n') + 'H 17');
  const damaged = parseHourlyFile(paths[2]!, -Infinity, Infinity);
  assert.ok(damaged, 'still plain hourly: read by the worker');
  assert.equal(damaged.lines.filter((l) => 'bad' in l).length, 2);
  assert.equal(damaged.tornTail, true);
  compare('damaged lines and a torn tail');
  const warnings = readRecording(data, name, { maxPoints: 1500, readAheadMinBytes: 0 }).warnings.join('\n');
  assert.match(warnings, /skipped 2 damaged line/);
  assert.match(warnings, /torn last line/);
  // a file of more lines than a worker takes is read on the main thread
  assert.equal(parseHourlyFile(paths[2]!, -Infinity, Infinity, 500), null);

  // August with a delta line in it (a hand edit): not plain hourly, so read on the main thread, the same way
  const augText = readFileSync(paths[1]!, 'utf8').split('\n');
  augText.splice(50, 0, `D ${augText[49]!.split(' ')[1]} ${augText[49]!.split(' ')[2]} 0`);
  writeFileSync(paths[1]!, augText.join('\n'));
  assert.equal(parseHourlyFile(paths[1]!, -Infinity, Infinity), null);
  compare('a delta in an hourly file');
});
