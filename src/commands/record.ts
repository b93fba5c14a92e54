// `leakwatch record`: argument parsing and the loop; the work is in io/recordTick.ts.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, DEFAULTS, parseConfigText, validateTarget, type Config } from '../core/config.js';
import { parseDurationSeconds } from '../core/duration.js';
import { LOCK_FILE, lockWithin, tryLock } from '../io/lock.js';
import { recordTick, type TargetResult } from '../io/recordTick.js';
import { parseCommandArgs, UsageError, valueOptions } from './args.js';
import { displaySafeLine } from '../core/terminalText.js';

export const DEFAULT_CONFIG = 'leakwatch.config.json';

/** The config: the file, or one ad-hoc target from the flags. */
export function loadConfig(v: Record<string, unknown>): Config {
  if (v.name !== undefined || v.pid !== undefined || v.process !== undefined || v.pidfile !== undefined || v.pprof !== undefined) {
    if (v.name === undefined) throw new UsageError('--pid/--process/--pidfile/--pprof describe an ad-hoc target: give it a --name too');
    const raw: Record<string, unknown> = { name: v.name };
    if (v.pid !== undefined) {
      const pid = Number(v.pid);
      if (!Number.isInteger(pid) || pid <= 0) throw new UsageError(`--pid: "${v.pid}" is not a process id`);
      raw.pid = pid;
    }
    for (const k of ['process', 'pidfile', 'pprof']) if (v[k] !== undefined) raw[k] = v[k];
    try {
      return { targets: [validateTarget(raw, 'ad-hoc target')], ...DEFAULTS, ignore: [] };
    } catch (e) {
      throw new UsageError(adHocMessage((e as Error).message));
    }
  }
  const path = resolve(String(v.config ?? DEFAULT_CONFIG));
  if (!existsSync(path)) {
    throw new ConfigError(
      `no config at ${path}: write one (see README "Configuration") or pass --name NAME --process COMM --pprof URL`,
    );
  }
  return parseConfigText(readConfigText(path), path);
}

/**
 * A config file's text, or a ConfigError naming the file and the fix: a folder or an unreadable file in its place
 * (it was a bare "EISDIR: illegal operation on a directory"). A UTF-8 byte order mark, which some editors write and
 * JSON.parse refuses, is dropped.
 */
