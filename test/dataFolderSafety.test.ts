// Issue 11, tried as an attacker would, through the real CLI as root: links planted in every position
// below the data folder, data and target folders another user owns or can write to, profiles whose frames
// name local files, terminal escapes in function names and labels, unsendable header values, and pages
// that used to keep a wider mode. Each case checks that nothing outside what leakwatch made was touched.
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import test from 'node:test';
import { gzipSync } from 'node:zlib';
import { Function as PFunction, Label, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { readSourceLines } from '../src/analysis/source.js';
import { ConfigError, headerValueProblem, parseConfigText } from '../src/core/config.js';
import { displaySafe } from '../src/core/terminalText.js';
import { generateRecording } from '../scripts/generateRecording.js';
import { findRepoRoot } from '../scripts/lib/demoService.js';
import { cli } from './helpers/cli.js';
import { fixture } from './helpers/fixtures.js';
import { tempDir } from './helpers/tmp.js';

const NOBODY = 65534;
const SECRET = 'root-only secret line\n';

/** A pprof endpoint on loopback serving one goroutine profile (a real one unless `body` is given). */
async function startPprof(body = fixture('leaky-t1.pb.gz')): Promise<{ url: string; hits: http.IncomingHttpHeaders[]; close(): Promise<void> }> {
  const hits: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.headers);
    if (req.url === '/debug/pprof/goroutine') res.end(body);
    else res.writeHead(404).end('404 page not found\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/debug/pprof`, hits, close: () => new Promise((r) => server.close(() => r())) };
}

function victim(dir: string, name = 'victim'): string {
  const p = join(dir, name);
  writeFileSync(p, SECRET, { mode: 0o600 });
  return p;
}

/** The stderr lines that carry `text`. */
function linesWith(stderr: string, text: string): string[] {
  return stderr.split('\n').filter((l) => l.includes(text));
}

test('a link in every position below the data folder is refused with one line naming it; its target is untouched', async (t) => {
  const root = tempDir(t);
  const srv = await startPprof();
  t.after(() => srv.close());
  const record = (data: string) => cli(['record', '--data', data, '--name', 'api', '--pprof', srv.url]);

  const positions = ['samples.csv', 'stacks.jsonl', 'stack-history.log', 'state.json', 'snapshots'];
  for (const name of positions) {
    const data = join(root, `d-${name}`);
    mkdirSync(join(data, 'api'), { recursive: true, mode: 0o700 });
    const outside = join(root, `outside-${name}`);
    mkdirSync(outside, { mode: 0o700 });
    const target = name === 'snapshots' ? outside : victim(outside);
    const link = join(data, 'api', name);
    symlinkSync(target, link);
    const r = await record(data);
    assert.equal(r.code, 1, `${name}: ${r.stderr}`);
    assert.equal(linesWith(r.stderr, `${link} is a symbolic link`).length, 1, `${name}: ${r.stderr}`);
    assert.match(r.stderr, /target api: refused: .*remove the link/);
    if (name === 'snapshots') assert.deepEqual(readdirSync(outside), [], 'nothing written into the linked folder');
    else assert.equal(readFileSync(target, 'utf8'), SECRET, `${name}: the link's target is unchanged`);
    assert.ok(lstatSync(link).isSymbolicLink(), 'the link is left for the user to inspect');
    assert.deepEqual(readdirSync(join(data, 'api')), [name], `${name}: nothing else was written this tick`);
  }

  // A dangling link to a missing path: the path is not created.
  {
    const data = join(root, 'd-dangling');
    mkdirSync(join(data, 'api'), { recursive: true, mode: 0o700 });
    const missing = join(root, 'created-by-nobody');
    symlinkSync(missing, join(data, 'api', 'samples.csv'));
    const r = await record(data);
    assert.equal(r.code, 1);
    assert.equal(existsSync(missing), false);
  }

  // The target folder itself a link.
  {
    const data = join(root, 'd-target');
    mkdirSync(data, { mode: 0o700 });
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(elsewhere, { mode: 0o700 });
    symlinkSync(elsewhere, join(data, 'api'));
    const r = await record(data);
    assert.equal(r.code, 1);
    assert.equal(linesWith(r.stderr, `${join(data, 'api')} is a symbolic link`).length, 1, r.stderr);
    assert.deepEqual(readdirSync(elsewhere), []);
  }

  // The lock file a link.
  {
    const data = join(root, 'd-lock');
    mkdirSync(data, { mode: 0o700 });
    const v = victim(root, 'lock-victim');
    symlinkSync(v, join(data, '.leakwatch.lock'));
    const r = await record(data);
    assert.equal(r.code, 1);
    assert.equal(linesWith(r.stderr, `${join(data, '.leakwatch.lock')} is a symbolic link`).length, 1, r.stderr);
    assert.equal(readFileSync(v, 'utf8'), SECRET);
    assert.equal(existsSync(join(data, 'api')), false);
  }

  // A link inside snapshots/, named like an old snapshot that retention would delete.
  {
    const data = join(root, 'd-snap');
    assert.equal((await record(data)).code, 0);
    const v = victim(root, 'snap-victim');
    const link = join(data, 'api', 'snapshots', 'goroutine-20200101T000000Z-pid1.pb.gz');
    symlinkSync(v, link);
    const rowsBefore = readFileSync(join(data, 'api', 'samples.csv'), 'utf8');
    const r = await record(data);
    assert.equal(r.code, 1);
    assert.equal(linesWith(r.stderr, `${link} is a symbolic link`).length, 1, r.stderr);
    assert.ok(lstatSync(link).isSymbolicLink(), 'retention did not delete the link');
    assert.equal(readFileSync(v, 'utf8'), SECRET);
    assert.equal(readFileSync(join(data, 'api', 'samples.csv'), 'utf8'), rowsBefore, 'nothing recorded is lost or added');
    // Retention deletes only regular files: a FIFO under an old snapshot's name is left alone (and not opened).
    rmSync(link);
    execFileSync('mkfifo', [link]);
    const again = await record(data);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(lstatSync(link).isFIFO(), 'retention left the FIFO');
  }

  // The --data path itself may be a link the user made.
  {
    const real = join(root, 'real-data');
    mkdirSync(real, { mode: 0o700 });
    const data = join(root, 'data-link');
    symlinkSync(real, data);
    const r = await record(data);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(real, 'api', 'samples.csv'), 'utf8').split('\n').length, 3); // header, row, ''
  }
});

