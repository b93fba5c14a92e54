// Endpoint faults through the real CLI: a misbehaving pprof endpoint (refused, hanging, trickling, 4xx/5xx, an HTML
// login page, a redirect to another host, endless, huge or cut bodies, broken or hostile profiles) beside a real Go
// service in the same config. Each fault gives exactly one row with the right status and a message saying what to
// fix, one stderr line naming the target, and spoils neither the rows already recorded nor the good target's row.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import test from 'node:test';
import { gzipSync } from 'node:zlib';
import type { SampleStatus } from '../src/core/model.js';
import { parseSamplesCsv } from '../src/core/samplesCsvRead.js';
import { readRecording } from '../src/io/readRecording.js';
import { startDemoService } from '../src/demo/demoService.js';
import { bytes, dropMidBody, endless, hang, onGoroutine, redirect, startBadServer, status, trickle, type Behavior } from './helpers/badServer.js';
import { cli, closedPort } from './helpers/cli.js';
import { fixture } from './helpers/fixtures.js';
import { buildProfile } from './helpers/profiles.js';
import { seededRandom } from './helpers/seededRandom.js';
import { tempDir } from './helpers/tmp.js';

const MAX_PROFILE_BYTES = 256 * 1024;

interface Fault {
  name: string;
  /** What the endpoint does on the fault tick (absent: `url` is used as it is). */
  behavior?: Behavior;
  /** The pprof URL on the fault tick, when not the bad server's. */
  url?: string;
  status: SampleStatus;
  message: RegExp;
}

function garbage(n: number, seed: number): Buffer {
  const r = seededRandom(seed);
  return Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)));
}

