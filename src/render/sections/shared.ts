// View-model pieces more than one page section uses: the frames list, label pairs, a trend sentence, a share.
// Pure; every string stays raw here, Handlebars escapes it in the partials.

import type { Frame, TargetSummary } from '../../core/model.js';
import { blockingFrameIndex } from '../blocking.js';

/** One frame as templates/partials/frames.hbs draws it. */
export interface FrameView {
  fn: string;
  loc: string;
  blocks: boolean;
  mechanism: boolean;
}

/**
 * The frame a stack blocks in: the analysis' leaf function when it names one of the frames, else the analysis'
 * leaf-frame rule (the two agree unless the suspect was built from an older summary).
 */
export function blockIndexOf(frames: readonly Frame[], leafFunction: string): number {
  const bi = frames.findIndex((f) => f.function === leafFunction);
  return bi < 0 ? blockingFrameIndex(frames) : bi;
}

/** Frames leaf first; the ones above the blocking frame are the runtime's mechanism (drawn dimmer). */
export function framesView(frames: readonly Frame[], blockIndex: number): FrameView[] {
  return frames.map((f, i) => ({
    fn: f.function,
    loc: `${f.file}:${f.line}`,
    blocks: i === blockIndex,
    mechanism: i < blockIndex,
  }));
}

/** Labels as sorted key/value pairs (pprof labels have no order; sorting keeps the page stable). */
export function labelPairs(labels: Record<string, string>): { k: string; v: string }[] {
  return Object.keys(labels)
    .sort()
    .map((k) => ({ k, v: labels[k] }));
}

function shapeWord(shape: string): string {
  return shape === 'insufficient-data' ? 'not enough data' : shape;
}

/** "12 → 480, +60 per hour (rising)"; 'not measured' when the series never had a value. */
export function trendText(t: TargetSummary['goroutines'], fmt: (n: number | null) => string): string {
  if (t.first === null && t.last === null) return 'not measured';
  const rate = t.perHour === null ? '' : `, ${t.perHour >= 0 ? '+' : '−'}${fmt(Math.abs(t.perHour))} per hour`;
  return `${fmt(t.first)} → ${fmt(t.last)}${rate} (${shapeWord(t.shape)})`;
}

/** 0..1 as a percent with one decimal; tiny non-zero shares say "<0.1%" rather than a misleading 0%. */
export function formatShare(share: number): string {
  if (!Number.isFinite(share) || share <= 0) return '0%';
  if (share < 0.001) return '<0.1%';
  return `${Math.round(share * 1000) / 10}%`;
}
