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
    records = parse(text, { relax_column_count: true, skip_empty_lines: true });
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