export function readConfigText(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const what = code === 'EISDIR' ? 'a folder, not a file' : (code ?? (e as Error).message);
    throw new ConfigError(`${path}: could not be read (${what}): pass --config FILE, a JSON file (see README "Configuration")`);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * The config validator names keys by their path ("ad-hoc target.process: …"); on the command line they are
 * flags ("--process: …").
 */
function adHocMessage(message: string): string {
  return message
    .replace(/^ad-hoc target\.(\w+)/, '--$1')
    .replace(/^ad-hoc target: give only one of pid, process, pidfile \(got (.*)\)$/, (_, got: string) =>
      `give only one of --pid, --process, --pidfile (got ${got.split(' and ').map((k) => `--${k}`).join(' and ')})`)
    .replace(/^ad-hoc target: /, '');
}

function stamp(): string {
  return new Date().toISOString().slice(0, 19) + 'Z';
}

function report(results: TargetResult[], verbose: boolean): boolean {
  let allOk = true;
  for (const r of results) {
    for (const p of r.problems) console.error(`${stamp()} leakwatch: ${displaySafeLine(p)}`);
    if (!r.row || r.row.status !== 'ok') allOk = false;
    if (verbose && r.row) {
      const g = r.row.goroutines === null ? '' : ` goroutines=${r.row.goroutines}`;
      const rss = r.row.rssBytes === null ? '' : ` rss=${(r.row.rssBytes / 1048576).toFixed(1)}MiB`;
      console.log(`${stamp()} ${r.target} ${r.row.status}${g}${rss}${r.row.event ? ` (${r.row.event})` : ''}`);
    }
  }
  return allOk;
}

export const RECORD_OPTIONS = {
  ...valueOptions('config', 'data', 'every', 'for', 'name', 'pid', 'process', 'pidfile', 'pprof', 'prom-textfile'),
  quiet: { type: 'boolean', short: 'q' },
} as const;

export async function runRecord(args: string[]): Promise<number> {
  const v = parseCommandArgs(args, RECORD_OPTIONS);
  if ((v._ as unknown as string[]).length) throw new UsageError(`record takes no arguments (got "${(v._ as unknown as string[])[0]}")`);
  const everySeconds = v.every === undefined ? null : parseDurationOrUsage(String(v.every), '--every');
  const forSeconds = v.for === undefined ? null : parseDurationOrUsage(String(v.for), '--for');
  if (forSeconds !== null && everySeconds === null) throw new UsageError('--for goes with --every');
  let config: Config;
  try {
    config = loadConfig(v);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    console.error(`leakwatch: ${displaySafeLine((e as Error).message)}`);
    return 2;
  }
  const dataDir = resolve(String(v.data ?? 'data'));
  // A file where the folder should be is a usage error, not a failed tick: no tick can ever succeed there.
  if (statSync(dataDir, { throwIfNoEntry: false })?.isDirectory() === false) {
    console.error(`leakwatch: ${displaySafeLine(`--data ${dataDir} is a file, not a folder: pass --data DIR (it is created when missing)`)}`);
    return 2;
  }
  const promDir = v['prom-textfile'] === undefined ? null : resolve(String(v['prom-textfile']));
  // Under /proc and /sys nothing can be created, and Node's recursive mkdir there never returns (it retries ENOENT
  // forever, at 100% of a core, holding the data folder's lock, so every later tick is skipped).
  for (const [flag, path] of [['--data', dataDir], ['--prom-textfile', promDir]] as const) {
    if (path !== null && /^\/(proc|sys)(\/|$)/.test(path)) {
      console.error(`leakwatch: ${displaySafeLine(`${flag} ${path} is under /${path.split('/')[1]}, where no file can be written: pass a folder on a disk`)}`);
      return 2;
    }
  }
  const opts = { dataDir, config, env: process.env };
  // true when there is no textfile to write, or it was written (a failure is said on stderr and makes the exit 1)
  const afterTick = async (results: TargetResult[]): Promise<boolean> => (promDir ? writeProm(promDir, dataDir, config, results) : true);

  if (everySeconds === null) {
    // One tick (cron). An overlapping run is skipped, not queued: the next minute comes soon enough.
    const { ensureDataDir } = await import('../io/safeOpen.js');
    let lock;
    try {
      ensureDataDir(dataDir, [LOCK_FILE]);
      lock = tryLock(dataDir);
    } catch (e) {
      console.error(`${stamp()} leakwatch: ${displaySafeLine(dataFolderProblem(dataDir, e))}`);
      return 1;
    }
    if (!lock.ok) {
      console.error(`${stamp()} leakwatch: ${displaySafeLine(lock.message)}`);
      return 1;
    }
    try {
      const results = await recordTick({ ...opts, oneShot: true });
      const promOk = await afterTick(results);
      return report(results, false) && promOk ? 0 : 1;
    } finally {
      lock.release();
    }
  }

  // Loop mode: ticks on a fixed schedule from the start; a tick that overruns skips the slots it missed.
  const verbose = !v.quiet && process.stdout.isTTY === true;
  const startMs = Date.now();
  const endMs = forSeconds === null ? Infinity : startMs + forSeconds * 1000;
  let stopping = false;
  const onSignal = () => {
    stopping = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let allOk = true;
  let tick = 0;
  const { ensureDataDir } = await import('../io/safeOpen.js');
  while (!stopping) {
    let lock;
    try {
      ensureDataDir(dataDir, [LOCK_FILE]);
      lock = await lockWithin(dataDir, Math.min(everySeconds * 500, 5000));
    } catch (e) {
      // The folder may come back (a remount, space freed): keep the loop going, say so each tick.
      console.error(`${stamp()} leakwatch: ${displaySafeLine(dataFolderProblem(dataDir, e))}`);
      allOk = false;
      lock = null;
    }
    if (lock === null) {
      // reported above
    } else if (lock.ok) {
      try {
        const results = await recordTick(opts);
        const promOk = await afterTick(results);
        allOk = report(results, verbose) && promOk && allOk;
      } finally {
        lock.release();
      }
    } else {
      console.error(`${stamp()} leakwatch: ${displaySafeLine(lock.message)}`);
    }
    tick = Math.max(tick + 1, Math.floor((Date.now() - startMs) / (everySeconds * 1000)) + 1);
    const nextMs = startMs + tick * everySeconds * 1000;
    if (nextMs > endMs) break;
    await sleepUnless(nextMs - Date.now(), () => stopping);
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return allOk ? 0 : 1;
}

/** One line for a data folder leakwatch cannot write to. */
function dataFolderProblem(dataDir: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  if (code === 'EUNSAFEPATH') return `refused: ${(e as Error).message}; nothing was written`;
  if (code === 'ENOSPC') return `the disk holding ${dataDir} is full (ENOSPC): free space; nothing already recorded was lost`;
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return `cannot write to ${dataDir} (${code}): fix its permissions or mount, or pass --data DIR; nothing already recorded was lost`;
  }
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    return `cannot use the data folder ${dataDir} (${code}): part of that path is a file, not a folder; pass --data DIR`;
  }
  return `cannot use the data folder ${dataDir} (${code}); nothing already recorded was lost`;
}

function parseDurationOrUsage(text: string, flag: string): number {
  try {
    return parseDurationSeconds(text, flag);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

async function sleepUnless(ms: number, stop: () => boolean): Promise<void> {
  const until = Date.now() + Math.max(0, ms);
  while (!stop() && Date.now() < until) {
    await new Promise((r) => setTimeout(r, Math.min(200, until - Date.now())));
  }
}

/** The suspects count looks at the last two hours: enough for the trend test, cheap to read every minute. */
const PROM_WINDOW_SECONDS = 2 * 3600;

/** --prom-textfile: the latest figures per target, written atomically for node_exporter. */
async function writeProm(dir: string, dataDir: string, config: Config, results: TargetResult[]): Promise<boolean> {
  const [{ formatPromTextfile }, { writePromTextfile }, { readRecordingTail }, { analyzeTarget }] = await Promise.all([
    import('../core/promTextfile.js'),
    import('../io/promTextfileWrite.js'),
    import('../io/readRecording.js'),
    import('../analysis/analyze.js'),
  ]);
  const now = Date.now() / 1000;
  const targets = [];
  for (const r of results) {
    if (!r.row) continue;
    let suspects: number | null = null;
    try {
      const t = config.targets.find((x) => x.name === r.target);
      const rec = readRecordingTail(dataDir, r.target, now - PROM_WINDOW_SECONDS);
      const summary = analyzeTarget(rec, { ignore: [...config.ignore, ...(t?.ignore ?? [])], nowSeconds: now });
      suspects = summary.verdict === 'insufficient-data' ? null : summary.suspects.length;
    } catch (e) {
      console.error(`${stamp()} leakwatch: target ${displaySafeLine(r.target)}: could not analyse for --prom-textfile (${displaySafeLine((e as Error).message)})`);
    }
    targets.push({ name: r.target, row: r.row, suspects, lastSuccessTsSeconds: r.lastOkTsSeconds });
  }
  try {
    const { chmodSync, mkdirSync } = await import('node:fs');
    // Folders made here are 0755 whatever the umask: node_exporter runs as its own user and must reach the 0644 file
    // (cron's line sets umask 077, which made them 0700 and the metrics silently unreadable).
    const first = mkdirSync(dir, { recursive: true });
    if (first !== undefined) for (let d = dir; d.length >= first.length; d = resolve(d, '..')) chmodSync(d, 0o755);
    writePromTextfile(dir, formatPromTextfile(targets));
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    const fix = code === 'EEXIST' || code === 'ENOTDIR' ? `--prom-textfile must be a folder (${dir} is a file)` : code === 'EISDIR' ? `${dir}/leakwatch.prom is a folder: move it away` : 'check --prom-textfile';
    console.error(`${stamp()} leakwatch: ${displaySafeLine(`could not write ${dir}/leakwatch.prom (${code}): ${fix}; the tick's rows were recorded`)}`);
    return false;
  }
}
