// `leakwatch report` and `leakwatch check`: read the data folder, analyse, then write a page and/or print verdicts.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { analyzeTarget, currentLifetimeWindow, isLostStacksWarning, summaryOf } from '../analysis/analyze.js';
import { recordingWithin } from '../analysis/lifetimes.js';
import { exitCodeForVerdicts } from '../analysis/verdict.js';
import { pickEvidenceSnapshots, type TargetEvidence } from '../analysis/evidence.js';
import { readSourceLines } from '../analysis/source.js';
import { parseGoroutineDump } from '../core/goroutineDump.js';
import { parseGoroutineProfile } from '../core/goroutineProfile.js';
import type { Summary, TargetRecording } from '../core/model.js';
import { listTargets, readRecording, unreadableWarnings, type ReadOptions } from '../io/readRecording.js';
import { READ_POINTS_BUDGET } from '../core/readResolution.js';
import { refuseLinksInTarget, targetDir, writeFileAtomic } from '../io/dataStore.js';
import { readFileNoFollow, UnsafePathError } from '../io/safeOpen.js';
import { dataFolderToReadProblem, parseCommandArgs, parseWindowArgs, READING_OPTIONS, repeatedOptions, UsageError, valueOptions } from './args.js';
import { parseConfigText } from '../core/config.js';
import { DEFAULT_CONFIG, readConfigText } from './record.js';
import { createProgress, type Progress } from './progress.js';
import { displaySafeLine } from '../core/terminalText.js';
import { collectGarbage } from '../io/collectGarbage.js';

export const CHECK_OPTIONS = { ...READING_OPTIONS, ...valueOptions('config'), ...repeatedOptions('ignore', 'source-root') } as const;

export const REPORT_OPTIONS = { ...CHECK_OPTIONS, ...valueOptions('out', 'json') } as const;

interface Loaded {
  dataDir: string;
  recordings: TargetRecording[];
  summary: Summary;
}

/** Inflated-size cap when decoding a saved goroutineleak profile (the recorder's default cap is 32 MiB x 8). */
const MAX_INFLATED_PROFILE_BYTES = 256 * 1024 * 1024;

/**
 * Reads and decodes the latest goroutineleak and debug=2 snapshots of the recording's current lifetime.
 * A file that cannot be read or decoded becomes a warning on the recording, never an error.
 */
export function readEvidence(dataDir: string, rec: TargetRecording): TargetEvidence {
  const picks = pickEvidenceSnapshots(rec.snapshots, currentLifetimeWindow(rec));
  const ev: TargetEvidence = {};
  const readLeak = (snap: NonNullable<typeof picks.leak>) => {
    try {
      const profile = parseGoroutineProfile(readFileNoFollow(join(dataDir, snap.path)), MAX_INFLATED_PROFILE_BYTES, 'goroutineleak');
      return { tsSeconds: snap.tsSeconds, path: snap.path, profile };
    } catch (e) {
      rec.warnings.push(`could not read the leak profile ${snap.path}: ${(e as Error).message}`);
      return null;
    }
  };
  if (picks.leak) ev.leakProfile = readLeak(picks.leak);
  if (picks.firstLeak && ev.leakProfile) ev.firstLeakProfile = readLeak(picks.firstLeak);
  if (picks.dump) {
    try {
      const dump = parseGoroutineDump(readFileNoFollow(join(dataDir, picks.dump.path)));
      if (dump.goroutines.length === 0) rec.warnings.push(`the debug=2 dump ${picks.dump.path} holds no goroutines (damaged?)`);
      else ev.dump = { tsSeconds: picks.dump.tsSeconds, path: picks.dump.path, dump };
    } catch (e) {
      rec.warnings.push(`could not read the debug=2 dump ${picks.dump.path}: ${(e as Error).message}`);
    }
  }
  return ev;
}

/**
 * History before --since that the verdict reads as context: earlier lifetimes within this long before --until (was a
 * stack elastic, a known leaker, a warm-up; the same hours of earlier days). A week covers deploys every day or two
 * and the daily cycle, and keeps `--since "2h ago"` on a year-long recording from reading the year.
 */
export const CONTEXT_SECONDS = 7 * 86400;

