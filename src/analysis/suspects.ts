// Which goroutine stacks leak: every stack of the current process lifetime, and every label group (stacks with the
// same frames and label keys whose label values differ: a leak spread over request ids), judged by judgeGrowth
// (growth.ts) on the lifetime up to `until`, with earlier lifetimes as context; plus the stacks the Go runtime
// proved leaked and whose count grew. Ranked by evidence. Pure.

import type { GoroutineProfile, HistoryTick, StackRecord, Suspect, SuspectGroup } from '../core/model.js';
import { stackIdentity } from '../core/stackIdentity.js';
import { lifetimeSpans, sumSeries } from '../core/tickSeries.js';
import { blockingKind, isBenignRuntime, leafFunction, matchesIgnore } from '../core/frames.js';
import { judgeGrowth, type GrowthJudgement, type GrowthStatus, type Points } from './growth.js';
import { MIN_POINTS } from './trend.js';
import { processStartOf } from '../core/tickPlan.js';
import { FIRST_DAY_SECONDS, FirstDayLoad, pointsBefore } from './firstDay.js';

export { ticksOfLifetime } from './lifetimes.js';

/**
 * Default absolute rise (goroutines over the lifetime) before a stack can be a suspect: below 5, a pool
 * resizing or a few slow requests explain it, and the report would drown in noise.
 */
export const SUSPECT_MIN_INCREASE = 5;
export { FIRST_DAY_SECONDS, WARM_UP_START_SECONDS, LOAD_PEAK_SETTLE_SECONDS } from './firstDay.js';
/**
 * Stacks judged at a time. Their series (every tick of every lifetime read, 4 bytes a point) exist only while the
 * block is judged, and each tick's counts are read for just the block's ids: at 5,000 stacks over a 6-day lifetime
 * all series at once were ~190 MB and summing them 2.2 s; 512 at a time, ~19 MB and ~0.8 s. 256, with the series
 * summed into one pool reused block after block (sumSeries): ~10 MB, and the year's last-day report at 182-212 MB
 * peak against 213-223 MB at 512, in the same time (interleaved, 3 rounds each, 2026-12-07).
 */
export const JUDGE_BLOCK = 256;
/** Label values shown per varying key of a label group. */
export const GROUP_EXAMPLES = 3;

export interface SuspectOptions {
  /** goleak-style ignore list (exact function names, or prefixes ending with `*`). */
  ignore?: string[];
  /** Absolute minimum rise in goroutines for a stack to count as growing; default SUSPECT_MIN_INCREASE. */
  minIncrease?: number;
  /**
   * The first and the latest goroutineleak profiles of the current lifetime (Go 1.26+). A stack in the latest one
   * whose count there is higher than in the first one is a leak even below the material-rise floor: the GC proved it.
   */
  leakProfiles?: { first: { tsSeconds: number; profile: GoroutineProfile }; latest: { tsSeconds: number; profile: GoroutineProfile } } | null;
}

/**
 * Evidence score used to rank suspects (higher first):
 *
 *   score = log2(1 + perHour) x consistency x (1 + share)
 *
 * - perHour (goroutines/hour, Theil–Sen): the growth rate dominates; log2 keeps a 100x faster leak ahead
 *   without letting it make every other factor irrelevant.
 * - consistency (0..1, share of tick-to-tick steps that did not decrease since the stack first appeared):
 *   a leak only goes up; a stack that drifts up while often dropping is weaker evidence.
 * - share (0..1, the stack's part of all goroutines at the last tick): up to 2x for a stack that
 *   dominates the process.
 */
export function suspectScore(perHour: number, consistency: number, share: number): number {
  return Math.log2(1 + Math.max(0, perHour)) * consistency * (1 + share);
}

