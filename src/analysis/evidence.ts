// Deeper evidence for the suspects, from the two optional snapshot kinds the recorder keeps. Pure: the caller
// (src/commands/report.ts) reads and decodes the files, after pickEvidenceSnapshots said which ones.
//
// - goroutineleak (Go 1.26+ built with GOEXPERIMENT=goroutineleakprofile): the GC proved these goroutines can
//   never be woken (blocked on a channel or select no running goroutine can reach). Its stacks have the same
//   frames and labels as the goroutine profile's (checked on the demo service: the send, receive and select
//   leaks' keys equal their stacks.jsonl keys), so a suspect is `confirmed` when its stack key is in it.
// - goroutine-debug2 (the `?debug=2` text dump): one record per goroutine with its wait reason, minutes
//   blocked and creator. It prints no pprof labels (unless GODEBUG=tracebacklabels=1) and hides frames of
//   package runtime (unexported ones, e.g. runtime.gopark, runtime.chansend, runtime.selectgo, runtime.main;
//   runtime/traceback.go showfuncinfo), while the profile keeps them. So a suspect's stack is matched to dump
//   goroutines by the sequence of (function, file, line) with every `runtime.` frame dropped on both sides
//   (on the demo service this matches all five leak kinds and every benign stack exactly), plus the labels
//   when the dump has them. Without labels in the dump, stacks that differ only in labels share one group.

import type { LifetimeWindow } from './lifetimes.js';
import type { BlockedMinutes, Frame, GoroutineProfile, RuntimeLeaks, SnapshotFile, StackRecord, Suspect } from '../core/model.js';
import { waitDistribution, type DumpGoroutine, type GoroutineDump } from '../core/goroutineDump.js';
import { blockingKind, leafFunction } from '../core/frames.js';
import { labelsIdentity, stackIdentity } from '../core/stackIdentity.js';

/** The decoded snapshots for one target (see pickEvidenceSnapshots). */
export interface TargetEvidence {
  leakProfile?: { tsSeconds: number; path: string; profile: GoroutineProfile } | null;
  /**
   * The first goroutineleak profile of the same lifetime, when it is not the latest: a proven stack whose count is
   * higher in the latest one grew, and is a leak even below the material-rise floors (see suspects.ts).
   */
  firstLeakProfile?: { tsSeconds: number; path: string; profile: GoroutineProfile } | null;
  dump?: { tsSeconds: number; path: string; dump: GoroutineDump } | null;
}

export type { LifetimeWindow } from './lifetimes.js';

/**
 * The latest goroutineleak and goroutine-debug2 snapshots of the current lifetime (same pid, taken at or after
 * its first sample), or null. Older lifetimes' snapshots describe goroutines that no longer exist.
 */
export function pickEvidenceSnapshots(
  snapshots: readonly SnapshotFile[],
  life: LifetimeWindow | null,
): { leak: SnapshotFile | null; firstLeak: SnapshotFile | null; dump: SnapshotFile | null } {
  if (!life) return { leak: null, firstLeak: null, dump: null };
  const mine = snapshots
    .filter((s) => s.pid === life.pid && s.tsSeconds >= Math.floor(life.startTs) - 1)
    .sort((a, b) => a.tsSeconds - b.tsSeconds);
  const latest = (kind: SnapshotFile['kind']) => {
    const of = mine.filter((s) => s.kind === kind);
    return of.length > 0 ? of[of.length - 1]! : null;
  };
  const leaks = mine.filter((s) => s.kind === 'goroutineleak');
  return { leak: latest('goroutineleak'), firstLeak: leaks.length >= 2 ? leaks[0]! : null, dump: latest('goroutine-debug2') };
}

/** Identity of a stack for matching against a debug=2 dump: frames outside package runtime, leaf first. */
export function dumpMatchKey(frames: readonly Frame[]): string {
  return stackIdentity(frames, {}, 'frames-outside-runtime');
}

function mostCommon<T>(items: T[], key: (x: T) => string): { key: string; first: T } | null {
  const counts = new Map<string, { n: number; first: T }>();
  for (const x of items) {
    const k = key(x);
    const c = counts.get(k);
    if (c) c.n++;
    else counts.set(k, { n: 1, first: x });
  }
  let best: { key: string; first: T; n: number } | null = null;
  for (const [k, c] of counts) if (!best || c.n > best.n || (c.n === best.n && k < best.key)) best = { key: k, first: c.first, n: c.n };
  return best ? { key: best.key, first: best.first } : null;
}

