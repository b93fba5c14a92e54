// From a TargetRecording to a TargetSummary, stage by stage: data quality (dataQuality.ts), lifetimes
// (lifetimes.ts), series and their trends (trend.ts), suspects (suspects.ts, judged by growth.ts), memory
// (memory.ts), the runtime's own evidence (evidence.ts), the verdict (verdict.ts) and its words (headline.ts).
// Pure: no I/O (source lines are read by the caller, see source.ts; so are the goroutineleak and debug=2
// snapshots, which arrive decoded in opts.evidence).
//
// What is judged: the current (last) process lifetime, up to the window's end (`--until`, default now), with every
// earlier lifetime as context (a stack that gave goroutines back before is elastic; one that rose through earlier
// lifetimes too is a known leaker). The window's start (`--since`) only chooses what is shown and which rows the
// warnings talk about: history before it is context, never dropped.

import type { RuntimeLeaks, SampleRow, SeriesTrend, Summary, TargetRecording, TargetSummary } from '../core/model.js';
import { formatIsoSeconds } from '../core/format.js';
import { dataQualityWarnings, failedSamples } from './dataQuality.js';
import { applyLeakProfile, dumpFactsForSuspects, type TargetEvidence } from './evidence.js';
import { judgeGrowth, type GrowthJudgement } from './growth.js';
import { buildHeadline } from './headline.js';
import { processStartOf } from '../core/tickPlan.js';
import { recordingUntil, sortByTime, splitLifetimes, ticksOfLifetime } from './lifetimes.js';
import {
  bytesPerGoroutine,
  explainMemory,
  HEAP_MIN_RISE_BYTES,
  memorySeries,
  RSS_MIN_RISE_BYTES,
  suspectsHold,
  unexplainedRssGrowth,
  type Series,
} from './memory.js';
import { findSuspects, SUSPECT_MIN_INCREASE } from './suspects.js';
import { classifyTrend, MIN_POINTS, MIN_SPAN_SECONDS, type TrendResult } from './trend.js';
import { decideVerdict, STRONG_RISE_Z } from './verdict.js';

export { currentLifetimeWindow, lifetimeOfRow } from './lifetimes.js';
export { explainMemory, growthOf, MIN_BYTES_PER_GOROUTINE, RSS_MIN_RISE_BYTES, HEAP_MIN_RISE_BYTES } from './memory.js';
export { GAP_FACTOR, GAP_MIN_SECONDS } from './dataQuality.js';
export { STRONG_RISE_Z } from './verdict.js';

/** Goroutine totals must rise by at least this much to be material: a few request goroutines come and go. */
export const GOROUTINES_MIN_RISE = 10;

export interface AnalyzeOptions {
  /** goleak-style ignore list for suspects. */
  ignore?: string[];
  /** "Now", unix seconds (for generatedAt and the stale-data warning); defaults to the clock. */
  nowSeconds?: number;
  /** Minimum rise of a stack to be a suspect; default SUSPECT_MIN_INCREASE. */
  minIncrease?: number;
  /**
   * The view (`--since/--until`, unix seconds). The verdict covers the current lifetime up to `untilSeconds`;
   * `sinceSeconds` chooses the rows the warnings and the failed-sample count talk about.
   */
  window?: { sinceSeconds?: number; untilSeconds?: number };
  /**
   * Decoded goroutineleak / debug=2 snapshots of each target's current lifetime, by target name (the caller
   * picks them with pickEvidenceSnapshots(rec.snapshots, currentLifetimeWindow(rec)) and reads them).
   */
  evidence?: Record<string, TargetEvidence>;
  /** Called before each target is analysed (analyzeAll only): for progress output. */
  onTarget?: (name: string, index: number, total: number) => void;
}

function publicTrend(t: TrendResult, judged?: GrowthJudgement | null): SeriesTrend {
  // A series the growth judgement found leaking is shown as rising, whatever shape the plain trend test saw.
  return { first: t.first, last: t.last, perHour: t.perHour, shape: judged?.status === 'leaking' ? 'rising' : t.shape };
}

const nonEmpty = (s: Series) => s.vs.length > 0;

/**
 * The warning for stacks the history counts and stacks.jsonl lacks (suspects.ts unknownStack): check and report also
 * say it on stderr (isLostStacksWarning), since a verdict on them names no function.
 */
export function lostStacksWarning(target: string, n: number, minIncrease: number): string {
  return (
    `${target}/stacks.jsonl: ${n} stack(s) of the history that changed by ${minIncrease} goroutines or more have no line in it (the file ` +
    `was cut short, or a line damaged), so they are judged and shown as "stack #<id>" without frames; their frames are in the ` +
    `goroutine snapshots taken since (go tool pprof -traces <snapshot>)`
  );
}