/**
 * Without --until, what is read ends this long after now: rows dated later were written while the clock was set
 * ahead (a wrong RTC at boot, a bad NTP server), and are left out with a warning (ReadOptions.untilIsNow). One such row
 * in a one-day recording made the headline say "for 199.0 days". An hour leaves room for a data folder copied from a
 * server whose clock runs a little ahead of the machine reading it: skew that small misleads no verdict.
 */
export const CLOCK_AHEAD_SECONDS = 3600;

/**
 * What to read for a window: everything up to --until (else up to now, see CLOCK_AHEAD_SECONDS) without --since; else
 * the window, the week before it and the current lifetime; either at most READ_POINTS_BUDGET points at full
 * resolution.
 */
export function readWindow(sinceSeconds: number | undefined, untilSeconds: number | undefined, nowSeconds: number): ReadOptions {
  // Memory and time follow the points read: a longer window is read thinned (core/readResolution.ts).
  const maxPoints = READ_POINTS_BUDGET;
  const end = untilSeconds === undefined ? { untilSeconds: nowSeconds + CLOCK_AHEAD_SECONDS, untilIsNow: true } : { untilSeconds };
  if (sinceSeconds === undefined) return { ...end, maxPoints };
  const context = (untilSeconds ?? nowSeconds) - CONTEXT_SECONDS;
  return { sinceSeconds: Math.min(sinceSeconds, context), ...end, wholeLifetime: true, maxPoints };
}

function load(v: Record<string, unknown>, progress: Progress): Loaded | { error: string } {
  const dataDir = resolve(String(v.data ?? 'data'));
  const now = Date.now() / 1000;
  const { sinceSeconds, untilSeconds } = parseWindowArgs(v, now);
  const folderProblem = dataFolderToReadProblem(dataDir);
  if (folderProblem) return { error: folderProblem };
  const names = listTargets(dataDir);
  if (v.target !== undefined && !names.includes(String(v.target))) {
    return { error: `no recording for target "${v.target}" in ${dataDir}${names.length ? ` (have: ${names.join(', ')})` : ''}` };
  }
  const chosen = v.target !== undefined ? [String(v.target)] : names;
  // Run as root on a folder someone else could write to, a planted link would put a local file in the page.
  try {
    for (const n of chosen) refuseLinksInTarget(targetDir(dataDir, n));
  } catch (e) {
    if (e instanceof UnsafePathError) return { error: e.message };
    throw e;
  }
  const sourceRoots = ((v['source-root'] as string[] | undefined) ?? []).map((s) => {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new UsageError(`--source-root: "${s}" should be FROM=TO, e.g. /build/src=/home/me/src`);
    return { from: s.slice(0, eq), to: s.slice(eq + 1) };
  });
  // The config's ignore lists apply too, when there is a config (report runs fine without one).
  const ignore = [...((v.ignore as string[] | undefined) ?? [])];
  const configPath = resolve(String(v.config ?? DEFAULT_CONFIG));
  if (existsSync(configPath)) {
    try {
      const cfg = parseConfigText(readConfigText(configPath), configPath);
      ignore.push(...cfg.ignore, ...cfg.targets.flatMap((t) => t.ignore ?? []));
    } catch (e) {
      if (v.config !== undefined) return { error: (e as Error).message };
    }
  } else if (v.config !== undefined) {
    return { error: `no config at ${configPath}` };
  }
  // One target at a time: read (history before --since is context: is a stack elastic? did it leak in an earlier
  // lifetime? see readWindow), judge, then keep only the window for the page. What a report holds at its peak is
  // then one target's context, not every target's: at 5,000 stacks a week of context is ~100 MB of counts.
  const shown: TargetRecording[] = [];
  const targets = chosen.map((n, i) => {
    // what the target before kept is its summary and window; the rest of its read is garbage, collected before this
    // target's peak is stacked on it (collectGarbage.ts)
    if (i > 0) collectGarbage();
    progress.update({ phase: 'reading', target: n, index: i, total: chosen.length });
    const rec = readRecording(dataDir, n, readWindow(sinceSeconds, untilSeconds, now));
    const evidence = { [n]: readEvidence(dataDir, rec) };
    progress.update({ phase: 'analysing', target: n, index: i, total: chosen.length });
    const summary = analyzeTarget(rec, { ignore, nowSeconds: now, window: { sinceSeconds, untilSeconds }, evidence });
    shown.push(recordingWithin(rec, sinceSeconds, untilSeconds));
    return summary;
  });
  if (chosen.length > 1) collectGarbage();
  const summary = summaryOf(targets, now);
  for (const t of summary.targets) {
    for (const s of t.suspects) {
      const leaf = s.frames.find((f) => f.function === s.leafFunction) ?? s.frames[0];
      s.source = leaf ? readSourceLines(leaf.file, leaf.line, { sourceRoots }) : null;
    }
  }
  return { dataDir, recordings: shown, summary };
}

