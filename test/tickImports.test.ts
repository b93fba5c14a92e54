// What a cron tick loads. Every module is read, compiled and linked by a fresh Node process each minute, on a
// budget of ~1.5x `node -e 0` (issue 10, item 7): pprof-format (~13 ms) and csv-parse (11 files, pulled in by a
// helper the segment rollover imported from the CSV reader) each cost the tick more than its own work on a file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import test from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { findRepoRoot } from '../src/demo/demoService.js';
import { resolveLog } from './helpers/resolveLog.js';
import { tempDir } from './helpers/tmp.js';

const run = promisify(execFile);

test("a cron tick loads no npm package: record's module graph is leakwatch's own modules and Node built-ins", async (t) => {
  const root = await findRepoRoot();
  const dir = tempDir(t);
  // A resolve hook in a real Node process logs every module the import of `record` resolves (its whole static graph).
  const log = resolveLog(dir);
  const recordJs = pathToFileURL(join(root, 'dist', 'src', 'commands', 'record.js')).href;
  await run(process.execPath, ['--import', log.register, '--input-type=module', '-e', `await import(${JSON.stringify(recordJs)})`], {
    timeout: 60_000,
  });
  const urls = log.urls();
  // The hook saw the tick's graph: the recorder, its protobuf reader and the segment rollover.
  for (const m of ['commands/record.js', 'io/recordTick.js', 'core/pprofProto.js', 'io/segments.js']) {
    assert.ok(urls.some((u) => u.endsWith(`/dist/src/${m}`)), `${m} among ${urls.length} modules`);
  }
  const packages = urls.filter((u) => u.includes('/node_modules/'));
  assert.deepEqual(packages, [], 'npm packages on the cron path');
  const foreign = urls.filter((u) => !u.startsWith('node:') && !u.includes('/dist/src/'));
  assert.deepEqual(foreign, [], 'modules outside dist/src on the cron path');
});
