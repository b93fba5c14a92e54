// `leakwatch demo` shows every section of the page (issue 12 item 7): with Go 1.26+ the service is built with the
// goroutine leak profile, and a debug=2 dump is taken once leaks exist, not only at the first tick.
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import type { Summary } from '../src/core/model.js';
import { readRecording } from '../src/io/readRecording.js';
import { findGo, goMinorVersion } from '../src/demo/demoService.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

test('the demo records a late debug=2 dump and, on Go 1.26+, runtime-confirmed leaks; it says when it replaces a page', { timeout: 240_000 }, async (t) => {
  const go = await findGo();
  assert.ok(go, 'Go is needed: apt-get install golang-go');
  const minor = await goMinorVersion(go!);
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const out = join(dir, 'demo.html');
  writeFileSync(out, 'an older page\n');
  const r = await cli(['demo', '--for', '20s', '--every', '2s', '--rate', '5', '--data', data, '--out', out], { timeoutMs: 200_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^replacing ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(written \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\); --out FILE keeps it$`, 'm'));

  const rec = readRecording(data, 'leaky-demo');
  const first = rec.samples[0]!;
  const dumps = rec.snapshots.filter((s) => s.kind === 'goroutine-debug2');
  const latest = dumps[dumps.length - 1]!;
  assert.ok(dumps.length >= 2, `${dumps.length} dumps`);
  assert.ok(latest.tsSeconds >= first.tsSeconds + 10, 'the latest dump is taken once leaks have piled up');
  const files = readdirSync(join(data, 'leaky-demo', 'snapshots'));
  const json = join(dir, 'summary.json');
  assert.equal((await cli(['report', '--data', data, '--out', join(dir, 'r.html'), '--json', json])).code, 0);
  const { readFileSync } = await import('node:fs');
  const s = JSON.parse(readFileSync(json, 'utf8')) as Summary;
  const target = s.targets[0]!;
  assert.equal(target.goroutineDump?.path, latest.path);
  assert.ok(target.goroutineDump!.goroutines > first.goroutines! + 40, `dump ${target.goroutineDump!.goroutines} vs first ${first.goroutines}`);
  if (minor >= 26) {
    assert.ok(files.some((f) => f.startsWith('goroutineleak-')), files.join(' '));
    assert.ok((target.runtimeLeaks?.total ?? 0) > 0, 'the Go runtime confirmed leaks');
  } else {
    t.diagnostic(`Go 1.${minor}: no goroutine leak profile`);
  }
});
