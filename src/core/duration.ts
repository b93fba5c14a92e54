// Durations on the command line and in config: "500ms", "5s", "30m", "2h", "14d", or a bare number of seconds.

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Parses a duration to seconds; throws with the accepted forms on anything else. */
export function parseDurationSeconds(text: string, what = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (/^\s*-\s*\d/.test(text)) throw new Error(`${what}: "${text}" must be more than zero`);
  if (!m) throw new Error(`${what}: "${text}" is not a duration; use e.g. 5s, 30m, 2h, 14d`);
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] ?? 's'];
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`${what}: "${text}" must be more than zero`);
  return seconds;
}

/**
 * ISO-style date-times as people type them: "2026-11-29", "2026-11-29 03:24", "2026-11-29T03:24:00.5",
 * with an optional zone ("Z", "+02:00", "-0500"). Anything else is refused rather than handed to Date.parse,
 * whose loose forms ("Nov 29 2026 03:24") are read in the host's zone.
 */
const ISO_TIME = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses --since/--until: an ISO date-time, a unix timestamp in seconds, or "<duration> ago" relative to now.
 * A time without a zone is UTC, never the host's zone: everything leakwatch prints (and samples.csv's
 * time_utc cells, which people copy from) is UTC, and TZ differs between a laptop, a server and cron.
 */
export function parseTimeSeconds(text: string, nowSeconds: number, what = 'time'): number {
  const ago = /^\s*(.+?)\s+ago\s*$/.exec(text);
  if (ago) return nowSeconds - parseDurationSeconds(ago[1], what);
  if (/^\s*\d{9,11}(\.\d+)?\s*$/.test(text)) return Number(text);
  const m = ISO_TIME.exec(text.trim());
  // Date.parse wants "+HH:MM"; "-0500" and "+02" are normalised first.
  const zone = m?.[3] ? (/^z$/i.test(m[3]) ? 'Z' : m[3].replace(/^([+-]\d{2}):?(\d{2})?$/, (_, h, mm) => `${h}:${mm ?? '00'}`)) : 'Z';
  const ms = m ? Date.parse(`${m[1]}T${m[2] ?? '00:00'}${zone}`) : NaN;
  // Date.parse rolls an impossible day over ("2026-02-30" is 2 March): the date as typed must be the date read.
  const asTyped = m ? Date.parse(`${m[1]}T${m[2] ?? '00:00'}Z`) : NaN;
  const rolledOver = !Number.isNaN(asTyped) && new Date(asTyped).toISOString().slice(0, 10) !== m![1];
  if (Number.isNaN(ms) || rolledOver) {
    throw new Error(
      `${what}: "${text}" is not a time; use 2026-11-27T08:00Z (a time without a zone is UTC), a unix timestamp, or "2h ago"`,
    );
  }
  return ms / 1000;
}

/** Durations for people: the one formatter (src/core/format.ts formatSpan). */
export { formatSpan as formatDuration } from './format.js';