test('report, check and export refuse a link below the data folder instead of reading through it', async (t) => {
  const root = tempDir(t);
  const srv = await startPprof();
  t.after(() => srv.close());
  const data = join(root, 'data');
  assert.equal((await cli(['record', '--data', data, '--name', 'api', '--pprof', srv.url])).code, 0);
  const v = victim(root);
  for (const name of ['stacks.jsonl', 'snapshots/goroutine-20200101T000000Z-pid1.pb.gz']) {
    const link = join(data, 'api', name);
    const aside = join(root, 'aside');
    if (existsSync(link)) renameSync(link, aside);
    symlinkSync(v, link);
    const out = join(root, 'page.html');
    for (const args of [['check', '--data', data], ['report', '--data', data, '--out', out], ['export', '--data', data, '--target', 'api']]) {
      const r = await cli(args);
      assert.equal(r.code, 2, `${args[0]} ${name}: ${r.stderr}`);
      assert.equal(linesWith(r.stderr, `${link} is a symbolic link`).length, 1, `${args[0]}: ${r.stderr}`);
      assert.ok(!(r.stdout + r.stderr).includes('root-only'), args[0]);
    }
    assert.equal(existsSync(out), false, 'no page written');
    rmSync(link);
    if (existsSync(aside)) renameSync(aside, link);
  }
  const again = await cli(['check', '--data', data]);
  assert.notEqual(again.code, 2, `without the links the folder reads again: ${again.stderr}`);
  assert.doesNotMatch(again.stderr, /symbolic link/);
});

