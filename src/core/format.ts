// The one place numbers, durations, times and shell words are formatted for people: the verdict headline, the
// page's cards and tables, check/diff/export output. The page's script keeps a copy of formatBytes, formatCount,
// formatSigned and formatTime (templates/client/format.js), because the page loads no modules; the two are held
// to the same results by test/clientModules.test.ts.

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 512 B, 3.50 KiB, 12.3 MiB, 120 MiB; '—' when not measured. Three significant digits: cards line up. */
export function formatBytes(b: number | null | undefined): string {
  if (b === null || b === undefined || !Number.isFinite(b)) return '—';
  const neg = b < 0;
  let v = Math.abs(b);
  let u = 0;
  while (v >= 1024 && u < BYTE_UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  const txt = u === 0 ? String(Math.round(v)) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  return `${neg ? '−' : ''}${txt} ${BYTE_UNITS[u]}`;
}

/** 1,200 / 12 / 3.4; whole numbers stay whole; '—' when not measured. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const r = Math.abs(n) >= 100 || Number.isInteger(n) ? Math.round(n) : Math.round(n * 10) / 10;
  return r.toLocaleString('en-US');
}

/** +1,200 / −3.5 / ±0, with an optional suffix ("/hour"). */
export function formatSigned(n: number | null | undefined, suffix = ''): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const s = formatCount(Math.abs(n));
  return `${n > 0 ? '+' : n < 0 ? '−' : '±'}${s}${suffix}`;
}

/** Signed bytes: +3.50 MiB / −120 KiB. */
export function formatSignedBytes(b: number): string {
  return b > 0 ? `+${formatBytes(b)}` : formatBytes(b);
}

/** 80 s, 12 min, 3.5 h, 30 h, 4.2 days: seconds below two minutes, minutes below two hours, hours below two days. */
export function formatSpan(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(seconds < 36000 ? 1 : 0)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

/** 2026-11-27 08:00 UTC (minutes; everything leakwatch prints is UTC). */
export function formatTime(ts: number | null | undefined): string {
  if (ts === null || ts === undefined || !Number.isFinite(ts) || ts <= 0) return '—';
  return new Date(Math.floor(ts) * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

/** 2026-11-27T08:00:00Z (seconds, for warnings and logs). */
export function formatIsoSeconds(ts: number): string {
  return new Date(ts * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** POSIX shell quoting: bare when only safe characters, else single quotes. */
export function shellQuote(s: string): string {
  if (s !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) && !s.startsWith('-')) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** "1 sample" / "3 samples". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatCount(n)} ${n === 1 ? word : many}`;
}
