// View model of "Where goroutines wait now" (templates/partials/top.hbs, rows drawn by topTable.hbs): the last
// tick's goroutines grouped by blocking function, the largest TOP_SHOWN groups open, the rest folded away.

import { formatCount, formatTime } from '../../core/format.js';
import type { ReportTargetData } from '../reportData.js';
import { formatShare } from './shared.js';

/** Groups shown before "N smaller groups": a screenful, enough to see what dominates. */
const TOP_SHOWN = 12;

export function topView(data: ReportTargetData) {
  const rows = data.top.map((g) => ({
    leaf: g.leaf,
    at: g.at,
    count: formatCount(g.count),
    share: formatShare(g.share),
    stacks: formatCount(g.stacks),
    kinds: g.kinds.join(', '),
  }));
  // the page data keeps only the largest groups; the goroutines in the others are summed in one sentence
  const other = data.topTotal - data.top.reduce((a, g) => a + g.count, 0);
  return {
    top: rows.slice(0, TOP_SHOWN),
    topMore: rows.slice(TOP_SHOWN),
    topOther: other > 0 ? `${formatCount(other)} more goroutine${other === 1 ? '' : 's'} in smaller groups not listed` : null,
    topAt: formatTime(data.topAt),
    topTotal: formatCount(data.topTotal),
  };
}
