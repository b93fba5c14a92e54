// data/<target>/samples.csv: one row per target per tick. People paste this file into spreadsheets,
// so the header carries units, the first column is a date-time every spreadsheet parses, and no cell
// can start a formula. The column order is a contract: new columns are only ever appended.
import type { SampleRow } from './model.js';
import { displaySafe } from './terminalText.js';

export const SAMPLES_COLUMNS = [
  'time_utc',
  'ts_seconds',
  'target',
  'status',
  'pid',
  'process_start_ts_seconds',
  'rss_bytes',
  'vsz_bytes',
  'cpu_seconds_total',
  'cpu_percent',
  'threads',
  'fds',
  'goroutines',
  'stacks_distinct',
  'event',
  'message',
  'heap_inuse_bytes',
  'memstats_heap_inuse_bytes',
  'memstats_stack_inuse_bytes',
  'memstats_sys_bytes',
  'memstats_num_gc',
  'leaked_goroutines_confirmed',
] as const;

export const SAMPLES_HEADER = SAMPLES_COLUMNS.join(',') + '\n';

/**
 * "2026-11-27 02:38:12": ISO 8601 with a space instead of T and no zone, because Excel, LibreOffice and
 * Google Sheets all parse exactly this form as a date-time. It is UTC (the column name says so).
 */
export function formatTimeUtc(tsSeconds: number): string {
  return new Date(Math.floor(tsSeconds) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Makes untrusted text safe for a spreadsheet cell: one line, bounded, and never read as a formula.
 * OWASP's rule: a cell starting with = + - @ (or tab / CR) is prefixed with a single quote.
 */
export function spreadsheetSafe(text: string, maxLength = 500): string {
  // Other control and bidi characters are shown escaped by the one terminal sanitiser (export prints to stdout).
  const s = displaySafe(text.replace(/[\r\n\t]+/g, ' '), maxLength);
  return /^[=+\-@]/.test(s) ? `'${s}` : s;
}

function num(v: number | null, digits?: number): string {
  if (v === null || !Number.isFinite(v)) return '';
  return digits === undefined ? String(v) : String(Number(v.toFixed(digits)));
}

/**
 * RFC 4180 quoting of one cell: quoted when it holds a comma, a quote or a line break, quotes doubled.
 * Written out rather than taken from csv-stringify (which export uses): importing that costs the
 * once-a-minute recorder ~21 ms for one line (BENCHMARKS.md). test/storageFormats.test.ts checks that both
 * produce the same bytes.
 */
export function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line (with its newline) for a row. */
export function formatSampleRow(r: SampleRow): string {
  return formatCsvLine(
    [
      formatTimeUtc(r.tsSeconds),
      num(r.tsSeconds, 3),
      spreadsheetSafe(r.target, 64),
      r.status,
      num(r.pid),
      num(r.processStartTsSeconds),
      num(r.rssBytes),
      num(r.vszBytes),
      num(r.cpuSecondsTotal, 2),
      num(r.cpuPercent, 1),
      num(r.threads),
      num(r.fds),
      num(r.goroutines),
      num(r.stacksDistinct),
      r.event,
      spreadsheetSafe(r.message),
      num(r.heapInuseBytes ?? null),
      num(r.memstatsHeapInuseBytes ?? null),
      num(r.memstatsStackInuseBytes ?? null),
      num(r.memstatsSysBytes ?? null),
      num(r.memstatsNumGc ?? null),
      num(r.leakedConfirmed ?? null),
    ],
  );
}

function formatCsvLine(cells: string[]): string {
  return cells.map(csvCell).join(',') + '\n';
}

