// `leakwatch export --target NAME`: one table for a spreadsheet — every samples.csv column, then one column per
// top stack holding its goroutine count at the same tick, so "RSS vs. the leaking handler" is one chart away.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { leafFrame, leafFunction } from '../core/frames.js';
import type { HistoryTick, StackRecord } from '../core/model.js';
import { SAMPLES_COLUMNS, spreadsheetSafe } from '../core/samplesCsv.js';
import { refuseLinksInTarget, targetDir, writeFileAtomic } from '../io/dataStore.js';
import { UnsafePathError } from '../io/safeOpen.js';
import { listTargets, readRecording, readSamplesCellsAcross } from '../io/readRecording.js';
import { dataFolderToReadProblem, flagOptions, parseArgsOrHelp, parseWindowArgs, READING_OPTIONS, UsageError, valueOptions } from './args.js';
import { processIo, type CommandIo } from './diff.js';
import { displaySafeLine } from '../core/terminalText.js';

export const EXPORT_HELP = `leakwatch export — one table for a spreadsheet: the samples plus the top stacks' goroutine counts

Usage:
  leakwatch export --target NAME [--data DIR] [--since TIME] [--until TIME] [--tsv] [--excel] [--out FILE]

Every samples.csv column, then one column per top stack (the 10 stacks with the highest goroutine count in
the range, headed by the innermost function outside the Go runtime and standard library, the file:line it
blocks at and the stack id, e.g. main.leakUnbufferedSend (leaks.go:140)#3; stacks without frames, goroutines not
started yet, get none), holding that stack's count at the same tick (empty when the tick has no
goroutine profile). Text cells are made safe for spreadsheets (no formulas, no tabs or line breaks).

Options:
  --target NAME   the target to export (a folder under the data dir)
  --data DIR      recorded data (default ./data)
  --since TIME    from this time: ISO date-time (UTC unless it has a zone,
                  e.g. "2026-11-29 03:24" or 2026-11-29T03:24+01:00), unix seconds, or "6h ago"
  --until TIME    up to this time
  --tsv           tab-separated instead of CSV: pastes into columns in every spreadsheet
  --excel         start with a UTF-8 byte order mark, so Excel reads non-ASCII text correctly
  --out FILE      write to FILE instead of standard output

Exit status: 0 written, 2 usage error or no recording for the target.

Examples:
  leakwatch export --target api --since "24h ago" --out api.csv
  leakwatch export --target api --tsv | xclip -selection clipboard`;

/** How many stack columns the table gets. */
export const EXPORT_TOP_STACKS = 10;

export interface ExportTable {
  header: string[];
  rows: string[][];
  /** The stacks given a column, in column order. */
  stacks: Array<{ id: number; column: string; maxCount: number }>;
}

/**
 * A stack's column: its leaf function, the file:line it blocks at (two closures of one function, "func1#1" and
 * "func1#8", differ only there) and the stack id, e.g. "main.fetchQuote.func1 (quotes.go:42)#1".
 */
export function stackColumnName(stack: StackRecord): string {
  const leaf = leafFrame(stack.frames);
  const at = leaf ? ` (${leaf.file.slice(leaf.file.lastIndexOf('/') + 1)}:${leaf.line})` : '';
  return `${leafFunction(stack.frames)}${at}#${stack.id}`;
}

/**
 * The stacks with the highest maximum count over the ticks, biggest first (ties: lower id first). Stacks without
 * frames (goroutines created but not started yet) get no column: they are never a leak and name no code.
 */
export function topStacks(stacks: StackRecord[], ticks: HistoryTick[], n = EXPORT_TOP_STACKS): Array<{ stack: StackRecord; maxCount: number }> {
  const max = new Map<number, number>();
  for (const t of ticks) {
    t.counts.forEach((c, id) => {
      if (c > (max.get(id) ?? 0)) max.set(id, c);
    });
  }
  return stacks
    .filter((s) => (max.get(s.id) ?? 0) > 0 && s.frames.length > 0)
    .map((s) => ({ stack: s, maxCount: max.get(s.id)! }))
    .sort((a, b) => b.maxCount - a.maxCount || a.stack.id - b.stack.id)
    .slice(0, n);
}

/** Tick times as written (3 decimals) match sample times as written: compare in whole milliseconds. */
const msKey = (ts: number) => Math.round(ts * 1000);

