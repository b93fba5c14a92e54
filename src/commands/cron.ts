// `leakwatch cron print|install|remove`: edits this user's crontab through the crontab command.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cronLine, installedDataDirs, updateCrontab, type CronLineInput } from '../core/cronLine.js';
import { SYSTEMD_SERVICE_NAME, SYSTEMD_TIMER_NAME, systemdUnits } from '../core/systemdUnits.js';
import { flagOptions, parseCommandArgs, UsageError, valueOptions } from './args.js';
import { displaySafeLine } from '../core/terminalText.js';
import { DEFAULT_CONFIG, readConfigText } from './record.js';
import { parseConfigText } from '../core/config.js';

function projectDir(): string {
  // dist/src/commands/cron.js -> project root
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

/**
 * What cron runs: dist/src/cli.cjs, record's modules as one script with V8's code cache (npm run build writes it;
 * a tick costs ~30 % less CPU than through the ESM cli.js, scripts/buildCronBundle.ts), or cli.js without it.
 */
function cronCli(root: string): string {
  const bundled = resolve(root, 'dist', 'src', 'cli.cjs');
  return existsSync(bundled) ? bundled : resolve(root, 'dist', 'src', 'cli.js');
}

function lineInput(v: Record<string, unknown>): CronLineInput {
  const root = projectDir();
  const dataDir = resolve(String(v.data ?? 'data'));
  const configPath = resolve(String(v.config ?? DEFAULT_CONFIG));
  if (!existsSync(configPath)) {
    throw new UsageError(`no config at ${configPath}: cron needs a config file naming the targets (see README "Configuration")`);
  }
  // A config that does not load would fail every minute, seen only in record.log: say it now, as record would.
  parseConfigText(readConfigText(configPath), configPath);
  return {
    nodePath: process.execPath,
    cliPath: cronCli(root),
    projectDir: root,
    configPath,
    dataDir,
    logPath: resolve(dataDir, 'record.log'),
  };
}

export function buildCronLine(v: Record<string, unknown>): { line: string; dataDir: string } {
  const input = lineInput(v);
  return { line: cronLine(input), dataDir: input.dataDir };
}

export const CRON_OPTIONS = { ...valueOptions('config', 'data', 'out'), ...flagOptions('systemd') } as const;

export async function runCron(args: string[]): Promise<number> {
  const v = parseCommandArgs(args, CRON_OPTIONS);
  const [action, ...extra] = v._ as unknown as string[];
  if (!['print', 'install', 'remove'].includes(action ?? '') || extra.length) {
    throw new UsageError('cron takes one of: print, install, remove');
  }
  if (v.systemd) {
    if (action !== 'print') throw new UsageError('--systemd goes with "cron print": install the printed units with systemctl (see their comments)');
    const { service, timer } = systemdUnits(lineInput(v));
    if (v.out === undefined) {
      console.log(`# --- ${SYSTEMD_SERVICE_NAME} (save as its own file) ---\n${service}\n# --- ${SYSTEMD_TIMER_NAME} (save as its own file) ---\n${timer}`);
      console.error(`leakwatch: that is two files; "cron print --systemd --out DIR" writes them as DIR/${SYSTEMD_SERVICE_NAME} and DIR/${SYSTEMD_TIMER_NAME}`);
      return 0;
    }
    // The units' own comments say to copy both files: write them as files. 0644 like any unit under /etc/systemd.
    const dir = resolve(String(v.out));
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, SYSTEMD_SERVICE_NAME), service, { mode: 0o644 });
      writeFileSync(join(dir, SYSTEMD_TIMER_NAME), timer, { mode: 0o644 });
    } catch (e) {
      console.error(`leakwatch: ${displaySafeLine(`cannot write the units to ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): pass --out DIR you can write to`)}`);
      return 2;
    }
    console.log(`wrote ${join(dir, SYSTEMD_SERVICE_NAME)} and ${join(dir, SYSTEMD_TIMER_NAME)}; install them as their comments say`);
    return 0;
  }
  if (v.out !== undefined) throw new UsageError('--out goes with "cron print --systemd" (it writes the two unit files)');
  if (action === 'print') {
    console.log(buildCronLine(v).line);
    return 0;
  }
  const list = crontab(['-l']);
  if ('error' in list) {
    console.error(`leakwatch: ${displaySafeLine(list.error)}`);
    return 2;
  }
  // "no crontab for USER" is crontab's way of saying the crontab is empty, not an error.
  if (list.status !== 0 && !/no crontab/i.test(list.stderr)) {
    console.error(`leakwatch: "crontab -l" failed (exit ${list.status}): ${oneLine(list.stderr)}`);
    return 2;
  }
  const current = list.status === 0 ? list.stdout : '';
  let dataDir: string;
  let line: string | null = null;
  if (action === 'install') {
    ({ line, dataDir } = buildCronLine(v));
  } else {
    // remove: the line's marker names its data dir, so without --data the installed line is found whatever the
    // current folder is; a relative default ("./data") would silently miss it when run from elsewhere.
    const installed = installedDataDirs(current);
    if (v.data !== undefined) dataDir = resolve(String(v.data));
    else if (installed.length === 1) dataDir = installed[0];
    else if (installed.length === 0) {
      console.log('no leakwatch line to remove');
      return 0;
    } else {
      console.error(`leakwatch: ${displaySafeLine(`${installed.length} leakwatch lines are installed (data folders ${installed.join(', ')}): pass --data DIR to say which to remove`)}`);
      return 2;
    }
    if (!installed.includes(dataDir.replace(/[%\n]/g, '_'))) {
      console.log(displaySafeLine(`no leakwatch line for ${dataDir} to remove${installed.length ? ` (installed for: ${installed.join(', ')})` : ''}`));
      return 0;
    }
  }
  const next = updateCrontab(current, dataDir, line);
  if (next === current) {
    console.log('the leakwatch line is already installed');
    return 0;
  }
  const put = next === '' ? crontab(['-r']) : crontab(['-'], next);
  if ('error' in put) {
    console.error(`leakwatch: ${displaySafeLine(put.error)}`);
    return 2;
  }
  if (put.status !== 0) {
    console.error(`leakwatch: crontab failed (exit ${put.status}): ${oneLine(put.stderr)}; your crontab is unchanged`);
    return 2;
  }
  console.log(action === 'install' ? `installed:\n${line}\nlog: ${resolve(dataDir, 'record.log')}` : `removed the leakwatch line for ${dataDir}`);
  return 0;
}

/** Runs crontab with its output captured (none of it reaches the terminal unasked); a missing crontab is one line. */
function crontab(args: string[], input?: string): { status: number; stdout: string; stderr: string } | { error: string } {
  const r = spawnSync('crontab', args, { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    return {
      error: code === 'ENOENT'
        ? 'the crontab command is not installed: apt-get install cron (or use "leakwatch cron print --systemd")'
        : `could not run crontab (${code ?? r.error.message})`,
    };
  }
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** crontab's stderr as one printable line. */
function oneLine(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim() || 'no message';
}
