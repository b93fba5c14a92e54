// The compact view model embedded in the report page (gzip + base64, inflated by the page's script).
// Pure: no I/O, no clock. Everything a browser needs to draw charts, compare two times and export
// TSV lives in ReportData; the verdict cards, suspects and "top" tables are also rendered as static
// HTML by reportHtml.ts, so the page reads fine without script and on paper.
//
// Size is bounded no matter how long the recording: chart series are min/max downsampled
// (≤ chartPoints per series), the compare matrix keeps ≤ compareTimes times × ≤ compareStacks
// stacks, and raw samples for the TSV export are delta/run-length encoded (gzip does the rest).

import { NO_FRAMES_NAME, type BlockingKind, type Frame, type HistoryTick, type SampleRow, type Summary, type TargetRecording, type TargetSummary } from '../core/model.js';
import { downsampleMinMax, insertGaps, medianStep, prepareChartSeries, type Series } from './downsample.js';
import { suspectsTsv } from './tsv.js';
import { blockingFrameIndex, blockingKindOf } from './blocking.js';
import { buildCompare, buildTop } from './reportTicks.js';
import { numberFieldOf, SAMPLE_FIELDS, scaleOf } from '../core/sampleFields.js';
import { sumSeries } from '../core/tickSeries.js';

/** The embedded data's layout: 2 since `samples` became a list of columns from core/sampleFields.ts (was 16 fixed keys). */
export const REPORT_DATA_VERSION = 2;

export interface ReportDataOptions {
  /** Max points per chart series (min/max per bucket, so spikes survive). */
  chartPoints?: number;
  /** Max points of each suspect's small count chart. */
  suspectChartPoints?: number;
  /** Max selectable times in "compare two times" (snapshot times included). */
  compareTimes?: number;
  /** Max stacks whose counts are embedded for "compare" (the largest by max count, plus suspects). */
  compareStacks?: number;
  /** Max rows of the "top" view. */
  topGroups?: number;
}

const DEFAULTS: Required<ReportDataOptions> = {
  chartPoints: 2000,
  suspectChartPoints: 600,
  compareTimes: 200,
  compareStacks: 300,
  topGroups: 40,
};

/** Trend series of one target on one shared x axis (unix seconds); null = gap. */
export interface ChartData {
  xs: number[];
  goroutines: Series;
  /**
   * Goroutines the Go runtime proved leaked (leaked_goroutines_confirmed), on the ticks the goroutineleak profile
   * was fetched (every leakProfileMinutes); [] when never measured. Drawn on the goroutines chart.
   */
  leaked: Series;
  rss: Series;
  /** Go heap in use from the pprof heap profile (heap_inuse_bytes); [] when never measured. */
  heap: Series;
  /** expvar memstats HeapInuse, StackInuse (goroutine stacks) and Sys; [] when not served. */
  heapMs: Series;
  stack: Series;
  sys: Series;
  cpu: Series;
  threads: Series;
  fds: Series;
  /** True when min/max bucketing was applied (each bucket yields its min and max). */
  downsampled: boolean;
  /** Rows before downsampling. */
  rows: number;
}

/**
 * A numeric column, delta-encoded: each number is the difference to the previous non-null value
 * (the first to 0); null stays null. Decode with a running sum (see decodeDelta).
 */
export type DeltaColumn = (number | null)[];

/** A string column, run-length encoded: `runs` is [dictIndex, runLength, dictIndex, runLength, ...]. */
export interface RleColumn {
  dict: string[];
  runs: number[];
}

/**
 * One samples.csv column in the page: a number column is round(value × scale) (scale = 10^digits of its field),
 * delta-encoded; a text or word column is run-length encoded; a time column (time_utc) is made in the page from the
 * number column at index `time` (ts_seconds). Decode with decodeSamples.
 */
export type SampleColumnData =
  | { name: string; scale: number; delta: DeltaColumn }
  | { name: string; rle: RleColumn }
  | { name: string; time: number };

/**
 * Every sample row at full resolution, columnar, for the TSV export: every samples.csv column in its order, from
 * the field table (core/sampleFields.ts), so the page's TSV builder has no column list of its own. Scaled
 * integers keep it exact.
 */
