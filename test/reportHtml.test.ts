import assert from 'node:assert/strict';
import test from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { Summary, TargetRecording } from '../src/core/model.js';
import { buildReportData, decodeSamples } from '../src/render/reportData.js';
import { jsonForScript, renderReportHtml, shellQuote } from '../src/render/reportHtml.js';
import { samplesTsv, suspectsTsv, tsvCell } from '../src/render/tsv.js';
import {
  HOSTILE_FUNCTION,
  HOSTILE_LABEL,
  HOSTILE_LABEL_2,
  smallScenario,
  thirtyDayScenario,
} from '../scripts/syntheticReport.js';

const GENERATED = '2026-11-18T19:06:00.000Z';

function extractScript(html: string, id: string): string {
  const m = new RegExp(`<script type="[^"]+" id="${id}">([\\s\\S]*?)</script>`).exec(html);
  assert.ok(m, `script #${id} present`);
  return m[1];
}

/** The page with every <script>…</script> and <style>…</style> body removed: what HTML parsing sees as markup. */
function markupOnly(html: string): string {
  return html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '<script></script>').replace(/<style\b[^>]*>[\s\S]*?<\/style>/gi, '');
}

test('synthetic scenario has what the page test needs', () => {
  const { summary, recordings } = smallScenario();
  assert.equal(summary.targets.length, 2);
  assert.equal(summary.targets[0].suspects.length, 3);
  assert.ok(recordings[0].samples.some((r) => r.event === 'restart'));
  assert.ok(JSON.stringify(summary).includes(HOSTILE_LABEL));
  assert.ok(JSON.stringify(summary).includes(HOSTILE_LABEL_2));
  assert.ok(JSON.stringify(summary).includes(HOSTILE_FUNCTION));
});

