#!/usr/bin/env node
// leakwatch's command line. This file is on cron's path every minute, so it imports only what `record`
// needs; report, check, cron and demo load their modules when asked for.
import { HELP, UsageError } from './commands/args.js';
import { displaySafeLine } from './core/terminalText.js';

const USAGE = `leakwatch — find goroutine and memory leaks in Go services

Usage:
  leakwatch record [--config FILE] [--data DIR] [--every DURATION [--for DURATION]]
                   [--name NAME (--pid PID | --process COMM | --pidfile FILE) [--pprof URL]]
  leakwatch report [--data DIR] [--out FILE] [--json FILE] [--target NAME] [--since TIME] [--until TIME]
  leakwatch check  [--data DIR] [--target NAME] [--since TIME] [--until TIME]
  leakwatch cron print|install|remove [--config FILE] [--data DIR] [--systemd]
  leakwatch diff SNAPSHOT_A SNAPSHOT_B [--top N]
  leakwatch export --target NAME [--data DIR] [--since TIME] [--until TIME] [--tsv] [--excel] [--out FILE]
  leakwatch demo

Run "leakwatch COMMAND --help" for a command's options and examples.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (command === '--version') {
    console.log('leakwatch 0.1.0');
    return 0;
  }
  // diff and export print their own help.
  if ((rest.includes('--help') || rest.includes('-h')) && command !== 'diff' && command !== 'export') {
    if (!HELP[command]) throw new UsageError(`unknown command "${command}"`);
    console.log(HELP[command]);
    return 0;
  }
  switch (command) {
    case 'record':
      return (await import('./commands/record.js')).runRecord(rest);
    case 'report':
      return (await import('./commands/report.js')).runReport(rest);
    case 'check':
      return (await import('./commands/report.js')).runCheck(rest);
    case 'cron':
      return (await import('./commands/cron.js')).runCron(rest);
    case 'diff':
      return (await import('./commands/diff.js')).runDiff(rest);
    case 'export':
      return (await import('./commands/export.js')).runExport(rest);
    case 'demo':
      return (await import('../scripts/demo.js')).runDemo(rest);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    if (e instanceof UsageError) {
      console.error(`leakwatch: ${e.message}\n\n${USAGE}`);
    } else {
      console.error(`leakwatch: ${displaySafeLine(String((e as Error).message ?? e))}`);
      if (process.env.LEAKWATCH_DEBUG) console.error(e);
    }
    process.exitCode = 2;
  },
);
