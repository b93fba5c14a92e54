// End to end on real recordings: the leaking demo service and a quiet one are recorded in loop mode by the
// real CLI at the same time; report and check must name exactly the leaks, and the page must hold up in Chromium.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Summary } from '../src/core/model.js';
import { findRepoRoot, startDemoService, type DemoService } from '../src/demo/demoService.js';
import { launchChromium } from '../scripts/reportBrowser.js';
import { tempDir } from './helpers/tmp.js';

const exec = promisify(execFile);

async function cli(root: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, [join(root, 'dist', 'src', 'cli.js'), ...args], { timeout: 150_000 });
    return { code: 0, ...r };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const LEAKS: Record<string, string> = {
  'main.leakUnbufferedSend': 'chan send',
  'main.leakReceiveNoSender': 'chan receive',
  'main.leakSelectNoReady': 'select',
  'main.leakLockNeverReleased': 'mutex',
  'main.leakLoopNeverExits': 'sleep',
};

test('report and check on real recordings of a leaking and a quiet Go service', { timeout: 300_000 }, async (t) => {
  const root = await findRepoRoot();
  const dir = tempDir(t);
  const services: DemoService[] = [];
  t.after(async () => {
    for (const s of services) await s.stop();
  });
  const leaky = await startDemoService({ args: ['-rate', '3', '-hostile'] });
  services.push(leaky);
  const quiet = await startDemoService({ args: ['-rate', '0'] });
  services.push(quiet);
  const leakyData = join(dir, 'leaky');
  const quietData = join(dir, 'quiet');
  // Both recorded at once, 1 s apart for 75 s: enough for the trend test's one-minute minimum.
  const rec = (name: string, svc: DemoService, data: string) =>
    cli(root, ['record', '--name', name, '--pid', String(svc.pid), '--pprof', svc.pprofUrl, '--data', data, '--every', '1s', '--for', '75s']);
  const [r1, r2] = await Promise.all([rec('leaky', leaky, leakyData), rec('quiet', quiet, quietData)]);
  assert.equal(r1.code, 0, r1.stderr);
  assert.equal(r2.code, 0, r2.stderr);

  // report --json: the suspects are exactly the five leaks, each with its blocking kind; benign stacks are absent.
  const page = join(dir, 'leaky.html');
  const json = join(dir, 'leaky.json');
  const rep = await cli(root, ['report', '--data', leakyData, '--out', page, '--json', json]);
  assert.equal(rep.code, 0, rep.stderr);
  const summary = JSON.parse(readFileSync(json, 'utf8')) as Summary;
  const target = summary.targets[0];
  assert.equal(target.name, 'leaky');
  assert.equal(target.verdict, 'leak');
  assert.deepEqual(target.suspects.map((s) => s.leafFunction).sort(), Object.keys(LEAKS).sort());
  for (const s of target.suspects) {
    assert.equal(s.kind, LEAKS[s.leafFunction], s.leafFunction);
    assert.ok(s.perHour > 3 * 3600 * 0.5 && s.perHour < 3 * 3600 * 1.5, `${s.leafFunction} ${s.perHour}/h`);
    assert.ok(s.frames.length >= 3 && s.frames.some((f) => f.function === s.leafFunction && /leaks\.go$/.test(f.file)));
  }
  const send = target.suspects.find((s) => s.leafFunction === 'main.leakUnbufferedSend')!;
  assert.deepEqual(send.labels, { handler: '/api/orders', tenant: 't1' });
  assert.ok(send.source && send.source.lines.some((l) => l.includes('<-')), 'source listing of the blocking line');
  assert.ok(target.goroutines.perHour! > 0 && target.goroutines.shape === 'rising');
  assert.ok(target.bytesPerGoroutine === null || target.bytesPerGoroutine >= 2048);

  const checkLeaky = await cli(root, ['check', '--data', leakyData]);
  assert.equal(checkLeaky.code, 1, checkLeaky.stdout + checkLeaky.stderr);
  assert.match(checkLeaky.stdout, /^leaky: leak: /m);
  const checkQuiet = await cli(root, ['check', '--data', quietData]);
  assert.equal(checkQuiet.code, 0, checkQuiet.stdout + checkQuiet.stderr);
  assert.match(checkQuiet.stdout, /^quiet: stable: /m);

  // An ignore list (goleak style) removes a suspect.
  const ignored = await cli(root, ['check', '--data', leakyData, '--ignore', 'main.leakLoopNeverExits']);
  assert.equal(ignored.code, 1);
  assert.match(ignored.stdout, /4 more suspects|3 more suspects/);
  const rep2 = await cli(root, ['report', '--data', leakyData, '--out', join(dir, 'x.html'), '--json', join(dir, 'x.json'), '--ignore', 'main.leakLoop*']);
  assert.equal(rep2.code, 0, rep2.stderr);
  const s2 = JSON.parse(readFileSync(join(dir, 'x.json'), 'utf8')) as Summary;
  assert.ok(!s2.targets[0].suspects.some((s) => s.leafFunction === 'main.leakLoopNeverExits'));
  assert.equal(s2.targets[0].suspects.length, 4);
  // ... and so does the config's own ignore list.
  const cfg = join(dir, 'lw.json');
  writeFileSync(cfg, JSON.stringify({ targets: [{ name: 'leaky', pid: 1, ignore: ['main.leakSelectNoReady'] }] }));
  const rep3 = await cli(root, ['report', '--data', leakyData, '--config', cfg, '--out', join(dir, 'y.html'), '--json', join(dir, 'y.json')]);
  assert.equal(rep3.code, 0, rep3.stderr);
  const s3 = JSON.parse(readFileSync(join(dir, 'y.json'), 'utf8')) as Summary;
  assert.deepEqual(s3.targets[0].suspects.map((s) => s.leafFunction).sort(), Object.keys(LEAKS).filter((f) => f !== 'main.leakSelectNoReady').sort());

  // The real page in Chromium: no errors, no requests, the hostile labels recorded from the service shown as text.
  const html = readFileSync(page, 'utf8');
  assert.ok(html.length < 5_000_000);
  const browser = await launchChromium();
  try {
    const p = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    let dialogs = 0;
    p.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    p.on('pageerror', (e) => errors.push(String(e)));
    p.on('request', (r) => requests.push(r.url()));
    p.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await p.goto(pathToFileURL(page).href);
    await p.waitForFunction(() => document.querySelectorAll('canvas').length > 0);
    const text = await p.evaluate(() => document.body.innerText);
    for (const fn of Object.keys(LEAKS)) assert.ok(text.includes(fn), fn);
    // The service's own hostile goroutine (labels with <script>, </script><b>, quotes) is recorded too: none of
    // it may have become markup.
    const injected = await p.evaluate(() => document.querySelectorAll('img, iframe, b, object, embed').length);
    assert.equal(injected, 0);
    assert.ok(html.includes('alert') === false || !/<script>alert/i.test(html), 'no raw hostile script in the file');
    assert.deepEqual(errors, []);
    assert.equal(dialogs, 0);
    assert.deepEqual(requests.filter((u) => !u.startsWith('file://')), []);
  } finally {
    await browser.close();
  }
});
