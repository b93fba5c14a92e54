// @ts-check
/* Starts the page: reads the data, draws the charts, fills "compare", wires the buttons, printing and resizing,
 * and exposes window.lwReport for the browser tests. Runs last (CLIENT_MODULES in src/render/clientScript.ts). */
import { $, $all, showError } from './dom.js';
import { readData } from './data.js';
import { samplesTsv } from './tsv.js';
import { copyText, download } from './clipboard.js';
import { allCharts, chartsByTarget, drawSuspectChart, drawTargetCharts, markScrollers, resetZoom, resizeAll } from './charts.js';
import { setupCompare } from './compare.js';

/** @typedef {import('../../src/render/reportData.js').ReportData} ReportData */

// ---------- print ----------

/** @type {HTMLDetailsElement[]} */
var reopened = [];
/** Printing opens every suspect (and the problems list) and draws their charts; afterPrint closes them again. */
function beforePrint() {
  reopened = [];
  /** @type {HTMLDetailsElement[]} */ ($all('details.lw-suspect, details.lw-problems')).forEach(function (d) {
    if (!d.open) { d.open = true; reopened.push(d); }
  });
  const data = DATA;
  if (data) $all('details.lw-suspect').forEach(function (d) { drawSuspectChart(d, data); });
  resizeAll();
}
function afterPrint() {
  reopened.forEach(function (d) { d.open = false; });
  reopened = [];
  resizeAll();
}

// ---------- wire up ----------

/** @type {ReportData | null} */
var DATA = null;

function main() {
  performance.mark('lw-start');
  var data = readData();
  DATA = data;
  performance.mark('lw-decoded');
  var summaryNode = document.getElementById('lw-summary');
  var summary = summaryNode ? JSON.parse(summaryNode.textContent || 'null') : null;

  data.targets.forEach(function (T, ti) {
    drawTargetCharts(T, ti);
  });
  performance.mark('lw-charts');
  data.targets.forEach(function (T, ti) {
    var cmp = $('.lw-compare[data-target="' + ti + '"]');
    if (cmp) setupCompare(cmp, T);
  });
  performance.mark('lw-compare');

  /** @type {HTMLDetailsElement[]} */ ($all('details.lw-suspect')).forEach(function (d) {
    d.addEventListener('toggle', function () { if (d.open) drawSuspectChart(d, data); markScrollers(); });
    if (d.open) drawSuspectChart(d, data);
  });

  document.addEventListener('click', function (ev) {
    var target = /** @type {Element | null} */ (ev.target);
    var b = target && target.closest ? target.closest('[data-action]') : null;
    if (!b) return;
    var action = b.getAttribute('data-action');
    var ti = Number(b.getAttribute('data-target'));
    var T = data.targets[ti];
    if (action === 'reset-zoom') { resetZoom(ti); return; }
    if (action === 'close-copy') { /** @type {HTMLElement} */ ($('.lw-copy-fallback')).hidden = true; return; }
    if (action === 'copy-cmd') {
      var code = b.parentNode && $('code', b.parentNode);
      if (code) copyText(code.textContent || '', 'Command');
      return;
    }
    if (!T) return;
    var which = b.getAttribute('data-tsv');
    var text = which === 'samples' ? samplesTsv(T) : T.suspectsTsv;
    var what = which === 'samples' ? 'Samples of ' + T.name : 'Suspects of ' + T.name;
    if (action === 'copy-tsv') copyText(text, what);
    else if (action === 'download-tsv') download(text, b.getAttribute('data-filename') || 'leakwatch.tsv');
  });

  var pending = 0;
  var onResize = function () {
    if (pending) return;
    pending = requestAnimationFrame(function () { pending = 0; resizeAll(); });
  };
  if (window.ResizeObserver) {
    var ro = new ResizeObserver(onResize);
    $all('.lw-chart').forEach(function (c) { ro.observe(c); });
  } else {
    window.addEventListener('resize', onResize);
  }
  window.addEventListener('beforeprint', beforePrint);
  window.addEventListener('afterprint', afterPrint);

  window.lwReport = {
    data: data,
    summary: summary,
    samplesTsv: /** @param {number} ti */ function (ti) { return samplesTsv(data.targets[ti]); },
    suspectsTsv: /** @param {number} ti */ function (ti) { return data.targets[ti].suspectsTsv; },
    charts: function () { return allCharts.length; },
    chartSeries: /** @param {number} ti */ function (ti) {
      return (chartsByTarget['lw-t' + ti] || []).map(function (c) { return c.series; });
    },
    yTicks: /** @param {number} ti */ function (ti) {
      return (chartsByTarget['lw-t' + ti] || []).map(function (c) {
        var dataMax = -Infinity;
        for (var k = 1; k < c.u.data.length; k++) {
          var ys = /** @type {(number | null)[]} */ (c.u.data[k]);
          for (var j = 0; j < ys.length; j++) { var y = ys[j]; if (y !== null && y > dataMax) dataMax = y; }
        }
        // _splits: uPlot's computed tick values (internal, not in its types); the browser test reads them
        var axis = /** @type {uPlot.Axis & { _splits?: number[] }} */ (c.u.axes[1]);
        return { series: c.series, splits: axis._splits || [], yMax: c.u.scales.y.max, dataMax: dataMax };
      });
    },
    xRanges: /** @param {number} ti */ function (ti) {
      return (chartsByTarget['lw-t' + ti] || []).map(function (c) { return [c.u.scales.x.min, c.u.scales.x.max]; });
    },
  };
  markScrollers();
  document.documentElement.setAttribute('data-lw-ready', '1');
}

function start() {
  try {
    main();
  } catch (e) {
    var err = /** @type {{ message?: string } | null} */ (e);
    showError('The interactive part of this page could not start (' + (err && err.message ? err.message : e) +
      '). The verdicts, suspects and commands above are still correct.');
    if (window.console) console.error(e);
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