/** Whether a summary warning is lostStacksWarning's. */
export function isLostStacksWarning(target: string, w: string): boolean {
  return w.startsWith(`${target}/stacks.jsonl: `) && w.includes('have no line in it');
}

/** Analyse one target; the verdict is about its current (last) process lifetime up to the window's end. */
export function analyzeTarget(recording: TargetRecording, opts: AnalyzeOptions = {}): TargetSummary {
  const sinceSeconds = opts.window?.sinceSeconds ?? null;
  const untilSeconds = opts.window?.untilSeconds ?? null;
  const rec = recordingUntil(recording, untilSeconds);
  const warnings: string[] = [...rec.warnings];

  const { sorted: samples, outOfOrder: samplesBack } = sortByTime(rec.samples, (r) => r.tsSeconds);
  const { sorted: ticks, outOfOrder: ticksBack } = sortByTime(rec.ticks, (t) => t.tsSeconds);
  const inView = (ts: number) => (sinceSeconds === null || ts >= sinceSeconds) && (untilSeconds === null || ts <= untilSeconds);
  const viewRows = sinceSeconds === null ? samples : samples.filter((r) => inView(r.tsSeconds));
  warnings.push(...dataQualityWarnings(viewRows, { samples: samplesBack, ticks: ticksBack }, opts.nowSeconds));

  // lifetimes
  const runs = splitLifetimes(samples, ticks);
  const current = runs[runs.length - 1];
  const restartsInView = runs.filter((r) => r.endTs >= (sinceSeconds ?? -Infinity)).length - 1;
  if (restartsInView > 0 && current) {
    warnings.push(
      `process restarted ${restartsInView} time(s) (${restartsInView + 1} lifetimes); the verdict covers the current one ` +
        `(${current.key === 'url' ? 'pprof only' : `pid ${current.key.split('@')[0]}`}, since ${formatIsoSeconds(current.startTs)})`,
    );
  }
  // the profile history names lifetimes the same way; if it does not know this one but its last ticks fall in
  // the current lifetime's time range, trust the time (and say so) rather than lose the per-stack evidence
  let tickKey = current?.key ?? null;
  if (current && ticks.length > 0 && !ticks.some((t) => t.lifetime === current.key)) {
    const lastTick = ticks[ticks.length - 1]!;
    if (current.rows.length > 0 && lastTick.tsSeconds >= current.startTs) {
      tickKey = lastTick.lifetime;
      warnings.push(`profile history calls the current lifetime "${tickKey}", samples "${current.key}": matched by time`);
    }
  }
  const lifeTicks = tickKey !== null ? ticksOfLifetime(ticks, tickKey) : [];
  const rows: SampleRow[] = current ? current.rows : [];

  // the current lifetime's series (null = not measured: skipped, never zero)
  const mem = memorySeries(rows);
  const goroutines = mem.goroutines;
  if (lifeTicks.length > goroutines.ts.length) {
    // the profile history has more goroutine totals than samples.csv (e.g. samples lost): use it
    goroutines.ts = lifeTicks.map((t) => t.tsSeconds);
    goroutines.vs = lifeTicks.map((t) => t.total);
  }
  const gTrend = classifyTrend(goroutines.ts, goroutines.vs, { minAbsRise: GOROUTINES_MIN_RISE });
  const rTrend = classifyTrend(mem.rss.ts, mem.rss.vs, { minAbsRise: RSS_MIN_RISE_BYTES });
  const hTrend = classifyTrend(mem.heap.ts, mem.heap.vs, { minAbsRise: HEAP_MIN_RISE_BYTES });

  // suspects: every stack and label group, plus what the runtime proved leaked and grew
  const ev = opts.evidence?.[rec.name];
  const leakProfiles =
    ev?.leakProfile && ev.firstLeakProfile
      ? { first: { tsSeconds: ev.firstLeakProfile.tsSeconds, profile: ev.firstLeakProfile.profile }, latest: { tsSeconds: ev.leakProfile.tsSeconds, profile: ev.leakProfile.profile } }
      : null;
  const findings =
    tickKey !== null
      ? findSuspects(rec.stacks, ticks, tickKey, { ignore: opts.ignore, minIncrease: opts.minIncrease ?? SUSPECT_MIN_INCREASE, leakProfiles })
      : { suspects: [], unsure: 0, withinDailyRange: 0, boundedBefore: 0 };
  const suspects = findings.suspects;
  if (findings.unknownStacks) warnings.push(lostStacksWarning(rec.name, findings.unknownStacks, opts.minIncrease ?? SUSPECT_MIN_INCREASE));

  // the runtime's own evidence (goroutineleak: confirmed; debug=2: creator, wait reason, minutes blocked)
  let runtimeLeaks: RuntimeLeaks | null = null;
  if (ev?.leakProfile) runtimeLeaks = applyLeakProfile(suspects, ev.leakProfile, rec.stacks);
  for (const s of suspects) {
    s.createdBy = null;
    s.createdAt = null;
    s.waitReason = null;
    s.blockedMinutes = null;
  }
  let goroutineDump: TargetSummary['goroutineDump'] = null;
  if (ev?.dump) {
    const d = ev.dump;
    goroutineDump = { tsSeconds: d.tsSeconds, path: d.path, goroutines: d.dump.goroutines.length, truncated: d.dump.truncated };
    const lastLifeTick = lifeTicks[lifeTicks.length - 1];
    const byId = new Map(rec.stacks.map((st) => [st.id, st] as const));
    const live = lastLifeTick ? [...lastLifeTick.counts].filter(([, c]) => c > 0).map(([id]) => byId.get(id)).filter((x) => x !== undefined) : [];
    const facts = dumpFactsForSuspects(suspects, d.dump, d.tsSeconds, live);
    suspects.forEach((s, i) => {
      const f = facts[i];
      if (!f) return;
      s.createdBy = f.createdBy;
      s.createdAt = f.createdAt;
      s.waitReason = f.waitReason;
      s.blockedMinutes = f.blockedMinutes;
    });
    if (d.dump.truncated) warnings.push(`the debug=2 dump ${d.path} is cut short (Go stops at 64 MiB): wait times cover only the goroutines it holds`);
  }

  // memory: the parts of the RSS growth, what suspects hold, and whether the heap or RSS leak on their own
  const bpg = bytesPerGoroutine(rows);
  const memoryExplained = explainMemory(mem, bpg);
  const hold = suspectsHold(suspects, bpg, memoryExplained);
  // each earlier lifetime's series, with when its process started (growth.ts stillRisingAtEnd)
  const earlierMem = runs.slice(0, -1).map((r) => {
    const m = memorySeries(r.rows);
    const processStartTs = processStartOf(r.key);
    return { heap: { ...m.heap, processStartTs }, rss: { ...m.rss, processStartTs }, goroutines: { ...m.goroutines, processStartTs } };
  });
  const judge = (cur: Series, earlier: Series[], minAbsRise: number, how: { fallsOfFloor?: boolean; beyondWander?: boolean } = {}) =>
    nonEmpty(cur) ? judgeGrowth({ current: cur, earlier: earlier.filter(nonEmpty), minAbsRise, ...how }) : null;
  // memory is not held to the wander test (growth.ts beyondWander: a GC sawtooth is noise, not a walk)
  const heapJ = judge(mem.heap, earlierMem.map((m) => m.heap), HEAP_MIN_RISE_BYTES);
  const rssJ = judge(mem.rss, earlierMem.map((m) => m.rss), RSS_MIN_RISE_BYTES);
  const otherGrowth = unexplainedRssGrowth(mem, memoryExplained);
  // enough per-stack history to judge: as many points and as long a span as any trend needs
  const hasStackHistory =
    lifeTicks.length >= MIN_POINTS && lifeTicks[lifeTicks.length - 1]!.tsSeconds - lifeTicks[0]!.tsSeconds >= MIN_SPAN_SECONDS;
  // the total is a sum: bursts of one stack come and go above the floor a leaking stack lifts
  // and a sum of stacks (sessions drifting among them), judged beyond its wander as they are
  const gJ = judge(goroutines, earlierMem.map((m) => m.goroutines), GOROUTINES_MIN_RISE, { fallsOfFloor: true, beyondWander: true });
  // The first day ever recorded: the total, the heap and RSS rise with the morning's load as the stacks that follow
  // it do, and are held back the same way (firstDay.ts; suspects.ts has the load): without it a recording started
  // at 06:00 said "growing" all morning (goroutines-unexplained, no suspect).
  const firstDay = findings.firstDay ?? null;
  const heldWithLoad = (j: GrowthJudgement | null, cur: Series, earlier: Series[], minAbsRise: number, how: { fallsOfFloor?: boolean; beyondWander?: boolean } = {}) =>
    firstDay !== null &&
    j !== null &&
    firstDay.held(j, cur, minAbsRise, (untilTs) => {
      const n = cur.ts.findIndex((t) => t >= untilTs);
      const pre = n < 0 ? cur : { ts: cur.ts.slice(0, n), vs: cur.vs.slice(0, n) };
      const pj = judge(pre, earlier, minAbsRise, how);
      return pj ? { j: pj, series: pre } : null;
    });
  // RSS alarms only on growth the heap and the goroutine stacks do not explain
  const rssGrowthUnexplained = otherGrowth !== null && otherGrowth >= RSS_MIN_RISE_BYTES;
  // held only where it could have alarmed (decideVerdict below): the headline names what was held back, nothing else
  const held = {
    goroutines: hasStackHistory && heldWithLoad(gJ, goroutines, earlierMem.map((m) => m.goroutines), GOROUTINES_MIN_RISE, { fallsOfFloor: true, beyondWander: true }),
    heap: heldWithLoad(heapJ, mem.heap, earlierMem.map((m) => m.heap), HEAP_MIN_RISE_BYTES),
    rss: rssGrowthUnexplained && heldWithLoad(rssJ, mem.rss, earlierMem.map((m) => m.rss), RSS_MIN_RISE_BYTES),
  };

  const decision = decideVerdict({
    windowInverted: sinceSeconds !== null && untilSeconds !== null && sinceSeconds > untilSeconds,
    windowEmpty: (sinceSeconds !== null || untilSeconds !== null) && viewRows.length === 0 && samples.length + ticks.length > 0,
    unreadableFiles: rec.unreadableFiles ?? [],
    rowsInView: viewRows.length,
    okRowsInView: viewRows.filter((r) => r.status === 'ok').length,
    enoughPoints: gTrend.shape !== 'insufficient-data' || rTrend.shape !== 'insufficient-data' || hasStackHistory,
    suspects: suspects.length,
    runtimeProvenSuspects: suspects.filter((s) => s.evidence === 'runtime-proven').length,
    // without per-stack history only a strong rise of the total counts, unless it is a known daily curve or warm-up
    totalLeaksWithoutHistory:
      !hasStackHistory && gTrend.shape === 'rising' && gTrend.details.mkZ >= STRONG_RISE_Z &&
      gJ?.status !== 'within-daily-range' && gJ?.status !== 'bounded-before',
    totalLeaksUnexplained: hasStackHistory && gJ?.status === 'leaking' && !held.goroutines,
    heapLeaks: heapJ?.status === 'leaking' && !held.heap,
    rssLeaksUnexplained: rssJ?.status === 'leaking' && !held.rss && rssGrowthUnexplained,
  });
  const verdict = decision.verdict;
  const lifetimeSeconds = current ? current.endTs - current.startTs : 0;
  const headline = buildHeadline({
    verdict,
    reason: decision.reason,
    goroutines: { trend: gTrend, vs: goroutines.vs },
    rss: { trend: rTrend, vs: mem.rss.vs },
    heap: { trend: hTrend, vs: mem.heap.vs },
    suspects,
    unsure: findings.unsure,
    heldWithLoad: [held.goroutines ? 'goroutines' : null, held.heap ? 'the Go heap' : null, held.rss ? 'RSS' : null].filter((x) => x !== null),
    withinDailyRange: findings.withinDailyRange,
    failed: failedSamples(viewRows),
    window: { sinceSeconds, untilSeconds },
    unreadableFiles: rec.unreadableFiles ?? [],
    otherGrowthBytes: otherGrowth,
    runtimeLeaks,
    lifetimeSeconds,
    lifetimeEndTs: current ? current.endTs : 0,
  });

  return {
    name: rec.name,
    verdict,
    verdictReason: decision.reason,
    confidence: findings.unsure > 0 && verdict !== 'leak' ? 'provisional' : 'firm',
    window: { sinceSeconds, untilSeconds },
    headline,
    samples: viewRows.length,
    lifetimes: runs.length,
    goroutines: publicTrend(gTrend, gJ),
    rssBytes: publicTrend(rTrend, rssJ),
    heapInuseBytes: publicTrend(hTrend, heapJ),
    memoryExplained,
    runtimeLeaks,
    goroutineDump,
    bytesPerGoroutine: bpg,
    suspectsHoldBytes: hold.now,
    suspectsHoldBytesInADay: hold.inADay,
    suspects,
    warnings,
  };
}

/** Analyse every target. generatedAt comes from opts.nowSeconds, else the clock. */
export function analyzeAll(recs: TargetRecording[], opts: AnalyzeOptions = {}): Summary {
  const nowSeconds = opts.nowSeconds ?? Date.now() / 1000;
  return summaryOf(
    recs.map((r, i) => {
      opts.onTarget?.(r.name, i, recs.length);
      return analyzeTarget(r, { ...opts, nowSeconds });
    }),
    nowSeconds,
  );
}

/** The summary of targets analysed one at a time (analyzeTarget), as of `nowSeconds`. */
export function summaryOf(targets: TargetSummary[], nowSeconds: number): Summary {
  return { generatedAt: new Date(nowSeconds * 1000).toISOString(), targets };
}
