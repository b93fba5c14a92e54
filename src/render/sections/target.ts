// View model of one target's section (templates/partials/target.hbs): its headline facts, and the view models of
// every sub-section (sections/*.ts), spread flat so the partials read `{{suspects}}`, `{{top}}`, `{{pprof}}`.

import type { TargetRecording, TargetSummary } from '../../core/model.js';
import { formatBytes, formatCount, formatSpan, formatTime } from '../../core/format.js';
import type { ReportTargetData } from '../reportData.js';
import { pprofView } from './pprof.js';
import { runtimeLeaksView } from './runtimeLeaks.js';
import { trendText } from './shared.js';
import { suspectView } from './suspects.js';
import { topView } from './top.js';
import { problemsView } from './trends.js';
import { topSuspectView, verdictInfo } from './verdicts.js';

function memoryView(t: TargetSummary) {
  const h = t.heapInuseBytes;
  return {
    heapText: h && (h.first !== null || h.last !== null) ? trendText(h, (n) => formatBytes(n)) : null,
    explained: t.memoryExplained ? t.memoryExplained.sentence : null,
  };
}

export function targetView(t: TargetSummary, rec: TargetRecording | undefined, data: ReportTargetData, idx: number, dataDir: string) {
  const v = verdictInfo(t.verdict);
  const rows = rec?.samples ?? [];
  let firstTs: number | null = null;
  let lastTs: number | null = null;
  for (const r of rows) {
    if (firstTs === null || r.tsSeconds < firstTs) firstTs = r.tsSeconds;
    if (lastTs === null || r.tsSeconds > lastTs) lastTs = r.tsSeconds;
  }
  const top = t.suspects[0];
  const pprof = pprofView(rec?.snapshots ?? [], dataDir, top ? top.leafFunction : null);
  return {
    idx,
    anchor: `t${idx}`,
    name: t.name,
    verdict: t.verdict,
    verdictWord: v.word,
    verdictIcon: v.icon,
    verdictClass: v.cls,
    headline: t.headline,
    topSuspect: topSuspectView(top, t.suspects.length),
    holdNow: t.suspectsHoldBytes === null ? null : formatBytes(t.suspectsHoldBytes),
    holdDay: t.suspectsHoldBytesInADay === null ? null : formatBytes(t.suspectsHoldBytesInADay),
    bytesPerGoroutine: t.bytesPerGoroutine === null ? null : formatBytes(t.bytesPerGoroutine),
    goroutinesText: trendText(t.goroutines, (n) => formatCount(n)),
    rssText: trendText(t.rssBytes, (n) => formatBytes(n)),
    memory: memoryView(t),
    runtimeLeaks: runtimeLeaksView(t),
    dump: t.goroutineDump ? { at: formatTime(t.goroutineDump.tsSeconds), goroutines: formatCount(t.goroutineDump.goroutines) } : null,
    samples: formatCount(rows.length || t.samples),
    lifetimes: formatCount(t.lifetimes),
    restarts: formatCount(data.restarts.length),
    hasRestarts: data.restarts.length > 0,
    span: firstTs !== null && lastTs !== null ? formatSpan(lastTs - firstTs) : null,
    firstTs: formatTime(firstTs),
    lastTs: formatTime(lastTs),
    hasSamples: rows.length > 0,
    downsampled: data.chart.downsampled,
    // the analysis copies the recording's warnings into its own: show each once
    warnings: [...new Set([...t.warnings, ...(rec?.warnings ?? [])])],
    problems: problemsView(rows),
    suspects: t.suspects.map((s, i) => suspectView(s, i, lastTs)),
    suspectsCount: t.suspects.length,
    ...topView(data),
    canCompare: data.compare.times.length > 1,
    pprof,
    nothingYet: rows.length === 0 && data.compare.times.length === 0 && pprof === null && t.suspects.length === 0,
    fileBase: t.name.replace(/[^A-Za-z0-9._-]+/g, '_') || 'target',
  };
}
