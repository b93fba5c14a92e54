// The analysis' rules for where and how a stack blocks (src/core/frames.ts), in the shapes the page's data and
// view models need: an index into the frames (to mark "blocks here"), and the kind of a readonly frame list.

import type { BlockingKind, Frame } from '../core/model.js';
import { blockingKind, leafFrame } from '../core/frames.js';

/** Index of the frame where the code blocks (analysis' leafFrame), 0 for an empty stack. */
export function blockingFrameIndex(frames: readonly Frame[]): number {
  const lf = leafFrame(frames as Frame[]);
  const i = lf ? frames.indexOf(lf) : -1;
  return i < 0 ? 0 : i;
}

/** How a stack blocks (analysis' blockingKind). */
export function blockingKindOf(frames: readonly Frame[]): BlockingKind {
  return blockingKind(frames as Frame[]);
}

