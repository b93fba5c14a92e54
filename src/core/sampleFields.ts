// The one table of samples.csv's fields. The writer (samplesCsv.ts), the reader (samplesCsvRead.ts), the TSV
// (render/tsv.ts), the page data (render/reportData.ts) and the page's TSV builder (which gets the column list from
// the page data) all derive from it; data/README.md's column table lists the same columns and units, in the same
// order (test/sampleFields.test.ts checks both). To add a column: append a row here (the order is the file's
// contract: columns are only ever appended), add the key to SampleRow (model.ts; the compiler then insists on it),
// and document it in data/README.md. Pure: no I/O.
import type { SampleEvent, SampleRow, SampleStatus } from './model.js';

/** Every value of the status column; anything else makes a row unreadable. */
export const SAMPLE_STATUSES = [
  'ok', 'no-process', 'process-ambiguous', 'pid-reused', 'pprof-unreachable', 'pprof-timeout',
  'pprof-http-error', 'pprof-bad-profile', 'pprof-too-large', 'error',
] as const satisfies readonly SampleStatus[];

/** Every value of the event column; '' (no event) stands for anything else. */
export const SAMPLE_EVENTS = ['', 'start', 'restart'] as const satisfies readonly SampleEvent[];

/** SampleRow keys of each value type (the table's `key` must have the type its field `type` says). */
type KeysWhere<V> = { [K in keyof SampleRow]-?: Exclude<SampleRow[K], undefined> extends V ? K : never }[keyof SampleRow];
type NumberKey = KeysWhere<number | null>;
type StringKey = KeysWhere<string>;

/**
 * A number. Written with `digits` decimals at most (trailing zeros dropped); empty means not measured (null),
 * never 0. The page and its TSV carry it as round(value × 10^digits), so they show what the file holds.
 */
export interface NumberField {
  column: string;
  key: NumberKey;
  type: 'number';
  unit: string;
  digits: number;
  /** A row without a number here is unreadable (skipped with a warning). */
  required?: true;
}

/** Free text from the config or a service (untrusted): one line, at most `maxLength` characters, never a formula. */
export interface TextField {
  column: string;
  key: StringKey;
  type: 'text';
  unit: 'text';
  maxLength: number;
}

/** One of a fixed set of words. Outside the set: the row is unreadable when `required`, else the first word. */
export interface WordField {
  column: string;
  key: StringKey;
  type: 'word';
  unit: 'word';
  words: readonly string[];
  required?: true;
}

/** A date-time spreadsheets parse, made from another field's unix seconds (written, never read back). */
export interface TimeField {
  column: string;
  key: NumberKey;
  type: 'time';
  unit: string;
}

export type SampleField = NumberField | TextField | WordField | TimeField;

/** samples.csv's columns, in file order. */
export const SAMPLE_FIELDS = [
  { column: 'time_utc', key: 'tsSeconds', type: 'time', unit: '`YYYY-MM-DD HH:MM:SS`, UTC' },
  // Milliseconds: ticks can be a second apart, and cpu_percent divides by the difference.
  { column: 'ts_seconds', key: 'tsSeconds', type: 'number', unit: 'unix seconds', digits: 3, required: true },
  // As long as a config name may be (config.ts TARGET_NAME_RE), so a valid name is never cut.
  { column: 'target', key: 'target', type: 'text', unit: 'text', maxLength: 64 },
  { column: 'status', key: 'status', type: 'word', unit: 'word', words: SAMPLE_STATUSES, required: true },
  { column: 'pid', key: 'pid', type: 'number', unit: 'integer', digits: 0 },
  // /proc's starttime is in clock ticks (1/100 s): two decimals keep all of it.
  { column: 'process_start_ts_seconds', key: 'processStartTsSeconds', type: 'number', unit: 'unix seconds', digits: 2 },
  { column: 'rss_bytes', key: 'rssBytes', type: 'number', unit: 'bytes', digits: 0 },
  { column: 'vsz_bytes', key: 'vszBytes', type: 'number', unit: 'bytes', digits: 0 },
  // utime + stime are clock ticks too.
  { column: 'cpu_seconds_total', key: 'cpuSecondsTotal', type: 'number', unit: 'seconds', digits: 2 },
  { column: 'cpu_percent', key: 'cpuPercent', type: 'number', unit: '% of one core', digits: 1 },
  { column: 'threads', key: 'threads', type: 'number', unit: 'count', digits: 0 },
  { column: 'fds', key: 'fds', type: 'number', unit: 'count', digits: 0 },
  { column: 'goroutines', key: 'goroutines', type: 'number', unit: 'count', digits: 0 },
  { column: 'stacks_distinct', key: 'stacksDistinct', type: 'number', unit: 'count', digits: 0 },
  { column: 'event', key: 'event', type: 'word', unit: 'word', words: SAMPLE_EVENTS },
  // Room for an error with a URL and its cause; a service's reply pasted whole is cut, not let into every row.
  { column: 'message', key: 'message', type: 'text', unit: 'text', maxLength: 500 },
  { column: 'heap_inuse_bytes', key: 'heapInuseBytes', type: 'number', unit: 'bytes', digits: 0 },
  { column: 'memstats_heap_inuse_bytes', key: 'memstatsHeapInuseBytes', type: 'number', unit: 'bytes', digits: 0 },
  { column: 'memstats_stack_inuse_bytes', key: 'memstatsStackInuseBytes', type: 'number', unit: 'bytes', digits: 0 },
  { column: 'memstats_sys_bytes', key: 'memstatsSysBytes', type: 'number', unit: 'bytes', digits: 0 },
  { column: 'memstats_num_gc', key: 'memstatsNumGc', type: 'number', unit: 'count', digits: 0 },
  { column: 'leaked_goroutines_confirmed', key: 'leakedConfirmed', type: 'number', unit: 'count', digits: 0 },
] as const satisfies readonly SampleField[];

/** One row of the table, with its literal types. */
export type SampleFieldRow = (typeof SAMPLE_FIELDS)[number];

export type SampleColumnName = (typeof SAMPLE_FIELDS)[number]['column'];

/** The header cells of samples.csv, in order. */
export const SAMPLES_COLUMNS: readonly SampleColumnName[] = SAMPLE_FIELDS.map((f) => f.column);

// Compile-time checks that SampleRow and the table agree: every SampleRow key has a column (a key missing from
// the table is named in the error), and every status has its word.
type MissingKey = Exclude<keyof SampleRow, (typeof SAMPLE_FIELDS)[number]['key']>;
const everyKeyHasAColumn: [MissingKey] extends [never] ? true : MissingKey = true;
type MissingStatus = Exclude<SampleStatus, (typeof SAMPLE_STATUSES)[number]>;
const everyStatusIsAWord: [MissingStatus] extends [never] ? true : MissingStatus = true;
type MissingEvent = Exclude<SampleEvent, (typeof SAMPLE_EVENTS)[number]>;
const everyEventIsAWord: [MissingEvent] extends [never] ? true : MissingEvent = true;
void [everyKeyHasAColumn, everyStatusIsAWord, everyEventIsAWord];

/** The number field a time column is made from (time_utc: ts_seconds). */
export function numberFieldOf(key: string): Extract<SampleFieldRow, { type: 'number' }> {
  const f = SAMPLE_FIELDS.find((g) => g.type === 'number' && g.key === key);
  if (!f || f.type !== 'number') throw new Error(`core/sampleFields.ts: no number field for ${key}`);
  return f;
}

/** The page and its TSV carry a number field as round(value × scale): its decimals, as whole numbers. */
export function scaleOf(f: NumberField): number {
  return 10 ** f.digits;
}
