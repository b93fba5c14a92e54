// Tab-separated text for pasting into a spreadsheet. Pure functions, no I/O.
//
// Every cell is made safe: tabs and line breaks become spaces, and a cell that a spreadsheet
// would read as a formula (starting with = + - @, or a tab/CR after trimming) gets a leading
// apostrophe. Negative numbers are therefore written as '-3 ... so numeric cells are emitted as
// plain numbers only when they are non-negative. The browser side (templates/client/tsv.js)
// implements the same rules for the samples download; keep the two in step.

import type { SampleRow, Suspect } from '../core/model.js';
import { numberFieldOf, SAMPLE_FIELDS, SAMPLES_COLUMNS, scaleOf } from '../core/sampleFields.js';
import { formatTimeUtc } from '../core/samplesCsv.js';

export type Cell = string | number | null | undefined | boolean;

const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: null/undefined -> empty; whitespace controls -> space; formula starts -> 'prefixed. */
export function tsvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  let s = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value);
  s = s.replace(/[\t\r\n\u2028\u2029]/g, ' ');
  if (FORMULA_START.test(s)) s = "'" + s;
  return s;
}

export function tsvRow(cells: readonly Cell[]): string {
  return cells.map(tsvCell).join('\t');
}

export function toTsv(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const out = [tsvRow(header)];
  for (const r of rows) out.push(tsvRow(r));
  return out.join('\n') + '\n';
}

/** Rounds to `1/scale` steps the same way the browser does (so both TSVs are byte-identical). */
export function quantize(v: number | null, scale: number): number | null {
  return v === null || !Number.isFinite(v) ? null : Math.round(v * scale) / scale;
}

export function round2(v: number | null): number | null {
  return quantize(v, 100);
}

/** "2026-11-27 02:38:12" (UTC): the form every spreadsheet parses as a date-time, as in samples.csv. */
export function spreadsheetTime(ts: number | null): string {
  return ts === null || !Number.isFinite(ts) ? '' : formatTimeUtc(ts);
}

export function isoSeconds(ts: number | null): string {
  if (ts === null || !Number.isFinite(ts)) return '';
  return new Date(Math.floor(ts) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Every column of data/<target>/samples.csv, in its order (core/sampleFields.ts). */
export const SAMPLE_TSV_HEADER = SAMPLES_COLUMNS;

/**
 * One sample row as TSV cells, one per samples.csv column. Numbers are rounded to their field's decimals exactly
 * as the page's embedded columns are (reportData.ts encodeSamples), and a time column is made from that rounded
 * number, so the TSV built here and the one the page builds from its embedded data are byte-identical.
 */
export function sampleTsvCells(r: SampleRow): Cell[] {
  return SAMPLE_FIELDS.map((f): Cell => {
    if (f.type === 'number') return quantize(r[f.key] ?? null, scaleOf(f));
    if (f.type === 'time') return spreadsheetTime(quantize(r[f.key] ?? null, scaleOf(numberFieldOf(f.key))));
    return r[f.key];
  });
}

/** All sample rows of one target. */
export function samplesTsv(rows: readonly SampleRow[]): string {
  return toTsv(SAMPLE_TSV_HEADER, rows.map(sampleTsvCells));
}

export const SUSPECT_TSV_HEADER = [
  'rank',
  'leaf_function',
  'location',
  'blocking_kind',
  'count_first',
  'count_last',
  'per_hour',
  'share',
  'score',
  'confirmed',
  'labels',
  'first_seen_utc',
  'created_by',
  'wait_reason',
  'blocked_minutes_median',
  'blocked_minutes_max',
] as const;

/** The file:line where a suspect blocks: the frame of its leaf function, else its first frame. */
export function suspectLocation(s: Pick<Suspect, 'frames' | 'leafFunction'>): string {
  const f = s.frames.find((fr) => fr.function === s.leafFunction) ?? s.frames[0];
  return f ? `${f.file}:${f.line}` : '';
}

export function labelsText(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(' ');
}

/** The suspects table of one target, ranked as given. */
export function suspectsTsv(suspects: readonly Suspect[]): string {
  return toTsv(
    SUSPECT_TSV_HEADER,
    suspects.map((s, i) => [
      i + 1,
      s.leafFunction,
      suspectLocation(s),
      s.kind,
      s.first,
      s.last,
      round2(s.perHour),
      round2(s.share),
      round2(s.score),
      s.confirmed ? 'yes' : 'no',
      labelsText(s.labels),
      isoSeconds(s.firstSeenTsSeconds),
      s.createdBy ?? null,
      s.waitReason ?? null,
      s.blockedMinutes ? s.blockedMinutes.median : null,
      s.blockedMinutes ? s.blockedMinutes.max : null,
    ]),
  );
}
