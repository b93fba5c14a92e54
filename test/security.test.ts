// Auth and secrets: pprof endpoints behind a bearer token, basic auth, a custom header and HTTPS with a private CA
// (Node proxies in front of the real Go service). Secrets live only in the environment (${VAR} in the config);
// every byte leakwatch writes or prints is searched for them. Also: TLS trust errors, credentials in URLs, the
// once-only warning for pprof served beyond loopback without auth, and owner-only file modes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import test from 'node:test';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { readRecording } from '../src/io/readRecording.js';
import { startDemoService, type DemoService } from '../src/demo/demoService.js';
import { cli, type CliResult } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const run = promisify(execFile);

interface AuthProxy {
  pprofUrl: string;
  port: number;
  granted: number;
  denied: number;
  close(): Promise<void>;
}

/** A reverse proxy to the service that answers 401 unless `allow(req)`; auth headers are not passed upstream. */
async function startAuthProxy(upstream: string, allow: (req: http.IncomingMessage) => boolean, tls?: { key: Buffer; cert: Buffer }, host = '127.0.0.1'): Promise<AuthProxy> {
  const state = { granted: 0, denied: 0 };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (!allow(req)) {
      state.denied++;
      res.writeHead(401, { 'www-authenticate': 'Bearer' });
      res.end('unauthorized\n');
      return;
    }
    state.granted++;
    const headers = { ...req.headers };
    delete headers.authorization;
    delete headers['x-pprof-key'];
    const up = http.get(`${upstream}${req.url}`, { headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
    });
    up.on('error', () => res.destroy());
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    pprofUrl: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/debug/pprof`,
    get granted() {
      return state.granted;
    },
    get denied() {
      return state.denied;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A test CA and a server certificate for 127.0.0.1 signed by it, made with openssl; plus an unrelated CA. */
async function makeCerts(dir: string): Promise<{ ca: string; wrongCa: string; key: Buffer; cert: Buffer }> {
  const ossl = (...args: string[]) => run('openssl', args, { cwd: dir });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await ossl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=leakwatch test CA');
  await ossl('req', '-x509', ...ec, '-keyout', 'wrong-ca.key', '-out', 'wrong-ca.pem', '-days', '2', '-subj', '/CN=some other CA');
  await ossl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  await ossl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  return { ca: join(dir, 'ca.pem'), wrongCa: join(dir, 'wrong-ca.pem'), key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) };
}

/** Every file under `dir` (recursively), gzipped ones also inflated. */
function everyFile(dir: string): Array<{ path: string; bytes: Buffer }> {
  const out: Array<{ path: string; bytes: Buffer }> = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...everyFile(p));
    else {
      const bytes = readFileSync(p);
      out.push({ path: p, bytes });
      if (e.name.endsWith('.gz')) out.push({ path: `${p} (gunzipped)`, bytes: gunzipSync(bytes) });
    }
  }
  return out;
}

/** Every path under `dir` with its mode bits, the folder itself included. */
function modes(dir: string): Array<{ path: string; mode: number; isDir: boolean }> {
  const out = [{ path: dir, mode: statSync(dir).mode & 0o777, isDir: true }];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...modes(p));
    else out.push({ path: p, mode: statSync(p).mode & 0o777, isDir: false });
  }
  return out;
}

const secret = (what: string) => `${what}-${randomBytes(12).toString('hex')}`;

test('auth: bearer, basic, custom header and a private CA work from ${VAR}s, and no secret is ever written or printed', { timeout: 240_000 }, async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const out = join(dir, 'out');
  const config = join(dir, 'leakwatch.config.json');
  const certs = await makeCerts(dir);
  const svc: DemoService = await startDemoService({ args: ['-rate', '1'] });
  t.after(() => svc.stop());

  const S = {
    LW_TOKEN: secret('bearer'),
    LW_USER: `user${randomBytes(4).toString('hex')}`,
    LW_PASSWORD: secret('password'),
    LW_KEY: secret('key'),
    LW_TLS_TOKEN: secret('tlstoken'),
  };
  const basic = `Basic ${Buffer.from(`${S.LW_USER}:${S.LW_PASSWORD}`).toString('base64')}`;
  const bearer = await startAuthProxy(svc.baseUrl, (r) => r.headers.authorization === `Bearer ${S.LW_TOKEN}`);
  const basicP = await startAuthProxy(svc.baseUrl, (r) => r.headers.authorization === basic);
  const custom = await startAuthProxy(svc.baseUrl, (r) => r.headers['x-pprof-key'] === S.LW_KEY);
  const tls = await startAuthProxy(svc.baseUrl, (r) => r.headers.authorization === `Bearer ${S.LW_TLS_TOKEN}`, { key: certs.key, cert: certs.cert });
  for (const p of [bearer, basicP, custom, tls]) t.after(() => p.close());

  writeFileSync(config, JSON.stringify({
    targets: [
      { name: 'bearer', pid: svc.pid, pprof: bearer.pprofUrl, headers: { Authorization: 'Bearer ${LW_TOKEN}' } },
      { name: 'basic', pprof: basicP.pprofUrl, basicAuth: { user: '${LW_USER}', password: '${LW_PASSWORD}' } },
      { name: 'custom', pprof: custom.pprofUrl, headers: { 'X-Pprof-Key': '${LW_KEY}' } },
      { name: 'tls', pprof: tls.pprofUrl, caFile: certs.ca, headers: { Authorization: 'Bearer ${LW_TLS_TOKEN}' } },
    ],
    timeoutSeconds: 5,
  }, null, 2));
  const printed: Array<{ what: string; r: CliResult }> = [];
  const record = async (env: Record<string, string>) => {
    const r = await cli(['record', '--config', config, '--data', data], { env: { PATH: '/usr/bin:/bin', ...env } });
    printed.push({ what: 'record', r });
    return r;
  };

  // Two ticks with every secret in the environment: all ok (the second one writes deltas and reads state.json).
  for (let i = 0; i < 2; i++) {
    const r = await record(S);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  }
  for (const name of ['bearer', 'basic', 'custom', 'tls']) {
    const rec = readRecording(data, name);
    assert.deepEqual(rec.samples.map((s) => s.status), ['ok', 'ok'], `${name}: ${rec.samples.map((s) => s.message).join(' | ')}`);
    assert.ok(rec.samples.every((s) => s.goroutines! > 10), name);
    assert.equal(rec.ticks.length, 2);
  }
  for (const p of [bearer, basicP, custom, tls]) {
    assert.ok(p.granted >= 2, 'the proxy let our requests through');
    assert.equal(p.denied, 0, 'and never had to refuse one');
  }

  // Without the variables: a row with status error naming the variable; the others still sampled.
  const { LW_KEY: _k, LW_PASSWORD: _p, ...partial } = S;
  const missing = await record(partial);
  assert.equal(missing.code, 1);
  const last = (n: string) => readRecording(data, n).samples.at(-1)!;
  assert.equal(last('custom').status, 'error');
  assert.match(last('custom').message, /header X-Pprof-Key uses \$\{LW_KEY\}, which is not set; export it/);
  assert.equal(last('basic').status, 'error');
  assert.match(last('basic').message, /^basicAuth: uses \$\{LW_PASSWORD\}, which is not set/);
  assert.equal(last('bearer').status, 'ok');
  assert.equal(last('tls').status, 'ok');
  assert.match(missing.stderr, /target custom: error: header X-Pprof-Key uses \$\{LW_KEY\}/);
  assert.equal(custom.denied, 0, 'no request was sent without the secret');

  // The crontab line, run the way cron runs it (sh, a bare environment plus the secrets): output goes to record.log.
  const cronPrint = await cli(['cron', 'print', '--config', config, '--data', data]);
  printed.push({ what: 'cron print', r: cronPrint });
  assert.equal(cronPrint.code, 0, cronPrint.stderr);
  const line = cronPrint.stdout.trim();
  assert.match(line, /^\* \* \* \* \* cd .* >> .*record\.log 2>&1 # leakwatch-record /);
  await run('/bin/sh', ['-c', line.replace(/^(\S+\s+){5}/, '')], { env: { PATH: '/usr/bin:/bin', ...S } });
  await run('/bin/sh', ['-c', line.replace(/^(\S+\s+){5}/, '')], { env: { PATH: '/usr/bin:/bin', ...partial } }).catch(() => {});
  const log = readFileSync(join(data, 'record.log'), 'utf8');
  assert.match(log, /target custom: error: header X-Pprof-Key uses \$\{LW_KEY\}/, 'cron runs log to record.log');
  const systemd = await cli(['cron', 'print', '--systemd', '--config', config, '--data', data]);
  printed.push({ what: 'cron print --systemd', r: systemd });
  assert.equal(systemd.code, 0, systemd.stderr);

  const report = await cli(['report', '--data', data, '--out', join(out, 'report.html'), '--json', join(out, 'summary.json')]);
  printed.push({ what: 'report', r: report });
  assert.equal(report.code, 0, report.stderr);
  const check = await cli(['check', '--data', data]);
  printed.push({ what: 'check', r: check });

  // Grep everything for every secret, in every form it could take on the wire or in a file.
  const needles = Object.entries(S).filter(([k]) => k !== 'LW_USER').flatMap(([k, v]) => [
    [k, v],
    [`${k} (base64)`, Buffer.from(v).toString('base64')],
  ]);
  needles.push(['basic auth header (base64 of user:password)', basic.slice('Basic '.length)]);
  const haystacks = [
    ...everyFile(data),
    ...everyFile(out),
    ...printed.flatMap(({ what, r }) => [
      { path: `${what}: stdout`, bytes: Buffer.from(r.stdout) },
      { path: `${what}: stderr`, bytes: Buffer.from(r.stderr) },
    ]),
  ];
  let searched = 0;
  for (const h of haystacks) {
    for (const [what, needle] of needles) {
      searched++;
      assert.equal(h.bytes.indexOf(needle), -1, `${what} found in ${h.path}`);
    }
  }
  assert.ok(haystacks.some((h) => h.path.endsWith('state.json')) && haystacks.some((h) => h.path.endsWith('record.log')));
  assert.ok(haystacks.some((h) => h.path.endsWith('(gunzipped)')), 'snapshots searched inflated too');
  t.diagnostic(`${haystacks.length} files/outputs x ${needles.length} secret forms searched (${searched} searches): none found`);

  // Owner-only: every file leakwatch wrote is 0600, every folder 0700, and so is the report.
  await t.test('files under data/ and the report are owner-only', () => {
    const wrong = [...modes(data), ...modes(out).filter((m) => !m.isDir)]
      .filter((m) => !m.path.endsWith('record.log')) // the shell creates it: see the next test
      .filter((m) => m.mode !== (m.isDir ? 0o700 : 0o600))
      .map((m) => `${m.path} ${m.mode.toString(8)}`);
    assert.deepEqual(wrong, []);
  });
  await t.test('record.log, created by the crontab line\'s shell redirection, is owner-only', () => {
    assert.equal(statSync(join(data, 'record.log')).mode & 0o777, 0o600);
  });
});

test('TLS: a wrong CA or no caFile gives a clear trust message; an unreadable caFile names the path', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const certs = await makeCerts(dir);
  const svc = await startDemoService({ args: ['-rate', '0'] });
  t.after(() => svc.stop());
  const tls = await startAuthProxy(svc.baseUrl, () => true, { key: certs.key, cert: certs.cert });
  t.after(() => tls.close());
  // Any file that is not PEM (here a JSON file): Node would ignore it and the TLS error would blame the server.
  const config0 = join(dir, 'c0.json');
  writeFileSync(config0, '{}');
  const cases: Array<[string, object, string, RegExp]> = [
    ['wrong-ca', { caFile: certs.wrongCa }, 'pprof-unreachable', /^TLS certificate of 127\.0\.0\.1:\d+ not trusted \([A-Z_]+\): the CA in "caFile" did not sign it; give the CA that did$/],
    ['not-a-cert', { caFile: config0 }, 'error', /^caFile .*c0\.json holds no PEM certificate \("-----BEGIN CERTIFICATE-----"\): give the CA certificate in PEM$/],
    ['no-cafile', {}, 'pprof-unreachable', /^TLS certificate of 127\.0\.0\.1:\d+ not trusted \([A-Z_]+\): give the CA with "caFile"$/],
    ['missing-cafile', { caFile: join(dir, 'nope.pem') }, 'error', /^cannot read caFile .*nope\.pem \(ENOENT\); fix the path or its permissions$/],
  ];
  const config = join(dir, 'c.json');
  writeFileSync(config, JSON.stringify({ targets: cases.map(([name, extra]) => ({ name, pprof: tls.pprofUrl, ...extra })), timeoutSeconds: 5 }));
  const r = await cli(['record', '--config', config, '--data', join(dir, 'data')]);
  assert.equal(r.code, 1);
  for (const [name, , status, message] of cases) {
    const row = readRecording(join(dir, 'data'), name).samples[0];
    assert.equal(row.status, status, row.message);
    assert.match(row.message, message);
    assert.equal(r.stderr.split('\n').filter((l) => l.includes(`target ${name}:`)).length, 1);
  }
  assert.equal(tls.granted, 0, 'no request went through an untrusted connection');
});

test('credentials in a pprof URL are refused by config validation, and never echoed', async (t) => {
  const dir = tempDir(t);
  const pw = secret('urlpw');
  const config = join(dir, 'c.json');
  writeFileSync(config, JSON.stringify({ targets: [{ name: 'a', pprof: `http://user:${pw}@127.0.0.1:6060/debug/pprof` }] }));
  const r = await cli(['record', '--config', config, '--data', join(dir, 'data')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /targets\[0\]\.pprof: do not put credentials in the URL \(they would end up in logs\); use "headers" with \$\{VAR\}/);
  assert.ok(!r.stderr.includes(pw) && !r.stdout.includes(pw));
  const adhoc = await cli(['record', '--name', 'a', '--pprof', `http://user:${pw}@127.0.0.1:6060/debug/pprof`, '--data', join(dir, 'data')]);
  assert.equal(adhoc.code, 2);
  assert.match(adhoc.stderr, /do not put credentials in the URL/);
  assert.ok(!adhoc.stderr.includes(pw));
  await t.test('not even when the URL is otherwise invalid', async () => {
    writeFileSync(config, JSON.stringify({ targets: [{ name: 'a', pprof: `http://user:${pw}@127.0.0.1:99999/debug/pprof` }] }));
    const bad = await cli(['record', '--config', config, '--data', join(dir, 'data')]);
    assert.equal(bad.code, 2);
    assert.ok(!bad.stderr.includes(pw), bad.stderr);
  });
});

test('pprof served beyond loopback without auth: warned on the first tick only', { timeout: 60_000 }, async (t) => {
  const dir = tempDir(t);
  const svc = await startDemoService({ args: ['-rate', '0'] });
  t.after(() => svc.stop());
  // 0.0.0.0 is "not loopback" to leakwatch, yet on Linux connecting to it reaches this machine: no traffic leaves.
  const url = svc.pprofUrl.replace('127.0.0.1', '0.0.0.0');
  const data = join(dir, 'data');
  const warnings: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = await cli(['record', '--name', 'exposed', '--pprof', url, '--data', data]);
    assert.equal(r.code, 0, r.stderr);
    const w = r.stderr.split('\n').filter((l) => /target exposed: warning: pprof is served on 0\.0\.0\.0 without auth; .*bind it to 127\.0\.0\.1 or put auth in front/.test(l));
    warnings.push(w.length);
  }
  assert.deepEqual(warnings, [1, 0, 0]);
  assert.deepEqual(readRecording(data, 'exposed').samples.map((s) => s.status), ['ok', 'ok', 'ok']);
});
