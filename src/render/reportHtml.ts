// Renders the one static, self-contained report page: asset loading, escaping and embedding, assembly. Pure apart
// from loadReportAssets(), which reads the template and its partials, the CSS, the client modules and the two
// vendored libraries (uPlot, pako) once. Each page section has its partial (templates/partials/<section>.hbs)
// and its view model (src/render/sections/<section>.ts); the page's script is templates/client/*.js, joined by
// clientScript.ts.
//
// Safety: every string from a profile or the recording is untrusted. In HTML it goes through
// Handlebars' {{ }} escaping; inside <script> it is JSON with `<`, U+2028 and U+2029 escaped, or
// base64 of gzipped JSON; the page's script only ever writes it with textContent.

import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type Handlebars from 'handlebars';
import type { Summary, TargetRecording } from '../core/model.js';
import { formatTime } from '../core/format.js';
import { buildReportData, type ReportData, type ReportDataOptions } from './reportData.js';
import { pageTemplate } from './reportTemplate.js';
import { CLIENT_MODULES, joinClientModules } from './clientScript.js';
import { targetView } from './sections/target.js';
import { verdictsView } from './sections/verdicts.js';

// Formatting lives in one module (src/core/format.ts); re-exported for tests that check the page's words.
export { formatBytes, formatCount, formatSigned, formatSpan, formatTime, shellQuote } from '../core/format.js';

export interface ReportAssets {
  /** templates/report.hbs */
  template: string;
  /** templates/partials/<name>.hbs by name, for {{> name}} */
  partials: Record<string, string>;
  /** templates/report.css */
  css: string;
  /** templates/client/*.js joined into one script (clientScript.ts) */
  clientJs: string;
  uplotJs: string;
  uplotCss: string;
  pakoJs: string;
}

export interface RenderReportOptions extends ReportDataOptions {
  /** The data directory as the user should type it in a shell (used in the pprof commands). */
  dataDir: string;
  /** Overrides summary.generatedAt. */
  generatedAt?: string;
  /** Defaults to loadReportAssets(). */
  assets?: ReportAssets;
}

// ---- assets ----

/** The directory holding leakwatch's package.json, found by walking up from this module. */
export function findPackageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'leakwatch') return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find leakwatch's package.json above ${from}`);
    dir = up;
  }
}

function resolveModuleFile(root: string, rel: string[]): string {
  for (const r of rel) {
    // node_modules may sit in the package root or (when installed as a dependency) above it.
    let dir = root;
    for (;;) {
      const p = join(dir, 'node_modules', r);
      if (existsSync(p)) return p;
      const up = dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error(`cannot find ${rel.join(' or ')} in node_modules (is the package installed?)`);
}

let cachedAssets: ReportAssets | undefined;

/** Reads the page's template, styles and scripts from disk (once per process). */
export function loadReportAssets(): ReportAssets {
  if (cachedAssets) return cachedAssets;
  const root = findPackageRoot();
  const read = (p: string) => readFileSync(p, 'utf8');
  const partialsDir = join(root, 'templates', 'partials');
  const partials: Record<string, string> = {};
  for (const f of readdirSync(partialsDir).sort()) {
    if (f.endsWith('.hbs')) partials[basename(f, '.hbs')] = read(join(partialsDir, f));
  }
  const clientDir = join(root, 'templates', 'client');
  cachedAssets = {
    template: read(join(root, 'templates', 'report.hbs')),
    partials,
    css: read(join(root, 'templates', 'report.css')),
    clientJs: joinClientModules(CLIENT_MODULES.map((name) => ({ name, text: read(join(clientDir, `${name}.js`)) }))),
    uplotJs: read(resolveModuleFile(root, ['uplot/dist/uPlot.iife.min.js'])),
    uplotCss: read(resolveModuleFile(root, ['uplot/dist/uPlot.min.css'])),
    pakoJs: read(
      resolveModuleFile(root, ['pako/dist/browser/pako_inflate.umd.min.js', 'pako/dist/pako_inflate.min.js']),
    ),
  };
  return cachedAssets;
}

// ---- escaping helpers ----

/** JSON that is safe inside a <script> element: no `<` (so no `</script>` or `<!--`), no U+2028/9. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Trusted script text (our own files, vendored libraries) made unable to end its <script> early. */
export function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function styleText(css: string): string {
  return css.replace(/<\/(style)/gi, '<\\/$1');
}

/** gzip + base64 of the JSON, as embedded in <script type="application/octet-stream" id="lw-data">. */
export function encodeEmbeddedData(data: ReportData): string {
  return gzipSync(Buffer.from(JSON.stringify(data), 'utf8'), { level: 6 }).toString('base64');
}

function isoTime(s: string | undefined): { text: string; iso: string } {
  const ms = s ? Date.parse(s) : NaN;
  if (Number.isNaN(ms)) return { text: s ?? '', iso: s ?? '' };
  return { text: formatTime(ms / 1000), iso: new Date(ms).toISOString() };
}

const compiled = new WeakMap<ReportAssets, Handlebars.TemplateDelegate>();

/** The page's template for these assets, made once (src/render/reportTemplate.ts: the build's precompiled copy when current). */
function compile(assets: ReportAssets): Handlebars.TemplateDelegate {
  let t = compiled.get(assets);
  if (!t) {
    t = pageTemplate(assets).render;
    compiled.set(assets, t);
  }
  return t;
}

/** The report page as one HTML string. */
export function renderReportHtml(summary: Summary, recordings: TargetRecording[], opts: RenderReportOptions): string {
  const assets = opts.assets ?? loadReportAssets();
  const data = buildReportData(summary, recordings, opts);
  return renderReportHtmlFromData(summary, recordings, data, assets);
}

/** Same as renderReportHtml when the caller already built (or wants to inspect) the ReportData. */
export function renderReportHtmlFromData(
  summary: Summary,
  recordings: TargetRecording[],
  data: ReportData,
  assets: ReportAssets,
): string {
  const byName = new Map(recordings.map((r) => [r.name, r] as const));
  const targets = summary.targets.map((t, i) => targetView(t, byName.get(t.name), data.targets[i], i, data.dataDir));
  const verdicts = verdictsView(targets);
  const gen = isoTime(data.generatedAt);
  const view = {
    title: verdicts.title,
    generatedAt: gen.text,
    generatedAtIso: gen.iso,
    dataDir: data.dataDir,
    recordCmd: 'npx leakwatch record',
    reportCmd: 'npx leakwatch report',
    cronCmd: 'npx leakwatch cron install',
    empty: targets.length === 0,
    multi: targets.length > 1,
    overall: verdicts.overall,
    cards: verdicts.cards,
    targets,
    css: styleText(assets.uplotCss + '\n' + assets.css),
    pakoJs: scriptText(assets.pakoJs),
    uplotJs: scriptText(assets.uplotJs),
    clientJs: scriptText(assets.clientJs),
    summaryJson: jsonForScript(summary),
    dataB64: encodeEmbeddedData(data),
  };
  return compile(assets)(view);
}
