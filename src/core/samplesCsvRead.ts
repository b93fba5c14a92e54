// Reads data/<target>/samples.csv back (report, check, export). Kept apart from the writer so the
// once-a-minute recorder does not load a CSV parser it never uses.
import { parse } from 'csv-parse/sync';
import type { SampleRow } from './model.js';
import { SAMPLE_FIELDS, SAMPLES_COLUMNS } from './sampleFields.js';

export interface ParsedSamples {
  rows: SampleRow[];
  warnings: string[];
}

/**
 * One CSV line to cells, or null when it does not parse (an unclosed quote). The recorder never writes a line
 * break inside a cell and quotes only the cells that need it (a message with a comma), so a row is always one
 * line: most are split on commas directly, and only lines with a quote go through csv-parse. Parsing line by
 * line keeps one stray `"` (a hand edit, a torn write) to its own row; handed to csv-parse as a whole file it
 * would open a quoted cell that swallows every later row.
 */
export function splitCsvLine(raw: string): string[] | null {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  if (!line.includes('"')) return line.split(',');
  try {
    return (parse(line, { relax_column_count: true }) as string[][])[0] ?? null;
  } catch {
    return null;
  }
}

/** A quoted cell with line breaks spans at most this many lines; past it, an open quote is a stray one. */
const MAX_LINES_PER_ROW = 8;

const oddQuotes = (s: string): boolean => {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n % 2 === 1;
};

/**
 * Reads samples.csv one line at a time (the header first), so files of any size stream through in bounded
 * memory. Rows that do not parse are counted and skipped, never the rows after them.
 */
export class SamplesCsvReader {
  readonly rows: SampleRow[] = [];
  private col: ColumnIndex | null = null;
  private headerCells = 0;
  /** Lines of a row whose quoted cell is still open. */
  private pending: string[] = [];
  /** True once a line was seen that is not a leakwatch header: nothing in the file can be read. */
  noHeader = false;
  private bad = 0;

  constructor(
    private readonly source: string,
    private readonly keep: (tsSeconds: number) => boolean = () => true,
    /** Receives each kept row with its cells as written, instead of `rows` (export keeps the cells). */
    private readonly onRecord?: (cells: string[], row: SampleRow) => void,
  ) {}

  /** The header's cells, once read. */
  headerNames: string[] = [];

  /** The header line of the file, when reading starts past it (reading from the middle of a file). */
  header(line: string): void {
    const rec = splitCsvLine(line);
    const col = new Map((rec ?? []).map((h, i) => [h, i]));
    if (!col.has('ts_seconds') || !col.has('status')) this.noHeader = true;
    else {
      this.col = columnIndex(col);
      this.headerCells = rec!.length;
      this.headerNames = rec!;
    }
  }

  line(line: string): void {
    if (this.noHeader) return;
    if (this.pending.length) {
      this.pending.push(line);
      return this.tryPending();
    }
    if (line === '' || line === '\r') return;
    if (!this.col) return this.header(line);
    if (oddQuotes(line)) {
      // A quoted cell may hold a line break (a hand edit; the recorder never writes one): wait for the line
      // that closes it. A stray quote never gets closed, and costs only its own row (tryPending).
      this.pending.push(line);
      return;
    }
    this.record(splitCsvLine(line));
  }

  /** Call after the last line: a quote still open at the end of the file loses only its own row. */
  finish(): void {
    if (!this.pending.length) return;
    this.bad++;
    const rest = this.pending.slice(1);
    this.pending = [];
    for (const l of rest) this.line(l);
    this.finish();
  }

  private record(rec: string[] | null): void {
    const row = rec && sampleRow(rec, this.col!);
    if (!row) this.bad++;
    else if (!this.keep(row.tsSeconds)) return;
    else if (this.onRecord) this.onRecord(rec!, row);
    else this.rows.push(row);
  }