test('hostile strings never reach the page as markup', () => {
  const { summary, recordings } = smallScenario();
  const html = renderReportHtml(summary, recordings, { dataDir: 'data', generatedAt: GENERATED });

  assert.ok(!/<script>alert\(1\)/i.test(html), 'no raw <script>alert(1)');
  assert.ok(!html.includes('</script><b>'), 'no raw </script><b>');
  assert.ok(!/<img\b/i.test(html), 'no <img> at all');
  assert.ok(!/<b>/i.test(html), 'no <b> from a label');
  // The escaped forms are there, so the values are shown, not dropped.
  assert.ok(html.includes('handler=&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.ok(html.includes('tenant=&lt;/script&gt;&lt;b&gt;x'));
  assert.ok(html.replace(/<wbr>/g, '').includes('main.(*Server).&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;'));

  // Exactly the script elements we emit, each closed once.
  const opens = html.match(/<script\b/gi) ?? [];
  const closes = html.match(/<\/script\s*>/gi) ?? [];
  assert.equal(opens.length, 5, 'pako, uPlot, summary JSON, data, client');
  assert.equal(closes.length, opens.length);
  // Nothing but the five script bodies between script tags; no stray markup inside them.
  assert.equal((markupOnly(html).match(/<script/gi) ?? []).length, 5);
  assert.ok(!/<!--/.test(html.replace(/<style\b[^>]*>[\s\S]*?<\/style>/gi, '')), 'no <!-- anywhere (script data escaping)');
  // JSON in <script> has no `<` and no line separators.
  const summaryJson = extractScript(html, 'lw-summary');
  assert.ok(!summaryJson.includes('<'));
  assert.ok(!/[\u2028\u2029]/.test(summaryJson));
  assert.deepEqual(JSON.parse(summaryJson), JSON.parse(JSON.stringify(summary)));
});

test('embedded data round-trips: base64 → gunzip → JSON equals what reportData built', () => {
  const { summary, recordings } = smallScenario();
  const html = renderReportHtml(summary, recordings, { dataDir: 'data', generatedAt: GENERATED });
  const b64 = extractScript(html, 'lw-data');
  assert.match(b64, /^[A-Za-z0-9+/=]+$/);
  const decoded = JSON.parse(gunzipSync(Buffer.from(b64, 'base64')).toString('utf8'));
  const built = buildReportData(summary, recordings, { dataDir: 'data', generatedAt: GENERATED });
  assert.deepEqual(decoded, JSON.parse(JSON.stringify(built)));

  // The columnar samples decode back to the rows.
  const rows = recordings[0].samples;
  const S = decoded.targets[0].samples;
  assert.equal(S.n, rows.length);
  const cols = decodeSamples(S);
  assert.deepEqual(cols.goroutines, rows.map((r) => r.goroutines));
  assert.deepEqual(cols.rss_bytes, rows.map((r) => r.rssBytes));
  assert.deepEqual(cols.ts_seconds, rows.map((r) => r.tsSeconds));
  assert.deepEqual(cols.status, rows.map((r) => r.status));
  assert.deepEqual(cols.message, rows.map((r) => r.message));
  // Restarts and chart series are there, null kept as null.
  assert.equal(decoded.targets[0].restarts.length, 1);
  assert.ok(decoded.targets[0].chart.goroutines.includes(null), 'outage rows are gaps');
  assert.ok(!decoded.targets[0].chart.goroutines.slice(0, 10).includes(0));
});

test('no network resources: no http(s) src/href/url(), CSP forbids fetching', () => {
  const { summary, recordings } = smallScenario();
  const html = renderReportHtml(summary, recordings, { dataDir: 'data', generatedAt: GENERATED });
  assert.ok(!/\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i.test(html), 'no remote src/href');
  assert.ok(!/url\(\s*["']?\s*(?:https?:)?\/\//i.test(html), 'no remote url() in CSS');
  assert.ok(!/@import/i.test(html), 'no @import');
  assert.ok(!/<link\b/i.test(html), 'no <link>');
  assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
});

test('verdict, suspects, top view and pprof commands are in the static HTML', () => {
  const { summary, recordings } = smallScenario();
  // <wbr> line-break hints sit after / and . in paths; drop them to search the text.
  const html = renderReportHtml(summary, recordings, { dataDir: 'my data', generatedAt: GENERATED }).replace(/<wbr>/g, '');
  assert.match(html, /lw-badge lw-v-leak"><span aria-hidden="true">▲<\/span> Leak</);
  assert.match(html, /Stable<\/span>/);
  assert.ok(html.includes('example.com/api/internal/fanout.(*Fanout).publish.func1'));
  assert.ok(html.includes('/src/api/internal/fanout/fanout.go:88'));
  assert.ok(html.includes('Suspects hold now'));
  assert.ok(html.includes('MiB'));
  // Three expandable suspects with stacks and one source listing with the blocking line marked.
  assert.equal((html.match(/<details class="lw-suspect"/g) ?? []).length, 3);
  assert.match(html, /lw-srcline lw-hot"><span class="lw-ln">88<\/span>/);
  // pprof commands with the data dir shell-quoted.
  assert.ok(html.includes("go tool pprof -top &#x27;my data/api/snapshots/goroutine-"), 'quoted path');
  assert.ok(html.includes('go tool pprof -traces'));
  assert.ok(html.includes('-diff_base'));
  assert.ok(html.includes('-http&#x3D;:0'));
  assert.ok(html.includes("gzip -dc &#x27;my data/api/snapshots/goroutine-debug2-"), 'text dump command');
  assert.ok(!/pprof[^<]*goroutine-debug2/.test(html), 'pprof never gets the text dump');
  // Top view grouped by the blocking function.
  assert.ok(html.includes('Where goroutines wait now'));
});

test('empty summary says there is no data yet and how to record', () => {
  const empty: Summary = { generatedAt: GENERATED, targets: [] };
  const html = renderReportHtml(empty, [], { dataDir: 'data' });
  assert.ok(html.includes('No data yet'));
  assert.ok(html.includes('npx leakwatch record'));
  assert.equal((html.match(/<script\b/gi) ?? []).length, (html.match(/<\/script>/gi) ?? []).length);
});

test('a target without samples says so in words', () => {
  const { summary } = smallScenario();
  const t = { ...summary.targets[1], name: 'fresh', verdict: 'insufficient-data' as const, headline: 'Nothing recorded yet.', suspects: [] };
  const rec: TargetRecording = { name: 'fresh', samples: [], stacks: [], ticks: [], snapshots: [], warnings: [] };
  const html = renderReportHtml({ generatedAt: GENERATED, targets: [t] }, [rec], { dataDir: 'data' });
  assert.ok(html.includes('No samples recorded for this target yet'));
  assert.ok(html.includes('Not enough data'));
  // And a summary target with no recording at all still renders.
  const html2 = renderReportHtml({ generatedAt: GENERATED, targets: [t] }, [], { dataDir: 'data' });
  assert.ok(html2.includes('No samples recorded for this target yet'));
});

test('TSV cells cannot start formulas or break rows', () => {
  const cells: Array<[string | number | null, string]> = [['=1+2', "'=1+2"], ['+x', "'+x"], ['-x', "'-x"], ['@SUM(A1)', "'@SUM(A1)"],
    ['a\tb\nc\r\nd', 'a b c  d'], [null, ''], [-3, "'-3"], [42, '42']];
  for (const [cell, want] of cells) assert.equal(tsvCell(cell), want, String(cell));
  const { summary, recordings } = smallScenario();
  for (const text of [samplesTsv(recordings[0].samples), suspectsTsv(summary.targets[0].suspects)]) {
    const lines = text.replace(/\n$/, '').split('\n');
    const width = lines[0].split('\t').length;
    for (const line of lines) {
      assert.equal(line.split('\t').length, width, line);
      for (const cell of line.split('\t')) assert.ok(!/^[=+\-@]/.test(cell), `unsafe cell ${cell}`);
    }
  }
  assert.ok(samplesTsv(recordings[0].samples).includes(`\t'=HYPERLINK("http://x") timeout after 5s <b>`), 'formula cell prefixed');
});

test('shell quoting and script-safe JSON', () => {
  const words: Array<[string, string]> = [['data/api/x.pb.gz', 'data/api/x.pb.gz'], ['my data/x', "'my data/x'"], ["it's", "'it'\\''s'"], ['$(rm -rf /)', "'$(rm -rf /)'"],
    ['-rf', "'-rf'"], ['', "''"]];
  for (const [word, want] of words) assert.equal(shellQuote(word), want, word);
  const j = jsonForScript({ a: '</script><!-- \u2028\u2029 & >' });
  assert.ok(!/[<>&\u2028\u2029]/.test(j));
  assert.deepEqual(JSON.parse(j), { a: '</script><!-- \u2028\u2029 & >' });
});

test('30 days per minute x 3 targets with stack history stays under 5 MB', () => {
  const { summary, recordings } = thirtyDayScenario();
  assert.equal(recordings[0].samples.length, 43_200);
  assert.ok(recordings[0].ticks.length > 43_000);
  const html = renderReportHtml(summary, recordings, { dataDir: 'data', generatedAt: GENERATED });
  const bytes = Buffer.byteLength(html, 'utf8');
  console.log(`# 30-day page: ${(bytes / 1048576).toFixed(2)} MiB`);
  assert.ok(bytes < 5 * 1024 * 1024, `page is ${bytes} bytes`);
  const data = buildReportData(summary, recordings, { dataDir: 'data' });
  for (const t of data.targets) {
    assert.ok(t.chart.xs.length <= 2000, `chart points ${t.chart.xs.length}`);
    assert.ok(t.chart.downsampled);
    assert.ok(t.compare.times.length <= 200, `compare times ${t.compare.times.length}`);
    assert.ok(t.compare.stacks.length <= 300 + summary.targets[data.targets.indexOf(t)].suspects.length);
    for (const s of t.suspects) assert.ok(s.xs.length <= 600);
    assert.equal(t.samples.n, 43_200, 'full-resolution samples for the TSV');
  }
  // The one-minute spike in goroutines survives downsampling.
  const api = data.targets[0];
  const spikeRow = recordings[0].samples[12_345];
  assert.ok(api.chart.goroutines.includes(spikeRow.goroutines), 'spike kept');
});

test('deeper evidence in the static HTML: confirmed badges, runtime-leaked stacks, minutes blocked, memory growth', () => {
  const { summary, recordings } = smallScenario();
  const html = renderReportHtml(summary, recordings, { dataDir: 'data', generatedAt: GENERATED }).replace(/<wbr>/g, '');
  const t0 = html.slice(html.indexOf('id="t0"'), html.indexOf('id="t1"'));
  // Two of three suspects confirmed: a badge on each row, one on the verdict card, and the one-line explanation.
  assert.equal((t0.match(/<summary class="lw-srow">[\s\S]*?<\/summary>/g) ?? []).filter((r) => r.includes('lw-confirmed')).length, 2);
  assert.equal((html.match(/class="lw-card-suspect">[\s\S]*?lw-confirmed/g) ?? []).length, 1);
  assert.equal((t0.match(/nothing still running can reach what they wait on/g) ?? []).length, 2);
  // The runtime's leaked stack that does not grow is listed as leaked anyway.
  assert.match(t0, /lw-rl-flat[\s\S]*config\.\(\*Watcher\)\.waitReload[\s\S]*confirmed leaked by the runtime[\s\S]*not growing, so not a suspect/);
  // Creator, wait reason, minutes and the approximation note; the hostile creator name is escaped text.
  assert.ok(t0.includes('main.(*Server).&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;'));
  assert.match(t0, /<code>\[chan send\]<\/code>/);
  assert.match(t0, /min 0 min, median 95 min, max 4\.8 h \(299 goroutines in the debug=2 dump/);
  assert.match(t0, /Go stamps a goroutine’s wait start only when a GC cycle runs/);
  assert.ok(!/lower bound/i.test(html), 'wait times are approximate, never called lower bounds');
  // Memory: the Go heap trend and the growth sentence in the target section; one memory chart per target.
  assert.match(t0, /Go heap in use<\/dt><dd>[^<]*rising/);
  assert.ok(t0.includes('goroutine stacks grew 3.1 MiB of the 6.5 MiB RSS growth; the Go heap grew 2 MiB'));
  assert.equal((html.match(/data-metric="memory"/g) ?? []).length, 2);
  assert.equal((html.match(/data-metric="rss"/g) ?? []).length, 0);
  // The stable target has neither a leak profile nor a dump: no such sections.
  const t1 = html.slice(html.indexOf('id="t1"'));
  assert.ok(!t1.includes('lw-runtime-leaks') && !t1.includes('lw-hist'));
  // The JSON summary in the page carries the new fields.
  const json = JSON.parse(extractScript(renderReportHtml(summary, recordings, { dataDir: 'data', generatedAt: GENERATED }), 'lw-summary'));
  assert.equal(json.targets[0].suspects[0].confirmed, true);
  assert.equal(json.targets[0].suspects[0].waitReason, 'chan send');
  assert.equal(json.targets[0].runtimeLeaks.stacks.length, 3);
  assert.equal(json.targets[0].memoryExplained.stackGrowthSource, 'memstats');
});

test('a write lock queued on an RWMutex\'s inner mutex: the page explains Go\'s "sync.Mutex.Lock" beside the rwmutex kind', () => {
  const { summary, recordings } = smallScenario();
  const t0 = summary.targets[0]!;
  const s0 = t0.suspects[0]!;
  const frames = [
    { function: 'runtime.gopark', file: '/go/src/runtime/proc.go', line: 435 },
    { function: 'sync.runtime_SemacquireMutex', file: '/go/src/runtime/sema.go', line: 95 },
    { function: 'sync.(*Mutex).Lock', file: '/go/src/sync/mutex.go', line: 90 },
    { function: 'sync.(*RWMutex).Lock', file: '/go/src/sync/rwmutex.go', line: 150 },
    { function: 'main.(*Cache).Put', file: '/src/cache.go', line: 42 },
  ];
  const writer = { ...s0, kind: 'rwmutex' as const, waitReason: 'sync.Mutex.Lock', frames, leafFunction: 'main.(*Cache).Put' };
  const html = renderReportHtml({ ...summary, targets: [{ ...t0, suspects: [writer] }] }, recordings, { dataDir: 'data' });
  assert.match(html, /<code>\[sync\.Mutex\.Lock\]<\/code> <span class="lw-wait-note">a write lock \(RWMutex\.Lock\) queued behind another writer: it waits on the RWMutex&#x27;s inner sync\.Mutex<\/span>/);
  // A plain mutex wait gets no note.
  const plain = renderReportHtml({ ...summary, targets: [{ ...t0, suspects: [{ ...writer, kind: 'mutex' as const }] }] }, recordings, { dataDir: 'data' });
  assert.doesNotMatch(plain, /lw-wait-note">/);
});
