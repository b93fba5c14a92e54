// @ts-check
/* ---------- TSV (same rules as src/render/tsv.ts) ----------
 * The samples TSV is built in the browser from the embedded columns (the server does not embed it twice).
 * Kept apart and verbatim so changes to the sample columns land in one place on this side. */
import { decodeDelta, decodeRle, scaledBack } from './data.js';

/** @typedef {import('../../src/render/reportData.js').ReportTargetData} ReportTargetData */

var SAMPLE_HEADER = ['time_utc', 'ts_seconds', 'target', 'status', 'pid', 'process_start_ts_seconds', 'rss_bytes',
  'vsz_bytes', 'cpu_seconds_total', 'cpu_percent', 'threads', 'fds', 'goroutines', 'stacks_distinct', 'event', 'message'];

/** @param {unknown} v */
function tsvCell(v) {
  if (v === null || v === undefined) return '';
  var s = typeof v === 'number' ? (isFinite(v) ? String(v) : '') : String(v);
  s = s.replace(/[\t\r\n\u2028\u2029]/g, ' ');
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return s;
}
/** @param {number | null} ts */
function spreadsheetTime(ts) {
  if (ts === null || !isFinite(ts)) return '';
  return new Date(Math.floor(ts) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}
/** @param {ReportTargetData} T */
export function samplesTsv(T) {
  var S = T.samples;
  var ts = scaledBack(decodeDelta(S.tsMs), 1000);
  var pid = decodeDelta(S.pid), start = scaledBack(decodeDelta(S.start), 100);
  var rss = decodeDelta(S.rss), vsz = decodeDelta(S.vsz);
  var cpuT = scaledBack(decodeDelta(S.cpuTotal100), 100), cpuP = scaledBack(S.cpuPct10, 10);
  var thr = decodeDelta(S.threads), fds = decodeDelta(S.fds), gor = decodeDelta(S.goroutines), sd = decodeDelta(S.stacksDistinct);
  var status = decodeRle(S.status), event = decodeRle(S.event), msg = decodeRle(S.message);
  var lines = [SAMPLE_HEADER.map(tsvCell).join('\t')];
  for (var i = 0; i < S.n; i++) {
    lines.push([spreadsheetTime(ts[i]), ts[i], T.name, status[i], pid[i], start[i], rss[i], vsz[i], cpuT[i], cpuP[i],
      thr[i], fds[i], gor[i], sd[i], event[i], msg[i]].map(tsvCell).join('\t'));
  }
  return lines.join('\n') + '\n';
}
