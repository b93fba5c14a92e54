// `leakwatch report` and `leakwatch check`: read the data folder, analyse, then write a page and/or print verdicts.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { analyzeAll } from '../analysis/analyze.js';
import { readSourceLines } from '../analysis/source.js';
import { parseTimeSeconds } from '../core/duration.js';
import type { Summary, TargetRecording } from '../core/model.js';
import { listTargets, readRecording } from '../io/readRecording.js';
import { FILE_MODE } from '../io/safeAppend.js';
import { parseCommandArgs, UsageError } from './args.js';

const OPTIONS = {
  data: { type: 'string' },
  target: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  ignore: { type: 'string', multiple: true },
  'source-root': { type: 'string', multiple: true },
} as const;

interface Loaded {
  dataDir: string;
  recordings: TargetRecording[];
  summary: Summary;
}

function load(v: Record<string, unknown>): Loaded | { error: string } {
  const dataDir = resolve(String(v.data ?? 'data'));
  const now = Date.now() / 1000;
  let sinceSeconds: number | undefined;
  let untilSeconds: number | undefined;
  try {
    if (v.since !== undefined) sinceSeconds = parseTimeSeconds(String(v.since), now, '--since');
    if (v.until !== undefined) untilSeconds = parseTimeSeconds(String(v.until), now, '--until');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const names = listTargets(dataDir);
  if (v.target !== undefined && !names.includes(String(v.target))) {
    return { error: `no recording for target "${v.target}" in ${dataDir}${names.length ? ` (have: ${names.join(', ')})` : ''}` };
  }
  const chosen = v.target !== undefined ? [String(v.target)] : names;
  const recordings = chosen.map((n) => readRecording(dataDir, n, { sinceSeconds, untilSeconds }));
  const sourceRoots = ((v['source-root'] as string[] | undefined) ?? []).map((s) => {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`--source-root: "${s}" should be FROM=TO, e.g. /build/src=/home/me/src`);
    return { from: s.slice(0, eq), to: s.slice(eq + 1) };
  });
  const summary = analyzeAll(recordings, { ignore: (v.ignore as string[] | undefined) ?? [], nowSeconds: now });
  for (const t of summary.targets) {
    for (const s of t.suspects) {
      const leaf = s.frames.find((f) => f.function === s.leafFunction) ?? s.frames[0];
      s.source = leaf ? readSourceLines(leaf.file, leaf.line, { sourceRoots }) : null;
    }
  }
  return { dataDir, recordings, summary };
}

export async function runReport(args: string[]): Promise<number> {
  const v = parseCommandArgs(args, { ...OPTIONS, out: { type: 'string' }, json: { type: 'string' } });
  const loaded = load(v);
  if ('error' in loaded) {
    console.error(`leakwatch: ${loaded.error}`);
    return 2;
  }
  const { renderReportHtml, loadReportAssets } = await import('../render/reportHtml.js');
  const out = resolve(String(v.out ?? 'reports/index.html'));
  const html = renderReportHtml(loaded.summary, loaded.recordings, { dataDir: loaded.dataDir, assets: loadReportAssets() });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, html, { mode: FILE_MODE });
  if (v.json !== undefined) {
    const jsonPath = resolve(String(v.json));
    mkdirSync(dirname(jsonPath), { recursive: true });
    writeFileSync(jsonPath, JSON.stringify(loaded.summary, null, 2) + '\n', { mode: FILE_MODE });
  }
  for (const t of loaded.summary.targets) console.log(`${t.name}: ${t.verdict}: ${t.headline}`);
  if (loaded.summary.targets.length === 0) console.log(`no recordings in ${loaded.dataDir} yet: run "leakwatch record" first`);
  console.log(`report: ${out}`);
  return 0;
}

export async function runCheck(args: string[]): Promise<number> {
  const v = parseCommandArgs(args, OPTIONS);
  const loaded = load(v);
  if ('error' in loaded) {
    console.error(`leakwatch: ${loaded.error}`);
    return 2;
  }
  if (loaded.summary.targets.length === 0) {
    console.error(`leakwatch: no recordings in ${loaded.dataDir}: run "leakwatch record" first`);
    return 2;
  }
  let leak = false;
  for (const t of loaded.summary.targets) {
    console.log(`${t.name}: ${t.verdict}: ${t.headline}`);
    if (t.verdict === 'leak') leak = true;
  }
  return leak ? 1 : 0;
}
