// The node_exporter textfile: checked with a real parser of the Prometheus text format (always), and with
// Prometheus' own `promtool check metrics` where it is installed (Debian's `prometheus` package ships it).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import test from 'node:test';
import type { SampleRow } from '../src/core/model.js';
import { escapeLabelValue, formatPromTextfile, type PromTarget } from '../src/core/promTextfile.js';
import { parseSamplesCsv } from '../src/core/samplesCsvRead.js';
import { PROM_TEXTFILE_NAME, writePromTextfile } from '../src/io/promTextfileWrite.js';
import { tempDir } from './helpers/tmp.js';

interface ParsedFamily {
  name: string;
  help: string;
  type: string;
  metrics: Array<{ value: string; labels?: Record<string, string> }>;
}
const parsePrometheusTextFormat = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => ParsedFamily[];

// Rows as the recorder writes them (the sample in data/README.md, plus an unreachable endpoint).
const CSV = `time_utc,ts_seconds,target,status,pid,process_start_ts_seconds,rss_bytes,vsz_bytes,cpu_seconds_total,cpu_percent,threads,fds,goroutines,stacks_distinct,event,message
2026-11-27 02:46:53,1795747613.763,demo,ok,11301,1795747608,8089600,1295290368,0.07,2.1,7,8,123,16,,
2026-11-27 02:47:55,1795747675.001,down,pprof-unreachable,11302,1795747608,8101888,1295290368,0.09,0.1,7,,,,,connection refused at 127.0.0.1:34793
`;

function rows(): SampleRow[] {
  const parsed = parseSamplesCsv(CSV, 'test');
  assert.deepEqual(parsed.warnings, []);
  return parsed.rows;
}

function targets(): PromTarget[] {
  const [ok, down] = rows() as [SampleRow, SampleRow];
  const hostile = 'we\\ird "name"\nline2';
  return [
    { name: 'demo', row: ok, suspects: 5, lastSuccessTsSeconds: 1795747613.763 },
    { name: 'down', row: down, suspects: null, lastSuccessTsSeconds: null },
    { name: hostile, row: { ...ok, target: hostile }, suspects: 0, lastSuccessTsSeconds: 1795747613.763 },
  ];
}

function sampleOf(families: ParsedFamily[], name: string, target: string): number | undefined {
  const m = families.find((f) => f.name === name)?.metrics.find((x) => x.labels?.target === target);
  return m === undefined ? undefined : Number(m.value);
}

test('the textfile parses as Prometheus text format: HELP/TYPE per family, escaped labels, nulls left out', () => {
  const text = formatPromTextfile(targets());
  const families = parsePrometheusTextFormat(text);
  const names = families.map((f) => f.name).sort();
  assert.deepEqual(names, [
    'leakwatch_cpu_seconds_total',
    'leakwatch_goroutines',
    'leakwatch_last_success_timestamp_seconds',
    'leakwatch_open_fds',
    'leakwatch_rss_bytes',
    'leakwatch_suspects',
    'leakwatch_threads',
    'leakwatch_up',
  ]);
  for (const f of families) {
    assert.ok(f.help.length > 10, `${f.name} has HELP`);
    assert.equal(f.type, f.name === 'leakwatch_cpu_seconds_total' ? 'COUNTER' : 'GAUGE', f.name);
  }
  // Each family's HELP and TYPE lines come once, before its samples.
  for (const n of names) {
    assert.equal(text.split('\n').filter((l) => l.startsWith(`# TYPE ${n} `)).length, 1);
  }
  const hostile = 'we\\ird "name"\nline2';
  assert.equal(sampleOf(families, 'leakwatch_goroutines', 'demo'), 123);
  assert.equal(sampleOf(families, 'leakwatch_goroutines', hostile), 123, 'the escaped name reads back as itself');
  assert.equal(sampleOf(families, 'leakwatch_rss_bytes', 'demo'), 8089600);
  assert.equal(sampleOf(families, 'leakwatch_cpu_seconds_total', 'demo'), 0.07);
  assert.equal(sampleOf(families, 'leakwatch_threads', 'demo'), 7);
  assert.equal(sampleOf(families, 'leakwatch_open_fds', 'demo'), 8);
  assert.equal(sampleOf(families, 'leakwatch_suspects', 'demo'), 5);
  assert.equal(sampleOf(families, 'leakwatch_last_success_timestamp_seconds', 'demo'), 1795747613.763);
  assert.equal(sampleOf(families, 'leakwatch_up', 'demo'), 1);
  // The unreachable target: up 0, process figures it did measure, nothing for what it did not (not 0).
  assert.equal(sampleOf(families, 'leakwatch_up', 'down'), 0);
  assert.equal(sampleOf(families, 'leakwatch_rss_bytes', 'down'), 8101888);
  assert.equal(sampleOf(families, 'leakwatch_goroutines', 'down'), undefined);
  assert.equal(sampleOf(families, 'leakwatch_open_fds', 'down'), undefined);
  assert.equal(sampleOf(families, 'leakwatch_suspects', 'down'), undefined);
  assert.equal(sampleOf(families, 'leakwatch_last_success_timestamp_seconds', 'down'), undefined);
  assert.deepEqual(text.split('\n').filter((l) => l.includes('target="down"')).map((l) => l.split('{')[0]), [
    'leakwatch_up', 'leakwatch_rss_bytes', 'leakwatch_cpu_seconds_total', 'leakwatch_threads',
  ], 'no invented zeros');
  assert.match(text, /^leakwatch_goroutines\{target="we\\\\ird \\"name\\"\\nline2"\} 123$/m);
  assert.ok(!/ \d+ \d+$/m.test(text), 'no timestamps (the textfile collector rejects them)');
  assert.ok(text.endsWith('\n'));
});

