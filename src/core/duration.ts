// Durations on the command line and in config: "500ms", "5s", "30m", "2h", "14d", or a bare number of seconds.

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };

/** Parses a duration to seconds; throws with the accepted forms on anything else. */
export function parseDurationSeconds(text: string, what = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) throw new Error(`${what}: "${text}" is not a duration; use e.g. 5s, 30m, 2h, 14d`);
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] ?? 's'];
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`${what}: "${text}" must be more than zero`);
  return seconds;
}

/** Parses --since/--until: an ISO date-time, a unix timestamp in seconds, or "<duration> ago" relative to now. */
export function parseTimeSeconds(text: string, nowSeconds: number, what = 'time'): number {
  const ago = /^\s*(.+?)\s+ago\s*$/.exec(text);
  if (ago) return nowSeconds - parseDurationSeconds(ago[1], what);
  if (/^\s*\d{9,11}(\.\d+)?\s*$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new Error(`${what}: "${text}" is not a time; use 2026-11-27T08:00Z, a unix timestamp, or "2h ago"`);
  }
  return ms / 1000;
}

/** Durations for people: the one formatter (src/core/format.ts formatSpan). */
export { formatSpan as formatDuration } from './format.js';
