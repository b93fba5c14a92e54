// @ts-check
/* "Compare two times": the stacks whose goroutine counts changed most between two picked ticks, like
 * go tool pprof -diff_base, from the compare matrix in the page data. */
import { fmtCount, fmtSigned, fmtTimeSec } from './format.js';
import { $, el, elBreak } from './dom.js';

/** @typedef {import('../../src/render/reportData.js').ReportTargetData} ReportTargetData */
/** @typedef {import('../../src/render/reportData.js').StackData} StackData */

// ---------- stacks and compare ----------

/** @param {ReportTargetData} T */
function stackIndex(T) {
  /** @type {Record<number, StackData>} */
  var m = {};
  T.stacks.forEach(function (s) { m[s.id] = s; });
  return m;
}

/** @param {ReportTargetData} T @param {StackData} s */
function framesList(T, s) {
  var ol = el('ol', 'lw-frames');
  for (var i = 0; i + 2 < s.f.length; i += 3) {
    var li = el('li');
    var fn = T.strings[s.f[i]];
    li.appendChild(elBreak('code', 'lw-fn', fn));
    li.appendChild(document.createTextNode(' '));
    li.appendChild(elBreak('span', 'lw-loc', T.strings[s.f[i + 1]] + ':' + s.f[i + 2]));
    if (fn === T.strings[s.leaf]) li.className = 'lw-block';
    ol.appendChild(li);
  }
  return ol;
}

/** @param {Record<string, string>} labels */
function labelsNode(labels) {
  var wrap = el('span', 'lw-labels');
  var keys = Object.keys(labels || {}).sort();
  if (keys.length === 0) wrap.appendChild(el('span', 'lw-dim', 'none'));
  keys.forEach(function (k) { wrap.appendChild(el('span', 'lw-label', k + '=' + labels[k])); });
  return wrap;
}

/** 'pid 1234' from a lifetime name `pid@start`; '' for a URL-only target. @param {string} name */
function lifetimeText(name) {
  var m = /^(\d+)@/.exec(name || '');
  return m ? 'pid ' + m[1] : '';
}

/** @param {HTMLElement} section @param {ReportTargetData} T */
export function setupCompare(section, T) {
  var C = T.compare;
  var selA = /** @type {HTMLSelectElement | null} */ ($('.lw-cmp-a', section));
  var selB = /** @type {HTMLSelectElement | null} */ ($('.lw-cmp-b', section));
  if (!selA || !selB || C.times.length < 2) return;
  var a1 = selA, b1 = selB;
  var multiLife = C.lifetimeNames.length > 1;
  for (var i = 0; i < C.times.length; i++) {
    var txt = fmtTimeSec(C.times[i]);
    if (multiLife && lifetimeText(C.lifetimeNames[C.lifetime[i]])) txt += ' · ' + lifetimeText(C.lifetimeNames[C.lifetime[i]]);
    if (C.snapshot[i]) txt += ' · snapshot';
    selA.appendChild(new Option(txt, String(i)));
    selB.appendChild(new Option(txt, String(i)));
  }
  var last = C.times.length - 1;
  var a = 0;
  for (var k = last - 1; k >= 0; k--) {
    if (C.lifetime[k] !== C.lifetime[last]) break;
    a = k;
  }
  if (a === last) a = 0;
  selA.value = String(a);
  selB.value = String(last);
  var idx = stackIndex(T);
  var update = function () { renderCompare(section, T, idx, +a1.value, +b1.value); };
  selA.addEventListener('change', update);
  selB.addEventListener('change', update);
  update();
}

/** @param {HTMLElement} section @param {ReportTargetData} T @param {Record<number, StackData>} idx @param {number} ia @param {number} ib */
function renderCompare(section, T, idx, ia, ib) {
  var C = T.compare;
  var tbody = /** @type {HTMLElement} */ ($('.lw-cmp-table tbody', section));
  var note = /** @type {HTMLElement} */ ($('.lw-cmp-note', section));
  tbody.textContent = '';
  /** @type {{ id: number, a: number, b: number, d: number }[]} */
  var rows = [];
  var sumA = 0, sumB = 0;
  C.stacks.forEach(function (s) {
    var a = s.c[ia], b = s.c[ib];
    sumA += a;
    sumB += b;
    if (a !== b) rows.push({ id: s.id, a: a, b: b, d: b - a });
  });
  rows.sort(function (x, y) { return Math.abs(y.d) - Math.abs(x.d) || y.b - x.b || x.id - y.id; });
  var totalA = C.totals[ia], totalB = C.totals[ib];
  var parts = ['Goroutines ' + fmtCount(totalA) + ' → ' + fmtCount(totalB) + ' (' + fmtSigned(totalB - totalA) + ').'];
  if (rows.length === 0) parts.push('No stack changed its count.');
  else parts.push(rows.length + ' stack' + (rows.length === 1 ? '' : 's') + ' changed' + (rows.length > 50 ? '; the 50 largest changes are shown.' : '.'));
  if (C.lifetime[ia] !== C.lifetime[ib]) parts.push('The process restarted in between, so every count started again from zero.');
  if (ia > ib) parts.push('“From” is later than “To”.');
  note.textContent = parts.join(' ');
  rows.slice(0, 50).forEach(function (r) {
    var s = idx[r.id];
    var tr = el('tr');
    var d = el('td', 'num ' + (r.d > 0 ? 'lw-up' : 'lw-down'), fmtSigned(r.d));
    tr.appendChild(d);
    tr.appendChild(el('td', 'num', fmtCount(r.a)));
    tr.appendChild(el('td', 'num', fmtCount(r.b)));
    var fnCell = el('td', 'lw-wrapcell');
    if (s) {
      var det = el('details');
      var sum = el('summary');
      sum.appendChild(elBreak('code', 'lw-fn', T.strings[s.leaf]));
      sum.appendChild(elBreak('span', 'lw-loc', s.at));
      det.appendChild(sum);
      det.appendChild(framesList(T, s));
      fnCell.appendChild(det);
    } else {
      fnCell.textContent = 'stack ' + r.id;
    }
    tr.appendChild(fnCell);
    tr.appendChild(el('td', '', s ? s.kind : ''));
    var lc = el('td', 'lw-wrapcell');
    lc.appendChild(labelsNode(s ? s.labels : {}));
    tr.appendChild(lc);
    tbody.appendChild(tr);
  });
  var otherA = totalA - sumA, otherB = totalB - sumB;
  if (otherA !== otherB && C.stacksInHistory > C.stacks.length) {
    var tr = el('tr', 'lw-dim');
    tr.appendChild(el('td', 'num', fmtSigned(otherB - otherA)));
    tr.appendChild(el('td', 'num', fmtCount(otherA)));
    tr.appendChild(el('td', 'num', fmtCount(otherB)));
    var td = /** @type {HTMLTableCellElement} */ (el('td', '', (C.stacksInHistory - C.stacks.length) + ' smaller stacks, summed (not embedded in this page)'));
    td.colSpan = 3;
    tr.appendChild(td);
    tbody.appendChild(tr);
  }
}

