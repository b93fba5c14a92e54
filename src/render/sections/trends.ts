// View model of "Trends" (templates/partials/trends.hbs): the charts are drawn by the page's script from the
// embedded data; the server side only says what exists, and lists the samples that could not be measured.

import type { SampleRow } from '../../core/model.js';
import { formatCount, formatTime } from '../../core/format.js';

/** Failed samples grouped by status, most frequent first, with the latest message of each. */
export function problemsView(rows: readonly SampleRow[]) {
  const by = new Map<string, { status: string; count: number; first: number; last: number; message: string }>();
  for (const r of rows) {
    if (r.status === 'ok') continue;
    let p = by.get(r.status);
    if (!p) by.set(r.status, (p = { status: r.status, count: 0, first: r.tsSeconds, last: r.tsSeconds, message: '' }));
    p.count++;
    p.first = Math.min(p.first, r.tsSeconds);
    if (r.tsSeconds >= p.last) {
      p.last = r.tsSeconds;
      if (r.message) p.message = r.message;
    }
  }
  return [...by.values()]
    .sort((a, b) => b.count - a.count)
    .map((p) => ({ ...p, count: formatCount(p.count), first: formatTime(p.first), last: formatTime(p.last) }));
}
