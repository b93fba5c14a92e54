// Reads data/<target>/samples.csv back (report, check, export). Kept apart from the writer so the
// once-a-minute recorder does not load a CSV parser it never uses.
import { parse } from 'csv-parse/sync';
import type { SampleEvent, SampleRow, SampleStatus } from './model.js';
import { SAMPLES_COLUMNS } from './samplesCsv.js';

const STATUSES = new Set<SampleStatus>([
  'ok', 'no-process', 'process-ambiguous', 'pid-reused', 'pprof-unreachable', 'pprof-timeout',
  'pprof-http-error', 'pprof-bad-profile', 'pprof-too-large', 'error',
]);

export interface ParsedSamples {
  rows: SampleRow[];
  warnings: string[];
}

/**
 * CSV text to records. The recorder never writes a line break inside a cell and quotes only the cells that
 * need it (a message with a comma), so nearly every line is split on commas directly, and only lines with a
 * quote go through csv-parse: a month of rows (43,200 per target) reads several times faster than with
 * csv-parse for everything (BENCHMARKS.md, scenario 4). A file with a quoted line break (edited by hand) is
 * handed to csv-parse whole.
 */
function splitCsv(text: string): string[][] {
  const lines = text.split('\n');
  if (lines.some((l) => (l.match(/"/g)?.length ?? 0) % 2 === 1)) {
    return parse(text, { relax_column_count: true, skip_empty_lines: true }) as string[][];
  }
  const out: string[][] = [];
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') continue;
    out.push(line.includes('"') ? (parse(line, { relax_column_count: true }) as string[][])[0] ?? [] : line.split(','));
  }
  return out;
}

/**
 * Reads samples.csv text back. A last line without its newline is a row torn by a crash and is skipped;
 * rows that do not parse are skipped with a warning rather than failing the whole report.
 */
export function parseSamplesCsv(text: string, source: string): ParsedSamples {
  const warnings: string[] = [];
  if (text.length && !text.endsWith('\n')) {
    const cut = text.lastIndexOf('\n') + 1;
    warnings.push(`${source}: skipped a torn last row (the recorder was killed mid-write)`);
    text = text.slice(0, cut);
  }
  if (!text.trim()) return { rows: [], warnings };
  let records: string[][];
  try {
    records = splitCsv(text);
  } catch (e) {
    warnings.push(`${source}: not readable as CSV (${(e as Error).message.split('\n')[0]})`);
    return { rows: [], warnings };
  }
  const header = records[0];
  const col = new Map(header.map((h, i) => [h, i]));
  if (!col.has('ts_seconds') || !col.has('status')) {
    warnings.push(`${source}: no leakwatch header (expected ${SAMPLES_COLUMNS.slice(0, 4).join(',')}…)`);
    return { rows: [], warnings };
  }
  const get = (rec: string[], name: string): string => rec[col.get(name) ?? -1] ?? '';
  const n = (rec: string[], name: string): number | null => {
    const s = get(rec, name);
    if (s === '') return null;
    const v = Number(s);
    return Number.isFinite(v) ? v : null;
  };
  const rows: SampleRow[] = [];
  let bad = 0;
  for (let i = 1; i < records.length; i++) {
    const rec = records[i];
    const ts = n(rec, 'ts_seconds');
    const status = get(rec, 'status') as SampleStatus;
    if (ts === null || !STATUSES.has(status)) {
      bad++;
      continue;
    }
    const event = get(rec, 'event');
    rows.push({
      tsSeconds: ts,
      target: get(rec, 'target'),
      status,
      pid: n(rec, 'pid'),
      processStartTsSeconds: n(rec, 'process_start_ts_seconds'),
      rssBytes: n(rec, 'rss_bytes'),
      vszBytes: n(rec, 'vsz_bytes'),
      cpuSecondsTotal: n(rec, 'cpu_seconds_total'),
      cpuPercent: n(rec, 'cpu_percent'),
      threads: n(rec, 'threads'),
      fds: n(rec, 'fds'),
      goroutines: n(rec, 'goroutines'),
      stacksDistinct: n(rec, 'stacks_distinct'),
      event: (event === 'start' || event === 'restart' ? event : '') as SampleEvent,
      message: get(rec, 'message'),
      heapInuseBytes: n(rec, 'heap_inuse_bytes'),
      memstatsHeapInuseBytes: n(rec, 'memstats_heap_inuse_bytes'),
      memstatsStackInuseBytes: n(rec, 'memstats_stack_inuse_bytes'),
      memstatsSysBytes: n(rec, 'memstats_sys_bytes'),
      memstatsNumGc: n(rec, 'memstats_num_gc'),
      leakedConfirmed: n(rec, 'leaked_goroutines_confirmed'),
    });
  }
  if (bad) warnings.push(`${source}: skipped ${bad} row(s) that did not parse`);
  return { rows, warnings };
}
