// @ts-check
/* The trend charts (uPlot, vendored and inlined in the page): one group per target whose x zoom is shared, the
 * restart markers, UTC time axes, and each suspect's small count chart drawn when it is first opened. */
import { fmtTick, fmtTimeSec, fmtValue, pad2 } from './format.js';
import { $, $all, el } from './dom.js';

/** @typedef {import('../../src/render/reportData.js').ReportData} ReportData */
/** @typedef {import('../../src/render/reportData.js').ReportTargetData} ReportTargetData */
/** @typedef {import('./format.js').ValueKind} ValueKind */
/** @typedef {'goroutines' | 'leaked' | 'rss' | 'heap' | 'heapMs' | 'stack' | 'sys' | 'cpu' | 'threads' | 'fds'} SeriesKey */
/** @typedef {{ label: string, color: string, fill?: string, dash?: number[], points?: boolean, spanGaps?: boolean }} ChartLine */
/** @typedef {ChartLine & { key: SeriesKey, short?: string }} SeriesDef */
/** @typedef {{ u: uPlot, container: HTMLElement, height: number, xs: number[], series: string[], syncing: (v: boolean) => void }} ChartEntry */

var UTC = 'Etc/UTC';
/** @type {Record<string, { kind: ValueKind, height: number, caption?: string, series: SeriesDef[] }>} */
// Each chart: one or more series of the target's chart data (T.chart[key]); series never measured are left out.
var METRICS = {
  goroutines: { kind: 'count', height: 230, series: [
    { key: 'goroutines', label: 'Goroutines', color: '#1f5fbf', fill: 'rgba(31,95,191,0.08)' },
    { key: 'leaked', label: 'Confirmed leaked by the Go runtime', color: '#b3261e', dash: [5, 3], points: true, spanGaps: true },
  ] },
  memory: { kind: 'bytes', height: 200, caption: 'Memory', series: [
    { key: 'rss', label: 'RSS', color: '#7a3fb0', fill: 'rgba(122,63,176,0.07)' },
    { key: 'heap', label: 'Go heap (pprof)', short: 'Go heap', color: '#1e6b3a' },
    { key: 'heapMs', label: 'HeapInuse', color: '#0f6f78', dash: [6, 3] },
    { key: 'stack', label: 'Goroutine stacks', short: 'goroutine stacks', color: '#b3261e' },
    { key: 'sys', label: 'Sys (from the OS)', short: 'Sys', color: '#5b6570', dash: [2, 3] },
  ] },
  cpu: { kind: 'percent', height: 160, series: [{ key: 'cpu', label: 'CPU', color: '#1e6b3a', fill: 'rgba(30,107,58,0.07)' }] },
  threads: { kind: 'count', height: 160, series: [{ key: 'threads', label: 'Threads', color: '#9a5b00', fill: 'rgba(154,91,0,0.07)' }] },
  fds: { kind: 'count', height: 160, series: [{ key: 'fds', label: 'FDs', color: '#0f6f78', fill: 'rgba(15,111,120,0.07)' }] },
};
/** @type {Record<string, string>} */
var NOT_MEASURED = {
  goroutines: 'No goroutine counts recorded (the pprof endpoint never answered).',
  memory: 'Memory not measured (no local process was found for this target, and no heap profile was recorded).',
  cpu: 'CPU not measured (no local process was found for this target).',
  threads: 'Threads not measured (no local process was found for this target).',
  fds: 'Open files not measured (no local process was found, or /proc was not readable).',
};

// ---------- charts ----------

/** Dashed lines labelled "restart" where a new process lifetime starts. @param {number[]} restarts @returns {uPlot.Plugin} */
function restartPlugin(restarts) {
  return {
    hooks: {
      draw: [/** @param {uPlot} u */ function (u) {
        if (!restarts || restarts.length === 0) return;
        var px = window.devicePixelRatio || 1;
        var ctx = u.ctx, bb = u.bbox, min = /** @type {number} */ (u.scales.x.min), max = /** @type {number} */ (u.scales.x.max);
        ctx.save();
        ctx.strokeStyle = '#9a5b00';
        ctx.fillStyle = '#7a4800';
        ctx.lineWidth = Math.max(1, Math.round(px));
        ctx.setLineDash([4 * px, 3 * px]);
        ctx.font = Math.round(11 * px) + 'px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
        ctx.textBaseline = 'top';
        var lastLabel = -Infinity;
        for (var i = 0; i < restarts.length; i++) {
          var t = restarts[i];
          if (t < min || t > max) continue;
          var x = Math.round(u.valToPos(t, 'x', true)) + 0.5;
          ctx.beginPath();
          ctx.moveTo(x, bb.top);
          ctx.lineTo(x, bb.top + bb.height);
          ctx.stroke();
          if (x - lastLabel > 58 * px) {
            var tw = ctx.measureText('restart').width;
            ctx.fillStyle = 'rgba(255,255,255,0.85)';
            ctx.fillRect(x + 2 * px, bb.top + 1 * px, tw + 4 * px, 13 * px);
            ctx.fillStyle = '#7a4800';
            ctx.fillText('restart', x + 4 * px, bb.top + 2 * px);
            lastLabel = x;
          }
        }
        ctx.restore();
      }],
    },
  };
}

