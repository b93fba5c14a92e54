// The page's script is templates/client/*.js joined into one inline script (src/render/clientScript.ts). Its
// formatter copy (format.js) must print what src/core/format.ts prints: both run the one table of cases below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { formatBytes, formatCount, formatSigned, formatTime } from '../src/core/format.js';
import { CLIENT_MODULES, joinClientModules } from '../src/render/clientScript.js';
import { findPackageRoot, loadReportAssets } from '../src/render/reportHtml.js';

type Fmt = (n: number | null | undefined) => string;
interface ClientFormat {
  fmtBytes: Fmt;
  fmtCount: Fmt;
  fmtSigned: Fmt;
  fmtTime: Fmt;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** One table: each server formatter, its page copy, and the inputs both get (edges, unit steps, rounding). */
const CASES: { server: Fmt; client: keyof ClientFormat; inputs: (number | null | undefined)[] }[] = [
  {
    server: formatBytes,
    client: 'fmtBytes',
    inputs: [null, undefined, NaN, Infinity, -Infinity, 0, 1, 512, 1023, 1023.6, KiB, 1536, 10 * KiB - 1, 10 * KiB, 3.5 * MiB,
      99.99 * MiB, 100 * MiB, 120.4 * MiB, 1023.9 * MiB, 5 * GiB, 3 * 1024 * GiB, 5000 * 1024 * GiB, -1536, -3.5 * MiB],
  },
  {
    server: formatCount,
    client: 'fmtCount',
    inputs: [null, undefined, NaN, Infinity, 0, 1, 12, 3.4, 3.45, 3.44, 99.95, 99.94, 100, 100.4, 100.5, 1200, 1234567, -3.5,
      -1200, 0.04, 1e9, 2 ** 53],
  },
  {
    server: (n) => formatSigned(n),
    client: 'fmtSigned',
    inputs: [null, undefined, NaN, Infinity, 0, 5, -5, 3.5, -3.45, 1200, -1200, 1234567, 0.04],
  },
  {
    server: formatTime,
    client: 'fmtTime',
    inputs: [null, undefined, NaN, Infinity, -1, 0, 1, 59.9, 1_795_000_000, 1_795_000_059.9, Date.UTC(2026, 10, 27, 8) / 1000,
      Date.UTC(2026, 0, 1) / 1000 - 1, Date.UTC(2099, 11, 31, 23, 59, 59) / 1000],
  },
];

async function clientFormat(): Promise<ClientFormat> {
  const url = pathToFileURL(join(findPackageRoot(), 'templates', 'client', 'format.js')).href;
  return (await import(url)) as ClientFormat;
}

test('the page formats numbers and times as src/core/format.ts does, on one table of cases', async () => {
  const client = await clientFormat();
  let checked = 0;
  for (const c of CASES) {
    for (const input of c.inputs) {
      assert.equal(client[c.client](input), c.server(input), `${c.client}(${input}) differs from the server's`);
      checked++;
    }
  }
  assert.ok(checked > 60, `only ${checked} cases ran`);
});

test('every file in templates/client is joined into the page, in CLIENT_MODULES order, as a script that parses', () => {
  const dir = join(findPackageRoot(), 'templates', 'client');
  const files = readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => f.slice(0, -3)).sort();
  assert.deepEqual([...CLIENT_MODULES].sort(), files, 'a module missing from CLIENT_MODULES would never reach the page');
  const js = loadReportAssets().clientJs;
  assert.doesNotThrow(() => new Script(js, { filename: 'report-client.js' }));
  assert.doesNotMatch(js, /^\s*(import|export)\b/m);
  const at = CLIENT_MODULES.map((m) => js.indexOf(`// ---- ${m}.js ----\n`));
  assert.ok(at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1])), `modules out of order: ${at.join(', ')}`);
  // exported functions keep their bodies: the format module's text survives the join whole, less its `export`s
  const format = readFileSync(join(dir, 'format.js'), 'utf8');
  assert.ok(js.includes(format.replace(/^export /gm, '')));
});

test('joining refuses what one function scope cannot carry: a name declared twice, a default export', () => {
  assert.throws(
    () => joinClientModules([
      { name: 'a', text: 'export function $(sel) { return sel; }\n' },
      { name: 'b', text: "import { x } from './x.js';\nvar $ = 1;\n" },
    ]),
    /templates\/client\/b\.js declares \$, which a\.js already declares/,
  );
  assert.throws(() => joinClientModules([{ name: 'c', text: 'export default 1;\n' }]), /templates\/client\/c\.js: only "export function/);
  const ok = joinClientModules([
    { name: 'a', text: "// @ts-check\nexport var A = 1;\nexport function f() {\n  var A2 = A;\n  return A2;\n}\n" },
    { name: 'b', text: "import { A,\n  f } from './a.js';\nexport const B = f() + A;\nglobalThis.__lwJoined = B;\n" },
  ]);
  const ctx: { __lwJoined?: number } = {};
  new Script(ok).runInNewContext(ctx);
  assert.equal(ctx.__lwJoined, 2);
});
