// The cron entry point (dist/src/cli.cjs + dist/src/cli.bundle, written by scripts/buildCronBundle.ts in
// npm run build): a cron tick runs record from one bundled script with V8's code cache instead of ~30 ESM files
// (issue 10, item 7). What it must keep: the same tick, nothing loaded from dist/src on the way, the ESM build
// whenever the bundle is stale or damaged, and what it leaves out (--prom-textfile, other commands) still working.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, readFileSync, rmSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import test from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { findRepoRoot } from '../src/demo/demoService.js';
import { cli } from './helpers/cli.js';
import { resolveLog } from './helpers/resolveLog.js';
import { tempDir } from './helpers/tmp.js';

const run = promisify(execFile);

/** A loopback pprof serving the captured fixture profiles (123 goroutines); anything else is a 404. */
async function fixturePprof(t: { after(fn: () => void): void }, root: string): Promise<string> {
  const bodies: Record<string, string> = { '/debug/pprof/goroutine': 'leaky-t1.pb.gz', '/debug/pprof/heap': 'heap.pb.gz' };
  const server: Server = createServer((req, res) => {
    const name = bodies[req.url ?? ''];
    if (name) res.end(readFileSync(join(root, 'test', 'fixtures', name)));
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/debug/pprof`;
}

/** A target's samples.csv rows as header -> cell. */
function rows(dataDir: string, target: string): Array<Record<string, string>> {
  const [head, ...lines] = readFileSync(join(dataDir, target, 'samples.csv'), 'utf8').trim().split('\n');
  const header = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((c, i) => [header[i], c])));
}

test('the cron entry records a tick from its bundle alone: the same row as cli.js, no module of dist/src loaded', async (t) => {
  const root = await findRepoRoot();
  const dir = tempDir(t);
  const pprof = await fixturePprof(t, root);
  const log = resolveLog(dir);
  const record = (entry: string, data: string, pre: string[] = []) =>
    run(process.execPath, [...pre, join(root, 'dist', 'src', entry), 'record', '--name', 'api', '--pid', String(process.pid), '--pprof', pprof, '--data', data], { timeout: 60_000 });

  for (let i = 0; i < 2; i++) await record('cli.cjs', join(dir, 'bundled'), ['--import', log.register]);
  await record('cli.js', join(dir, 'esm'));
  // Past the entry itself (which --import sends through the ESM loader), nothing of dist/src: record ran from the bundle.
  assert.deepEqual(log.urls().filter((u) => u.includes('/dist/src/') && !u.endsWith('/dist/src/cli.cjs')), []);
  const bundled = rows(join(dir, 'bundled'), 'api');
  const [esm] = rows(join(dir, 'esm'), 'api');
  assert.deepEqual(bundled.map((r) => [r.status, r.goroutines]), [['ok', '123'], ['ok', '123']]);
  // A target's first tick each way (the second skips the heap profile: heapProfileMinutes).
  for (const column of ['status', 'goroutines', 'distinct_stacks', 'pid', 'heap_inuse_bytes']) {
    assert.equal(bundled[0][column], esm[column], `${column}: bundle and ESM build agree`);
  }
});

test('--prom-textfile, which the bundle leaves out, is loaded from dist/src and written', async (t) => {
  const root = await findRepoRoot();
  const dir = tempDir(t);
  const pprof = await fixturePprof(t, root);
  const prom = join(dir, 'prom');
  await run(process.execPath, [join(root, 'dist', 'src', 'cli.cjs'), 'record', '--name', 'api', '--pid', String(process.pid), '--pprof', pprof, '--data', join(dir, 'data'), '--prom-textfile', prom], { timeout: 60_000 });
  const text = readFileSync(join(prom, 'leakwatch.prom'), 'utf8');
  assert.match(text, /^leakwatch_goroutines\{target="api"\} 123$/m);
});

test('a stale, damaged or missing bundle runs the ESM build instead, never old code', async (t) => {
  const root = await findRepoRoot();
  const dir = tempDir(t);
  // A copy of the build, so its files' times and bytes can be changed.
  const src = join(dir, 'src');
  cpSync(join(root, 'dist', 'src'), src, { recursive: true });
  const log = resolveLog(dir);
  const version = async () => {
    log.clear();
    const r = await run(process.execPath, ['--import', log.register, join(src, 'cli.cjs'), '--version'], { timeout: 60_000 });
    assert.equal(r.stdout, 'leakwatch 0.1.0\n');
    return log.urls().some((u) => u === pathToFileURL(join(src, 'cli.js')).href) ? 'esm' : 'bundle';
  };
  const at = (file: string, seconds: number) => utimesSync(join(src, file), seconds, seconds);
  const t0 = Math.floor(Date.now() / 1000) - 1000;
  at('cli.js', t0);
  at('cli.bundle', t0 + 10);
  assert.equal(await version(), 'bundle', 'bundle newer than cli.js');
  at('cli.js', t0 + 20);
  assert.equal(await version(), 'esm', 'cli.js rebuilt after the bundle');
  const whole = readFileSync(join(src, 'cli.bundle'));
  truncateSync(join(src, 'cli.bundle'), 1000);
  at('cli.bundle', t0 + 30);
  assert.equal(await version(), 'esm', 'a truncated bundle');
  // Sizes that add up around a script that does not compile.
  writeFileSync(join(src, 'cli.bundle'), 'leakwatch-bundle 6 0\n)))(((');
  at('cli.bundle', t0 + 40);
  assert.equal(await version(), 'esm', 'a bundle that is no script');
  writeFileSync(join(src, 'cli.bundle'), whole);
  at('cli.bundle', t0 + 50);
  assert.equal(await version(), 'bundle', 'the bundle put back');
  rmSync(join(src, 'cli.bundle'));
  assert.equal(await version(), 'esm', 'no bundle');
});

test('cron print names the cron entry when it is built', async (t) => {
  const dir = tempDir(t);
  const config = join(dir, 'leakwatch.config.json');
  writeFileSync(config, JSON.stringify({ targets: [{ name: 'api', process: 'api-server' }] }));
  const r = await cli(['cron', 'print', '--config', config, '--data', join(dir, 'data')]);
  assert.equal(r.code, 0, r.stderr);
  const root = await findRepoRoot();
  assert.ok(r.stdout.includes(` ${join(root, 'dist', 'src', 'cli.cjs')} record --config `), r.stdout);
});
