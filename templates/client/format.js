// @ts-check
/* The page's number and time formatting. The server formats with src/core/format.ts; this is its browser copy
 * (the page loads no modules), held to the same results by test/clientFormat.test.ts on one table of cases.
 * fmtBytes = formatBytes, fmtCount = formatCount, fmtSigned = formatSigned without a suffix, fmtTime = formatTime;
 * the rest (seconds in hover times, axis ticks) exist only on the page. */

var UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** @param {number | null | undefined} b */
export function fmtBytes(b) {
  if (b === null || b === undefined || !isFinite(b)) return '—';
  var neg = b < 0, v = Math.abs(b), u = 0;
  while (v >= 1024 && u < UNITS.length - 1) { v /= 1024; u++; }
  var t = u === 0 ? String(Math.round(v)) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
  return (neg ? '−' : '') + t + ' ' + UNITS[u];
}

/** @param {number | null | undefined} n */
export function fmtCount(n) {
  if (n === null || n === undefined || !isFinite(n)) return '—';
  var r = Math.abs(n) >= 100 || Math.round(n) === n ? Math.round(n) : Math.round(n * 10) / 10;
  return r.toLocaleString('en-US');
}

/** Axis labels: 1.2k, 35k, 4.5M; '' when not a number. @param {number | null | undefined} n */
export function fmtShortCount(n) {
  if (n === null || n === undefined || !isFinite(n)) return '';
  var a = Math.abs(n);
  if (a >= 1e9) return +(n / 1e9).toFixed(1) + 'G';
  if (a >= 1e6) return +(n / 1e6).toFixed(1) + 'M';
  if (a >= 1e4) return +(n / 1e3).toFixed(0) + 'k';
  if (a >= 1e3) return +(n / 1e3).toFixed(1) + 'k';
  return String(+n.toFixed(2));
}

/** @param {number | null | undefined} n */
export function fmtSigned(n) {
  // isFinite(null) is true (null counts as 0): test null first, as formatSigned does
  if (n === null || n === undefined || !isFinite(n)) return '—';
  return (n > 0 ? '+' : n < 0 ? '−' : '±') + fmtCount(Math.abs(n));
}

/** @param {number} n */
export function pad2(n) { return n < 10 ? '0' + n : String(n); }

/** 2026-11-27 08:00 UTC; '—' for no time (0 and below included, as formatTime). @param {number | null | undefined} ts */
export function fmtTime(ts) {
  if (ts === null || ts === undefined || !isFinite(ts) || ts <= 0) return '—';
  var d = new Date(Math.floor(ts) * 1000);
  return d.getUTCFullYear() + '-' + pad2(d.getUTCMonth() + 1) + '-' + pad2(d.getUTCDate()) + ' ' +
    pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes()) + ' UTC';
}

/** fmtTime with seconds: samples can be 2 s apart. @param {number | null | undefined} ts */
export function fmtTimeSec(ts) {
  if (ts === null || ts === undefined || !isFinite(ts)) return '—';
  var d = new Date(Math.floor(ts) * 1000);
  return fmtTime(ts).replace(' UTC', ':' + pad2(d.getUTCSeconds()) + ' UTC');
}

/** @typedef {'count' | 'bytes' | 'percent'} ValueKind */

/** A chart's hover value. @param {ValueKind} kind @param {number | null | undefined} v */
export function fmtValue(kind, v) {
  if (v === null || v === undefined) return '—';
  if (kind === 'bytes') return fmtBytes(v);
  if (kind === 'percent') return (Math.round(v * 10) / 10).toLocaleString('en-US') + ' %';
  return fmtCount(v);
}

/** A chart's y-axis label: short, so the axis stays narrow. @param {ValueKind} kind @param {number} v */
export function fmtTick(kind, v) {
  if (kind === 'bytes') {
    if (v === 0) return '0';
    var u = 0, a = Math.abs(v);
    while (a >= 1024 && u < UNITS.length - 1) { a /= 1024; u++; }
    return (v < 0 ? '−' : '') + +a.toFixed(a >= 10 ? 0 : 1) + ' ' + UNITS[u];
  }
  if (kind === 'percent') return fmtShortCount(v) + '%';
  return fmtShortCount(v);
}
