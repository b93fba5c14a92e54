// Tests on a fresh box (issue 12 item 9): `npm test` installs the packages first, like `npm run demo`; a test that
// needs a Debian tool skips with a line naming the package outside CI and fails loudly under CI=true.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { findRepoRoot } from '../src/demo/demoService.js';
import { needTool } from './helpers/systemTools.js';
import { tempDir } from './helpers/tmp.js';

/** The shell guard both scripts start with: install when TypeScript is not there yet. */
const INSTALL_FIRST = '[ -d node_modules/typescript ] || npm ci --no-audit --no-fund;';

test('npm test installs the packages first on a fresh clone, exactly as npm run demo does', async (t) => {
  const scripts = JSON.parse(readFileSync(join(await findRepoRoot(), 'package.json'), 'utf8')).scripts as Record<string, string>;
  assert.ok(scripts.test!.startsWith(INSTALL_FIRST), scripts.test);
  assert.ok(scripts.demo!.startsWith(INSTALL_FIRST), scripts.demo);
  // Run the guard for real in a fresh folder, with an npm on PATH that notes how it was called.
  const dir = tempDir(t);
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'npm'), `#!/bin/sh\necho "$@" >> "${join(dir, 'npm-calls')}"\n`);
  chmodSync(join(bin, 'npm'), 0o755);
  const env = { PATH: `${bin}:/usr/bin:/bin` };
  const guard = INSTALL_FIRST.replace(/;$/, '');
  spawnSync('sh', ['-c', guard], { cwd: dir, env });
  assert.equal(readFileSync(join(dir, 'npm-calls'), 'utf8'), 'ci --no-audit --no-fund\n', 'fresh clone: npm ci');
  mkdirSync(join(dir, 'node_modules', 'typescript'), { recursive: true });
  spawnSync('sh', ['-c', guard], { cwd: dir, env });
  assert.equal(readFileSync(join(dir, 'npm-calls'), 'utf8'), 'ci --no-audit --no-fund\n', 'installed: no second npm ci');
});

test('a missing Debian tool: a skip naming the package outside CI, a loud failure under CI=true', () => {
  const saved = process.env.CI;
  const skipped: string[] = [];
  const t = { skip: (m?: string) => void skipped.push(m ?? ''), after: () => {} };
  try {
    delete process.env.CI;
    assert.equal(needTool(t, 'lw-no-such-tool', 'lw-package'), false);
    assert.deepEqual(skipped, ['lw-no-such-tool is not installed: apt-get install lw-package']);
    process.env.CI = 'true';
    assert.throws(() => needTool(t, 'lw-no-such-tool', 'lw-package'), /lw-no-such-tool is not installed: apt-get install lw-package \(CI=true, so this test must run/);
    assert.equal(needTool(t, 'sh', 'dash'), true);
  } finally {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  }
});