/** The merged table: sample columns, then one count column per top stack. Every cell spreadsheet-safe. */
export function buildExportTable(
  samples: { header: string[]; rows: string[][] },
  stacks: StackRecord[],
  ticks: HistoryTick[],
): ExportTable {
  const top = topStacks(stacks, ticks);
  const columns = top.map(({ stack, maxCount }) => ({ id: stack.id, column: spreadsheetSafe(stackColumnName(stack), 200), maxCount }));
  const byTs = new Map<number, HistoryTick>();
  for (const t of ticks) byTs.set(msKey(t.tsSeconds), t);
  const tsIdx = samples.header.indexOf('ts_seconds');
  const rows = samples.rows.map((rec) => {
    const tick = byTs.get(msKey(Number(rec[tsIdx])));
    const counts = columns.map((c) => (tick ? String(tick.counts.get(c.id) ?? 0) : ''));
    return [...rec.map((cell) => spreadsheetSafe(cell)), ...counts];
  });
  return { header: [...samples.header.map((h) => spreadsheetSafe(h)), ...columns.map((c) => c.column)], rows, stacks: columns };
}

export type ExportFormat = 'csv' | 'tsv';

/** CSV (RFC 4180 quoting via csv-stringify) or TSV (tabs and line breaks inside cells become spaces). */
export function formatExportTable(table: Pick<ExportTable, 'header' | 'rows'>, format: ExportFormat, excel: boolean): string {
  const all = [table.header, ...table.rows];
  const body =
    format === 'csv'
      ? stringify(all, { record_delimiter: '\n' })
      : all.map((r) => r.map((c) => c.replace(/[\t\r\n\u2028\u2029]/g, ' ')).join('\t')).join('\n') + '\n';
  return (excel ? '\ufeff' : '') + body;
}

export const EXPORT_OPTIONS = { ...READING_OPTIONS, ...valueOptions('out'), ...flagOptions('tsv', 'excel') } as const;

export async function runExport(args: string[], io: CommandIo = processIo): Promise<number> {
  const v = parseArgsOrHelp(args, EXPORT_OPTIONS, EXPORT_HELP, io.out);
  if (v === null) return 0;
  const extra = (v._ as unknown as string[]) ?? [];
  if (extra.length) throw new UsageError(`export takes no positional arguments (got "${extra[0]}"); did you mean --target ${extra[0]}?`);
  const dataDir = resolve(String(v.data ?? 'data'));
  const names = listTargets(dataDir);
  if (v.target === undefined) {
    throw new UsageError(`export needs --target NAME${names.length ? ` (recorded: ${names.join(', ')})` : ''}`);
  }
  const target = String(v.target);
  const window = parseWindowArgs(v, Date.now() / 1000);
  const since = window.sinceSeconds ?? -Infinity;
  const until = window.untilSeconds ?? Infinity;
  const folderProblem = dataFolderToReadProblem(dataDir);
  if (folderProblem) {
    io.err(`leakwatch: export: ${folderProblem}\n`);
    return 2;
  }
  if (!names.includes(target)) {
    io.err(`leakwatch: export: ${displaySafeLine(`no recording for target "${spreadsheetSafe(target, 64)}" in ${dataDir}${names.length ? ` (have: ${names.join(', ')})` : ''}`)}\n`);
    return 2;
  }

  try {
    refuseLinksInTarget(targetDir(dataDir, target));
  } catch (e) {
    if (!(e instanceof UnsafePathError)) throw e;
    io.err(`leakwatch: export: ${displaySafeLine(e.message)}\n`);
    return 2;
  }
  const rec = readRecording(dataDir, target, { sinceSeconds: since, untilSeconds: until, readSamples: false });
  for (const w of rec.warnings) io.err(`leakwatch: export: ${displaySafeLine(w)}\n`);
  let samples: ReturnType<typeof readSamplesCellsAcross>;
  try {
    // A pprof history without samples.csv: the table has a header only.
    samples = readSamplesCellsAcross(dataDir, target, since, until, SAMPLES_COLUMNS);
    for (const w of samples.warnings) io.err(`leakwatch: export: ${displaySafeLine(w)}\n`);
  } catch (e) {
    // The message starts with the file it names (<target>/samples.csv or one of its segments).
    io.err(`leakwatch: export: ${displaySafeLine((e as Error).message.split('\n')[0]!)}\n`);
    return 2;
  }
  const table = buildExportTable(samples, rec.stacks, rec.ticks);
  const text = formatExportTable(table, v.tsv ? 'tsv' : 'csv', Boolean(v.excel));
  if (v.out !== undefined) {
    const out = resolve(String(v.out));
    mkdirSync(dirname(out), { recursive: true });
    writeFileAtomic(out, text);
    io.err(`export: ${table.rows.length} rows, ${table.stacks.length} stack columns: ${out}\n`);
  } else {
    io.out(text);
  }
  return 0;
}