test('a data or target folder owned by another user, or writable by group/others, is refused; root-owned 0755 is fine', async (t) => {
  const root = tempDir(t);
  const srv = await startPprof();
  t.after(() => srv.close());
  const record = (data: string) => cli(['record', '--data', data, '--name', 'api', '--pprof', srv.url]);

  const cases: Array<{ what: string; setup: (data: string) => string; message: RegExp }> = [
    { what: 'data folder owned by nobody', setup: (d) => (chownSync(d, NOBODY, NOBODY), d), message: /is owned by uid 65534, not by the user running leakwatch \(uid 0\) or root: chown/ },
    { what: 'world-writable data folder', setup: (d) => (chmodSync(d, 0o777), d), message: /is writable by group or others \(mode 0777\): run chmod go-w/ },
    { what: 'sticky shared data folder', setup: (d) => (chmodSync(d, 0o1777), d), message: /is writable by group or others \(mode 1777\)/ },
    {
      what: 'target folder owned by nobody',
      setup: (d) => {
        mkdirSync(join(d, 'api'), { mode: 0o700 });
        chownSync(join(d, 'api'), NOBODY, NOBODY);
        return join(d, 'api');
      },
      message: /is owned by uid 65534/,
    },
    {
      what: 'group-writable target folder',
      setup: (d) => {
        mkdirSync(join(d, 'api'));
        chmodSync(join(d, 'api'), 0o770);
        return join(d, 'api');
      },
      message: /is writable by group or others \(mode 0770\)/,
    },
  ];
  for (const [i, c] of cases.entries()) {
    const data = join(root, `d${i}`);
    mkdirSync(data, { mode: 0o700 });
    const named = c.setup(data);
    const r = await record(data);
    assert.equal(r.code, 1, c.what);
    const lines = linesWith(r.stderr, named);
    assert.equal(lines.length, 1, `${c.what}: ${r.stderr}`);
    assert.match(lines[0]!, c.message, c.what);
    assert.equal(existsSync(join(data, 'api', 'samples.csv')), false, `${c.what}: nothing written`);
  }

  const varLib = join(root, 'var-lib');
  mkdirSync(varLib);
  chmodSync(varLib, 0o755);
  const r = await record(varLib);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(varLib, 'api', 'samples.csv')));
});

/** A recording whose top suspect's frames are rewritten: function `fn`, file `file`:`line`, and extra labels. */
async function hostileRecording(data: string, rewrite: { fn: string; file: string; line: number; labels?: Record<string, string> }): Promise<void> {
  const root = await findRepoRoot();
  generateRecording({ outDir: data, days: 0.5, targets: 1, fixturesDir: join(root, 'test', 'fixtures') });
  const path = join(data, 'api', 'stacks.jsonl');
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { frames: Array<{ function: string; file: string; line: number }>; labels: Record<string, string> });
  let hits = 0;
  for (const s of lines) {
    for (const f of s.frames) {
      if (f.function === 'example.com/api/internal/fanout.(*Fanout).publish.func1') {
        Object.assign(f, { function: rewrite.fn, file: rewrite.file, line: rewrite.line });
        s.labels = { ...s.labels, ...rewrite.labels };
        hits++;
      }
    }
  }
  assert.ok(hits > 0, 'the generator still writes the fanout leak');
  writeFileSync(path, lines.map((l) => JSON.stringify(l) + '\n').join(''));
}

