/* leakwatch report: the page's script. Plain browser JavaScript, no build step.
 * Reads the embedded data (gzip + base64 JSON in #lw-data, inflated with pako), draws the uPlot
 * charts, fills "compare two times" and wires the TSV buttons.
 * Every string from the data is untrusted: it is only ever written with textContent, never as HTML. */
(function () {
  'use strict';

  var UTC = 'Etc/UTC';
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
  var NOT_MEASURED = {
    goroutines: 'No goroutine counts recorded (the pprof endpoint never answered).',
    memory: 'Memory not measured (no local process was found for this target, and no heap profile was recorded).',
    cpu: 'CPU not measured (no local process was found for this target).',
    threads: 'Threads not measured (no local process was found for this target).',
    fds: 'Open files not measured (no local process was found, or /proc was not readable).',
  };

  // ---------- small helpers ----------

  function $(sel, root) { return (root || document).querySelector(sel); }
  function $all(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  /** Like el(), but with <wbr> after / and . so Go paths wrap at sensible places. Text nodes only. */
  function elBreak(tag, cls, text) {
    var e = el(tag, cls);
    var parts = String(text).replace(/([/.])(?=[^/.])/g, '$1\u0000').split('\u0000');
    for (var i = 0; i < parts.length; i++) {
      if (i > 0) e.appendChild(document.createElement('wbr'));
      e.appendChild(document.createTextNode(parts[i]));
    }
    return e;
  }

  var UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  function fmtBytes(b) {
    if (b === null || b === undefined || !isFinite(b)) return '—';
    var neg = b < 0, v = Math.abs(b), u = 0;
    while (v >= 1024 && u < UNITS.length - 1) { v /= 1024; u++; }
    var t = u === 0 ? String(Math.round(v)) : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
    return (neg ? '−' : '') + t + ' ' + UNITS[u];
  }
  function fmtCount(n) {
    if (n === null || n === undefined || !isFinite(n)) return '—';
    var r = Math.abs(n) >= 100 || Math.round(n) === n ? Math.round(n) : Math.round(n * 10) / 10;
    return r.toLocaleString('en-US');
  }
  function fmtShortCount(n) {
    if (n === null || n === undefined || !isFinite(n)) return '';
    var a = Math.abs(n);
    if (a >= 1e9) return +(n / 1e9).toFixed(1) + 'G';
    if (a >= 1e6) return +(n / 1e6).toFixed(1) + 'M';
    if (a >= 1e4) return +(n / 1e3).toFixed(0) + 'k';
    if (a >= 1e3) return +(n / 1e3).toFixed(1) + 'k';
    return String(+n.toFixed(2));
  }
  function fmtSigned(n) {
    if (!isFinite(n)) return '—';
    return (n > 0 ? '+' : n < 0 ? '−' : '±') + fmtCount(Math.abs(n));
  }
  function pad2(n) { return n < 10 ? '0' + n : String(n); }
  function fmtTime(ts) {
    if (ts === null || ts === undefined || !isFinite(ts)) return '—';
    var d = new Date(Math.floor(ts) * 1000);
    return d.getUTCFullYear() + '-' + pad2(d.getUTCMonth() + 1) + '-' + pad2(d.getUTCDate()) + ' ' +
      pad2(d.getUTCHours()) + ':' + pad2(d.getUTCMinutes()) + ' UTC';
  }
  function fmtTimeSec(ts) {
    if (ts === null || ts === undefined || !isFinite(ts)) return '—';
    var d = new Date(Math.floor(ts) * 1000);
    return fmtTime(ts).replace(' UTC', ':' + pad2(d.getUTCSeconds()) + ' UTC');
  }
  function fmtValue(kind, v) {
    if (v === null || v === undefined) return '—';
    if (kind === 'bytes') return fmtBytes(v);
    if (kind === 'percent') return (Math.round(v * 10) / 10).toLocaleString('en-US') + ' %';
    return fmtCount(v);
  }
  function fmtTick(kind, v) {
    if (kind === 'bytes') {
      if (v === 0) return '0';
      var u = 0, a = Math.abs(v);
      while (a >= 1024 && u < UNITS.length - 1) { a /= 1024; u++; }
      return (v < 0 ? '−' : '') + +a.toFixed(a >= 10 ? 0 : 1) + ' ' + UNITS[u];
    }
    if (kind === 'percent') return fmtShortCount(v) + '%';
    return fmtShortCount(v);
  }

  function showError(msg) {
    var p = $('#lw-error');
    if (p) { p.textContent = msg; p.hidden = false; }
  }

  var toastTimer = 0;
  function toast(msg) {
    var t = $('.lw-toast');
    if (!t) return;
    t.textContent = msg;
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.hidden = true; }, 2500);
  }

  // ---------- data ----------

  function readData() {
    var node = document.getElementById('lw-data');
    if (!node) throw new Error('embedded data is missing');
    var b64 = node.textContent.replace(/\s+/g, '');
    var bin = atob(b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var raw = window.pako.inflate(bytes);
    return JSON.parse(new TextDecoder('utf-8').decode(raw));
  }

  function decodeDelta(col) {
    var run = 0, out = new Array(col.length);
    for (var i = 0; i < col.length; i++) {
      var d = col[i];
      if (d === null) out[i] = null; else { run += d; out[i] = run; }
    }
    return out;
  }
  function decodeRle(col) {
    var out = [];
    for (var k = 0; k < col.runs.length; k += 2) {
      var s = col.dict[col.runs[k]];
      for (var j = 0; j < col.runs[k + 1]; j++) out.push(s);
    }
    return out;
  }
  function scaledBack(arr, scale) {
    return arr.map(function (v) { return v === null ? null : v / scale; });
  }

  // ---------- TSV (same rules as src/render/tsv.ts) ----------

  function tsvCell(v) {
    if (v === null || v === undefined) return '';
    var s = typeof v === 'number' ? (isFinite(v) ? String(v) : '') : String(v);
    s = s.replace(/[\t\r\n\u2028\u2029]/g, ' ');
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
    return s;
  }
  function spreadsheetTime(ts) {
    if (ts === null || !isFinite(ts)) return '';
    return new Date(Math.floor(ts) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  }
  // The samples TSV: the columns, their order and their scales come from the page data (T.samples.columns, built
  // from core/sampleFields.ts by reportData.ts encodeSamples); no column list here.
  function sampleColumnValues(c) {
    if (c.delta) return scaledBack(decodeDelta(c.delta), c.scale);
    if (c.rle) return decodeRle(c.rle);
    return null; // a time column: made from its number column below
  }
  function samplesTsv(T) {
    var S = T.samples;
    var values = S.columns.map(sampleColumnValues);
    var cols = S.columns.map(function (c, k) { return c.time === undefined ? values[k] : values[c.time].map(spreadsheetTime); });
    var lines = [S.columns.map(function (c) { return tsvCell(c.name); }).join('\t')];
    for (var i = 0; i < S.n; i++) {
      lines.push(cols.map(function (col) { return tsvCell(col[i]); }).join('\t'));
    }
    return lines.join('\n') + '\n';
  }

  function copyText(text, what) {
    var done = function () { toast(what + ' copied to the clipboard'); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { copyFallback(text, what); });
    } else {
      copyFallback(text, what);
    }
  }
  function copyFallback(text, what) {
    var box = $('.lw-copy-fallback');
    var ta = box && $('textarea', box);
    if (!ta) return;
    box.hidden = false;
    ta.value = text;
    ta.focus();
    ta.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    if (ok) { box.hidden = true; toast(what + ' copied to the clipboard'); }
  }
  function download(text, filename) {
    var blob = new Blob([text], { type: 'text/tab-separated-values;charset=utf-8' });
    var url = URL.createObjectURL(blob);
    var a = document.createElement('a');
    a.href = url;
    a.download = filename;
    a.style.display = 'none';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
  }

  // ---------- charts ----------

  function restartPlugin(restarts) {
    return {
      hooks: {
        draw: [function (u) {
          if (!restarts || restarts.length === 0) return;
          var px = window.devicePixelRatio || 1;
          var ctx = u.ctx, bb = u.bbox, min = u.scales.x.min, max = u.scales.x.max;
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
  function timeAxisValues(u, splits, axisIdx, foundSpace, foundIncr) {
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
    var out = [];
    for (var k = 0; k < 5; k++) {
      [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].forEach(function (m) { out.push(m * Math.pow(1024, k)); });
    }
    return out;
  })();

  // Counts (goroutines, threads, fds) are whole numbers: ticks at 1, 2, 5 x 10^k, never 2.5 or 7.5.
  var COUNT_INCRS = (function () {
    var out = [];
    for (var k = 0; k < 10; k++) [1, 2, 5].forEach(function (m) { out.push(m * Math.pow(10, k)); });
    return out;
  })();

  function allNull(arr) {
    for (var i = 0; i < arr.length; i++) if (arr[i] !== null) return false;
    return true;
  }

  function axisSize(kind) {
    return function (u, values) {
      if (!values) return 40;
      var longest = 0;
      for (var i = 0; i < values.length; i++) longest = Math.max(longest, String(values[i]).length);
      return Math.max(40, Math.ceil(longest * 7.5) + 22);
    };
  }

  var chartsByTarget = {};
  var allCharts = [];

  /** defs: [{label, color, fill?, dash?, points?, spanGaps?}], one per array in ysList (same length as xs). */
  function makeChart(container, xs, ysList, defs, kind, restarts, group, height) {
    var width = Math.max(200, container.clientWidth || 600);
    var syncing = false;
    // Seconds in the hover time: samples can be 2 s apart, and a zoom into 20 s would otherwise show one time.
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
            p.setScale('x', { min: u.scales.x.min, max: u.scales.x.max });
            peers[i].syncing(false);
          }
        }],
      },
    };
    var u = new uPlot(opts, [xs].concat(ysList), container);
    var entry = {
      u: u,
      container: container,
      height: height,
      xs: xs,
      series: defs.map(function (d) { return d.label; }),
      syncing: function (v) { syncing = v; },
    };
    allCharts.push(entry);
    if (group) (chartsByTarget[group] = chartsByTarget[group] || []).push(entry);
    return entry;
  }

  function drawTargetCharts(T, ti) {
    var group = 'lw-t' + ti;
    $all('.lw-chart[data-target="' + ti + '"][data-metric]').forEach(function (box) {
      var key = box.getAttribute('data-metric');
      var m = METRICS[key];
      if (!m) return;
      var defs = [], ysList = [];
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

  function resetZoom(ti) {
    var peers = chartsByTarget['lw-t' + ti] || [];
    peers.forEach(function (p) {
      var xs = p.xs;
      if (xs.length) p.u.setScale('x', { min: xs[0], max: xs[xs.length - 1] });
    });
  }

  var suspectCharts = {};
  function drawSuspectChart(details) {
    var ti = +details.getAttribute('data-target');
    var si = +details.getAttribute('data-suspect');
    var key = ti + ':' + si;
    if (suspectCharts[key]) return;
    var T = DATA.targets[ti];
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
  function markScrollers() {
    $all('.lw-scroll').forEach(function (box) {
      var hint = box.previousElementSibling;
      if (!hint || !hint.classList.contains('lw-scroll-hint')) {
        hint = el('p', 'lw-scroll-hint', 'Wider than the window: scroll the table sideways for more columns →');
        box.parentNode.insertBefore(hint, box);
      }
      hint.hidden = box.scrollWidth <= box.clientWidth + 1;
    });
  }

  function resizeAll() {
    markScrollers();
    allCharts.forEach(function (c) {
      var w = c.container.clientWidth;
      if (w > 0 && Math.abs(w - c.u.width) > 1) c.u.setSize({ width: w, height: c.height });
    });
  }

  // ---------- stacks and compare ----------

  function stackIndex(T) {
    var m = {};
    T.stacks.forEach(function (s) { m[s.id] = s; });
    return m;
  }

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

  function labelsNode(labels) {
    var wrap = el('span', 'lw-labels');
    var keys = Object.keys(labels || {}).sort();
    if (keys.length === 0) wrap.appendChild(el('span', 'lw-dim', 'none'));
    keys.forEach(function (k) { wrap.appendChild(el('span', 'lw-label', k + '=' + labels[k])); });
    return wrap;
  }

  function lifetimeText(name) {
    var m = /^(\d+)@/.exec(name || '');
    return m ? 'pid ' + m[1] : '';
  }

  function setupCompare(section, T) {
    var C = T.compare;
    var selA = $('.lw-cmp-a', section), selB = $('.lw-cmp-b', section);
    if (!selA || !selB || C.times.length < 2) return;
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
    var update = function () { renderCompare(section, T, idx, +selA.value, +selB.value); };
    selA.addEventListener('change', update);
    selB.addEventListener('change', update);
    update();
  }

  function renderCompare(section, T, idx, ia, ib) {
    var C = T.compare;
    var tbody = $('.lw-cmp-table tbody', section);
    var note = $('.lw-cmp-note', section);
    tbody.textContent = '';
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
      var td = el('td', '', (C.stacksInHistory - C.stacks.length) + ' smaller stacks, summed (not embedded in this page)');
      td.colSpan = 3;
      tr.appendChild(td);
      tbody.appendChild(tr);
    }
  }

  // ---------- print ----------

  var reopened = [];
  function beforePrint() {
    reopened = [];
    $all('details.lw-suspect, details.lw-problems').forEach(function (d) {
      if (!d.open) { d.open = true; reopened.push(d); }
    });
    $all('details.lw-suspect').forEach(drawSuspectChart);
    resizeAll();
  }
  function afterPrint() {
    reopened.forEach(function (d) { d.open = false; });
    reopened = [];
    resizeAll();
  }

  // ---------- wire up ----------

  var DATA = null;

  function main() {
    performance.mark('lw-start');
    DATA = readData();
    performance.mark('lw-decoded');
    var summaryNode = document.getElementById('lw-summary');
    var summary = summaryNode ? JSON.parse(summaryNode.textContent) : null;

    DATA.targets.forEach(function (T, ti) {
      drawTargetCharts(T, ti);
    });
    performance.mark('lw-charts');
    DATA.targets.forEach(function (T, ti) {
      var cmp = $('.lw-compare[data-target="' + ti + '"]');
      if (cmp) setupCompare(cmp, T);
    });
    performance.mark('lw-compare');

    $all('details.lw-suspect').forEach(function (d) {
      d.addEventListener('toggle', function () { if (d.open) drawSuspectChart(d); markScrollers(); });
      if (d.open) drawSuspectChart(d);
    });

    document.addEventListener('click', function (ev) {
      var b = ev.target && ev.target.closest ? ev.target.closest('[data-action]') : null;
      if (!b) return;
      var action = b.getAttribute('data-action');
      var ti = +b.getAttribute('data-target');
      var T = DATA.targets[ti];
      if (action === 'reset-zoom') { resetZoom(ti); return; }
      if (action === 'close-copy') { $('.lw-copy-fallback').hidden = true; return; }
      if (action === 'copy-cmd') {
        var code = b.parentNode && $('code', b.parentNode);
        if (code) copyText(code.textContent, 'Command');
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
      data: DATA,
      summary: summary,
      samplesTsv: function (ti) { return samplesTsv(DATA.targets[ti]); },
      suspectsTsv: function (ti) { return DATA.targets[ti].suspectsTsv; },
      charts: function () { return allCharts.length; },
      chartSeries: function (ti) {
        return (chartsByTarget['lw-t' + ti] || []).map(function (c) { return c.series; });
      },
      yTicks: function (ti) {
        return (chartsByTarget['lw-t' + ti] || []).map(function (c) {
          var dataMax = -Infinity;
          for (var k = 1; k < c.u.data.length; k++) for (var j = 0; j < c.u.data[k].length; j++) if (c.u.data[k][j] !== null && c.u.data[k][j] > dataMax) dataMax = c.u.data[k][j];
          return { series: c.series, splits: c.u.axes[1]._splits || [], yMax: c.u.scales.y.max, dataMax: dataMax };
        });
      },
      xRanges: function (ti) {
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
      showError('The interactive part of this page could not start (' + (e && e.message ? e.message : e) +
        '). The verdicts, suspects and commands above are still correct.');
      if (window.console) console.error(e);
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
