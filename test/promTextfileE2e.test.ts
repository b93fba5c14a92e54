// record --prom-textfile against the real Go service: the file node_exporter reads parses and agrees with the CSV.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import test from 'node:test';
import { promisify } from 'node:util';
import { readRecording } from '../src/io/readRecording.js';
import { serviceForTest } from './helpers/demoRun.js';

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
