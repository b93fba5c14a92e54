// @ts-check
/* The embedded page data: gzip + base64 JSON in #lw-data (src/render/reportData.ts builds it), inflated with the
 * vendored pako, and the decoders of its compact columns (the inverses of reportData.ts's encoders). */

/** @typedef {import('../../src/render/reportData.js').ReportData} ReportData */
/** @typedef {import('../../src/render/reportData.js').DeltaColumn} DeltaColumn */
/** @typedef {import('../../src/render/reportData.js').RleColumn} RleColumn */

/** @returns {ReportData} */
export function readData() {
  var node = document.getElementById('lw-data');
  if (!node) throw new Error('embedded data is missing');
  var b64 = (node.textContent || '').replace(/\s+/g, '');
  var bin = atob(b64);
  var bytes = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  var raw = window.pako.inflate(bytes);
  return JSON.parse(new TextDecoder('utf-8').decode(raw));
}

/** Running sum; null stays null. @param {DeltaColumn} col @returns {(number | null)[]} */
export function decodeDelta(col) {
  var run = 0, out = new Array(col.length);
  for (var i = 0; i < col.length; i++) {
    var d = col[i];
    if (d === null) out[i] = null; else { run += d; out[i] = run; }
  }
  return out;
}
/** @param {RleColumn} col @returns {string[]} */
export function decodeRle(col) {
  /** @type {string[]} */
  var out = [];
  for (var k = 0; k < col.runs.length; k += 2) {
    var s = col.dict[col.runs[k]];
    for (var j = 0; j < col.runs[k + 1]; j++) out.push(s);
  }
  return out;
}
/** Scaled integers back to numbers (ts × 1000, cpu × 100, …). @param {(number | null)[]} arr @param {number} scale */
export function scaledBack(arr, scale) {
  return arr.map(function (v) { return v === null ? null : v / scale; });
}