export interface DumpFacts {
  createdBy: string | null;
  createdAt: string | null;
  waitReason: string | null;
  blockedMinutes: BlockedMinutes;
}

/**
 * For each suspect, the dump goroutines on its stack: creator, wait reason and minutes blocked (null when none
 * of the dump's goroutines has the stack, e.g. the dump predates it). `liveStacks` are the stacks with
 * goroutines at the lifetime's last tick, to tell whether other-labelled stacks were merged in.
 */
export function dumpFactsForSuspects(
  suspects: readonly Pick<Suspect, 'frames' | 'labels' | 'stackId'>[],
  dump: GoroutineDump,
  dumpTsSeconds: number,
  liveStacks: readonly StackRecord[],
): (DumpFacts | null)[] {
  const labelled = dump.goroutines.some((g) => Object.keys(g.labels).length > 0);
  const byKey = new Map<string, DumpGoroutine[]>();
  for (const g of dump.goroutines) {
    const k = dumpMatchKey(g.frames) + (labelled ? `\n#${labelsIdentity(g.labels)}` : '');
    const list = byKey.get(k);
    if (list) list.push(g);
    else byKey.set(k, [g]);
  }
  const framesOnly = new Map<string, number>();
  for (const s of liveStacks) {
    const k = dumpMatchKey(s.frames);
    framesOnly.set(k, (framesOnly.get(k) ?? 0) + 1);
  }
  return suspects.map((s) => {
    const fk = dumpMatchKey(s.frames);
    if (fk === '') return null; // a stack entirely inside package runtime: nothing to match on
    const gs = byKey.get(fk + (labelled ? `\n#${labelsIdentity(s.labels)}` : ''));
    if (!gs || gs.length === 0) return null;
    const creator = mostCommon(gs.filter((g) => g.createdBy !== null), (g) => g.createdBy!.function);
    const state = mostCommon(gs, (g) => g.state);
    const w = waitDistribution(gs.map((g) => g.waitMinutes));
    return {
      createdBy: creator ? creator.key : null,
      createdAt: creator ? `${creator.first.createdBy!.file}:${creator.first.createdBy!.line}` : null,
      waitReason: state ? state.key : null,
      blockedMinutes: {
        min: w.min,
        median: w.median,
        max: w.max,
        goroutines: gs.length,
        stamped: w.stamped,
        leaked: gs.filter((g) => g.leaked).length,
        histogram: w.histogram.map((b) => ({ ...b })),
        mergedWithOtherLabels: !labelled && (framesOnly.get(fk) ?? 0) > 1,
        dumpTsSeconds,
      },
    };
  });
}

/**
 * The leak profile's stacks, largest first, each with its stacks.jsonl id (same key) and its suspect rank.
 * Suspects whose key is in the profile get `confirmed = true` (mutated in place).
 */
export function applyLeakProfile(
  suspects: Suspect[],
  leak: NonNullable<TargetEvidence['leakProfile']>,
  stacks: readonly StackRecord[],
): RuntimeLeaks {
  const idByKey = new Map(stacks.map((s) => [s.key, s.id] as const));
  const keyById = new Map(stacks.map((s) => [s.id, s.key] as const));
  const leakKeys = new Set(leak.profile.stacks.filter((s) => s.count > 0).map((s) => s.key));
  const rankByKey = new Map<string, number>();
  suspects.forEach((s, i) => {
    const key = keyById.get(s.stackId);
    if (key === undefined) return;
    rankByKey.set(key, i + 1);
    s.confirmed = leakKeys.has(key);
  });
  const out = leak.profile.stacks
    .filter((s) => s.count > 0)
    .map((s) => ({
      stackId: idByKey.get(s.key) ?? null,
      leafFunction: leafFunction(s.frames),
      kind: blockingKind(s.frames),
      frames: s.frames,
      labels: s.labels,
      count: s.count,
      suspectRank: rankByKey.get(s.key) ?? null,
    }))
    .sort((a, b) => b.count - a.count || (a.stackId ?? Infinity) - (b.stackId ?? Infinity));
  return { tsSeconds: leak.tsSeconds, path: leak.path, total: leak.profile.total, stacks: out };
}
