// Argument parsing shared by the commands, and their --help texts.
import { statSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { parseTimeSeconds } from '../core/duration.js';

/** How every reading command explains --since/--until (one text, so help and README cannot drift apart). */
const TIME_OPTIONS = `  --since TIME     from this time: ISO date-time (UTC unless it has a zone,
                   e.g. "2026-11-29 03:24" or 2026-11-29T03:24+01:00), unix seconds, or "6h ago"
  --until TIME     up to this time (same forms)`;

/** check's exit status, exactly as README.md states it (test/helpAndReadme.test.ts). */
export const CHECK_EXIT_STATUS = `Exit status: 0 stable, 1 leak suspected, 2 usage or config error,
3 growing (memory rising without a goroutine explanation), 4 cannot judge (too few samples, every sample
failed, an empty or inverted window, an unreadable data file). With several targets the worst wins:
1 beats 3 beats 4 beats 0.`;

/**
 * Each command's --help, shown on a usage error too; the top-level usage is composed of their "Usage:" lines.
 * These texts are the single source README.md is checked against (test/helpAndReadme.test.ts): every option a
 * command accepts is listed here, and the README mentions every one.
 */
export const HELP: Record<string, string> = {
  record: `leakwatch record — sample every target once (for cron), or in a loop

Usage:
  leakwatch record [--config FILE] [--data DIR] [--every DURATION [--for DURATION]] [-q]
                   [--name NAME (--pid PID | --process COMM | --pidfile FILE) [--pprof URL]] [--prom-textfile DIR]

Options:
  --config FILE      targets to sample (default ./leakwatch.config.json)
  --data DIR         where to write (default ./data; created when missing)
  --every DURATION   sample in a loop, e.g. 5s (one process, no start-up cost per tick)
  --for DURATION     stop the loop after this long, e.g. 30m (default: until Ctrl-C)
  -q, --quiet        in a loop on a terminal, no line per tick (problems are still printed)
  --name NAME        one ad-hoc target instead of the config file, found by one of:
  --pid PID | --process COMM | --pidfile FILE
  --pprof URL        its net/http/pprof base URL, e.g. http://127.0.0.1:6060/debug/pprof
  --prom-textfile DIR  also write DIR/leakwatch.prom (latest figures per target, Prometheus text format)
                     for node_exporter's textfile collector

Exit status: 0 every target sampled, 1 some target could not be (its row says why), 2 usage or config error.

Examples:
  leakwatch record
  leakwatch record --name api --process api-server --pprof http://127.0.0.1:6060/debug/pprof
  leakwatch record --every 5s --for 30m`,
  report: `leakwatch report — render the recording as one self-contained HTML page

Usage:
  leakwatch report [--data DIR] [--out FILE] [--json FILE] [--target NAME] [--since TIME] [--until TIME]
                   [--source-root FROM=TO] [--ignore FUNC] [--config FILE]

Options:
  --data DIR       recorded data (default ./data)
  --out FILE       the page (default ./reports/index.html)
  --json FILE      also write the machine-readable summary
  --target NAME    only this target
${TIME_OPTIONS}
  --source-root FROM=TO   read sources from TO where the build had FROM (repeatable)
                   (source is shown only for .go files under TO or the current folder)
  --ignore FUNC    never treat stacks through FUNC as suspects (repeatable; trailing * = prefix)
  --config FILE    also take "ignore" lists from this config (default ./leakwatch.config.json, if present)

Exit status: 0 written, 2 usage error, a missing --data folder, or a page that cannot be written.

Examples:
  leakwatch report
  leakwatch report --since "24h ago" --json reports/summary.json`,
  check: `leakwatch check — the report's analysis as an exit code, for alerts and soak tests

Usage:
  leakwatch check  [--data DIR] [--target NAME] [--since TIME] [--until TIME]
                   [--source-root FROM=TO] [--ignore FUNC] [--config FILE]

Options:
  --data DIR       recorded data (default ./data)
  --target NAME    only this target
${TIME_OPTIONS}
  --source-root FROM=TO   as for report (the suspects' source lines)
  --ignore FUNC    never treat stacks through FUNC as suspects (repeatable; trailing * = prefix)
  --config FILE    also take "ignore" lists from this config (default ./leakwatch.config.json, if present)

Prints one line per target.
${CHECK_EXIT_STATUS}

Example:
  leakwatch check --since "2h ago" || page-the-on-call`,
  cron: `leakwatch cron — run "leakwatch record" every minute from your crontab

Usage:
  leakwatch cron print|install|remove [--config FILE] [--data DIR]
  leakwatch cron print --systemd [--out DIR] [--config FILE] [--data DIR]

  leakwatch cron print     print the crontab line (nothing is changed)
  leakwatch cron install   add it to this user's crontab (installing twice leaves one line)
  leakwatch cron remove    take it out (from any folder; --data DIR picks one when several are installed)
  leakwatch cron print --systemd   a systemd service + timer pair instead (for hosts without cron),
                                   printed one after the other, or with --out DIR written as two files

Options: --config FILE, --data DIR (made absolute in the line), --systemd, --out DIR (with --systemd)`,
  demo: `leakwatch demo — build the bundled leaking Go service, record it for about a minute, render the report

Usage:
  leakwatch demo [--for DURATION] [--every DURATION] [--rate N] [--data DIR] [--out FILE]

Options:
  --for DURATION    how long to record (default 80s)
  --every DURATION  how often to sample (default 2s)
  --rate N          leaked goroutines per second per kind in the demo service (default 2)
  --data DIR        where to record (default ./data/demo; emptied first)
  --out FILE        the page (default ./reports/demo.html, replaced with a line saying so)

Needs Go (apt-get install golang-go); on Go 1.26+ the service is built with the goroutine leak profile.`,
};

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options that take a value, e.g. `--data DIR` (a command's table is these plus its few flags). */
export function valueOptions<const N extends string>(...names: N[]): { [K in N]: { type: 'string' } } {
  return Object.fromEntries(names.map((n) => [n, { type: 'string' }])) as { [K in N]: { type: 'string' } };
}

/** Options that take a value and may be given again, e.g. `--ignore FUNC --ignore FUNC`. */
export function repeatedOptions<const N extends string>(...names: N[]): { [K in N]: { type: 'string'; multiple: true } } {
  return Object.fromEntries(names.map((n) => [n, { type: 'string', multiple: true }])) as { [K in N]: { type: 'string'; multiple: true } };
}

/** Options without a value, e.g. `--tsv`. */
export function flagOptions<const N extends string>(...names: N[]): { [K in N]: { type: 'boolean' } } {
  return Object.fromEntries(names.map((n) => [n, { type: 'boolean' }])) as { [K in N]: { type: 'boolean' } };
}

/** What every reading command (report, check, export) takes: the folder, one target, the time window. */
export const READING_OPTIONS = valueOptions('data', 'target', 'since', 'until');

/** Levenshtein distance, for "did you mean" (words are short: the O(n*m) table is nothing). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/**
 * The candidate a typo most likely meant, or null. At most 2 edits and fewer than half the word: "reprot" ->
 * "report", "sinse" -> "since", but "x" suggests nothing.
 */
export function closestWord(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= 2 && bestDistance * 2 < word.length ? best : null;
}

/** The string options whose value may start with "-" (a negative number) are rewritten to --opt=value first. */
function joinDashValues(args: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : null;
    // "--every -5s": Node's parseArgs calls that ambiguous; it is a (bad) value, and the parser of the value
    // says what is wrong with it.
    if (name !== null && options[name]?.type === 'string' && /^-\d/.test(args[i + 1] ?? '')) {
      out.push(`--${name}=${args[++i]}`);
    } else {
      out.push(args[i]);
    }
  }
  return out;
}

export function parseCommandArgs(args: string[], options: Options): Record<string, string | string[] | boolean | undefined> {
  const all: Options = { ...options, help: { type: 'boolean', short: 'h' } };
  try {
    const { values, positionals } = parseArgs({ args: joinDashValues(args, all), options: all, allowPositionals: true, strict: true });
    return { ...values, _: positionals as unknown as string[] } as Record<string, string | string[] | boolean | undefined>;
  } catch (e) {
    const err = e as Error & { code?: string };
    const unknown = /^Unknown option '(--?)([^']*)'/.exec(err.message);
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
      const guess = closestWord(unknown[2], Object.keys(all));
      throw new UsageError(`unknown option ${unknown[1]}${unknown[2]}${guess ? `; did you mean --${guess}?` : ''}`);
    }
    const missing = /^Option '(?:-\w, )?--([\w-]+) <value>' argument missing/.exec(err.message);
    if (missing) throw new UsageError(`--${missing[1]} needs a value`);
    const ambiguous = /^Option '(?:-\w, )?--([\w-]+)' argument is ambiguous/.exec(err.message);
    if (ambiguous) throw new UsageError(`--${ambiguous[1]} needs a value (the next word starts with "-"); write --${ambiguous[1]}=VALUE if the value starts with "-"`);
    throw new UsageError(err.message.split('\n')[0].replace(/\. To specify.*$/, ''));
  }
}

