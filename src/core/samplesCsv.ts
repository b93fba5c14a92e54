// data/<target>/samples.csv: one row per target per tick. People paste this file into spreadsheets,
// so the header carries units, the first column is a date-time every spreadsheet parses, and no cell
// can start a formula. The column order is a contract: new columns are only ever appended.
import type { SampleRow } from './model.js';
import { SAMPLE_FIELDS, SAMPLES_COLUMNS } from './sampleFields.js';
import { displaySafe } from './terminalText.js';

// The columns themselves (name, SampleRow key, type, unit, decimals) are one table: core/sampleFields.ts.
export { SAMPLES_COLUMNS } from './sampleFields.js';

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

function num(v: number | null, digits: number): string {
  if (v === null || !Number.isFinite(v)) return '';
  return String(Number(v.toFixed(digits)));
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

/** One CSV line (with its newline) for a row: each field as its type says (core/sampleFields.ts). */
export function formatSampleRow(r: SampleRow): string {
  const cells: string[] = [];
  for (const f of SAMPLE_FIELDS) {
    const v = r[f.key];
    if (f.type === 'time') cells.push(formatTimeUtc(v as number));
    else if (f.type === 'number') cells.push(num((v as number | null | undefined) ?? null, f.digits));
    else if (f.type === 'text') cells.push(spreadsheetSafe(v as string, f.maxLength));
    else cells.push(v as string);
  }
  return formatCsvLine(cells);
}

function formatCsvLine(cells: string[]): string {
  return cells.map(csvCell).join(',') + '\n';
}