  private tryPending(): void {
    const joined = this.pending.join('\n');
    if (!oddQuotes(joined)) {
      // Closed: one record only if it has no more cells than the header (two stray quotes a few rows apart would
      // otherwise glue the rows between them into one).
      const rec = splitCsvLine(joined);
      if (rec && rec.length <= this.headerCells) {
        this.pending = [];
        return this.record(rec);
      }
    } else if (this.pending.length < MAX_LINES_PER_ROW) {
      return;
    }
    // Not one record: the first line alone is bad; the lines after it are read again as rows of their own.
    this.bad++;
    const rest = this.pending.slice(1);
    this.pending = [];
    for (const l of rest) this.line(l);
  }

  warnings(): string[] {
    if (this.noHeader) return [`${this.source}: no leakwatch header (expected ${SAMPLES_COLUMNS.slice(0, 4).join(',')}…)`];
    return this.bad ? [`${this.source}: skipped ${this.bad} row(s) that did not parse`] : [];
  }
}

// The `ts_seconds` cell of a line lives with the writer: the recorder's segment rollover needs it, and importing it
// from here loaded csv-parse (11 files) on every cron tick.
export { samplesLineTsSeconds } from './samplesCsv.js';

/**
 * How to read each field from a row of this file: its cell index (-1: the column is not in this file's header, an
 * older layout) and its type. Built once per file from the field table (core/sampleFields.ts), not looked up per
 * row and field: a year is 525,600 rows of 22 cells.
 */
type ColumnIndex = ReadonlyArray<{
  key: string;
  i: number;
  isNumber: boolean;
  words: ReadonlySet<string> | null;
  /** What an optional word field reads as when its cell holds another word: its first word (event: ''). */
  otherWord: string;
  required: boolean;
}>;

function columnIndex(col: Map<string, number>): ColumnIndex {
  return SAMPLE_FIELDS.filter((f) => f.type !== 'time') // time_utc is for people; ts_seconds holds the instant exactly
    .map((f) => ({
      key: f.key,
      i: col.get(f.column) ?? -1,
      isNumber: f.type === 'number',
      words: f.type === 'word' ? new Set<string>(f.words) : null,
      otherWord: f.type === 'word' ? f.words[0] : '',
      required: 'required' in f && f.required === true,
    }));
}

/** A row with every key of the table (null), copied to start each row. */
const ROW_SHAPE: Record<string, null> = Object.fromEntries(SAMPLE_FIELDS.map((f) => [f.key, null]));

/** A number cell; empty or not a number is null (not measured), never 0. */
function num(rec: string[], i: number): number | null {
  const s = rec[i];
  if (s === undefined || s === '') return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

/**
 * One row, or null when a required field (ts_seconds, status) has no number or is not one of its words. A
 * missing text cell reads as ''.
 */
function sampleRow(rec: string[], c: ColumnIndex): SampleRow | null {
  // Every row starts as a copy of one object with every key, so V8 gives all rows one hidden class: a row built
  // key by key from {} made the reader about twice as slow (43,200 rows).
  const row: Record<string, number | string | null> = { ...ROW_SHAPE };
  for (const f of c) {
    let v: number | string | null;
    if (f.isNumber) {
      v = num(rec, f.i);
      if (v === null && f.required) return null;
    } else {
      v = rec[f.i] ?? '';
      if (f.words && !f.words.has(v)) {
        if (f.required) return null;
        v = f.otherWord;
      }
    }
    row[f.key] = v;
  }
  return row as unknown as SampleRow;
}

/**
 * Reads samples.csv text back (tests, small files; data files are streamed by src/io/readRecording.ts).
 * A last line without its newline is a row torn by a crash and is skipped; rows that do not parse are
 * skipped with a warning rather than failing the whole report.
 */
export function parseSamplesCsv(text: string, source: string): ParsedSamples {
  const warnings: string[] = [];
  if (text.length && !text.endsWith('\n')) {
    warnings.push(`${source}: skipped a torn last row (the recorder was killed mid-write)`);
    text = text.slice(0, text.lastIndexOf('\n') + 1);
  }
  const r = new SamplesCsvReader(source);
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    r.line(text.slice(pos, nl));
    pos = nl + 1;
  }
  r.finish();
  return { rows: r.rows, warnings: [...warnings, ...r.warnings()] };
}