/** What the suspect search saw besides the suspects: stacks that rose but could not be judged leaks, and why. */
export interface SuspectFindings {
  suspects: Suspect[];
  /** Stacks or groups that rose with load, with less than a day of history to compare the same hours with. */
  unsure: number;
  /** Stacks or groups that rose but stayed within their usual range at these hours of the day. */
  withinDailyRange: number;
  /** Stacks or groups that rose to a level earlier lifetimes reached too, and stopped at (warm-up). */
  boundedBefore: number;
  /** On the first day ever recorded, the load and the hold it puts on series that rose with it (firstDay.ts). */
  firstDay?: FirstDayLoad | null;
  /** Stacks the history counts and the dictionary (stacks.jsonl) lacks, judged as unknownStack (those that moved by minIncrease). */
  unknownStacks?: number;
}

/** How far past the dictionary's highest id an id of the history is taken for a stack whose line was lost. */
export const UNKNOWN_ID_REACH = 100_000;

/**
 * A stack the history counts but stacks.jsonl does not hold (see findSuspects): named by its id, no frames known.
 * Its frames are in the goroutine snapshots taken while it had goroutines (`go tool pprof -traces`).
 */
export function unknownStack(id: number): StackRecord {
  const frames = [{ function: `(stack #${id}: its frames are missing from stacks.jsonl)`, file: '', line: 0 }];
  return { id, key: `unknown-stack:${id}`, frames, labels: {}, firstSeenTsSeconds: 0 };
}

/** One series to judge: a stack, or a label group (the sum of its member stacks). */
interface Candidate {
  ids: number[];
  rep: StackRecord;
  group: SuspectGroup | null;
}

/** Label keys whose values differ among the members, with how many distinct values and a few examples. */
function groupOf(members: readonly StackRecord[]): SuspectGroup {
  const keys = Object.keys(members[0]!.labels).sort();
  const labelKeys = [];
  for (const key of keys) {
    const values = new Set(members.map((m) => m.labels[key] ?? ''));
    if (values.size > 1) labelKeys.push({ key, distinctValues: values.size, examples: [...values].sort().slice(0, GROUP_EXAMPLES) });
  }
  return { stackIds: members.map((m) => m.id).sort((a, b) => a - b), labelKeys };
}

/**
 * A stack the recorder already collapsed (label keys with too many values stored once, see data/README.md): shown
 * like a label group of one stack, with how many distinct values the recorder counted per key.
 */
function collapsedGroup(rec: StackRecord): { group?: SuspectGroup } {
  const keys = Object.entries(rec.collapsedLabels ?? {});
  if (keys.length === 0) return {};
  return { group: { stackIds: [rec.id], labelKeys: keys.map(([key, n]) => ({ key, distinctValues: n, examples: [] })).sort((a, b) => (a.key < b.key ? -1 : 1)) } };
}

function toSuspect(c: Candidate, series: Points, j: GrowthJudgement | null, lastTotal: number, perHourFallback: number): Suspect {
  const vs = series.vs;
  const n = vs.length;
  const from = j ? j.startIndex : 0;
  let steps = 0;
  let nonDecreasing = 0;
  let firstIdx = from;
  while (firstIdx < n && !(vs[firstIdx]! > 0)) firstIdx++;
  for (let i = Math.max(firstIdx, 0) + 1; i < n; i++) {
    steps++;
    if (vs[i]! >= vs[i - 1]!) nonDecreasing++;
  }
  const consistency = steps > 0 ? nonDecreasing / steps : 1;
  const last = n > 0 ? vs[n - 1]! : 0;
  const share = lastTotal > 0 ? Math.min(1, last / lastTotal) : 0;
  const perHour = j?.trend.perHour ?? perHourFallback;
  const labels = { ...c.rep.labels };
  for (const k of c.group?.labelKeys ?? []) labels[k.key] = `<${k.distinctValues} values>`;
  return {
    stackId: c.rep.id,
    leafFunction: leafFunction(c.rep.frames),
    frames: c.rep.frames,
    labels,
    kind: blockingKind(c.rep.frames),
    first: n > 0 ? vs[0]! : 0,
    last,
    perHour,
    consistency,
    share,
    score: suspectScore(perHour, consistency, share),
    firstSeenTsSeconds: firstIdx < n ? series.ts[firstIdx]! : (series.ts[0] ?? 0),
    confirmed: false,
    evidence: j ? j.evidence ?? 'floor-rises' : 'runtime-proven',
    ...(c.group ? { group: c.group } : collapsedGroup(c.rep)),
    source: null,
  };
}

