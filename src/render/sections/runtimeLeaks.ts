// View model of "Confirmed leaked by the Go runtime" (templates/partials/runtimeLeaks.hbs): the stacks of the
// latest goroutineleak profile; those that are not suspects are listed as leaked too, even if their count is flat.

import type { TargetSummary } from '../../core/model.js';
import { formatCount, formatTime } from '../../core/format.js';
import { blockIndexOf, framesView, labelPairs } from './shared.js';

export function runtimeLeaksView(t: TargetSummary) {
  const rl = t.runtimeLeaks;
  if (!rl) return null;
  const stacks = rl.stacks.map((st) => {
    const bi = blockIndexOf(st.frames, st.leafFunction);
    const f = st.frames[bi];
    return {
      leaf: st.leafFunction,
      at: f ? `${f.file}:${f.line}` : '',
      kind: st.kind,
      count: formatCount(st.count),
      labels: labelPairs(st.labels),
      suspectRank: st.suspectRank,
      frames: framesView(st.frames, bi),
    };
  });
  const confirmedSuspects = t.suspects.filter((s) => s.confirmed).length;
  return {
    at: formatTime(rl.tsSeconds),
    total: formatCount(rl.total),
    none: rl.total === 0,
    stacks,
    notSuspectsCount: stacks.filter((st) => st.suspectRank === null).length,
    confirmedSuspects,
    suspectsCount: t.suspects.length,
  };
}
