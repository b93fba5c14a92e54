// Tab-separated text for pasting into a spreadsheet. Pure functions, no I/O.
//
// Every cell is made safe: tabs and line breaks become spaces, and a cell that a spreadsheet
// would read as a formula (starting with = + - @, or a tab/CR after trimming) gets a leading
// apostrophe. Negative numbers are therefore written as '-3 ... so numeric cells are emitted as
// plain numbers only when they are non-negative. The browser side (templates/report.client.js)
// implements the same rules for the samples download; keep the two in step.

import type { SampleRow, Suspect } from '../core/model.js';

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
  if (ts === null || !Number.isFinite(ts)) return '';
  return new Date(Math.floor(ts) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

export function isoSeconds(ts: number | null): string {
  if (ts === null || !Number.isFinite(ts)) return '';
  return new Date(Math.floor(ts) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Same columns, in the same order, as data/<target>/samples.csv. */
export const SAMPLE_TSV_HEADER = [
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
] as const;

/**
 * One sample row as TSV cells. Values are quantized exactly as the page's embedded columns are
 * (ms for times, 0.01 s for CPU seconds and process start, 0.1 for CPU %, integers otherwise), so
 * the TSV built here and the one the page builds from its embedded data are byte-identical.
 */
export function sampleTsvCells(r: SampleRow): Cell[] {
  const ts = quantize(r.tsSeconds, 1000);
  return [
    spreadsheetTime(ts),
    ts,
    r.target,
    r.status,
    quantize(r.pid, 1),
    quantize(r.processStartTsSeconds, 100),
    quantize(r.rssBytes, 1),
    quantize(r.vszBytes, 1),
    quantize(r.cpuSecondsTotal, 100),
    quantize(r.cpuPercent, 10),
    quantize(r.threads, 1),
    quantize(r.fds, 1),
    quantize(r.goroutines, 1),
    quantize(r.stacksDistinct, 1),
    r.event,
    r.message,
  ];
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
