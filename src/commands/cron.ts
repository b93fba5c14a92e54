// `leakwatch cron print|install|remove`: edits this user's crontab through the crontab command.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cronLine, updateCrontab, type CronLineInput } from '../core/cronLine.js';
import { SYSTEMD_SERVICE_NAME, SYSTEMD_TIMER_NAME, systemdUnits } from '../core/systemdUnits.js';
import { parseCommandArgs, UsageError } from './args.js';
import { DEFAULT_CONFIG } from './record.js';

function projectDir(): string {
  // dist/src/commands/cron.js -> project root
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}

function lineInput(v: Record<string, unknown>): CronLineInput {
  const root = projectDir();
  const dataDir = resolve(String(v.data ?? 'data'));
  const configPath = resolve(String(v.config ?? DEFAULT_CONFIG));
  if (!existsSync(configPath)) {
    throw new UsageError(`no config at ${configPath}: cron needs a config file naming the targets (see README "Configuration")`);
  }
  return {
    nodePath: process.execPath,
    cliPath: resolve(root, 'dist', 'src', 'cli.js'),
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

export async function runCron(args: string[]): Promise<number> {
  const v = parseCommandArgs(args, { config: { type: 'string' }, data: { type: 'string' }, systemd: { type: 'boolean' } });
  const [action, ...extra] = v._ as unknown as string[];
  if (!['print', 'install', 'remove'].includes(action ?? '') || extra.length) {
    throw new UsageError('cron takes one of: print, install, remove');
  }
  if (v.systemd) {
    if (action !== 'print') throw new UsageError('--systemd goes with "cron print": install the printed units with systemctl (see their comments)');
    const { service, timer } = systemdUnits(lineInput(v));
    console.log(`# --- ${SYSTEMD_SERVICE_NAME} ---\n${service}\n# --- ${SYSTEMD_TIMER_NAME} ---\n${timer}`);
    return 0;
  }
  const { line, dataDir } = action === 'remove' ? { line: null, dataDir: resolve(String(v.data ?? 'data')) } : buildCronLine(v);
  if (action === 'print') {
    console.log(line);
    return 0;
  }
  const { $ } = await import('zx');
  $.verbose = false;
  const list = await $`crontab -l`.nothrow();
  if (list.exitCode !== 0 && !/no crontab/i.test(list.stderr)) {
    const missing = /not found|ENOENT/.test(list.stderr + String(list.exitCode === 127 ? 'not found' : ''));
    console.error(`leakwatch: crontab -l failed: ${list.stderr.trim() || `exit ${list.exitCode}`}${missing ? ' (install cron: apt-get install cron)' : ''}`);
    return 2;
  }
  const current = list.exitCode === 0 ? list.stdout : '';
  const next = updateCrontab(current, dataDir, line);
  if (next === current) {
    console.log(action === 'install' ? 'the leakwatch line is already installed' : 'no leakwatch line to remove');
    return 0;
  }
  const put = next === '' ? await $`crontab -r`.nothrow() : await $({ input: next })`crontab -`.nothrow();
  if (put.exitCode !== 0) {
    console.error(`leakwatch: crontab failed: ${put.stderr.trim()}`);
    return 2;
  }
  console.log(action === 'install' ? `installed:\n${line}\nlog: ${resolve(dataDir, 'record.log')}` : 'removed the leakwatch line');
  return 0;
}