/** Writes the page or the JSON; a path that cannot be written is one line naming the flag, not a stack trace. */
function writeOutput(path: string, flag: string, text: string): { error: string } | null {
  try {
    mkdirSync(dirname(path), { recursive: true });
    // Owner-only and atomic whatever was there (a 0644 page, a link): the page holds stacks and labels.
    writeFileAtomic(path, text);
    return null;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    return { error: `cannot write ${path} (${code}): pass ${flag} FILE in a folder you can write to` };
  }
}

export async function runReport(args: string[]): Promise<number> {
  const v = parseCommandArgs(args, REPORT_OPTIONS);
  // A status line on a terminal only; cleared before anything else is printed.
  const progress = createProgress(process.stderr);
  let loaded: Loaded | { error: string };
  const out = resolve(String(v.out ?? 'reports/index.html'));
  try {
    loaded = load(v, progress);
    if (!('error' in loaded)) {
      progress.update({ phase: 'rendering' });
      const { renderReportHtml, loadReportAssets } = await import('../render/reportHtml.js');
      const html = renderReportHtml(loaded.summary, loaded.recordings, { dataDir: loaded.dataDir, assets: loadReportAssets() });
      progress.update({ phase: 'writing' });
      loaded = writeOutput(out, '--out', html) ?? loaded;
      if (v.json !== undefined && !('error' in loaded)) {
        loaded = writeOutput(resolve(String(v.json)), '--json', JSON.stringify(loaded.summary, null, 2) + '\n') ?? loaded;
      }
    }
  } finally {
    progress.done();
  }
  if ('error' in loaded) {
    console.error(`leakwatch: ${displaySafeLine(loaded.error)}`);
    return 2;
  }
  printVerdicts(loaded);
  if (loaded.summary.targets.length === 0) console.log(`no recordings in ${loaded.dataDir} yet: run "leakwatch record" first`);
  console.log(`report: ${out}`);
  return 0;
}

/**
 * One line per target on stdout, `<target>: <verdict>: <headline>` (a target is named after its folder, which may hold
 * any byte: shown display-safe like the headline); then, on stderr with their fix whatever the verdict, the data
 * files that could not be read at all and the stacks the dictionary lost.
 */
function printVerdicts(loaded: Loaded): void {
  for (const t of loaded.summary.targets) console.log(`${displaySafeLine(t.name)}: ${t.verdict}: ${displaySafeLine(t.headline)}`);
  const damage = [
    ...loaded.recordings.flatMap(unreadableWarnings),
    ...loaded.summary.targets.flatMap((t) => t.warnings.filter((w) => isLostStacksWarning(t.name, w))),
  ];
  for (const w of damage) console.error(`leakwatch: ${displaySafeLine(w)}`);
}

export async function runCheck(args: string[]): Promise<number> {
  const v = parseCommandArgs(args, CHECK_OPTIONS);
  const progress = createProgress(process.stderr);
  let loaded: Loaded | { error: string };
  try {
    loaded = load(v, progress);
  } finally {
    progress.done();
  }
  if ('error' in loaded) {
    console.error(`leakwatch: ${displaySafeLine(loaded.error)}`);
    return 2;
  }
  if (loaded.summary.targets.length === 0) {
    console.error(`leakwatch: no recordings in ${loaded.dataDir}: run "leakwatch record" first`);
    return 2;
  }
  printVerdicts(loaded);
  return exitCodeForVerdicts(loaded.summary.targets.map((t) => t.verdict));
}