export interface SamplesColumns {
  n: number;
  columns: SampleColumnData[];
}

export interface StackData {
  id: number;
  /** Flat [functionIndex, fileIndex, line] triples, leaf first; indexes into ReportTargetData.strings. */
  f: number[];
  labels: Record<string, string>;
  kind: BlockingKind;
  /** Index into strings: the function where the code blocks (runtime/sync internals skipped). */
  leaf: number;
  /** file:line of that function's frame. */
  at: string;
  firstSeen: number;
}

/** One suspect's count over time (ticks), min/max downsampled; index matches TargetSummary.suspects. */
export interface SuspectSeries {
  stackId: number;
  xs: number[];
  c: Series;
}

/** "Top" view: goroutines at the last tick grouped by the function that blocks. */
export interface TopGroup {
  leaf: string;
  /** file:line of the largest stack's blocking frame. */
  at: string;
  count: number;
  /** Share of all goroutines at that tick, 0..1. */
  share: number;
  stacks: number;
  kinds: BlockingKind[];
  /** Largest stacks of the group (ids into ReportTargetData.stacks), at most 5. */
  stackIds: number[];
}

export interface CompareData {
  /** Selectable times (unix seconds), ascending: thinned ticks, every lifetime's first and last tick, snapshot times. */
  times: number[];
  /** Per time: index into lifetimeNames. */
  lifetime: number[];
  /** Lifetimes as in HistoryTick.lifetime (`pid@start` or `url`). */
  lifetimeNames: string[];
  /** Per time: the saved snapshot (path relative to the data dir) taken at that tick, else null. */
  snapshot: (string | null)[];
  /** Per time: all goroutines at that tick. */
  totals: number[];
  /** Embedded stacks (those that ever matter most) and their counts at each time. */
  stacks: { id: number; c: number[] }[];
  /** Distinct stacks in the whole history; the rest are summed up as "other stacks" in the page. */
  stacksInHistory: number;
}

export interface ReportTargetData {
  name: string;
  /** Interned function names and file paths that StackData.f / leaf refer to. */
  strings: string[];
  chart: ChartData;
  /** Times (unix seconds) of rows with event 'restart': a new process lifetime starts there. */
  restarts: number[];
  samples: SamplesColumns;
  stacks: StackData[];
  suspects: SuspectSeries[];
  /** Time of the tick the "top" view describes, null without ticks. */
  topAt: number | null;
  topTotal: number;
  top: TopGroup[];
  compare: CompareData;
  /** The suspects table as TSV (built by tsv.ts). */
  suspectsTsv: string;
}

export interface ReportData {
  version: typeof REPORT_DATA_VERSION;
  generatedAt: string;
  dataDir: string;
  targets: ReportTargetData[];
}

// ---- encoders (and decoders, used by tests; the page has its own copies) ----

export function encodeDelta(values: readonly (number | null)[]): DeltaColumn {
  const out: DeltaColumn = [];
  let prev = 0;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) {
      out.push(null);
    } else {
      out.push(v - prev);
      prev = v;
    }
  }
  return out;
}

export function decodeDelta(col: DeltaColumn): (number | null)[] {
  let run = 0;
  return col.map((d) => (d === null ? null : (run += d)));
}

export function encodeRle(values: readonly string[]): RleColumn {
  const dict: string[] = [];
  const index = new Map<string, number>();
  const runs: number[] = [];
  for (const v of values) {
    let i = index.get(v);
    if (i === undefined) {
      i = dict.length;
      dict.push(v);
      index.set(v, i);
    }
    if (runs.length > 0 && runs[runs.length - 2] === i) runs[runs.length - 1]++;
    else runs.push(i, 1);
  }
  return { dict, runs };
}

export function decodeRle(col: RleColumn): string[] {
  const out: string[] = [];
  for (let k = 0; k < col.runs.length; k += 2) {
    for (let j = 0; j < col.runs[k + 1]; j++) out.push(col.dict[col.runs[k]]);
  }
  return out;
}

const scaled = (v: number | null, scale: number): number | null =>
  v === null || !Number.isFinite(v) ? null : Math.round(v * scale);

