// Messages that must point the right way (issue 12 item 5): each names what is really wrong and its fix, through
// the real CLI against real loopback servers and real profiles.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import test from 'node:test';
import { gzipSync } from 'node:zlib';
import { readRecording } from '../src/io/readRecording.js';
import { startBadServer } from './helpers/badServer.js';
import { cli } from './helpers/cli.js';
import { FIXTURES } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';

test('a bare http://host:port that answers 404 suggests /debug/pprof; a wrong path under it keeps the old advice', async (t) => {
  const dir = tempDir(t);
  const srv = await startBadServer();
  t.after(() => srv.close());
  const url = `http://127.0.0.1:${srv.port}`;
  const bare = await cli(['record', '--name', 'bare', '--pprof', url, '--data', dir]);
  assert.equal(bare.code, 1);
  assert.match(bare.stderr, new RegExp(`target bare: pprof-http-error: HTTP 404 at /goroutine: no pprof handler there; net/http/pprof serves under /debug/pprof: try ${url}/debug/pprof as the pprof URL`));
  const deep = await cli(['record', '--name', 'deep', '--pprof', `${url}/debug/pprof`, '--data', dir]);
  assert.match(deep.stderr, /target deep: pprof-http-error: HTTP 404 at \/debug\/pprof\/goroutine: no pprof handler there; import _ "net\/http\/pprof" and check the pprof base URL/);
});