test('source lines: never /etc/passwd or a .go file outside the trusted roots; a --source-root file is shown', async (t) => {
  const root = tempDir(t);
  const cwd = join(root, 'cwd');
  mkdirSync(cwd);
  const secretDir = join(root, 'secret');
  mkdirSync(secretDir, { mode: 0o700 });
  writeFileSync(join(secretDir, 'fanout.go'), Array.from({ length: 20 }, (_, i) => `SECRET-LINE-${i + 1}`).join('\n'), { mode: 0o600 });

  for (const file of ['/etc/passwd', join(secretDir, 'fanout.go')]) {
    const data = join(root, `data-${file.length}`);
    await hostileRecording(data, { fn: 'main.evil', file, line: 1 });
    const out = join(root, `page-${file.length}.html`);
    const json = join(root, `summary-${file.length}.json`);
    const r = await cli(['report', '--data', data, '--out', out, '--json', json], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /main\.evil/, 'the hostile frame is the top suspect');
    for (const p of [out, json]) {
      const text = readFileSync(p, 'utf8');
      assert.doesNotMatch(text, /root:x:0:0|SECRET-LINE/, `${p} discloses a local file`);
    }
  }

  // The same frame under a --source-root mapping: the real file is shown (the feature still works) ...
  const data = join(root, 'data-mapped');
  await hostileRecording(data, { fn: 'main.evil', file: '/build/api/fanout.go', line: 5 });
  const trusted = join(root, 'checkout');
  mkdirSync(trusted);
  writeFileSync(join(trusted, 'fanout.go'), Array.from({ length: 20 }, (_, i) => `SOURCE-LINE-${i + 1}`).join('\n'));
  const json = join(root, 'mapped.json');
  let r = await cli(['report', '--data', data, '--out', join(root, 'mapped.html'), '--json', json, '--source-root', `/build/api=${trusted}`], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.match(readFileSync(json, 'utf8'), /SOURCE-LINE-5/);
  // ... but not through a link inside the trusted root that leads out of it.
  const linked = join(root, 'linked-checkout');
  mkdirSync(linked);
  symlinkSync(join(secretDir, 'fanout.go'), join(linked, 'fanout.go'));
  r = await cli(['report', '--data', data, '--out', join(root, 'linked.html'), '--json', json, '--source-root', `/build/api=${linked}`], { cwd });
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(readFileSync(json, 'utf8'), /SECRET-LINE/);
  assert.doesNotMatch(readFileSync(join(root, 'linked.html'), 'utf8'), /SECRET-LINE/);

  // The rule, directly: not .go, or .go outside the roots, or relative `..` out of the current folder.
  assert.equal(readSourceLines('/etc/passwd', 1, { trustedRoots: ['/etc'] }), null);
  assert.equal(readSourceLines(join(secretDir, 'fanout.go'), 1, { trustedRoots: [cwd] }), null);
  assert.equal(readSourceLines('../secret/fanout.go', 1, { trustedRoots: [join(root, 'cwd')] }), null);
  assert.equal(readSourceLines(join(secretDir, 'fanout.go'), 1, { trustedRoots: [secretDir], context: 0 })?.lines[0], 'SECRET-LINE-1');
});

const ESCAPES = '\u001b]0;pwned\u0007\u001b[31m\u001b[2K\u009b1m\u202eevil\u2066';
/** No raw C0 (but newline), DEL, C1 or bidi character anywhere in a terminal output. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

function goroutineProfile(fn: string, labels: Record<string, string>, count: number, timeSeconds: number, sampleType = 'goroutine'): Buffer {
  const st = new StringTable();
  const name = st.dedup(fn);
  const file = st.dedup('/src/evil.go');
  const p = new Profile({
    sampleType: [new ValueType({ type: st.dedup(sampleType), unit: st.dedup('count') })],
    sample: [
      new Sample({
        locationId: [1],
        value: [count],
        label: Object.entries(labels).map(([k, v]) => new Label({ key: st.dedup(k), str: st.dedup(v) })),
      }),
    ],
    location: [new Location({ id: 1, line: [new Line({ functionId: 1, line: 7 })] })],
    function: [new PFunction({ id: 1, name, systemName: name, filename: file })],
    timeNanos: BigInt(timeSeconds) * 1_000_000_000n,
    stringTable: st,
  });
  return gzipSync(p.encode());
}

test('escapes in function names and labels reach no terminal raw: check, report, export, diff, record', async (t) => {
  const root = tempDir(t);
  const data = join(root, 'data');
  await hostileRecording(data, { fn: `main.${ESCAPES}`, file: '/src/evil.go', line: 3, labels: { [`k${ESCAPES}`]: `v${ESCAPES}` } });

  const outputs: Array<[string, string]> = [];
  const check = await cli(['check', '--data', data]);
  assert.equal(check.code, 1, check.stderr);
  outputs.push(['check', check.stdout + check.stderr]);
  assert.match(check.stdout, /main\.\\u001b\]0;pwned\\u0007\\u001b\[31m\\u001b\[2K\\u009b1m\\u202eevil\\u2066/, 'shown escaped');
  const report = await cli(['report', '--data', data, '--out', join(root, 'r.html')]);
  assert.equal(report.code, 0, report.stderr);
  outputs.push(['report', report.stdout + report.stderr]);
  const exp = await cli(['export', '--data', data, '--target', 'api']);
  assert.equal(exp.code, 0, exp.stderr);
  outputs.push(['export', exp.stdout + exp.stderr]);
  assert.match(exp.stdout, /main\.\\u001b/, 'the stack column names the function, escaped');

  const a = join(root, 'a.pb.gz');
  const b = join(root, 'b.pb.gz');
  writeFileSync(a, goroutineProfile(`main.${ESCAPES}`, { [`k${ESCAPES}`]: `v${ESCAPES}` }, 1, 1_790_000_000));
  writeFileSync(b, goroutineProfile(`main.${ESCAPES}`, { [`k${ESCAPES}`]: `v${ESCAPES}` }, 4, 1_790_000_600));
  const diff = await cli(['diff', a, b]);
  assert.equal(diff.code, 0, diff.stderr);
  assert.match(diff.stdout, /\+3/);
  outputs.push(['diff', diff.stdout + diff.stderr]);

  // record prints what an endpoint said: here the sample types of a profile that is not a goroutine profile.
  const srv = await startPprof(goroutineProfile('main.f', {}, 1, 1_790_000_000, `x${ESCAPES}`));
  t.after(() => srv.close());
  const rec = await cli(['record', '--data', join(root, 'rec'), '--name', 'api', '--pprof', srv.url]);
  assert.equal(rec.code, 1);
  assert.match(rec.stderr, /not a goroutine profile \(sample types: x\\u001b\]0;pwned\\u0007/, rec.stderr);
  assert.doesNotMatch(readFileSync(join(root, 'rec', 'api', 'samples.csv'), 'utf8'), RAW_CONTROL, 'nor in the row\'s message');
  outputs.push(['record', rec.stdout + rec.stderr]);

  for (const [cmd, text] of outputs) assert.doesNotMatch(text, RAW_CONTROL, `${cmd} emitted a raw control character`);

  // The sanitiser itself: every class escaped, printable text (including non-ASCII letters) kept.
  assert.equal(displaySafe('a\u0000\u0009\u001b\u007f\u0085\u009b\u061c\u200e\u202e\u2066\u2069\u2028b', 200), 'a\\u0000\\t\\u001b\\u007f\\u0085\\u009b\\u061c\\u200e\\u202e\\u2066\\u2069\\u2028b');
  assert.equal(displaySafe('Grüße 世界'), 'Grüße 世界');
});

test('header values: CR/LF, controls and non-Latin-1 refused at config load and at record time, naming target and header, never the value', async (t) => {
  const config = (value: string) => JSON.stringify({ targets: [{ name: 'api', pprof: 'http://127.0.0.1:1/debug/pprof', headers: { 'X-Token': value } }] });
  for (const [value, why] of [
    ['a\r\nX-Evil: 1', /line break/],
    ['a\u0007b', /control character/],
    ['tok€n', /outside Latin-1/],
  ] as const) {
    assert.throws(() => parseConfigText(config(value), 'c.json'), (e: Error) => e instanceof ConfigError && /targets\[0\]\.headers\.X-Token: the value /.test(e.message) && why.test(e.message) && !e.message.includes(value));
  }
  assert.doesNotThrow(() => parseConfigText(config('Bearer ${TOKEN}\tcafé'), 'c.json'), 'tab and Latin-1 are fine');
  assert.equal(headerValueProblem('plain'), null);

  const root = tempDir(t);
  const srv = await startPprof();
  t.after(() => srv.close());
  const cfgPath = join(root, 'leakwatch.config.json');
  writeFileSync(cfgPath, JSON.stringify({ targets: [{ name: 'api', pprof: srv.url, headers: { Authorization: 'Bearer ${API_TOKEN}' } }] }));
  for (const [token, why] of [
    ['s3cr3t\r\nX-Evil: 1', /line break/],
    ['s3cr3t€', /outside Latin-1/],
  ] as const) {
    const data = join(root, `data-${token.length}`);
    const r = await cli(['record', '--config', cfgPath, '--data', data], { env: { ...process.env, API_TOKEN: token } });
    assert.equal(r.code, 1);
    const line = linesWith(r.stderr, 'target api');
    assert.equal(line.length, 1, r.stderr);
    assert.match(line[0]!, /header Authorization: the value of \$\{API_TOKEN\} /);
    assert.match(line[0]!, why);
    assert.ok(!r.stderr.includes('s3cr3t') && !r.stdout.includes('s3cr3t'), 'the secret is never shown');
    assert.equal(srv.hits.length, 0, 'no request went out');
    const rows = readFileSync(join(data, 'api', 'samples.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(rows.length, 2, 'the tick still has its row');
    assert.match(rows[1]!, /,error,/);
    assert.ok(!rows[1]!.includes('s3cr3t'));
  }
});

test('pages and JSON summaries are written owner-only and atomically, whatever was there before', async (t) => {
  const root = tempDir(t);
  const data = join(root, 'data');
  await hostileRecording(data, { fn: 'main.leak', file: '/src/leak.go', line: 1 });
  const out = join(root, 'pages', 'index.html');
  const json = join(root, 'pages', 'summary.json');
  mkdirSync(join(root, 'pages'));
  writeFileSync(out, 'old page', { mode: 0o644 });
  chmodSync(out, 0o644);
  const v = victim(root);
  symlinkSync(v, json); // a link where the summary goes: replaced, not written through
  const r = await cli(['report', '--data', data, '--out', out, '--json', json]);
  assert.equal(r.code, 0, r.stderr);
  for (const p of [out, json]) {
    const st = lstatSync(p);
    assert.ok(st.isFile(), `${p} is a regular file now`);
    assert.equal(st.mode & 0o777, 0o600, `${p} is owner-only`);
  }
  assert.match(readFileSync(out, 'utf8'), /<html/i);
  assert.equal(JSON.parse(readFileSync(json, 'utf8')).targets[0].name, 'api');
  assert.equal(readFileSync(v, 'utf8'), SECRET);
  assert.equal(statSync(v).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(join(root, 'pages')).sort(), ['index.html', 'summary.json'], 'no temp file left behind');
});
