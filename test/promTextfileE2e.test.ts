// record --prom-textfile against the real Go service: the file node_exporter reads parses and agrees with the CSV.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import test from 'node:test';
import { promisify } from 'node:util';
import { readRecording } from '../src/io/readRecording.js';
import { serviceForTest } from './helpers/demoRun.js';
import { cli as cliRun, closedPort } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';
import { encodeGoroutineProfile, requestFrames, serveProfile } from './helpers/goroutineProfiles.js';

const run = promisify(execFile);
interface Family { name: string; type: string; metrics: Array<{ value: string; labels?: Record<string, string> }> }
const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => Family[];

test('record --prom-textfile writes the latest figures and a suspects count that parse as Prometheus text', { timeout: 120_000 }, async (t) => {
  const { svc, dir, data, cli } = await serviceForTest(t, { args: ['-rate', '20'] });
  const prom = join(dir, 'textfile');
  const { stderr } = await run(process.execPath, [
    cli, 'record', '--name', 'svc', '--pid', String(svc.pid), '--pprof', svc.pprofUrl,
    '--data', data, '--every', '1s', '--for', '70s', '--prom-textfile', prom,
  ], { timeout: 110_000 });
  assert.equal(stderr, '');
  const text = readFileSync(join(prom, 'leakwatch.prom'), 'utf8');
  assert.equal(statSync(join(prom, 'leakwatch.prom')).mode & 0o777, 0o644, 'node_exporter must be able to read it');
  const fams = new Map(parse(text).map((f) => [f.name, f]));
  const value = (name: string) => Number(fams.get(name)!.metrics[0].value);
  const last = readRecording(data, 'svc').samples.at(-1)!;
  assert.equal(fams.get('leakwatch_goroutines')!.metrics[0].labels!.target, 'svc');
  assert.equal(value('leakwatch_goroutines'), last.goroutines);
  assert.equal(value('leakwatch_rss_bytes'), last.rssBytes);
  assert.equal(value('leakwatch_up'), 1);
  assert.equal(fams.get('leakwatch_cpu_seconds_total')!.type, 'COUNTER');
  assert.equal(Math.round(value('leakwatch_last_success_timestamp_seconds')), Math.round(last.tsSeconds));
  // Over 70 s the five leak kinds grow steadily: the analysis of the recent window finds them.
  assert.ok(value('leakwatch_suspects') >= 4, `suspects ${value('leakwatch_suspects')}`);
});

test('a textfile folder record creates is readable by node_exporter under umask 077; /proc and /sys are refused at once', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const prom = join(dir, 'exporter', 'textfile');
  const old = process.umask(0o077); // what the cron line sets
  try {
    // a target that refuses: the tick fails, its row and the textfile are still written
    const r = await cliRun(['record', '--name', 'a', '--pprof', `http://127.0.0.1:${await closedPort()}/debug/pprof`, '--data', data, '--prom-textfile', prom]);
    assert.equal(r.code, 1, r.stderr);
  } finally {
    process.umask(old);
  }
  for (const d of [join(dir, 'exporter'), prom]) assert.equal(statSync(d).mode & 0o777, 0o755, d);
  // a textfile that cannot be written: the exit says so (it was 0), the message names the fix, the row is recorded
  const aFile = join(dir, 'not-a-folder');
  writeFileSync(aFile, '');
  const srv = await serveProfile(() => encodeGoroutineProfile([{ frames: requestFrames('a'), count: 2 }]));
  t.after(() => srv.close());
  const good = await cliRun(['record', '--name', 'b', '--pprof', srv.pprof, '--data', data, '--prom-textfile', prom]);
  assert.equal(good.code, 0, good.stderr);
  const failed = await cliRun(['record', '--name', 'b', '--pprof', srv.pprof, '--data', data, '--prom-textfile', aFile]);
  assert.equal(failed.code, 1, 'the tick itself was ok: the exit is the textfile\'s');
  assert.match(failed.stderr, /could not write .*leakwatch\.prom \((EEXIST|ENOTDIR)\): --prom-textfile must be a folder .*; the tick's rows were recorded/);
  assert.equal(statSync(join(prom, 'leakwatch.prom')).mode & 0o777, 0o644);
  for (const args of [['--data', '/proc/leakwatch-test/data'], ['--data', data, '--prom-textfile', '/sys/leakwatch-test']]) {
    const started = Date.now();
    const r = await cliRun(['record', '--name', 'a', '--pprof', 'http://127.0.0.1:9/debug/pprof', ...args], { timeoutMs: 20_000 });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /is under \/(proc|sys), where no file can be written: pass a folder on a disk/);
    assert.ok(Date.now() - started < 15_000);
  }
});
