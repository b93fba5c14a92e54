// The one table of sample fields (src/core/sampleFields.ts): every column it lists survives the whole way a
// sample travels — written to samples.csv, read back from the file, embedded in the report page, and out again as
// TSV, both the TSV built in Node and the one the page's script builds in real Chromium — and data/README.md
// documents exactly its columns, units and order.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { analyzeAll } from '../src/analysis/analyze.js';
import type { SampleRow } from '../src/core/model.js';
import { SAMPLE_FIELDS, SAMPLES_COLUMNS } from '../src/core/sampleFields.js';
import { formatSampleRow, SAMPLES_HEADER } from '../src/core/samplesCsv.js';
import { splitCsvLine } from '../src/core/samplesCsvRead.js';
import { findRepoRoot } from '../src/demo/demoService.js';
import { readRecording } from '../src/io/readRecording.js';
import { buildReportData, decodeSamples } from '../src/render/reportData.js';
import { renderReportHtml } from '../src/render/reportHtml.js';
import { samplesTsv } from '../src/render/tsv.js';
import { launchChromium } from '../scripts/reportBrowser.js';
import { tempDir } from './helpers/tmp.js';

const T0 = 1795748227.852;

/**
 * Three rows in which every field of the table holds a value of its own (no two columns alike, so a column read
 * into another's place shows), with every decimal its field keeps; the middle row is a failed tick, every optional
 * number empty. Built from the table, so a column added to it is in this test without an edit.
 */
function rows(): SampleRow[] {
  const statuses = ['ok', 'pprof-timeout', 'no-process'];
  const events = ['start', '', 'restart'];
  const messages = ['', 'timeout after 5s, "retrying"', 'pid 4242 is not running (exited?)'];
  return [0, 1, 2].map((k) => {
    const row: Record<string, number | string | null> = {};
    SAMPLE_FIELDS.forEach((f, j) => {
      if (f.type === 'time') return;
      if (f.type === 'number') {
        const fraction = f.digits === 0 ? 0 : Number((0.123456).toFixed(f.digits));
        row[f.key] = k === 1 && !('required' in f) ? null : (j + 1) * 1000 + k * 13 + fraction;
      } else if (f.column === 'status') row[f.key] = statuses[k];
      else if (f.column === 'event') row[f.key] = events[k];
      else if (f.column === 'target') row[f.key] = 'api';
      else row[f.key] = messages[k];
    });
    row.tsSeconds = T0 + k * 60;
    return row as unknown as SampleRow;
  });
}

test('every samples.csv column survives CSV → reader → page data → TSV (Node and the page in Chromium)', async (t) => {
  const dir = tempDir(t);
  const written = rows();
  mkdirSync(join(dir, 'api'), { mode: 0o700 });
  const csv = SAMPLES_HEADER + written.map(formatSampleRow).join('');
  writeFileSync(join(dir, 'api', 'samples.csv'), csv, { mode: 0o600 });

  // The reader gives back every field of every row, nulls as nulls.
  const rec = readRecording(dir, 'api');
  assert.deepEqual(rec.warnings, []);
  assert.deepEqual(rec.samples, written);

  // The page data carries every column, in file order, and decodes to the same values.
  const summary = analyzeAll([rec], { nowSeconds: T0 + 600 });
  const data = buildReportData(summary, [rec], { dataDir: dir });
  const S = data.targets[0].samples;
  assert.deepEqual(S.columns.map((c) => c.name), [...SAMPLES_COLUMNS]);
  const decoded = decodeSamples(S);
  for (const f of SAMPLE_FIELDS) {
    assert.deepEqual(decoded[f.column], written.map((r) => r[f.key] ?? null), f.column);
  }

  // The TSV built in Node has the file's header, and in every row and column the very cell the file holds.
  const tsv = samplesTsv(rec.samples);
  const tsvLines = tsv.trimEnd().split('\n').map((l) => l.split('\t'));
  const csvLines = csv.trimEnd().split('\n').map((l) => splitCsvLine(l)!);
  assert.equal(tsvLines.length, 4);
  assert.deepEqual(tsvLines[0], [...SAMPLES_COLUMNS]);
  for (let k = 1; k < 4; k++) {
    SAMPLES_COLUMNS.forEach((column, j) => {
      assert.equal(tsvLines[k][j], csvLines[k][j], `row ${k} ${column}`);
    });
  }

  // The page's script builds the same TSV from the embedded data, with no column list of its own.
  const pageFile = join(dir, 'report.html');
  writeFileSync(pageFile, renderReportHtml(summary, [rec], { dataDir: dir, generatedAt: summary.generatedAt }));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(pageFile).href);
    await page.waitForSelector('html[data-lw-ready]', { timeout: 30_000 });
    const pageTsv = await page.evaluate(() => (window as unknown as { lwReport: { samplesTsv(i: number): string } }).lwReport.samplesTsv(0));
    assert.deepEqual(errors, []);
    assert.equal(pageTsv, tsv);
  } finally {
    await browser.close();
  }
});

test("data/README.md's samples.csv table lists exactly the table's columns and units, in order", async () => {
  const readme = readFileSync(join(await findRepoRoot(), 'data', 'README.md'), 'utf8');
  const start = readme.indexOf('## `<target>/samples.csv`');
  assert.ok(start >= 0, 'data/README.md has a samples.csv section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const documented = section
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .map((l) => l.split(' | ').slice(0, 2).map((cell) => cell.replace(/^\| /, '')));
  assert.deepEqual(
    documented,
    SAMPLE_FIELDS.map((f) => ['`' + f.column + '`', f.unit]),
  );
  // The sample file shown there starts with the header the recorder writes.
  const sample = section.slice(section.indexOf('```csv\n') + 7);
  assert.equal(sample.slice(0, sample.indexOf('\n') + 1), SAMPLES_HEADER);
});
