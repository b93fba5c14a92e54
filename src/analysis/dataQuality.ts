// What is wrong with the data itself, before any trend: the clock going backwards, gaps, a recorder that stopped,
// failed samples. Each becomes one warning line; the failed-sample tally also feeds the verdict ("cannot judge"
// when nothing in view is usable). Pure.

import type { SampleRow } from '../core/model.js';
import { formatIsoSeconds, formatSpan } from '../core/format.js';
import { median } from './robustStats.js';

/** A gap is an interval between samples longer than this many times the median interval... */
export const GAP_FACTOR = 3;
/** ...and longer than this (so one late cron run at one-minute spacing is not a gap). */
export const GAP_MIN_SECONDS = 300;

export interface FailedSamples {
  /** Rows considered (the window's, or the whole recording's up to until). */
  rows: number;
  failed: number;
  /** `status ×count`, most frequent first. */
  byStatus: string[];
  lastMessage: string;
}

/** Tally of the rows that are not ok. */
export function failedSamples(rows: readonly SampleRow[]): FailedSamples {
  const byStatus = new Map<string, number>();
  let lastMessage = '';
  let failed = 0;
  for (const r of rows) {
    if (r.status === 'ok') continue;
    failed++;
    byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    if (r.message) lastMessage = r.message;
  }
  return {
    rows: rows.length,
    failed,
    byStatus: [...byStatus].sort((a, b) => b[1] - a[1]).map(([s, c]) => `${s} ×${c}`),
    lastMessage,
  };
}

/** "13 of 13 samples not ok: pprof-unreachable ×13 (last: …)". */
export function describeFailed(f: FailedSamples): string {
  return `${f.failed} of ${f.rows} samples not ok: ${f.byStatus.join(', ')}${f.lastMessage ? ` (last: ${f.lastMessage})` : ''}`;
}

/**
 * Warnings about the data: out-of-order rows (already sorted by the caller, counts given), gaps, a stale recording
 * (no sample for a while before `nowSeconds`), failed samples.
 */
export function dataQualityWarnings(
  samples: readonly SampleRow[],
  outOfOrder: { samples: number; ticks: number },
  nowSeconds: number | undefined,
): string[] {
  const warnings: string[] = [];
  if (outOfOrder.samples > 0 || outOfOrder.ticks > 0) {
    const parts = [];
    if (outOfOrder.samples > 0) parts.push(`${outOfOrder.samples} sample(s)`);
    if (outOfOrder.ticks > 0) parts.push(`${outOfOrder.ticks} profile tick(s)`);
    warnings.push(`clock went backwards: ${parts.join(' and ')} out of order (sorted by time before analysis)`);
  }
  if (samples.length >= 3) {
    const intervals: number[] = [];
    for (let i = 1; i < samples.length; i++) intervals.push(samples[i]!.tsSeconds - samples[i - 1]!.tsSeconds);
    const typical = median(intervals);
    const limit = Math.max(GAP_FACTOR * typical, GAP_MIN_SECONDS);
    let gaps = 0;
    let longest = 0;
    let longestEnd = 0;
    intervals.forEach((d, i) => {
      if (d <= limit) return;
      gaps++;
      if (d > longest) {
        longest = d;
        longestEnd = samples[i + 1]!.tsSeconds;
      }
    });
    if (gaps > 0) {
      warnings.push(
        `${gaps} gap(s) in the recording, longest ${formatSpan(longest)} (until ${formatIsoSeconds(longestEnd)}); ` +
          `usual interval ${formatSpan(typical)}; rates are estimated across gaps`,
      );
    }
  }
  if (nowSeconds !== undefined && samples.length >= 2) {
    const lastTs = samples[samples.length - 1]!.tsSeconds;
    const typical = (lastTs - samples[0]!.tsSeconds) / (samples.length - 1);
    const age = nowSeconds - lastTs;
    if (age > Math.max(GAP_FACTOR * typical, GAP_MIN_SECONDS)) {
      warnings.push(`no sample for ${formatSpan(age)} (last at ${formatIsoSeconds(lastTs)}): is the recorder still running?`);
    }
  }
  const failed = failedSamples(samples);
  if (failed.failed > 0) warnings.push(describeFailed(failed));
  return warnings;
}