/**
 * Suspects of the current lifetime `lifetime` of `ticks` (all lifetimes up to `until`, sorted by time). For each
 * stack whose count in this lifetime spans at least minIncrease, and each label group of at least two stacks,
 * judgeGrowth decides; stacks of the runtime's own (isBenignRuntime) and ignored ones are never suspects. A label
 * group is a suspect only when none of its members is one on its own. Sorted by suspectScore, then perHour, then id.
 */
export function findSuspects(
  stacks: readonly StackRecord[],
  ticks: readonly HistoryTick[],
  lifetime: string,
  opts: SuspectOptions = {},
): SuspectFindings {
  const minIncrease = opts.minIncrease ?? SUSPECT_MIN_INCREASE;
  const ignore = opts.ignore ?? [];
  const findings: SuspectFindings = { suspects: [], unsure: 0, withinDailyRange: 0, boundedBefore: 0 };

  // ticks per lifetime, in time order
  const lifeOrder: string[] = [];
  const byLife = new Map<string, HistoryTick[]>();
  for (const t of ticks) {
    let list = byLife.get(t.lifetime);
    if (!list) {
      byLife.set(t.lifetime, (list = []));
      lifeOrder.push(t.lifetime);
    }
    list.push(t);
  }
  const cur = byLife.get(lifetime) ?? [];
  if (cur.length < MIN_POINTS) return findings;
  const earlierLives = lifeOrder.filter((l) => l !== lifetime).map((l) => byLife.get(l)!);

  const stacksById = new Map<number, StackRecord>(stacks.map((s) => [s.id, s]));
  // per stack: min and max count in this lifetime (absent = 0), in one pass; by id in typed arrays (ids are dense
  // from 1), in the order ids first appear
  let maxStackId = 0;
  for (const rec of stacks) if (rec.id > maxStackId) maxStackId = rec.id;
  // Ids the history counts but the dictionary lacks (stacks.jsonl lost lines: cut short, or a line damaged): when its
  // tail was lost they lie past its highest id, and a leak's goroutines are all there at the last tick. They are
  // judged like any stack and named by id (unknownStack); passed over, a leak on them read "growing" with no word of
  // the damage. The typed arrays below are sized by id: a damaged id far past any real one is not followed.
  const lastCounts = cur[cur.length - 1]!.counts;
  const idLimit = Math.max(2 * maxStackId, maxStackId + UNKNOWN_ID_REACH);
  for (const id of lastCounts.keys()) if (id > maxStackId && id <= idLimit) maxStackId = id;
  const { order, min: spanMin, max: spanMax } = lifetimeSpans(cur, maxStackId);
  const eligible = (rec: StackRecord) => !isBenignRuntime(rec.frames) && !matchesIgnore(rec.frames, ignore);

  const candidates: Candidate[] = [];
  const groups = new Map<string, StackRecord[]>();
  for (const id of order) {
    let rec = stacksById.get(id);
    if (!rec && spanMax[id]! - spanMin[id]! >= minIncrease) {
      rec = unknownStack(id);
      stacksById.set(id, rec);
      findings.unknownStacks = (findings.unknownStacks ?? 0) + 1;
    }
    if (!rec || !eligible(rec)) continue;
    const min = spanMin[id]!;
    if (spanMax[id]! - min >= minIncrease) candidates.push({ ids: [id], rep: rec, group: null });
    if (Object.keys(rec.labels).length > 0) {
      const gk = stackIdentity(rec.frames, rec.labels, 'frames+label-keys');
      let g = groups.get(gk);
      if (!g) groups.set(gk, (g = []));
      g.push(rec);
    }
  }

  const lastTick = cur[cur.length - 1]!;
  let lastTotal = lastTick.total;
  if (!(lastTotal > 0)) for (const c of lastTick.counts.values()) lastTotal += c > 0 ? c : 0;

  const groupCandidates: Candidate[] = [];
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    // the representative: the member with the most goroutines now
    const rep = members.reduce((a, b) => ((lastTick.counts.get(b.id) ?? 0) > (lastTick.counts.get(a.id) ?? 0) ? b : a));
    groupCandidates.push({ ids: members.map((m) => m.id), rep, group: groupOf(members) });
  }
  const lives = [...earlierLives, cur];
  const tsOf = lives.map((l) => Float64Array.from(l, (t) => t.tsSeconds));
  const curIdx = lives.length - 1;
  const startOf = lives.map((l) => processStartOf(l[0]!.lifetime));
  /** Judges each candidate on its series in every lifetime (sumSeries: one pass over the history per lifetime). */
  // Each lifetime's series are summed into one pool reused block after block (sumSeries): what `each` keeps of a
  // series or a judgement past its call must be copied or computed then (kept, below).
  const pools: Float32Array[] = [];
  const poolFor = (li: number, points: number) => {
    if (!(pools[li] !== undefined && pools[li].length >= points)) pools[li] = new Float32Array(points);
    return pools[li];
  };
  const judgeEach = (cands: readonly Candidate[], each: (i: number, j: GrowthJudgement, series: Points) => void) => {
    const ids = cands.map((c) => c.ids);
    // values[lifetime][candidate]: undefined when the candidate has no goroutines in that lifetime
    const values = lives.map((l, li) => sumSeries(l, ids, poolFor(li, ids.length * l.length)));
    for (let i = 0; i < cands.length; i++) {
      const series = { ts: tsOf[curIdx]!, vs: values[curIdx]![i] ?? new Float32Array(cur.length) };
      const earlier: Points[] = [];
      for (let li = 0; li < curIdx; li++) {
        const vs = values[li]![i];
        if (vs) earlier.push({ ts: tsOf[li]!, vs, processStartTs: startOf[li] });
      }
      each(i, judgeGrowth({ current: series, earlier, minAbsRise: minIncrease, fromFirstNonZero: true, beyondWander: true }), series);
    }
  };
  // A judgement and its series as they are now, for use after the pool is written again: its series copied, its
  // lazy trend and reason (which read the series) computed.
  const kept = (j: GrowthJudgement, series: Points) => {
    void j.trend;
    void j.reason;
    return { j, series: { ts: series.ts, vs: Float32Array.from(series.vs) } };
  };
  const tally = (status: GrowthStatus) => {
    if (status === 'unsure') findings.unsure++;
    else if (status === 'within-daily-range') findings.withinDailyRange++;
    else if (status === 'bounded-before') findings.boundedBefore++;
  };

  // The first day ever recorded: the load (the sum of the stacks that follow traffic, elastic) holds back stacks that
  // rose with it (firstDay.ts): unsure, not suspects, until it can be told apart or a whole day is recorded.
  const firstTs = lives[0]![0]!.tsSeconds;
  const untilTs = lastTick.tsSeconds;
  const load = untilTs - firstTs < FIRST_DAY_SECONDS ? new Float64Array(cur.length) : null;

  // The stacks, JUDGE_BLOCK ids at a time (see there); of each, its status is kept, and its judgement and series
  // only when it leaks.
  const statusOf: GrowthStatus[] = new Array<GrowthStatus>(candidates.length);
  const leaking = new Map<number, { j: GrowthJudgement; series: Points }>();
  const byId = candidates.map((_, k) => k).sort((a, b) => candidates[a]!.ids[0]! - candidates[b]!.ids[0]!);
  for (let from = 0; from < byId.length; from += JUDGE_BLOCK) {
    const block = byId.slice(from, from + JUDGE_BLOCK);
    judgeEach(
      block.map((k) => candidates[k]!),
      (i, j, series) => {
        const k = block[i]!;
        statusOf[k] = j.status;
        if (j.status === 'leaking') leaking.set(k, kept(j, series));
        // counts are whole numbers: the sum is exact in any order
        if (load && j.elastic) for (let t = 0; t < load.length; t++) load[t]! += series.vs[t]!;
      },
    );
  }
  const firstDay = load ? new FirstDayLoad(tsOf[curIdx]!, load, cur[0]!.tsSeconds, minIncrease) : null;
  findings.firstDay = firstDay;
  // a candidate judged again on its points before a time (the trough rule, firstDay.ts), earlier lifetimes re-summed
  const judgedBefore = (c: Candidate, series: Points) => (untilTs: number) => {
    const current = pointsBefore(series, untilTs);
    const earlier: Points[] = [];
    for (let li = 0; li < curIdx; li++) {
      const vs = sumSeries(lives[li]!, [c.ids])[0];
      if (vs) earlier.push({ ts: tsOf[li]!, vs, processStartTs: startOf[li] });
    }
    return { j: judgeGrowth({ current, earlier, minAbsRise: minIncrease, fromFirstNonZero: true, beyondWander: true }), series: current };
  };
  const warmingUp = (c: Candidate, j: GrowthJudgement, series: Points) => firstDay !== null && firstDay.held(j, series, minIncrease, judgedBefore(c, series));

  const suspectIds = new Set<number>();
  for (let k = 0; k < candidates.length; k++) {
    const c = candidates[k]!;
    const lk = leaking.get(k);
    if (lk && warmingUp(c, lk.j, lk.series)) {
      findings.unsure++;
      continue;
    }
    tally(statusOf[k]!);
    if (!lk) continue;
    findings.suspects.push(toSuspect(c, lk.series, lk.j, lastTotal, 0));
    suspectIds.add(c.ids[0]!);
  }
  // A label group is judged only when none of its members is a suspect on its own.
  const groupsLeft = groupCandidates.filter((c) => !c.ids.some((id) => suspectIds.has(id)));
  judgeEach(groupsLeft, (i, j, series) => {
    if (warmingUp(groupsLeft[i]!, j, series)) {
      findings.unsure++;
      return;
    }
    tally(j.status);
    if (j.status === 'leaking') findings.suspects.push(toSuspect(groupsLeft[i]!, series, j, lastTotal, 0));
  });

  // Runtime proof: in the latest leak profile with more goroutines than in the first one of this lifetime.
  if (opts.leakProfiles) {
    const { first, latest } = opts.leakProfiles;
    const before = new Map(first.profile.stacks.map((s) => [s.key, s.count] as const));
    const idByKey = new Map(stacks.map((s) => [s.key, s.id] as const));
    const hours = Math.max(1 / 60, (latest.tsSeconds - first.tsSeconds) / 3600);
    for (const s of latest.profile.stacks) {
      const grew = s.count - (before.get(s.key) ?? 0);
      const id = idByKey.get(s.key);
      if (!(grew > 0) || id === undefined || suspectIds.has(id)) continue;
      const rec = stacksById.get(id)!;
      if (!eligible(rec) || findings.suspects.some((x) => x.stackId === id)) continue;
      const series = { ts: tsOf[curIdx]!, vs: sumSeries(cur, [[id]])[0] ?? new Float32Array(cur.length) };
      findings.suspects.push(toSuspect({ ids: [id], rep: rec, group: null }, series, null, lastTotal, grew / hours));
    }
  }

  findings.suspects.sort((a, b) => b.score - a.score || b.perHour - a.perHour || a.stackId - b.stackId);
  return findings;
}

