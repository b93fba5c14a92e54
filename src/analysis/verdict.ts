// The verdict, decided from facts the other stages established: the one rule book for `report`, `check` and the
// Prometheus textfile. Pure; the words for it live in headline.ts.
//
//   insufficient-data ("cannot judge"), first match wins:
//     inverted-window   --until before --since;
//     unreadable-file   a data file exists but could not be read (a different verdict would be a guess);
//     empty-window      a window was given and no sample falls in it;
//     no-usable-sample  samples fall in the window (or the recording), but none of them is ok;
//     too-few-samples   the current lifetime has too few points for any series (trend.ts MIN_POINTS, MIN_SPAN).
//   leak              at least one stack or label group of the current lifetime leaks (suspects.ts) — the
//                     goroutine total is context for the headline, never a gate; or, without per-stack history,
//                     the goroutine total itself leaks with Mann–Kendall z >= STRONG_RISE_Z;
//   growing           the goroutine total leaks (judged like a stack: it never gave goroutines back and keeps
//                     rising) but no stack or label group explains it (e.g. an ignored stack, many one-off stacks);
//                     or the Go heap leaks (judged like a stack), or RSS leaks with a material part that neither the
//                     heap nor goroutine stacks explain: a memory leak that is not a goroutine leak;
//   stable            otherwise.

import type { Verdict, VerdictReason } from '../core/model.js';

/**
 * Without per-stack history (no goroutine profiles), a rising goroutine total counts as a leak only when the
 * Mann–Kendall z reaches this (well above trend.ts Z_SIGNIFICANT): there is no suspect to back the claim.
 */
export const STRONG_RISE_Z = 5;

export interface VerdictFacts {
  /** --until before --since. */
  windowInverted: boolean;
  /** A window was given and holds no sample row at all. */
  windowEmpty: boolean;
  unreadableFiles: readonly string[];
  /** Sample rows in the window (the whole recording up to until without one), and how many of them are ok. */
  rowsInView: number;
  okRowsInView: number;
  /** Some series of the current lifetime (goroutines, RSS, stack history) has enough points to judge. */
  enoughPoints: boolean;
  /** Suspects (stacks, label groups, runtime-proven stacks) of the current lifetime. */
  suspects: number;
  /** How many of them stand only on the runtime's proof. */
  runtimeProvenSuspects: number;
  /** No per-stack history, and the goroutine total leaks with z >= STRONG_RISE_Z. */
  totalLeaksWithoutHistory: boolean;
  /** The goroutine total leaks (growth.ts, not elastic) while no suspect explains it. */
  totalLeaksUnexplained: boolean;
  heapLeaks: boolean;
  /** RSS leaks and the part of its growth neither the heap nor the stacks explain is material. */
  rssLeaksUnexplained: boolean;
}

export interface VerdictDecision {
  verdict: Verdict;
  reason: VerdictReason;
}

export function decideVerdict(f: VerdictFacts): VerdictDecision {
  const cannot = (reason: VerdictReason): VerdictDecision => ({ verdict: 'insufficient-data', reason });
  if (f.windowInverted) return cannot('inverted-window');
  if (f.unreadableFiles.length > 0) return cannot('unreadable-file');
  if (f.windowEmpty) return cannot('empty-window');
  if (f.rowsInView > 0 && f.okRowsInView === 0) return cannot('no-usable-sample');
  if (!f.enoughPoints) return cannot('too-few-samples');
  if (f.suspects > 0) return { verdict: 'leak', reason: f.runtimeProvenSuspects === f.suspects ? 'runtime-proven' : 'suspects' };
  if (f.totalLeaksWithoutHistory) return { verdict: 'leak', reason: 'total-only' };
  if (f.totalLeaksUnexplained) return { verdict: 'growing', reason: 'goroutines-unexplained' };
  if (f.heapLeaks) return { verdict: 'growing', reason: 'heap-rising' };
  if (f.rssLeaksUnexplained) return { verdict: 'growing', reason: 'rss-rising' };
  return { verdict: 'stable', reason: 'no-growth' };
}

/** `check`'s exit codes; documented in `check --help` and the README. */
export const EXIT_CODES = {
  stable: 0,
  leak: 1,
  /** Usage or configuration error (never a verdict). */
  usage: 2,
  growing: 3,
  cannotJudge: 4,
} as const;

const CODE_OF: Record<Verdict, number> = {
  stable: EXIT_CODES.stable,
  leak: EXIT_CODES.leak,
  growing: EXIT_CODES.growing,
  'insufficient-data': EXIT_CODES.cannotJudge,
};

/** Several targets: the most urgent wins — a leak (1), then growing (3), then cannot judge (4), then stable (0). */
export function exitCodeForVerdicts(verdicts: readonly Verdict[]): number {
  for (const v of ['leak', 'growing', 'insufficient-data'] as const) if (verdicts.includes(v)) return CODE_OF[v];
  return EXIT_CODES.stable;
}
