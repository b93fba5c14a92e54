// Golden files pin what users read: the JSON summary, `check`'s lines, `diff`'s table and the report page's words,
// on deterministic inputs (a generated recording in the real on-disk format, the real fixture profiles). A change
// in wording or numbers shows up as a diff of test/golden/*; review it, then regenerate with
//
//   UPDATE_GOLDEN=1 npm test        (or: npm run build && UPDATE_GOLDEN=1 node --test dist/test/golden.test.js)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeAll } from '../src/analysis/analyze.js';
import { listTargets, readRecording } from '../src/io/readRecording.js';
import { renderReportHtml } from '../src/render/reportHtml.js';
import { generateRecording } from '../scripts/generateRecording.js';
import { findRepoRoot } from '../scripts/lib/demoService.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/tmp.js';

const UPDATE = process.env.UPDATE_GOLDEN === '1';

async function golden(name: string, actual: string): Promise<void> {
  const dir = join(await findRepoRoot(), 'test', 'golden');
  const file = join(dir, name);
  if (UPDATE || !existsSync(file)) {
    if (!UPDATE && process.env.CI === 'true') assert.fail(`test/golden/${name} is missing: run UPDATE_GOLDEN=1 npm test and commit it`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `test/golden/${name} differs: review, then UPDATE_GOLDEN=1 npm test`);
}

/** The words a person reads on the page: no scripts, styles or markup; entities decoded; one line per block. */
function pageText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<style[\s\S]*?<\/style>/g, '')
    .replace(/<wbr>/g, '') // break opportunities inside long names, not spaces
    .replace(/<(br|p|div|li|tr|h[1-6]|section|details|summary|dt|dd)\b[^>]*>/g, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&#x3D;/g, '=')
    .replace(/&#x60;/g, '`')
    .replace(/&amp;/g, '&')
    .split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter((l) => l !== '')
    .join('\n') + '\n';
}

test('golden: JSON summary, check lines and page words of a generated 3-day recording (leaky, slow-leak, stable)', async (t) => {
  const dir = tempDir(t);
  const end = Date.UTC(2026, 10, 1) / 1000;
  generateRecording({ outDir: dir, days: 3, targets: 3, seed: 7, endTsSeconds: end });
  const recs = listTargets(dir).map((n) => readRecording(dir, n));
  const summary = analyzeAll(recs, { nowSeconds: end + 60 });
  const json = JSON.stringify(summary, null, 2).split(dir).join('<DATA>') + '\n';
  await golden('summary.json', json);
  await golden('check.txt', summary.targets.map((x) => `${x.name}: ${x.verdict}: ${x.headline}`).join('\n') + '\n');
  const html = renderReportHtml(summary, recs, { dataDir: dir, generatedAt: summary.generatedAt });
  await golden('page.txt', pageText(html).split(dir).join('<DATA>'));
});

test('golden: check through the real CLI prints the same lines as the library', async (t) => {
  const dir = tempDir(t);
  const end = Date.UTC(2026, 10, 1) / 1000;
  generateRecording({ outDir: dir, days: 3, targets: 3, seed: 7, endTsSeconds: end });
  const r = await cli(['check', '--data', dir, '--until', String(end + 60)]);
  assert.equal(r.code, 1, r.stderr);
  const root = await findRepoRoot();
  assert.equal(r.stdout, readFileSync(join(root, 'test', 'golden', 'check.txt'), 'utf8'));
});

test('golden: diff of two real snapshots of the demo service', async () => {
  const root = await findRepoRoot();
  const f = (n: string) => join(root, 'test', 'fixtures', n);
  const r = await cli(['diff', f('leaky-t1.pb.gz'), f('leaky-t2.pb.gz'), '--top', '8']);
  assert.equal(r.code, 0, r.stderr);
  await golden('diff.txt', r.stdout.split(join(root, 'test', 'fixtures')).join('<FIXTURES>'));
});