export function encodeSamples(rows: readonly SampleRow[]): SamplesColumns {
  const columns = SAMPLE_FIELDS.map((f): SampleColumnData => {
    if (f.type === 'time') return { name: f.column, time: SAMPLE_FIELDS.indexOf(numberFieldOf(f.key)) };
    if (f.type !== 'number') return { name: f.column, rle: encodeRle(rows.map((r) => r[f.key])) };
    const scale = scaleOf(f);
    return { name: f.column, scale, delta: encodeDelta(rows.map((r) => scaled(r[f.key] ?? null, scale))) };
  });
  return { n: rows.length, columns };
}

/** The page's columns back to values by column name (time columns as unix seconds); the page has its own copy. */
export function decodeSamples(S: SamplesColumns): Record<string, (number | string | null)[]> {
  const out: Record<string, (number | string | null)[]> = {};
  for (const c of S.columns) {
    if ('delta' in c) out[c.name] = decodeDelta(c.delta).map((v) => (v === null ? null : v / c.scale));
    else if ('rle' in c) out[c.name] = decodeRle(c.rle);
  }
  for (const c of S.columns) if ('time' in c) out[c.name] = out[S.columns[c.time].name];
  return out;
}

// ---- builders ----

class StringTable {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

function sortedTicks(ticks: readonly HistoryTick[]): readonly HistoryTick[] {
  for (let i = 1; i < ticks.length; i++) {
    if (ticks[i].tsSeconds < ticks[i - 1].tsSeconds) return [...ticks].sort((a, b) => a.tsSeconds - b.tsSeconds);
  }
  return ticks;
}

function sortedSamples(rows: readonly SampleRow[]): readonly SampleRow[] {
  for (let i = 1; i < rows.length; i++) {
    if (rows[i].tsSeconds < rows[i - 1].tsSeconds) return [...rows].sort((a, b) => a.tsSeconds - b.tsSeconds);
  }
  return rows;
}

/** A series that was never measured is sent as [] (the page shows nothing for it). */
function orEmpty(s: Series): Series {
  return s.some((v) => v !== null) ? s : [];
}

function buildChart(rows: readonly SampleRow[], maxPoints: number): ChartData {
  const xs = rows.map((r) => r.tsSeconds);
  const cpu = rows.map((r) => (r.cpuPercent === null ? null : Math.round(r.cpuPercent * 10) / 10));
  const opt = (get: (r: SampleRow) => number | null | undefined) => rows.map((r) => get(r) ?? null);
  const p = prepareChartSeries(
    xs,
    [
      rows.map((r) => r.goroutines),
      rows.map((r) => r.rssBytes),
      cpu,
      rows.map((r) => r.threads),
      rows.map((r) => r.fds),
      opt((r) => r.leakedConfirmed),
      opt((r) => r.heapInuseBytes),
      opt((r) => r.memstatsHeapInuseBytes),
      opt((r) => r.memstatsStackInuseBytes),
      opt((r) => r.memstatsSysBytes),
    ],
    maxPoints,
  );
  return {
    xs: p.xs,
    goroutines: p.series[0],
    leaked: orEmpty(p.series[5]),
    rss: p.series[1],
    heap: orEmpty(p.series[6]),
    heapMs: orEmpty(p.series[7]),
    stack: orEmpty(p.series[8]),
    sys: orEmpty(p.series[9]),
    cpu: p.series[2],
    threads: p.series[3],
    fds: p.series[4],
    downsampled: p.downsampled,
    rows: rows.length,
  };
}

function emptyTarget(name: string): ReportTargetData {
  return {
    name,
    strings: [],
    chart: { xs: [], goroutines: [], leaked: [], rss: [], heap: [], heapMs: [], stack: [], sys: [], cpu: [], threads: [], fds: [], downsampled: false, rows: 0 },
    restarts: [],
    samples: encodeSamples([]),
    stacks: [],
    suspects: [],
    topAt: null,
    topTotal: 0,
    top: [],
    compare: { times: [], lifetime: [], lifetimeNames: [], snapshot: [], totals: [], stacks: [], stacksInHistory: 0 },
    suspectsTsv: '',
  };
}

export function buildTargetData(
  ts: TargetSummary,
  rec: TargetRecording | undefined,
  options: ReportDataOptions = {},
): ReportTargetData {
  const o = { ...DEFAULTS, ...options };
  const out = emptyTarget(ts.name);
  out.suspectsTsv = suspectsTsv(ts.suspects);
  const strings = new StringTable();
  const stackById = new Map<number, StackData>();
  const records = new Map((rec?.stacks ?? []).map((s) => [s.id, s] as const));

  const addStack = (id: number, fallback?: { frames: Frame[]; labels: Record<string, string>; kind?: BlockingKind; firstSeen?: number }) => {
    if (stackById.has(id)) return;
    const r = records.get(id);
    const frames = r?.frames ?? fallback?.frames ?? [];
    const labels = r?.labels ?? fallback?.labels ?? {};
    const f: number[] = [];
    for (const fr of frames) f.push(strings.id(fr.function), strings.id(fr.file), fr.line);
    const bi = blockingFrameIndex(frames);
    const bf = frames[bi];
    stackById.set(id, {
      id,
      f,
      labels,
      kind: fallback?.kind ?? blockingKindOf(frames),
      leaf: strings.id(bf ? bf.function : NO_FRAMES_NAME),
      at: bf ? `${bf.file}:${bf.line}` : '',
      firstSeen: r?.firstSeenTsSeconds ?? fallback?.firstSeen ?? 0,
    });
  };

  for (const s of ts.suspects) addStack(s.stackId, { frames: s.frames, labels: s.labels, kind: s.kind, firstSeen: s.firstSeenTsSeconds });

  if (rec) {
    const rows = sortedSamples(rec.samples);
    out.chart = buildChart(rows, o.chartPoints);
    out.restarts = rows.filter((r) => r.event === 'restart').map((r) => r.tsSeconds);
    out.samples = encodeSamples(rows);

    const ticks = sortedTicks(rec.ticks);
    if (ticks.length > 0) {
      const tickXs = ticks.map((t) => t.tsSeconds);
      // Suspects' own count charts.
      const gap = Math.max(180, medianStep(tickXs) * 5);
      // A label group's chart is the sum of its members, as the analysis judged it; every suspect in one pass.
      const countsOf = sumSeries(ticks, ts.suspects.map((s) => (s.group ? s.group.stackIds : [s.stackId])));
      out.suspects = ts.suspects.map((s, k) => {
        const g = insertGaps(tickXs, [Array.from(countsOf[k] ?? new Float32Array(ticks.length))], gap);
        const d = downsampleMinMax(g.xs, g.series, o.suspectChartPoints);
        return { stackId: s.stackId, xs: d.xs, c: d.series[0] };
      });

      // Top view at the last tick.
      const top = buildTop(ticks[ticks.length - 1], records, o.topGroups, (id) => {
        addStack(id);
        return stackById.get(id)?.at ?? '';
      });
      out.topAt = top.topAt;
      out.topTotal = top.topTotal;
      out.top = top.top;

      // Compare: selectable times and the counts of the stacks that ever matter.
      out.compare = buildCompare(ticks, rec.snapshots, ts.suspects, o);
      for (const st of out.compare.stacks) addStack(st.id);
    } else {
      out.suspects = ts.suspects.map((s) => ({ stackId: s.stackId, xs: [], c: [] }));
    }
  } else {
    out.suspects = ts.suspects.map((s) => ({ stackId: s.stackId, xs: [], c: [] }));
  }

  out.stacks = [...stackById.values()].sort((a, b) => a.id - b.id);
  out.strings = strings.list;
  return out;
}

/** The whole embedded model: one entry per summary target, in summary order. */
export function buildReportData(
  summary: Summary,
  recordings: readonly TargetRecording[],
  opts: { dataDir: string; generatedAt?: string } & ReportDataOptions,
): ReportData {
  const byName = new Map(recordings.map((r) => [r.name, r] as const));
  return {
    version: REPORT_DATA_VERSION,
    generatedAt: opts.generatedAt ?? summary.generatedAt,
    dataDir: opts.dataDir,
    targets: summary.targets.map((t) => buildTargetData(t, byName.get(t.name), opts)),
  };
}
