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

/** The `ts_seconds` cell of a samples.csv line, or null (a fast path for seeking in a file by time). */
export function samplesLineTsSeconds(line: string): number | null {
  const a = line.indexOf(',');
  const b = a < 0 ? -1 : line.indexOf(',', a + 1);
  if (b < 0) return null;
  const s = line.slice(a + 1, b);
  const v = Number(s);
  return s !== '' && Number.isFinite(v) ? v : null;
}

/** Where each field is in a row of this file (-1: the column is not in its header, an older layout). */
type ColumnIndex = Record<(typeof SAMPLES_COLUMNS)[number], number>;

function columnIndex(col: Map<string, number>): ColumnIndex {
  return Object.fromEntries(SAMPLES_COLUMNS.map((c) => [c, col.get(c) ?? -1])) as ColumnIndex;
}

/** A number cell; empty or not a number is null (not measured), never 0. */
function num(rec: string[], i: number): number | null {
  const s = rec[i];
  if (s === undefined || s === '') return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

// Column indices are looked up once per file, not per row and field: a year is 525,600 rows of 22 cells.
function sampleRow(rec: string[], c: ColumnIndex): SampleRow | null {
  const ts = num(rec, c.ts_seconds);
  const status = rec[c.status] as SampleStatus;
  if (ts === null || !STATUSES.has(status)) return null;
  const event = rec[c.event];
  return {
    tsSeconds: ts,
    target: rec[c.target] ?? '',
    status,
    pid: num(rec, c.pid),
    processStartTsSeconds: num(rec, c.process_start_ts_seconds),
    rssBytes: num(rec, c.rss_bytes),
    vszBytes: num(rec, c.vsz_bytes),
    cpuSecondsTotal: num(rec, c.cpu_seconds_total),
    cpuPercent: num(rec, c.cpu_percent),
    threads: num(rec, c.threads),
    fds: num(rec, c.fds),
    goroutines: num(rec, c.goroutines),
    stacksDistinct: num(rec, c.stacks_distinct),
    event: (event === 'start' || event === 'restart' ? event : '') as SampleEvent,
    message: rec[c.message] ?? '',
    heapInuseBytes: num(rec, c.heap_inuse_bytes),
    memstatsHeapInuseBytes: num(rec, c.memstats_heap_inuse_bytes),
    memstatsStackInuseBytes: num(rec, c.memstats_stack_inuse_bytes),
    memstatsSysBytes: num(rec, c.memstats_sys_bytes),
    memstatsNumGc: num(rec, c.memstats_num_gc),
    leakedConfirmed: num(rec, c.leaked_goroutines_confirmed),
  };
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
