// Renders the one static, self-contained report page. Pure apart from loadReportAssets(), which
// reads the template, CSS, client script and the two vendored libraries (uPlot, pako) once.
//
// Safety: every string from a profile or the recording is untrusted. In HTML it goes through
// Handlebars' {{ }} escaping; inside <script> it is JSON with `<`, U+2028 and U+2029 escaped, or
// base64 of gzipped JSON; the page's script only ever writes it with textContent.

import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import Handlebars from 'handlebars';
import type { SampleRow, SnapshotFile, Summary, Suspect, TargetRecording, TargetSummary, Verdict } from '../core/model.js';
import { buildReportData, blockingFrameIndex, type ReportData, type ReportDataOptions, type ReportTargetData } from './reportData.js';
import { labelsText, suspectLocation } from './tsv.js';

export interface ReportAssets {
  /** templates/report.hbs */
  template: string;
  /** templates/report.css */
  css: string;
  /** templates/report.client.js */
  clientJs: string;
  uplotJs: string;
  uplotCss: string;
  pakoJs: string;
}

export interface RenderReportOptions extends ReportDataOptions {
  /** The data directory as the user should type it in a shell (used in the pprof commands). */
  dataDir: string;
  /** Overrides summary.generatedAt. */
  generatedAt?: string;
  /** Defaults to loadReportAssets(). */
  assets?: ReportAssets;
}

// ---- assets ----

/** The directory holding leakwatch's package.json, found by walking up from this module. */
export function findPackageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'leakwatch') return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find leakwatch's package.json above ${from}`);
    dir = up;
  }
}

