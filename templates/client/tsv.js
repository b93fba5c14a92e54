// @ts-check
/* ---------- TSV (same rules as src/render/tsv.ts) ----------
 * The samples TSV is built in the browser from the embedded columns (the server does not embed it twice).
 * Kept apart and verbatim so changes to the sample columns land in one place on this side. */
import { decodeDelta, decodeRle, scaledBack } from './data.js';

/** @typedef {import('../../src/render/reportData.js').ReportTargetData} ReportTargetData */

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
// The samples TSV: the columns, their order and their scales come from the page data (T.samples.columns, built
// from core/sampleFields.ts by reportData.ts encodeSamples); no column list here.
/** @param {import('../../src/render/reportData.js').SampleColumnData} c @returns {(number | string | null)[] | null} */
function sampleColumnValues(c) {
  if ('delta' in c) return scaledBack(decodeDelta(c.delta), c.scale);
  if ('rle' in c) return decodeRle(c.rle);
  return null; // a time column: made from its number column below
}
/** @param {ReportTargetData} T */
export function samplesTsv(T) {
  var S = T.samples;
  var values = S.columns.map(sampleColumnValues);
  var cols = S.columns.map(function (c, k) {
    if (!('time' in c)) return values[k] || [];
    var from = /** @type {(number | null)[]} */ (values[c.time] || []);
    return from.map(spreadsheetTime);
  });
  var lines = [S.columns.map(function (c) { return tsvCell(c.name); }).join('\t')];
  for (var i = 0; i < S.n; i++) {
    lines.push(cols.map(function (col) { return tsvCell(col[i]); }).join('\t'));
  }
  return lines.join('\n') + '\n';
}