/** @param {number[]} restarts @param {uPlot} u */
function restartsIn(restarts, u) {
  if (!restarts || restarts.length === 0) return false;
  var xs = u.data && u.data[0];
  if (!xs || xs.length === 0) return true;
  var lo = u.scales.x.min, hi = u.scales.x.max;
  if (lo === null || lo === undefined || hi === null || hi === undefined) { lo = xs[0]; hi = xs[xs.length - 1]; }
  for (var i = 0; i < restarts.length; i++) if (restarts[i] >= lo && restarts[i] <= hi) return true;
  return false;
}

var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Time axis labels in UTC, 24-hour clock; the date under the first tick and wherever the day changes. */
/** @param {uPlot} u @param {number[]} splits @param {number} axisIdx @param {number} foundSpace @param {number} foundIncr */
function timeAxisValues(u, splits, axisIdx, foundSpace, foundIncr) {
  /** @type {string | null} */
  var prevDay = null;
  return splits.map(function (ts) {
    var d = new Date(ts * 1000);
    var day = MONTHS[d.getUTCMonth()] + ' ' + d.getUTCDate();
    if (foundIncr >= 86400) return day;
    var hm = pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes()) + (foundIncr < 60 ? ':' + pad2(d.getUTCSeconds()) : '');
    var out = prevDay === day ? hm : hm + '\n' + day;
    prevDay = day;
    return out;
  });
}
var BYTE_INCRS = (function () {
  /** @type {number[]} */
  var out = [];
  for (var k = 0; k < 5; k++) {
    [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].forEach(function (m) { out.push(m * Math.pow(1024, k)); });
  }
  return out;
})();

// Counts (goroutines, threads, fds) are whole numbers: ticks at 1, 2, 5 x 10^k, never 2.5 or 7.5.
var COUNT_INCRS = (function () {
  /** @type {number[]} */
  var out = [];
  for (var k = 0; k < 10; k++) [1, 2, 5].forEach(function (m) { out.push(m * Math.pow(10, k)); });
  return out;
})();

/** @param {(number | null)[]} arr */
function allNull(arr) {
  for (var i = 0; i < arr.length; i++) if (arr[i] !== null) return false;
  return true;
}

/** Room for the longest tick label. @param {ValueKind} kind @returns {uPlot.Axis.Size} */
function axisSize(kind) {
  return function (u, values) {
    if (!values) return 40;
    var longest = 0;
    for (var i = 0; i < values.length; i++) longest = Math.max(longest, String(values[i]).length);
    return Math.max(40, Math.ceil(longest * 7.5) + 22);
  };
}

/** Charts by zoom group ('lw-t<target index>'). @type {Record<string, ChartEntry[]>} */
export var chartsByTarget = {};
/** @type {ChartEntry[]} */
export var allCharts = [];

/**
 * defs: [{label, color, fill?, dash?, points?, spanGaps?}], one per array in ysList (same length as xs).
 * @param {HTMLElement} container @param {number[]} xs @param {(number | null)[][]} ysList @param {ChartLine[]} defs
 * @param {ValueKind} kind @param {number[]} restarts @param {string | null} group @param {number} height
 * @returns {ChartEntry}
 */
function makeChart(container, xs, ysList, defs, kind, restarts, group, height) {
  var width = Math.max(200, container.clientWidth || 600);
  var syncing = false;
  // Seconds in the hover time: samples can be 2 s apart, and a zoom into 20 s would otherwise show one time.
  /** @type {uPlot.Series[]} */
  var series = [{ value: function (u, v) { return v === null || v === undefined ? '—' : fmtTimeSec(v); } }];
  defs.forEach(function (d) {
    series.push({
      label: d.label,
      stroke: d.color,
      fill: d.fill,
      dash: d.dash,
      width: 1.5,
      spanGaps: !!d.spanGaps,
      points: d.points ? { show: true, size: 5, fill: d.color } : undefined,
      value: function (u, v) { return fmtValue(kind, v); },
    });
  });
  /** @type {uPlot.Options} */
  var opts = {
    width: width,
    height: height,
    tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), UTC); },
    cursor: {
      sync: group ? { key: group } : undefined,
      drag: { x: true, y: false, setScale: true },
      points: { size: 6 },
    },
    scales: {
      x: { time: true },
      y: {
        range: function (u, min, max) {
          if (min === null || max === null) return [0, 1];
          var lo = min >= 0 ? 0 : min * 1.05;
          // With restart markers in view, a fifth more headroom keeps their labels (drawn at the top) off the data.
          var hi = max <= 0 ? 1 : max * (restartsIn(restarts, u) ? 1.25 : 1.08);
          if (hi === lo) hi = lo + 1;
          return [lo, hi];
        },
      },
    },
    series: series,
    axes: [
      {
        stroke: '#5b6570',
        grid: { stroke: '#eef1f4', width: 1 },
        ticks: { stroke: '#dde2e7', width: 1 },
        space: 60,
        size: 44,
        values: timeAxisValues,
      },
      {
        stroke: '#5b6570',
        grid: { stroke: '#eef1f4', width: 1 },
        ticks: { stroke: '#dde2e7', width: 1 },
        size: axisSize(kind),
        incrs: kind === 'bytes' ? BYTE_INCRS : kind === 'count' ? COUNT_INCRS : undefined,
        values: function (u, splits) { return splits.map(function (v) { return fmtTick(kind, v); }); },
      },
    ],
    plugins: [restartPlugin(restarts)],
    hooks: {
      setScale: [function (u, key) {
        if (key !== 'x' || syncing || !group) return;
        var peers = chartsByTarget[group] || [];
        for (var i = 0; i < peers.length; i++) {
          var p = peers[i].u;
          if (p === u) continue;
          if (p.scales.x.min === u.scales.x.min && p.scales.x.max === u.scales.x.max) continue;
          peers[i].syncing(true);
          p.setScale('x', { min: /** @type {number} */ (u.scales.x.min), max: /** @type {number} */ (u.scales.x.max) });
          peers[i].syncing(false);
        }
      }],
    },
  };
  var u = new uPlot(opts, /** @type {uPlot.AlignedData} */ ([/** @type {(number | null)[]} */ (xs)].concat(ysList)), container);
  var entry = {
    u: u,
    container: container,
    height: height,
    xs: xs,
    series: defs.map(function (d) { return d.label; }),
    syncing: /** @param {boolean} v */ function (v) { syncing = v; },
  };
  allCharts.push(entry);
  if (group) (chartsByTarget[group] = chartsByTarget[group] || []).push(entry);
  return entry;
}