function resolveModuleFile(root: string, rel: string[]): string {
  for (const r of rel) {
    // node_modules may sit in the package root or (when installed as a dependency) above it.
    let dir = root;
    for (;;) {
      const p = join(dir, 'node_modules', r);
      if (existsSync(p)) return p;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error(`cannot find ${rel.join(' or ')} in node_modules (is the package installed?)`);
}

let cachedAssets: ReportAssets | undefined;

/** Reads the page's template, styles and scripts from disk (once per process). */
export function loadReportAssets(): ReportAssets {
  if (cachedAssets) return cachedAssets;
  const root = findPackageRoot();
  const read = (p: string) => readFileSync(p, 'utf8');
  cachedAssets = {
    template: read(join(root, 'templates', 'report.hbs')),
    css: read(join(root, 'templates', 'report.css')),
    clientJs: read(join(root, 'templates', 'report.client.js')),
    uplotJs: read(resolveModuleFile(root, ['uplot/dist/uPlot.iife.min.js'])),
    uplotCss: read(resolveModuleFile(root, ['uplot/dist/uPlot.min.css'])),
    pakoJs: read(
      resolveModuleFile(root, ['pako/dist/browser/pako_inflate.umd.min.js', 'pako/dist/pako_inflate.min.js']),
    ),
  };
  return cachedAssets;
}

// ---- escaping helpers ----

/** JSON that is safe inside a <script> element: no `<` (so no `</script>` or `<!--`), no U+2028/9. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Trusted script text (our own files, vendored libraries) made unable to end its <script> early. */
export function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function styleText(css: string): string {
  return css.replace(/<\/(style)/gi, '<\\/$1');
}

/** gzip + base64 of the JSON, as embedded in <script type="application/octet-stream" id="lw-data">. */
export function encodeEmbeddedData(data: ReportData): string {
  return gzipSync(Buffer.from(JSON.stringify(data), 'utf8'), { level: 6 }).toString('base64');
}

// Formatting lives in one module (src/core/format.ts); re-exported for the page's view models and tests.
export { formatBytes, formatCount, formatSigned, formatSpan, formatTime, shellQuote } from '../core/format.js';
import { formatTime, formatSpan, formatBytes, formatCount, formatSigned, shellQuote } from '../core/format.js';

function isoTime(s: string | undefined): { text: string; iso: string } {
  const ms = s ? Date.parse(s) : NaN;
  if (Number.isNaN(ms)) return { text: s ?? '', iso: s ?? '' };
  return { text: formatTime(ms / 1000), iso: new Date(ms).toISOString() };
}

const VERDICT: Record<Verdict, { word: string; icon: string; cls: string; rank: number }> = {
  leak: { word: 'Leak', icon: '▲', cls: 'leak', rank: 0 },
  growing: { word: 'Growing', icon: '↗', cls: 'growing', rank: 1 },
  stable: { word: 'Stable', icon: '✓', cls: 'stable', rank: 3 },
  'insufficient-data': { word: 'Not enough data', icon: '…', cls: 'nodata', rank: 2 },
};

function verdictInfo(v: Verdict) {
  return VERDICT[v] ?? { word: String(v), icon: '?', cls: 'nodata', rank: 2 };
}

// ---- view model for the template ----

function shapeWord(shape: string): string {
  return shape === 'insufficient-data' ? 'not enough data' : shape;
}

function trendText(t: TargetSummary['goroutines'], fmt: (n: number | null) => string): string {
  if (t.first === null && t.last === null) return 'not measured';
  const rate = t.perHour === null ? '' : `, ${t.perHour >= 0 ? '+' : '−'}${fmt(Math.abs(t.perHour))} per hour`;
  return `${fmt(t.first)} → ${fmt(t.last)}${rate} (${shapeWord(t.shape)})`;
}

interface FrameView {
  fn: string;
  loc: string;
  blocks: boolean;
  mechanism: boolean;
}

function framesView(frames: Suspect['frames'], blockIndex: number): FrameView[] {
  return frames.map((f, i) => ({
    fn: f.function,
    loc: `${f.file}:${f.line}`,
    blocks: i === blockIndex,
    mechanism: i < blockIndex,
  }));
}

function minutesText(m: number): string {
  if (m >= 1440) return `${formatCount(Math.round((m / 1440) * 10) / 10)} days`;
  if (m >= 120) return `${formatCount(Math.round((m / 60) * 10) / 10)} h`;
  return `${formatCount(m)} min`;
}

const HIST_LABELS: Record<string, string> = {
  '0': 'under 1 min',
  '1': '1–5 min',
  '5': '5–15 min',
  '15': '15–60 min',
  '60': '1–4 h',
  '240': '4–24 h',
  '1440+': '1 day or more',
};

/** Creator, wait reason and the minutes-blocked distribution of a suspect, from the debug=2 dump. */
function blockedView(s: Suspect) {
  const b = s.blockedMinutes;
  if (!b) return null;
  const peak = Math.max(1, ...b.histogram.map((h) => h.count));
  // Leading and trailing empty bins are left out; the ones between stay, so the shape is honest.
  let lo = b.histogram.findIndex((h) => h.count > 0);
  let hi = b.histogram.length - 1 - [...b.histogram].reverse().findIndex((h) => h.count > 0);
  if (lo < 0) lo = hi = 0;
  return {
    goroutines: formatCount(b.goroutines),
    dumpAt: formatTime(b.dumpTsSeconds),
    min: minutesText(b.min),
    median: minutesText(b.median),
    max: minutesText(b.max),
    stamped: formatCount(b.stamped),
    allUnstamped: b.stamped === 0,
    leaked: b.leaked > 0 ? formatCount(b.leaked) : null,
    allLeaked: b.leaked === b.goroutines,
    merged: b.mergedWithOtherLabels,
    bins: b.histogram.slice(lo, hi + 1).map((h) => ({
      label: HIST_LABELS[h.label] ?? `${h.label} min`,
      count: formatCount(h.count),
      // whole percents of the widest bar; inline width is the one style attribute the page uses
      width: h.count === 0 ? 0 : Math.max(2, Math.round((h.count / peak) * 100)),
    })),
  };
}

/** Why a stack is a suspect, in the words of suspects.ts / growth.ts. */
const EVIDENCE_TEXT: Record<NonNullable<Suspect['evidence']>, string> = {
  'floor-rises': 'it never gave goroutines back in the recorded history, and keeps rising',
  'known-leaker': 'it rose through an earlier process lifetime too, and rises again in this one',
  'above-daily-range': 'it follows load, but its last hours stand above the highest it ever was at these hours',
  'daily-floor-rises': 'it follows load, and its daily floor rises day over day',
  'runtime-proven': 'the Go runtime proved these goroutines leaked, and their count grew between two leak profiles',
};

function groupText(g: NonNullable<Suspect['group']>): string {
  const keys = g.labelKeys.map((k) => `${k.key} (${formatCount(k.distinctValues)} values, e.g. ${k.examples.join(', ')})`).join('; ');
  return `${formatCount(g.stackIds.length)} stacks with the same frames whose labels differ only in ${keys || 'values'}, counted together`;
}

function suspectView(s: Suspect, i: number, lastTs: number | null) {
  let bi = s.frames.findIndex((f) => f.function === s.leafFunction);
  if (bi < 0) bi = blockingFrameIndex(s.frames);
  const labels = Object.keys(s.labels)
    .sort()
    .map((k) => ({ k, v: s.labels[k] }));
  const src = s.source;
  return {
    rank: i + 1,
    idx: i,
    leaf: s.leafFunction,
    at: suspectLocation(s),
    kind: s.kind,
    first: formatCount(s.first),
    last: formatCount(s.last),
    growth: formatSigned(s.last - s.first),
    perHour: formatSigned(s.perHour, '/h'),
    share: formatShare(s.share),
    consistency: `${Math.round(s.consistency * 100)}%`,
    score: formatCount(Math.round(s.score * 100) / 100),
    confirmed: s.confirmed,
    evidence: s.evidence ? EVIDENCE_TEXT[s.evidence] : null,
    group: s.group ? groupText(s.group) : null,
    createdBy: s.createdBy ?? null,
    createdAt: s.createdAt ?? null,
    waitReason: s.waitReason ?? null,
    blocked: blockedView(s),
    labels,
    labelsText: labelsText(s.labels),
    firstSeen: formatTime(s.firstSeenTsSeconds),
    firstSeenShort: formatTime(s.firstSeenTsSeconds).replace(/ UTC$/, ''),
    firstSeenAgo: lastTs !== null && s.firstSeenTsSeconds > 0 ? formatSpan(lastTs - s.firstSeenTsSeconds) : '',
    frames: framesView(s.frames, bi),
    source:
      src && src.lines.length > 0
        ? {
            file: src.file,
            line: src.line,
            lines: src.lines.map((text, k) => ({ no: src.startLine + k, text, hot: src.startLine + k === src.line })),
          }
        : null,
  };
}

function problemsView(rows: readonly SampleRow[]) {
  const by = new Map<string, { status: string; count: number; first: number; last: number; message: string }>();
  for (const r of rows) {
    if (r.status === 'ok') continue;
    let p = by.get(r.status);
    if (!p) by.set(r.status, (p = { status: r.status, count: 0, first: r.tsSeconds, last: r.tsSeconds, message: '' }));
    p.count++;
    p.first = Math.min(p.first, r.tsSeconds);
    if (r.tsSeconds >= p.last) {
      p.last = r.tsSeconds;
      if (r.message) p.message = r.message;
    }
  }
  return [...by.values()]
    .sort((a, b) => b.count - a.count)
    .map((p) => ({ ...p, count: formatCount(p.count), first: formatTime(p.first), last: formatTime(p.last) }));
}

function snapshotPath(dataDir: string, rel: string): string {
  if (!dataDir || dataDir === '.') return rel.startsWith('-') ? `./${rel}` : rel;
  return `${dataDir.replace(/\/+$/, '')}/${rel}`;
}

function regexQuote(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function pprofView(snapshots: readonly SnapshotFile[], dataDir: string, topLeaf: string | null) {
  const all = [...snapshots].sort((a, b) => a.tsSeconds - b.tsSeconds);
  const snaps = all.filter((s) => (s.kind ?? 'goroutine') === 'goroutine');
  const leakProfiles = all.filter((s) => s.kind === 'goroutineleak');
  const dumps = all.filter((s) => s.kind === 'goroutine-debug2');
  if (snaps.length === 0 && leakProfiles.length === 0 && dumps.length === 0) return null;
  const q = (s: SnapshotFile) => shellQuote(snapshotPath(dataDir, s.path));
  const cmds: { what: string; cmd: string }[] = [];
  const latest = snaps.length > 0 ? snaps[snaps.length - 1] : null;
  // Diff within one process lifetime: counts reset at a restart.
  let base: SnapshotFile | null = null;
  if (latest) {
    const sameProcess = snaps.filter((s) => s.pid === latest.pid);
    base = sameProcess.length > 1 ? sameProcess[0] : snaps.length > 1 ? snaps[0] : null;
    const L = q(latest);
    cmds.push({ what: 'Where goroutines sit in the latest profile, largest first', cmd: `go tool pprof -top ${L}` });
    cmds.push({ what: 'Every distinct stack with its count and labels', cmd: `go tool pprof -traces ${L}` });
    if (topLeaf) {
      cmds.push({
        what: 'Source of the top suspect (needs the source tree at the same paths)',
        cmd: `go tool pprof -list ${shellQuote('^' + regexQuote(topLeaf) + '$')} ${L}`,
      });
    }
    if (base) {
      const B = q(base);
      cmds.push({
        what: `What grew between ${formatTime(base.tsSeconds)} and ${formatTime(latest.tsSeconds)}`,
        cmd: `go tool pprof -top -diff_base ${B} ${L}`,
      });
      cmds.push({ what: 'The same difference in the browser (flame graph, graph, source)', cmd: `go tool pprof -http=:0 -diff_base ${B} ${L}` });
    } else {
      cmds.push({ what: 'Open the latest profile in the browser (flame graph, graph, source)', cmd: `go tool pprof -http=:0 ${L}` });
    }
  }
  if (leakProfiles.length > 0) {
    cmds.push({
      what: 'Goroutines the Go runtime itself found leaked (goroutineleak profile)',
      cmd: `go tool pprof -traces ${q(leakProfiles[leakProfiles.length - 1])}`,
    });
  }
  if (dumps.length > 0) {
    cmds.push({
      what: 'Full text dump: every goroutine with its wait reason and how long it has waited',
      cmd: `gzip -dc ${q(dumps[dumps.length - 1])} | less`,
    });
  }
  const span = snaps.length > 0 ? snaps : all;
  return {
    count: formatCount(snaps.length),
    latest: formatTime(span[span.length - 1].tsSeconds),
    first: formatTime(span[0].tsSeconds),
    base: base ? formatTime(base.tsSeconds) : null,
    acrossRestart: base !== null && latest !== null && base.pid !== latest.pid,
    relative: !dataDir.startsWith('/'),
    cmds,
  };
}

/** Stacks of the runtime's leak profile; those that are not suspects are listed as leaked, even if flat. */
function runtimeLeaksView(t: TargetSummary) {
  const rl = t.runtimeLeaks;
  if (!rl) return null;
  const stacks = rl.stacks.map((st) => {
    let bi = st.frames.findIndex((f) => f.function === st.leafFunction);
    if (bi < 0) bi = blockingFrameIndex(st.frames);
    const f = st.frames[bi];
    return {
      leaf: st.leafFunction,
      at: f ? `${f.file}:${f.line}` : '',
      kind: st.kind,
      count: formatCount(st.count),
      labels: Object.keys(st.labels)
        .sort()
        .map((k) => ({ k, v: st.labels[k] })),
      suspectRank: st.suspectRank,
      frames: framesView(st.frames, bi),
    };
  });
  const notSuspects = stacks.filter((st) => st.suspectRank === null);
  const confirmedSuspects = t.suspects.filter((s) => s.confirmed).length;
  return {
    at: formatTime(rl.tsSeconds),
    total: formatCount(rl.total),
    none: rl.total === 0,
    stacks,
    notSuspects,
    notSuspectsCount: notSuspects.length,
    confirmedSuspects,
    suspectsCount: t.suspects.length,
  };
}

function memoryView(t: TargetSummary) {
  const h = t.heapInuseBytes;
  return {
    heapText: h && (h.first !== null || h.last !== null) ? trendText(h, (n) => formatBytes(n)) : null,
    explained: t.memoryExplained ? t.memoryExplained.sentence : null,
  };
}

function targetView(t: TargetSummary, rec: TargetRecording | undefined, data: ReportTargetData, idx: number, dataDir: string) {
  const v = verdictInfo(t.verdict);
  const rows = rec?.samples ?? [];
  let firstTs: number | null = null;
  let lastTs: number | null = null;
  for (const r of rows) {
    if (firstTs === null || r.tsSeconds < firstTs) firstTs = r.tsSeconds;
    if (lastTs === null || r.tsSeconds > lastTs) lastTs = r.tsSeconds;
  }
  const top = t.suspects[0];
  const hasGoroutines = rows.some((r) => r.goroutines !== null);
  const topRows = data.top.map((g) => ({
    leaf: g.leaf,
    at: g.at,
    count: formatCount(g.count),
    share: formatShare(g.share),
    stacks: formatCount(g.stacks),
    kinds: g.kinds.join(', '),
  }));
  const topOther = data.topTotal - data.top.reduce((a, g) => a + g.count, 0);
  const pprof = pprofView(rec?.snapshots ?? [], dataDir, top ? top.leafFunction : null);
  const fileBase = t.name.replace(/[^A-Za-z0-9._-]+/g, '_') || 'target';
  return {
    idx,
    anchor: `t${idx}`,
    name: t.name,
    verdict: t.verdict,
    verdictWord: v.word,
    verdictIcon: v.icon,
    verdictClass: v.cls,
    headline: t.headline,
    topSuspect: top
      ? {
          leaf: top.leafFunction,
          at: suspectLocation(top),
          kind: top.kind,
          first: formatCount(top.first),
          last: formatCount(top.last),
          perHour: formatSigned(top.perHour, ' per hour'),
          more: t.suspects.length > 1 ? t.suspects.length - 1 : 0,
          confirmed: top.confirmed,
        }
      : null,
    holdNow: t.suspectsHoldBytes === null ? null : formatBytes(t.suspectsHoldBytes),
    holdDay: t.suspectsHoldBytesInADay === null ? null : formatBytes(t.suspectsHoldBytesInADay),
    bytesPerGoroutine: t.bytesPerGoroutine === null ? null : formatBytes(t.bytesPerGoroutine),
    goroutinesText: trendText(t.goroutines, (n) => formatCount(n)),
    rssText: trendText(t.rssBytes, (n) => formatBytes(n)),
    memory: memoryView(t),
    runtimeLeaks: runtimeLeaksView(t),
    dump: t.goroutineDump
      ? {
          at: formatTime(t.goroutineDump.tsSeconds),
          goroutines: formatCount(t.goroutineDump.goroutines),
          matched: t.suspects.filter((s) => s.blockedMinutes).length,
          truncated: t.goroutineDump.truncated,
        }
      : null,
    samples: formatCount(rows.length || t.samples),
    lifetimes: formatCount(t.lifetimes),
    restarts: formatCount(data.restarts.length),
    hasRestarts: data.restarts.length > 0,
    span: firstTs !== null && lastTs !== null ? formatSpan(lastTs - firstTs) : null,
    firstTs: formatTime(firstTs),
    lastTs: formatTime(lastTs),
    hasSamples: rows.length > 0,
    hasGoroutines,
    downsampled: data.chart.downsampled,
    chartPoints: formatCount(data.chart.xs.length),
    // the analysis copies the recording's warnings into its own: show each once
    warnings: [...new Set([...t.warnings, ...(rec?.warnings ?? [])])],
    problems: problemsView(rows),
    suspects: t.suspects.map((s, i) => suspectView(s, i, lastTs)),
    suspectsCount: t.suspects.length,
    top: topRows.slice(0, TOP_SHOWN),
    topMore: topRows.slice(TOP_SHOWN),
    topOther:
      topOther > 0
        ? `${formatCount(topOther)} more goroutine${topOther === 1 ? '' : 's'} in smaller groups not listed`
        : null,
    topAt: formatTime(data.topAt),
    topTotal: formatCount(data.topTotal),
    hasTicks: data.compare.times.length > 0,
    canCompare: data.compare.times.length > 1,
    pprof,
    nothingYet: rows.length === 0 && data.compare.times.length === 0 && pprof === null && t.suspects.length === 0,
    fileBase,
  };
}

/** Adds <wbr> after / and . in already-escaped text (entities contain neither, so none is split). */
function breakable(escaped: string): string {
  return escaped.replace(/([/.])(?=[^/.])/g, '$1<wbr>');
}

function formatShare(share: number): string {
  if (!Number.isFinite(share) || share <= 0) return '0%';
  if (share < 0.001) return '<0.1%';
  return `${Math.round(share * 1000) / 10}%`;
}

const TOP_SHOWN = 12;

const compiled = new Map<string, Handlebars.TemplateDelegate>();

function compile(template: string): Handlebars.TemplateDelegate {
  let t = compiled.get(template);
  if (!t) {
    const hb = Handlebars.create();
    hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    // Escaped text with line-break opportunities after / and . (Go import paths, file paths).
    hb.registerHelper('brk', (v: unknown) => new hb.SafeString(breakable(hb.escapeExpression(String(v ?? '')))));
    t = hb.compile(template, { strict: false, noEscape: false, preventIndent: true });
    compiled.set(template, t);
  }
  return t;
}

/** The report page as one HTML string. */
export function renderReportHtml(summary: Summary, recordings: TargetRecording[], opts: RenderReportOptions): string {
  const assets = opts.assets ?? loadReportAssets();
  const data = buildReportData(summary, recordings, opts);
  return renderReportHtmlFromData(summary, recordings, data, assets);
}

/** Same as renderReportHtml when the caller already built (or wants to inspect) the ReportData. */
export function renderReportHtmlFromData(
  summary: Summary,
  recordings: TargetRecording[],
  data: ReportData,
  assets: ReportAssets,
): string {
  const byName = new Map(recordings.map((r) => [r.name, r] as const));
  const targets = summary.targets.map((t, i) => targetView(t, byName.get(t.name), data.targets[i], i, data.dataDir));
  const order = [...targets].sort(
    (a, b) => verdictInfo(a.verdict).rank - verdictInfo(b.verdict).rank || a.idx - b.idx,
  );
  const gen = isoTime(data.generatedAt);
  const counts = { leak: 0, growing: 0, stable: 0, nodata: 0 };
  for (const t of targets) counts[t.verdictClass as keyof typeof counts]++;
  const overall: string[] = [];
  if (counts.leak) overall.push(`${counts.leak} leaking`);
  if (counts.growing) overall.push(`${counts.growing} growing`);
  if (counts.stable) overall.push(`${counts.stable} stable`);
  if (counts.nodata) overall.push(`${counts.nodata} without enough data`);
  const view = {
    title:
      targets.length === 0
        ? 'leakwatch report: no data yet'
        : `leakwatch: ${counts.leak ? 'leak found' : counts.growing ? 'growth found' : 'no leak found'} (${targets.map((t) => t.name).join(', ')})`,
    generatedAt: gen.text,
    generatedAtIso: gen.iso,
    dataDir: data.dataDir,
    recordCmd: 'npx leakwatch record',
    reportCmd: 'npx leakwatch report',
    cronCmd: 'npx leakwatch cron install',
    empty: targets.length === 0,
    multi: targets.length > 1,
    overall: overall.join(', '),
    cards: order,
    targets,
    css: styleText(assets.uplotCss + '\n' + assets.css),
    pakoJs: scriptText(assets.pakoJs),
    uplotJs: scriptText(assets.uplotJs),
    clientJs: scriptText(assets.clientJs),
    summaryJson: jsonForScript(summary),
    dataB64: encodeEmbeddedData(data),
  };
  return compile(assets.template)(view);
}
