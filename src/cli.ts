#!/usr/bin/env node
// leakwatch's command line. This file is on cron's path every minute, so it imports only what `record`
// needs; report, check, cron and demo load their modules when asked for.
import { closestWord, HELP, UsageError } from './commands/args.js';
import { displaySafeLine } from './core/terminalText.js';

/** The "Usage:" lines of a command's help. */
function usageLines(help: string): string[] {
  const lines = help.split('\n');
  const from = lines.indexOf('Usage:') + 1;
  const to = lines.indexOf('', from);
  return from > 0 ? lines.slice(from, to < 0 ? undefined : to) : [];
}

/** The general usage: every command's own "Usage:" lines (diff and export from their modules, when asked). */
async function usage(): Promise<string> {
  const [{ DIFF_HELP }, { EXPORT_HELP }] = await Promise.all([import('./commands/diff.js'), import('./commands/export.js')]);
  const all = [HELP.record, HELP.report, HELP.check, HELP.cron, DIFF_HELP, EXPORT_HELP, HELP.demo].flatMap(usageLines);
  return `leakwatch — find goroutine and memory leaks in Go services

Usage:
${all.join('\n')}

A TIME without a zone is UTC. Run "leakwatch COMMAND --help" for a command's options and examples.`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    console.log(await usage());
    return command ? 0 : 2;
  }
  if (command === '--version') {
    console.log('leakwatch 0.1.0');
    return 0;
  }
  // diff and export print their own help.
  if ((rest.includes('--help') || rest.includes('-h')) && command !== 'diff' && command !== 'export') {
    if (!Object.hasOwn(HELP, command)) throw new UsageError(unknownCommand(command));
    console.log(HELP[command]);
    return 0;
  }
  // Own keys only: "constructor" or "toString" is not a command.
  const run = Object.hasOwn(RUNNERS, command) ? RUNNERS[command] : undefined;
  if (!run) throw new UsageError(unknownCommand(command));
  return (await run())(rest);
}

/** Each command's entry point, loaded only when that command runs (cron's tick loads record's alone). */
const RUNNERS: Record<string, () => Promise<(args: string[]) => Promise<number>>> = {
  record: async () => (await import('./commands/record.js')).runRecord,
  report: async () => (await import('./commands/report.js')).runReport,
  check: async () => (await import('./commands/report.js')).runCheck,
  cron: async () => (await import('./commands/cron.js')).runCron,
  diff: async () => (await import('./commands/diff.js')).runDiff,
  export: async () => (await import('./commands/export.js')).runExport,
  demo: async () => (await import('./demo/demoCommand.js')).runDemo,
};

const COMMANDS = Object.keys(RUNNERS);

function unknownCommand(command: string): string {
  const guess = closestWord(command, COMMANDS);
  return `unknown command "${command}"${guess ? `; did you mean "${guess}"?` : ''}`;
}

/** The command's own help (what a usage error shows), or the general usage for an unknown command. */
async function helpFor(command: string | undefined): Promise<string> {
  if (command === 'diff') return (await import('./commands/diff.js')).DIFF_HELP;
  if (command === 'export') return (await import('./commands/export.js')).EXPORT_HELP;
  return (command && Object.hasOwn(HELP, command) && HELP[command]) || usage();
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (e: unknown) => {
    if (e instanceof UsageError) {
      console.error(`leakwatch: ${displaySafeLine(e.message)}\n\n${await helpFor(process.argv[2])}`);
    } else {
      console.error(`leakwatch: ${displaySafeLine(String((e as Error).message ?? e))}`);
      if (process.env.LEAKWATCH_DEBUG) console.error(e);
    }
    process.exitCode = 2;
  },
);
