// The alerting rules shipped in prometheus/ (issue 12 item 10): valid for Prometheus, each alert fires exactly
// when it should (promtool's own rule unit tests), and they use only metrics leakwatch really writes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { formatPromTextfile } from '../src/core/promTextfile.js';
import type { SampleRow } from '../src/core/model.js';
import { findRepoRoot } from '../src/demo/demoService.js';
import { needTool } from './helpers/systemTools.js';

test('promtool checks the rules and passes their unit tests', async (t) => {
  if (!needTool(t, 'promtool', 'prometheus')) return;
  const dir = join(await findRepoRoot(), 'prometheus');
  const check = spawnSync('promtool', ['check', 'rules', 'leakwatch.rules.yml'], { cwd: dir, encoding: 'utf8' });
  assert.equal(check.status, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /SUCCESS: 4 rules found/);
  const unit = spawnSync('promtool', ['test', 'rules', 'leakwatch.rules.test.yml'], { cwd: dir, encoding: 'utf8' });
  assert.equal(unit.status, 0, unit.stdout + unit.stderr);
  assert.match(unit.stdout, /SUCCESS/);
});

/** A fully measured row: every family of the textfile has a sample. */
const ROW: SampleRow = {
  tsSeconds: 1795747613, target: 'api', status: 'ok', pid: 4242, processStartTsSeconds: 1795740000, rssBytes: 1 << 24,
  vszBytes: 1 << 26, cpuSecondsTotal: 12.5, cpuPercent: 3, threads: 9, fds: 17, goroutines: 120, stacksDistinct: 14,
  event: '', message: '',
};

test('the rules use only metrics leakwatch writes to its textfile', async () => {
  const rules = readFileSync(join(await findRepoRoot(), 'prometheus', 'leakwatch.rules.yml'), 'utf8');
  const written = new Set(
    [...formatPromTextfile([{ name: 'api', row: ROW, suspects: 1, lastSuccessTsSeconds: 1 }]).matchAll(/^# TYPE (\S+)/gm)].map((m) => m[1]!),
  );
  const used = new Set([...rules.matchAll(/\b(leakwatch_[a-z_]+)\b/g)].map((m) => m[1]!));
  assert.deepEqual([...used].filter((m) => !written.has(m)), []);
  for (const m of ['leakwatch_suspects', 'leakwatch_last_success_timestamp_seconds', 'leakwatch_goroutines']) assert.ok(used.has(m), m);
});

test('.ci/run installs promtool (Debian prometheus) when missing and runs the tests with CI=true', async () => {
  const ci = readFileSync(join(await findRepoRoot(), '.ci', 'run'), 'utf8');
  assert.match(ci, /^command -v promtool >\/dev\/null 2>&1 \|\| missing\+=\(prometheus\)$/m);
  assert.match(ci, /^export CI="\$\{CI:-true\}"$/m);
});