/**
 * Parses a command whose help lives in its own module (diff, export): prints that help to `out` for --help and
 * returns null, so the command stops there.
 */
export function parseArgsOrHelp(
  args: string[],
  options: Options,
  help: string,
  out: (text: string) => void,
): Record<string, string | string[] | boolean | undefined> | null {
  const v = parseCommandArgs(args, options);
  if (!v.help) return v;
  out(help + '\n');
  return null;
}

/** --since/--until as unix seconds (undefined when not given); a bad value is a usage error naming the flag. */
export function parseWindowArgs(v: Record<string, unknown>, nowSeconds: number): { sinceSeconds?: number; untilSeconds?: number } {
  try {
    return {
      sinceSeconds: v.since === undefined ? undefined : parseTimeSeconds(String(v.since), nowSeconds, '--since'),
      untilSeconds: v.until === undefined ? undefined : parseTimeSeconds(String(v.until), nowSeconds, '--until'),
    };
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/**
 * One line for a --data that cannot hold recordings (missing, a file, unreadable), or null. The reading commands
 * check this first: an empty list of targets must mean "nothing recorded yet", never "wrong path".
 */
export function dataFolderToReadProblem(dataDir: string): string | null {
  try {
    if (statSync(dataDir).isDirectory()) return null;
    return `--data ${dataDir} is a file, not a data folder: pass --data DIR, the folder "leakwatch record" writes to`;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return `no data folder at ${dataDir}: pass --data DIR where "leakwatch record" wrote, or record first`;
    }
    return `cannot read the data folder ${dataDir} (${code}): fix its permissions or pass --data DIR`;
  }
}
