// `leakwatch export` on a real recording: the real CLI records the real leaking Go service, then the table is
// exported as CSV, TSV and Excel-CSV and read back.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'csv-parse/sync';
import { UsageError } from '../src/commands/args.js';
import type { CommandIo } from '../src/commands/diff.js';
import { buildExportTable, EXPORT_TOP_STACKS, formatExportTable, runExport } from '../src/commands/export.js';
import type { HistoryTick, StackRecord } from '../src/core/model.js';
import { SAMPLES_COLUMNS } from '../src/core/samplesCsv.js';
import { readRecording } from '../src/io/readRecording.js';
import { findGo, findRepoRoot, startDemoService } from '../src/demo/demoService.js';
import { tempDir } from './helpers/tmp.js';

const run = promisify(execFile);
const LEAK_FUNCTIONS = ['main.leakUnbufferedSend', 'main.leakReceiveNoSender', 'main.leakSelectNoReady', 'main.leakLockNeverReleased', 'main.leakLoopNeverExits'];
const FORMULA_START = /^[=+\-@]/;

function capture(): { io: CommandIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { io: { out: (s) => void (out += s), err: (s) => void (err += s) }, out: () => out, err: () => err };
}

test('export: a real recording as CSV, TSV and Excel CSV, read back', { timeout: 120_000 }, async (t) => {
  assert.ok(await findGo(), 'Go is needed for this test: apt-get install golang-go');
  const root = await findRepoRoot();
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const svc = await startDemoService({ args: ['-rate', '5'] });
  t.after(() => svc.stop());
  // Loop mode: one process, a tick every second, about four ticks.
  await run(process.execPath, [join(root, 'dist', 'src', 'cli.js'), 'record', '--name', 'svc', '--pid', String(svc.pid), '--pprof', svc.pprofUrl, '--data', data, '--every', '1s', '--for', '3500ms'], { timeout: 60_000 });
  await svc.stop();
  const rec = readRecording(data, 'svc');
  assert.deepEqual(rec.warnings, []);
  const n = rec.samples.length;
  assert.ok(n >= 3, `${n} ticks recorded`);
  assert.equal(rec.ticks.length, n);

  // CSV (default) to stdout.
  const csv = capture();
  assert.equal(await runExport(['--target', 'svc', '--data', data], csv.io), 0);
  assert.equal(csv.err(), '');
  const records = parse(csv.out()) as string[][];
  const header = records[0]!;
  const rows = records.slice(1);
  assert.equal(rows.length, n, 'one row per tick');
  const samplesHeader = readFileSync(join(data, 'svc', 'samples.csv'), 'utf8').split('\n')[0]!.split(',');
  assert.deepEqual(header.slice(0, samplesHeader.length), samplesHeader, 'every samples.csv column, in order');
  assert.deepEqual(header.slice(0, SAMPLES_COLUMNS.length), [...SAMPLES_COLUMNS]);
  const stackCols = header.slice(samplesHeader.length);
  assert.ok(stackCols.length >= 5 && stackCols.length <= EXPORT_TOP_STACKS, stackCols.join(' | '));
  assert.ok(stackCols.every((c) => /^[^#]+ \([^()]+\.go:\d+\)#\d+$/.test(c)), 'function (file:line)#id');
  // Sample cells are the file's own, row for row.
  const fileRows = (parse(readFileSync(join(data, 'svc', 'samples.csv'), 'utf8')) as string[][]).slice(1);
  assert.deepEqual(rows.map((r) => r.slice(0, samplesHeader.length)), fileRows);
  // Each leak has a column, and its count grows over the ticks; it equals the stack history at that tick.
  for (const fn of LEAK_FUNCTIONS) {
    const col = stackCols.findIndex((c) => c.startsWith(`${fn} (leaks.go:`));
    assert.ok(col >= 0, `${fn} column in ${stackCols.join(' | ')}`);
    const id = Number(stackCols[col]!.split('#')[1]);
    const values = rows.map((r) => Number(r[samplesHeader.length + col]));
    assert.ok(values.every((v, i) => i === 0 || v >= values[i - 1]!), `${fn}: ${values.join(',')}`);
    assert.ok(values[values.length - 1]! > values[0]!, `${fn} grows: ${values.join(',')}`);
    assert.deepEqual(values, rec.ticks.map((tk) => tk.counts.get(id) ?? 0));
  }
  const goroutinesCol = header.indexOf('goroutines');
  assert.ok(rows.every((r) => Number(r[goroutinesCol]) > 0));
  assert.ok(rows.flat().every((c) => !FORMULA_START.test(c)) && header.every((c) => !FORMULA_START.test(c)));

  // TSV: no stray tabs, same cells.
  const tsv = capture();
  assert.equal(await runExport(['--target', 'svc', '--data', data, '--tsv'], tsv.io), 0);
  const tsvLines = tsv.out().split('\n');
  assert.equal(tsvLines.pop(), '', 'ends with a newline');
  assert.equal(tsvLines.length, n + 1);
  assert.ok(tsvLines.every((l) => l.split('\t').length === header.length), 'every line has exactly one cell per column');
  assert.deepEqual(tsvLines.map((l) => l.split('\t')), records);

  // --excel: a UTF-8 BOM first, then the same CSV.
  const excel = capture();
  assert.equal(await runExport(['--target', 'svc', '--data', data, '--excel'], excel.io), 0);
  assert.ok(Buffer.from(excel.out(), 'utf8').subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])));
  assert.deepEqual(parse(excel.out(), { bom: true }), records);
  assert.equal(excel.out().slice(1), csv.out());

  // --since: from the second tick on. --out: a file (owner-only, like the data), a summary on stderr.
  const since = String(rec.samples[1]!.tsSeconds);
  const out = join(dir, 'out', 'svc.csv');
  const file = capture();
  assert.equal(await runExport(['--target', 'svc', '--data', data, '--since', since, '--out', out], file.io), 0);
  assert.equal(file.out(), '');
  assert.match(file.err(), new RegExp(`^export: ${n - 1} rows, ${stackCols.length} stack columns: .*svc\\.csv\\n$`));
  assert.equal((parse(readFileSync(out, 'utf8')) as string[][]).length, n);
  assert.equal(statSync(out).mode & 0o777, 0o600);

  // Someone edits the data files by hand: formula-looking text and tabs/newlines never reach a cell as such.
  appendFileSync(join(data, 'svc', 'samples.csv'), `2026-11-27 02:46:53,${rec.samples[n - 1]!.tsSeconds + 1},svc,error,,,,,,,,,,,,"=HYPERLINK(""http://evil"",""x"")\tand\na newline"\n`);
  appendFileSync(join(data, 'svc', 'stacks.jsonl'), JSON.stringify({ id: 9999, frames: [{ function: '@SUM(A1:A9)', file: '/x.go', line: 1 }], labels: {}, firstSeenTsSeconds: 1 }) + '\n');
  appendFileSync(join(data, 'svc', 'stack-history.log'), `K ${rec.samples[n - 1]!.tsSeconds + 1} ${rec.ticks[n - 1]!.lifetime} 100000 9999:100000\n`);
  for (const fmt of [[], ['--tsv']]) {
    const h = capture();
    assert.equal(await runExport(['--target', 'svc', '--data', data, ...fmt], h.io), 0);
    const cells = fmt.length ? h.out().trimEnd().split('\n').map((l) => l.split('\t')) : (parse(h.out()) as string[][]);
    assert.equal(cells.length, n + 2);
    assert.ok(cells.every((r) => r.length === cells[0]!.length));
    assert.ok(cells.flat().every((c) => !FORMULA_START.test(c) && !/[\t\r\n]/.test(c)), 'no formula starts, no tabs or line breaks');
    assert.ok(cells[0]!.includes("'@SUM(A1:A9) (x.go:1)#9999"), 'the hostile stack got a column, defused');
    assert.ok(cells[n + 1]!.some((c) => c.startsWith(`'=HYPERLINK("http://evil","x") and a newline`)));
  }
});

