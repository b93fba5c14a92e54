// View model of the verdict cards at the top (templates/partials/verdicts.hbs) and of the page's title and
// one-line overall count: worst verdict first, so a leak is the first thing a reader sees.

import type { Suspect, Verdict } from '../../core/model.js';
import { formatCount, formatSigned } from '../../core/format.js';
import { suspectLocation } from '../tsv.js';

const VERDICT: Record<Verdict, { word: string; icon: string; cls: string; rank: number }> = {
  leak: { word: 'Leak', icon: '▲', cls: 'leak', rank: 0 },
  growing: { word: 'Growing', icon: '↗', cls: 'growing', rank: 1 },
  stable: { word: 'Stable', icon: '✓', cls: 'stable', rank: 3 },
  'insufficient-data': { word: 'Not enough data', icon: '…', cls: 'nodata', rank: 2 },
};

/** Word, icon, CSS class and sort rank of a verdict (an unknown one from a newer summary reads as no data). */
export function verdictInfo(v: Verdict) {
  return VERDICT[v] ?? { word: String(v), icon: '?', cls: 'nodata', rank: 2 };
}

/** The card's "Top suspect" block; more = how many other suspects the target has. */
export function topSuspectView(top: Suspect | undefined, suspects: number) {
  if (!top) return null;
  return {
    leaf: top.leafFunction,
    at: suspectLocation(top),
    kind: top.kind,
    first: formatCount(top.first),
    last: formatCount(top.last),
    perHour: formatSigned(top.perHour, ' per hour'),
    more: suspects > 1 ? suspects - 1 : 0,
    confirmed: top.confirmed,
  };
}

interface CardTarget {
  idx: number;
  name: string;
  verdict: Verdict;
  verdictClass: string;
}

/** Cards in verdict order (ties keep the recording's order), the title, and "1 leaking, 2 stable". */
export function verdictsView<T extends CardTarget>(targets: readonly T[]) {
  const cards = [...targets].sort((a, b) => verdictInfo(a.verdict).rank - verdictInfo(b.verdict).rank || a.idx - b.idx);
  const counts = { leak: 0, growing: 0, stable: 0, nodata: 0 };
  for (const t of targets) counts[t.verdictClass as keyof typeof counts]++;
  const overall: string[] = [];
  if (counts.leak) overall.push(`${counts.leak} leaking`);
  if (counts.growing) overall.push(`${counts.growing} growing`);
  if (counts.stable) overall.push(`${counts.stable} stable`);
  if (counts.nodata) overall.push(`${counts.nodata} without enough data`);
  const title =
    targets.length === 0
      ? 'leakwatch report: no data yet'
      : `leakwatch: ${counts.leak ? 'leak found' : counts.growing ? 'growth found' : 'no leak found'} (${targets.map((t) => t.name).join(', ')})`;
  return { cards, overall: overall.join(', '), title };
}