test('plain HTTP to a TLS port says to use https', async (t) => {
  const dir = tempDir(t);
  // What Go's net/http TLS server writes, byte for byte, when a client speaks plain HTTP to it (crypto/tls
  // recognises the request and net/http answers before closing).
  const server = net.createServer((sock) => {
    sock.once('data', () => sock.end('HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as net.AddressInfo).port;
  const r = await cli(['record', '--name', 'tls', '--pprof', `http://127.0.0.1:${port}/debug/pprof`, '--data', dir]);
  assert.equal(r.code, 1);
  const row = readRecording(dir, 'tls').samples[0];
  assert.equal(row.status, 'pprof-http-error');
  assert.equal(row.message, `HTTP 400 from 127.0.0.1:${port}/debug/pprof/goroutine: the endpoint speaks HTTPS: use https:// in the pprof URL`);
});

test('a host that does not resolve is not "exposed without auth"', async (t) => {
  const dir = tempDir(t);
  const r = await cli(['record', '--name', 'nohost', '--pprof', 'http://lw-no-such-host.invalid:6060/debug/pprof', '--data', dir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /target nohost: pprof-unreachable: cannot resolve host lw-no-such-host\.invalid/);
  assert.doesNotMatch(r.stderr, /without auth/);
});

test('diff on a debug=2 dump, a heap profile, or two services\' snapshots says so in diff\'s own terms', async (t) => {
  const dir = tempDir(t);
  const dump = join(dir, 'goroutine-debug2-20261127T034219Z-pid1.txt.gz');
  writeFileSync(dump, gzipSync(readFileSync(join(FIXTURES, 'leaky-t2.debug2.txt'))));
  const d2 = await cli(['diff', dump, join(FIXTURES, 'leaky-t2.pb.gz')]);
  assert.equal(d2.code, 2);
  assert.equal(d2.stderr, `leakwatch: diff: ${dump}: a text dump of goroutines (debug=1/2), not a binary profile: leakwatch diff compares goroutine profiles (data/<target>/snapshots/goroutine-*.pb.gz); read a dump with zcat or less\n`);
  const heap = await cli(['diff', join(FIXTURES, 'heap.pb.gz'), join(FIXTURES, 'leaky-t2.pb.gz')]);
  assert.equal(heap.code, 2);
  assert.match(heap.stderr, /heap\.pb\.gz: not a goroutine profile \(sample types: .*inuse_space\/bytes\): leakwatch diff compares goroutine profiles/);
  assert.doesNotMatch(heap.stderr, /point pprof at/);
  // Two targets' snapshots: compared, with a warning first.
  for (const target of ['api', 'worker']) mkdirSync(join(dir, target, 'snapshots'), { recursive: true });
  const a = join(dir, 'api', 'snapshots', 'goroutine-20261127T020000Z-pid4242.pb.gz');
  const b = join(dir, 'worker', 'snapshots', 'goroutine-20261127T080000Z-pid77.pb.gz');
  copyFileSync(join(FIXTURES, 'leaky-t1.pb.gz'), a);
  copyFileSync(join(FIXTURES, 'leaky-t2.pb.gz'), b);
  const two = await cli(['diff', a, b]);
  assert.equal(two.code, 0);
  assert.equal(two.stderr, 'leakwatch: diff: warning: A is a snapshot of target "api" and B of "worker": the diff compares two different services\n');
  // The same target's snapshots: no warning.
  const same = join(dir, 'api', 'snapshots', 'goroutine-20261127T080000Z-pid4242.pb.gz');
  copyFileSync(join(FIXTURES, 'leaky-t2.pb.gz'), same);
  assert.equal((await cli(['diff', a, same])).stderr, '');
});

test('a stack without frames is named for what it is in the diff table', async () => {
  const { diffProfiles, formatDiffTable } = await import('../src/core/profileDiff.js');
  const { NO_FRAMES_NAME } = await import('../src/core/model.js');
  const empty = { key: 'empty', frames: [], labels: {}, count: 7 };
  const a = { total: 0, stacks: [], timeSeconds: 0 };
  const b = { total: 7, stacks: [empty], timeSeconds: 0 };
  const lines = formatDiffTable(diffProfiles(a, b), { top: 5 });
  assert.match(lines[1]!, /^ *\+7 +0 +7 +\(goroutines not started yet: no frames\)$/);
  assert.equal(NO_FRAMES_NAME, '(goroutines not started yet: no frames)');
});

test('config files: a folder, a byte order mark, a huge timeout, control characters; cron refuses a config record would', async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  mkdirSync(data, { mode: 0o700 });
  // a folder in the config's place: one line naming it and the fix (it was a bare EISDIR)
  const folder = join(dir, 'cfgdir');
  mkdirSync(folder);
  for (const cmd of [['record'], ['report', '--out', join(dir, 'p.html')], ['cron', 'print']]) {
    const r = await cli([...cmd, '--config', folder, '--data', data]);
    assert.equal(r.code, 2, `${cmd[0]}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^leakwatch: ${folder.replace(/[/.]/g, '\\$&')}: could not be read \\(a folder, not a file\\): pass --config FILE`, 'm'), cmd[0]);
  }
  // a UTF-8 byte order mark (some editors write one) is read past
  const bom = join(dir, 'bom.json');
  writeFileSync(bom, '\ufeff{"targets":[{"name":"a","pprof":"http://127.0.0.1:9/debug/pprof"}]}');
  const printed = await cli(['cron', 'print', '--config', bom, '--data', data]);
  assert.equal(printed.code, 0, printed.stderr);
  // a config record would refuse is refused by cron print too, not installed to fail every minute
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, '{"targets":[{"name":"a","pprof":"http://127.0.0.1:9/debug/pprof","timeoutSeconds":3000000}]}');
  const cron = await cli(['cron', 'print', '--config', bad, '--data', data]);
  assert.equal(cron.code, 2);
  assert.match(cron.stderr, /targets\[0\]\.timeoutSeconds: at most 600 seconds/);
  // control characters in a config's key or a name never reach the terminal raw (C0, C1 and bidi alike)
  const hostile = join(dir, 'hostile.json');
  writeFileSync(hostile, '{"targets":[{"name":"a\\u202e\\u009b2J","pprof":"http://x/debug/pprof"}],"\\u001b]0;PWNED\\u0007":1}');
  const r = await cli(['record', '--config', hostile, '--data', data]);
  assert.equal(r.code, 2);
  assert.doesNotMatch(r.stdout + r.stderr, /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e]/, r.stderr);
});