test('export: usage errors and a missing target', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(runExport(['--data', dir], capture().io), UsageError);
  await assert.rejects(runExport(['--target', 'x', '--since', 'yesterday-ish', '--data', dir], capture().io), /--since: "yesterday-ish" is not a time/);
  await assert.rejects(runExport(['svc'], capture().io), /did you mean --target svc/);
  const c = capture();
  assert.equal(await runExport(['--target', 'nope', '--data', dir], c.io), 2);
  assert.match(c.err(), /^leakwatch: export: no recording for target "nope" in /);
});

test('export table: top stacks by highest count, empty cells for ticks without a profile', () => {
  const stacks: StackRecord[] = Array.from({ length: 12 }, (_, i) => ({
    id: i + 1,
    key: String(i + 1),
    frames: [{ function: 'runtime.gopark', file: '/go/proc.go', line: 1 }, { function: `main.f${i + 1}`, file: '/m.go', line: i + 1 }],
    labels: {},
    firstSeenTsSeconds: 0,
  }));
  const ticks: HistoryTick[] = [
    { tsSeconds: 100.5, lifetime: '1@1', total: 1, counts: new Map(stacks.map((s) => [s.id, s.id])) },
    { tsSeconds: 160.123, lifetime: '1@1', total: 1, counts: new Map([[1, 50]]) },
  ];
  const header = ['time_utc', 'ts_seconds', 'status'];
  const table = buildExportTable({ header, rows: [['a', '100.5', 'ok'], ['b', '130', 'pprof-timeout'], ['c', '160.123', 'ok']] }, stacks, ticks);
  // Stack 1 peaks at 50; then 12, 11, ... 4 (ten columns).
  assert.deepEqual(table.header.slice(3), [1, 12, 11, 10, 9, 8, 7, 6, 5, 4].map((i) => `main.f${i} (m.go:${i})#${i}`));
  assert.deepEqual(table.rows[0]!.slice(3, 5), ['1', '12']);
  assert.deepEqual(table.rows[1]!.slice(3), Array(10).fill(''), 'no profile that tick');
  assert.deepEqual(table.rows[2]!.slice(3, 5), ['50', '0'], 'gone from the profile: 0, not empty');
  assert.equal(formatExportTable({ header: ['a'], rows: [['x\ty']] }, 'tsv', false), 'a\nx y\n');
  // A stack without frames (goroutines not started yet) gets no column, however many it holds.
  const empty: StackRecord = { id: 99, key: '99', frames: [], labels: {}, firstSeenTsSeconds: 0 };
  const withEmpty = buildExportTable({ header, rows: [['a', '100.5', 'ok']] }, [...stacks, empty], [{ ...ticks[0]!, counts: new Map([...ticks[0]!.counts, [99, 1000]]) }]);
  assert.ok(!withEmpty.header.some((h) => h.includes('#99')), withEmpty.header.join(' | '));
});
