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
 * The `ts_seconds` cell of a samples.csv line, or null (a fast path for seeking in a file by time). Here, beside
 * the writer, not in samplesCsvRead.ts: the recorder's segment rollover uses it, and that module loads csv-parse.
 */
export function samplesLineTsSeconds(line: string): number | null {
  const a = line.indexOf(',');
  const b = a < 0 ? -1 : line.indexOf(',', a + 1);
  if (b < 0) return null;
  const s = line.slice(a + 1, b);
  const v = Number(s);
  return s !== '' && Number.isFinite(v) ? v : null;
}

/**
 * The cells of one CSV line as the recorder writes them (RFC 4180 quoting: a quoted cell, `""` for a quote in it),
 * without csv-parse, which the recorder does not load. For the recorder's own look at a row (isHeaderlessRow, the
 * state rebuilt from the last row); readers use samplesCsvRead.ts.
 */
export function csvCells(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c !== '"') cell += c;
      else if (line[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

/**
 * Whether a samples file's first line is a row of this version's layout rather than a header: the header was lost (a
 * hand edit, a bad copy, `tail -n +2`). Readers then read the file by this version's header (io/readRecording.ts),
 * and the recorder moves it aside like an older layout (io/dataStore.ts prepareSamplesFile), saying which it was.
 * Here, not in samplesCsvRead.ts, for the recorder (that module loads csv-parse).
 */
export function isHeaderlessRow(firstLine: string): boolean {
  const line = firstLine.endsWith('\r') ? firstLine.slice(0, -1) : firstLine;
  return !line.startsWith(`${SAMPLES_COLUMNS[0]},`) && samplesLineTsSeconds(line) !== null && csvCells(line).length === SAMPLES_COLUMNS.length;
}

/** Decimals of `ts_seconds` a row may have for samplesRowWholeSeconds (the recorder writes 3). */
const WHOLE_SECONDS_MAX_DECIMALS = 6;
/**
 * Times samplesRowWholeSeconds reads stay below this: 2^33 s (the year 2242). Below it a double's spacing is at most
 * 2^-19 s, so a fraction of at most 6 decimals (at most 1e-6 below the next second) never rounds up to it; at 2^48
 * it does (".97" became the next second; found by the property test).
 */
const WHOLE_SECONDS_LIMIT = 2 ** 33;

/**
 * The whole seconds of a samples.csv row's `ts_seconds` cell, read from the row's bytes [start, end) before they are
 * decoded, when the cell is plain digits below WHOLE_SECONDS_LIMIT with at most WHOLE_SECONDS_MAX_DECIMALS decimals;
 * -1 for any other row (the caller decodes it and uses samplesLineTsSeconds). For a thinned read of a year, which
 * keeps one row an hour of 60: deciding which rows to keep from the bytes spares decoding the rest. Exact: the
 * cell's number lies in [whole, whole + 1) and, within those limits, never rounds up to whole + 1 as a double, so a
 * bucket of whole seconds is the same either way.
 */
export function samplesRowWholeSeconds(bytes: Uint8Array, start: number, end: number): number {
  const COMMA = 0x2c;
  let i = start;
  while (i < end && bytes[i] !== COMMA) i++; // time_utc
  i++;
  let whole = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = bytes[i]! - 0x30;
    if (c < 0 || c > 9) break;
    whole = whole * 10 + c;
    digits++;
  }
  if (digits === 0 || !(whole < WHOLE_SECONDS_LIMIT)) return -1;
  if (i < end && bytes[i] === 0x2e) {
    let decimals = 0;
    for (i++; i < end; i++) {
      const c = bytes[i]! - 0x30;
      if (c < 0 || c > 9) break;
      decimals++;
    }
    if (decimals === 0 || decimals > WHOLE_SECONDS_MAX_DECIMALS) return -1;
  }
  return i < end && bytes[i] === COMMA ? whole : -1;
}

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

