// View model of the "Suspects" section (templates/partials/suspects.hbs): one row per suspect stack, and its
// opened body (facts, creator and wait reason from the debug=2 dump, minutes blocked, frames, source).

import type { Suspect } from '../../core/model.js';
import { formatCount, formatSigned, formatSpan, formatTime } from '../../core/format.js';
import { suspectLocation } from '../tsv.js';
import { blockIndexOf, formatShare, framesView, labelPairs } from './shared.js';

function minutesText(m: number): string {
  if (m >= 1440) return `${formatCount(Math.round((m / 1440) * 10) / 10)} days`;
  if (m >= 120) return `${formatCount(Math.round((m / 60) * 10) / 10)} h`;
  return `${formatCount(m)} min`;
}

const HIST_LABELS: Record<string, string> = {
  '0': 'under 1 min',
  '1': '1–5 min',
  '5': '5–15 min',
  '15': '15–60 min',
  '60': '1–4 h',
  '240': '4–24 h',
  '1440+': '1 day or more',
};

/**
 * Why Go's wait reason can differ from the kind: RWMutex.Lock first takes the RWMutex's inner sync.Mutex, so a
 * writer queued behind another writer waits on "sync.Mutex.Lock" while its stack (and kind) is the RWMutex's.
 */
function waitNote(s: Suspect): string | null {
  if (s.kind !== 'rwmutex' || s.waitReason !== 'sync.Mutex.Lock') return null;
  if (!s.frames.some((f) => f.function === 'sync.(*RWMutex).Lock')) return null;
  return "a write lock (RWMutex.Lock) queued behind another writer: it waits on the RWMutex's inner sync.Mutex";
}

/** Creator, wait reason and the minutes-blocked distribution of a suspect, from the debug=2 dump. */
function blockedView(s: Suspect) {
  const b = s.blockedMinutes;
  if (!b) return null;
  const peak = Math.max(1, ...b.histogram.map((h) => h.count));
  // Leading and trailing empty bins are left out; the ones between stay, so the shape is honest.
  let lo = b.histogram.findIndex((h) => h.count > 0);
  let hi = b.histogram.length - 1 - [...b.histogram].reverse().findIndex((h) => h.count > 0);
  if (lo < 0) lo = hi = 0;
  return {
    goroutines: formatCount(b.goroutines),
    dumpAt: formatTime(b.dumpTsSeconds),
    min: minutesText(b.min),
    median: minutesText(b.median),
    max: minutesText(b.max),
    stamped: formatCount(b.stamped),
    allUnstamped: b.stamped === 0,
    leaked: b.leaked > 0 ? formatCount(b.leaked) : null,
    allLeaked: b.leaked === b.goroutines,
    merged: b.mergedWithOtherLabels,
    bins: b.histogram.slice(lo, hi + 1).map((h) => ({
      label: HIST_LABELS[h.label] ?? `${h.label} min`,
      count: formatCount(h.count),
      // whole percents of the widest bar; inline width is the one style attribute the page uses
      width: h.count === 0 ? 0 : Math.max(2, Math.round((h.count / peak) * 100)),
    })),
  };
}

/** Why a stack is a suspect, in the words of suspects.ts / growth.ts. */
const EVIDENCE_TEXT: Record<NonNullable<Suspect['evidence']>, string> = {
  'floor-rises': 'it never gave goroutines back in the recorded history, and keeps rising',
  'known-leaker': 'it rose through an earlier process lifetime too, and rises again in this one',
  'above-daily-range': 'it follows load, but its last hours stand above the highest it ever was at these hours',
  'daily-floor-rises': 'it follows load, and its daily floor rises day over day',
  'runtime-proven': 'the Go runtime proved these goroutines leaked, and their count grew between two leak profiles',
};

function groupText(g: NonNullable<Suspect['group']>): string {
  const keys = g.labelKeys.map((k) => `${k.key} (${formatCount(k.distinctValues)} values${k.examples.length > 0 ? `, e.g. ${k.examples.join(', ')}` : ''})`).join('; ');
  if (g.stackIds.length === 1) return `the recorder stored these goroutines as one stack: their labels differ only in ${keys}`;
  return `${formatCount(g.stackIds.length)} stacks with the same frames whose labels differ only in ${keys || 'values'}, counted together`;
}

/** One suspect, ranked from 1; lastTs (the last sample) dates "first seen … before the last sample". */
export function suspectView(s: Suspect, i: number, lastTs: number | null) {
  const bi = blockIndexOf(s.frames, s.leafFunction);
  const src = s.source;
  return {
    rank: i + 1,
    idx: i,
    leaf: s.leafFunction,
    at: suspectLocation(s),
    kind: s.kind,
    first: formatCount(s.first),
    last: formatCount(s.last),
    growth: formatSigned(s.last - s.first),
    perHour: formatSigned(s.perHour, '/h'),
    share: formatShare(s.share),
    consistency: `${Math.round(s.consistency * 100)}%`,
    score: formatCount(Math.round(s.score * 100) / 100),
    confirmed: s.confirmed,
    evidence: s.evidence ? EVIDENCE_TEXT[s.evidence] : null,
    group: s.group ? groupText(s.group) : null,
    createdBy: s.createdBy ?? null,
    createdAt: s.createdAt ?? null,
    waitReason: s.waitReason ?? null,
    waitNote: waitNote(s),
    blocked: blockedView(s),
    labels: labelPairs(s.labels),
    firstSeen: formatTime(s.firstSeenTsSeconds),
    firstSeenShort: formatTime(s.firstSeenTsSeconds).replace(/ UTC$/, ''),
    firstSeenAgo: lastTs !== null && s.firstSeenTsSeconds > 0 ? formatSpan(lastTs - s.firstSeenTsSeconds) : '',
    frames: framesView(s.frames, bi),
    source:
      src && src.lines.length > 0
        ? {
            file: src.file,
            line: src.line,
            lines: src.lines.map((text, k) => ({ no: src.startLine + k, text, hot: src.startLine + k === src.line })),
          }
        : null,
  };
}