test('escaping, duplicates and empty input', () => {
  assert.equal(escapeLabelValue('a\\b"c\nd'), 'a\\\\b\\"c\\nd');
  const t = targets()[0]!;
  const twice = formatPromTextfile([t, { ...t, suspects: 99 }]);
  assert.equal((twice.match(/^leakwatch_suspects\{/gm) ?? []).length, 1, 'a duplicate name would make the file invalid');
  assert.match(twice, /^leakwatch_suspects\{target="demo"\} 5$/m);
  assert.equal(formatPromTextfile([]), '');
  // A family with no value for any target is left out entirely.
  const only = formatPromTextfile([{ ...t, suspects: null }]);
  assert.doesNotMatch(only, /leakwatch_suspects/);
  assert.equal(parsePrometheusTextFormat(only).length, 7);
});

function findPromtool(): string | null {
  const candidates = [process.env.PROMTOOL ?? '', ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'promtool'))];
  return candidates.find((c) => c && existsSync(c)) ?? null;
}

test('promtool check metrics accepts the textfile', (t) => {
  const promtool = findPromtool();
  if (!promtool) {
    t.skip('promtool not installed (apt-get install prometheus, or PROMTOOL=/path/to/promtool): only the npm parser checked the format');
    return;
  }
  const r = spawnSync(promtool, ['check', 'metrics'], { input: formatPromTextfile(targets()), encoding: 'utf8' });
  assert.equal(r.status, 0, `promtool: ${r.stdout}${r.stderr}`);
  assert.equal((r.stdout + r.stderr).trim(), '', 'no lint findings');
  t.diagnostic(`checked with ${execFileSync(promtool, ['--version'], { encoding: 'utf8' }).split('\n')[0]}`);
});

test('writePromTextfile: atomic rename, mode 0644 even under umask 077, no *.prom temp file left', (t) => {
  const dir = tempDir(t);
  const old = process.umask(0o077);
  try {
    const path = writePromTextfile(dir, formatPromTextfile(targets()));
    assert.equal(path, join(dir, PROM_TEXTFILE_NAME));
    assert.equal(statSync(path).mode & 0o777, 0o644);
    assert.equal(readFileSync(path, 'utf8'), formatPromTextfile(targets()));
    writePromTextfile(dir, formatPromTextfile(targets().slice(0, 1)));
    assert.equal(readFileSync(path, 'utf8'), formatPromTextfile(targets().slice(0, 1)));
    assert.equal(statSync(path).mode & 0o777, 0o644);
    assert.deepEqual(readdirSync(dir), [PROM_TEXTFILE_NAME]);
  } finally {
    process.umask(old);
  }
  assert.throws(() => writePromTextfile(join(dir, 'missing', 'folder'), 'x'), /ENOENT/);
});

test('writePromTextfile never writes through a link planted at its temp name, nor removes it', (t) => {
  // The textfile folder is often writable by node_exporter's user while leakwatch runs as root: a link planted
  // where the temp file will be must not make root write (and chmod 0644) another file.
  const dir = tempDir(t);
  const victim = join(dir, 'victim');
  writeFileSync(victim, 'precious\n', { mode: 0o600 });
  const prom = join(dir, 'prom');
  mkdirSync(prom);
  // the old, predictable name
  symlinkSync(victim, join(prom, `.${PROM_TEXTFILE_NAME}.tmp-${process.pid}`));
  writePromTextfile(prom, formatPromTextfile(targets()));
  assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
  assert.equal(statSync(victim).mode & 0o777, 0o600);
  assert.equal(lstatSync(join(prom, PROM_TEXTFILE_NAME)).isFile(), true);
  // a name guessed right (the random part fixed here): the write fails, the link and the victim stay as they were
  const random = Math.random;
  Math.random = () => 0.5;
  try {
    const guessed = join(prom, `${PROM_TEXTFILE_NAME}.tmp-${process.pid}-80000000`);
    symlinkSync(victim, guessed);
    assert.throws(() => writePromTextfile(prom, 'x 1\n'), /EEXIST|symbolic link/);
    assert.equal(lstatSync(guessed).isSymbolicLink(), true);
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.equal(statSync(victim).mode & 0o777, 0o600);
  } finally {
    Math.random = random;
  }
});