/** @param {ReportTargetData} T @param {number} ti */
export function drawTargetCharts(T, ti) {
  var group = 'lw-t' + ti;
  $all('.lw-chart[data-target="' + ti + '"][data-metric]').forEach(function (box) {
    var key = box.getAttribute('data-metric') || '';
    var m = METRICS[key];
    if (!m) return;
    /** @type {SeriesDef[]} */
    var defs = [];
    /** @type {(number | null)[][]} */
    var ysList = [];
    m.series.forEach(function (d) {
      var ys = T.chart[d.key];
      if (!ys || ys.length !== T.chart.xs.length || allNull(ys)) return;
      defs.push(d);
      ysList.push(ys);
    });
    if (T.chart.xs.length === 0 || defs.length === 0) {
      box.appendChild(el('p', 'lw-chart-empty', NOT_MEASURED[key] || 'Not measured.'));
      return;
    }
    box.setAttribute('data-series', defs.map(function (d) { return d.key; }).join(' '));
    // The caption names only the lines this target really has (no "goroutine stacks" without StackInuse).
    var cap = box.parentNode && $('figcaption', box.parentNode);
    if (cap && m.caption) cap.textContent = m.caption + ': ' + defs.map(function (d) { return d.short || d.label; }).join(', ');
    makeChart(box, T.chart.xs, ysList, defs, m.kind, T.restarts, group, m.height);
  });
}

/** @param {number} ti */
export function resetZoom(ti) {
  var peers = chartsByTarget['lw-t' + ti] || [];
  peers.forEach(function (p) {
    var xs = p.xs;
    if (xs.length) p.u.setScale('x', { min: xs[0], max: xs[xs.length - 1] });
  });
}

/** @type {Record<string, boolean>} */
var suspectCharts = {};
/** Draws an opened suspect's chart once. @param {HTMLElement} details @param {ReportData} data */
export function drawSuspectChart(details, data) {
  var ti = Number(details.getAttribute('data-target'));
  var si = Number(details.getAttribute('data-suspect'));
  var key = ti + ':' + si;
  if (suspectCharts[key]) return;
  var T = data.targets[ti];
  var s = T && T.suspects[si];
  var box = $('.lw-suspect-chart', details);
  if (!s || !box) return;
  suspectCharts[key] = true;
  if (s.xs.length === 0) {
    box.appendChild(el('p', 'lw-chart-empty', 'No recorded history for this stack.'));
    return;
  }
  makeChart(box, s.xs, [s.c], [{ label: 'Goroutines on this stack', color: '#b3261e', fill: 'rgba(179,38,30,0.07)' }], 'count',
    T.restarts, null, 140);
}

/** Marks tables wider than their box, so a sentence above them says they scroll sideways. */
export function markScrollers() {
  $all('.lw-scroll').forEach(function (box) {
    var hint = /** @type {HTMLElement | null} */ (box.previousElementSibling);
    if (!hint || !hint.classList.contains('lw-scroll-hint')) {
      hint = el('p', 'lw-scroll-hint', 'Wider than the window: scroll the table sideways for more columns →');
      /** @type {ParentNode} */ (box.parentNode).insertBefore(hint, box);
    }
    hint.hidden = box.scrollWidth <= box.clientWidth + 1;
  });
}

export function resizeAll() {
  markScrollers();
  allCharts.forEach(function (c) {
    var w = c.container.clientWidth;
    if (w > 0 && Math.abs(w - c.u.width) > 1) c.u.setSize({ width: w, height: c.height });
  });
}