test('endpoint faults: one clean row and one stderr line per fault, nothing recorded before is lost, the good target unharmed', { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const config = join(dir, 'leakwatch.config.json');
  const svc = await startDemoService({ args: ['-rate', '1'] });
  t.after(() => svc.stop());
  const bad = await startBadServer();
  t.after(() => bad.close());
  // The host a redirect points at: it must never be asked.
  const elsewhere = await startBadServer(bytes(fixture('leaky-t2.pb.gz')));
  t.after(() => elsewhere.close());
  const refusedPort = await closedPort();
  // A port that speaks something else (an SSH banner).
  const notHttp = net.createServer((socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n'));
  await new Promise<void>((r) => notHttp.listen(0, '127.0.0.1', r));
  t.after(() => {
    notHttp.close();
  });
  const notHttpPort = (notHttp.address() as net.AddressInfo).port;

  const t2 = fixture('leaky-t2.pb.gz');
  const network: Fault[] = [
    { name: 'refused', url: `http://127.0.0.1:${refusedPort}/debug/pprof`, status: 'pprof-unreachable', message: /^connection refused at 127\.0\.0\.1:\d+: is the service running and serving pprof there\? check the pprof URL$/ },
    { name: 'hang', behavior: hang, status: 'pprof-timeout', message: /^no complete answer from 127\.0\.0\.1:\d+ within 2 s; is the service overloaded\? raise "timeoutSeconds"/ },
    { name: 'trickle', behavior: onGoroutine(trickle(200)), status: 'pprof-timeout', message: /^no complete answer from 127\.0\.0\.1:\d+ within 2 s/ },
    { name: 'http401', behavior: onGoroutine(status(401)), status: 'pprof-http-error', message: /^HTTP 401: the endpoint wants credentials; set "headers"/ },
    { name: 'http404', behavior: status(404), status: 'pprof-http-error', message: /^HTTP 404 at \/http404\/debug\/pprof\/goroutine: no pprof handler there; import _ "net\/http\/pprof"/ },
    { name: 'http500', behavior: onGoroutine(status(500)), status: 'pprof-http-error', message: /^HTTP 500 from 127\.0\.0\.1:\d+\/http500\/debug\/pprof\/goroutine: .*check its logs/ },
    {
      name: 'login-page',
      behavior: onGoroutine((_q, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!DOCTYPE html>\n<html><body><form action="/login"><input name="password" type="password"></form></body></html>\n');
      }),
      status: 'pprof-bad-profile',
      message: /answered HTML, not a profile \(a login page or proxy error\?\): check the pprof URL, and give credentials with "headers" or "basicAuth"$/,
    },
    { name: 'redirect', behavior: onGoroutine(redirect(`${elsewhere.pprofUrl('x')}/goroutine`)), status: 'pprof-http-error', message: /^HTTP 302 redirect to 127\.0\.0\.1:\d+; leakwatch follows no redirects: use the final URL$/ },
    { name: 'endless', behavior: onGoroutine(endless), status: 'pprof-too-large', message: new RegExp(`^response exceeded the ${MAX_PROFILE_BYTES}-byte cap \\(maxProfileBytes\\)$`) },
    { name: 'huge', behavior: onGoroutine(bytes(Buffer.alloc(4 * MAX_PROFILE_BYTES, 0x1f))), status: 'pprof-too-large', message: new RegExp(`^response is ${4 * MAX_PROFILE_BYTES} bytes, over the ${MAX_PROFILE_BYTES}-byte cap \\(maxProfileBytes\\)$`) },
    { name: 'drop', behavior: onGoroutine(dropMidBody(t2.length, Math.floor(t2.length / 3))), status: 'pprof-unreachable', message: /^connection to 127\.0\.0\.1:\d+ dropped mid-response: did the service restart or crash, or a proxy cut it off\? check its logs$/ },
    { name: 'not-http', url: `http://127.0.0.1:${notHttpPort}/debug/pprof`, status: 'pprof-unreachable', message: /^127\.0\.0\.1:\d+ did not answer HTTP \(HPE_[A-Z_]+\): check the port in the pprof URL is the service's pprof HTTP port$/ },
    { name: 'https-to-http', url: `https://127.0.0.1:${bad.port}/https-to-http/debug/pprof`, status: 'pprof-unreachable', message: /^TLS handshake with 127\.0\.0\.1:\d+ failed \([A-Z_]+\): does it serve https there\? check http\/https in the pprof URL$/ },
    { name: 'drop-chunked', behavior: onGoroutine(dropMidBody(null, Math.floor(t2.length / 3))), status: 'pprof-unreachable', message: /^connection to 127\.0\.0\.1:\d+ dropped mid-response: .*check its logs$/ },
  ];
  const profiles: Fault[] = [
    { name: 'not-gzip', behavior: onGoroutine(bytes(Buffer.from('this is not a profile at all\n'))), status: 'pprof-bad-profile', message: /not a pprof profile \(.*\); check the pprof URL points at net\/http\/pprof$/ },
    { name: 'truncated-gzip', behavior: onGoroutine(bytes(t2.subarray(0, Math.floor(t2.length / 2)))), status: 'pprof-bad-profile', message: /truncated gzip \(the body ended early\)/ },
    { name: 'gzip-of-garbage', behavior: onGoroutine(bytes(gzipSync(garbage(4096, 7)))), status: 'pprof-bad-profile', message: /^(not a pprof profile|not a goroutine profile|string index|sample refers)/ },
    { name: 'heap-profile', behavior: onGoroutine(bytes(fixture('heap.pb.gz'))), status: 'pprof-bad-profile', message: /not a goroutine profile \(sample types: alloc_objects\/count, alloc_space\/bytes, inuse_objects\/count, inuse_space\/bytes\)/ },
    { name: 'text-dump', behavior: onGoroutine(bytes(fixture('leaky-t2.debug1.txt'))), status: 'pprof-bad-profile', message: /answered a text dump \(debug=1\/2\), expected the binary profile \(debug=0\)/ },
    // Hostile but well-formed: a clean decode.
    { name: 'no-locations', behavior: onGoroutine(bytes(buildProfile({ samples: [{ locs: [], value: 3 }, { locs: [], value: 4 }] }))), status: 'ok', message: /^$/ },
    { name: 'huge-strings', behavior: onGoroutine(bytes(buildProfile({ samples: [{ locs: [1], value: 5 }], extraStrings: 100_000 }))), status: 'ok', message: /^$/ },
  ];
  const faults = [...network, ...profiles];
  const lean = { heap: false, vars: false, debug2: false };
  const good = { name: 'good', pid: svc.pid, pprof: svc.pprofUrl };
  const writeConfig = (targets: object[]) =>
    writeFileSync(config, JSON.stringify({ targets, timeoutSeconds: 2, maxProfileBytes: MAX_PROFILE_BYTES }));
  const names = ['good', ...faults.map((f) => f.name)];
  const files = (name: string) => ['samples.csv', 'stacks.jsonl', 'stack-history.log'].map((f) => join(data, name, f));
  const read = (p: string) => (existsSync(p) ? readFileSync(p, 'utf8') : '');
  const rows = (name: string) => parseSamplesCsv(read(join(data, name, 'samples.csv')), name).rows;

  // Tick 1: every fault target serves a real profile: all rows ok.
  for (const f of faults) bad.set(f.name, onGoroutine(bytes(fixture('leaky-t1.pb.gz'))));
  writeConfig([good, ...faults.map((f) => ({ name: f.name, pprof: bad.pprofUrl(f.name), ...lean }))]);
  const first = await cli(['record', '--config', config, '--data', data]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stderr, '');
  for (const n of names) assert.deepEqual(rows(n).map((r) => r.status), ['ok'], n);

  // One tick per fault: the good target and the faulty one.
  for (const f of faults) {
    await t.test(`${f.name} -> ${f.status}`, async () => {
      const url = f.url ?? bad.pprofUrl(f.name);
      if (f.behavior) bad.set(f.name, f.behavior);
      writeConfig([good, { name: f.name, pprof: url, ...lean }]);
      const before = new Map(names.flatMap((n) => files(n)).map((p) => [p, read(p)]));
      const rowsBefore = new Map(names.map((n) => [n, rows(n).length]));

      const r = await cli(['record', '--config', config, '--data', data]);

      assert.equal(r.code, f.status === 'ok' ? 0 : 1, r.stderr);
      // Everything recorded before is still there, byte for byte (appends only).
      for (const [p, text] of before) assert.ok(read(p).startsWith(text), `${p} kept its earlier content`);
      for (const n of names) {
        const expected = (rowsBefore.get(n) ?? 0) + (n === 'good' || n === f.name ? 1 : 0);
        assert.equal(rows(n).length, expected, `${n}: rows`);
        assert.deepEqual(readRecording(data, n).warnings, [], `${n}: no damaged lines`);
      }
      assert.equal(rows('good').at(-1)!.status, 'ok', 'the good target sampled in the same tick');
      const row = rows(f.name).at(-1)!;
      assert.equal(row.status, f.status, row.message);
      assert.doesNotMatch(row.message, /[\r\n]/);
      const shown = row.message.replace(`${url}/goroutine: `, ''); // profile errors name the URL first
      assert.match(shown, f.message);
      if (f.status === 'ok') {
        assert.equal(row.goroutines, f.name === 'no-locations' ? 7 : 5);
      } else {
        assert.equal(row.goroutines, null);
        assert.ok(row.message.length > 20, 'a message that says something');
      }
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      assert.deepEqual(lines.filter((l) => /target good\b/.test(l)), []);
      assert.equal(lines.length, f.status === 'ok' ? 0 : 1, r.stderr);
      if (f.status !== 'ok') {
        assert.match(lines[0], new RegExp(`leakwatch: target ${f.name}: ${f.status}: `));
        assert.ok(lines[0].includes(row.message), 'stderr carries the same message as the row');
      }
    });
  }

  // Redirects are never followed: the other host never heard from us.
  assert.deepEqual(elsewhere.requests, []);
  // No stray snapshot for a failed fetch: the faulty targets keep only their first (good) snapshot.
  for (const f of faults.filter((x) => x.status !== 'ok')) {
    assert.equal(readdirSync(join(data, f.name, 'snapshots')).length, 1, f.name);
  }
  t.diagnostic(`${faults.length} faults tried (${network.length} endpoint, ${profiles.length} profile)`);
});
