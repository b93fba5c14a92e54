// Argument parsing shared by the commands, and their --help texts.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const HELP: Record<string, string> = {
  record: `leakwatch record — sample every target once (for cron), or in a loop

Options:
  --config FILE      targets to sample (default ./leakwatch.config.json)
  --data DIR         where to write (default ./data)
  --every DURATION   sample in a loop, e.g. 5s (one process, no start-up cost per tick)
  --for DURATION     stop the loop after this long, e.g. 30m (default: until Ctrl-C)
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

Options:
  --data DIR       recorded data (default ./data)
  --out FILE       the page (default ./reports/index.html)
  --json FILE      also write the machine-readable summary
  --target NAME    only this target
  --since TIME     from this time: ISO date-time, unix seconds, or "6h ago"
  --until TIME     up to this time
  --source-root FROM=TO   read sources from TO where the build had FROM (repeatable)
                   (source is shown only for .go files under TO or the current folder)
  --ignore FUNC    never treat stacks through FUNC as suspects (repeatable; trailing * = prefix)
  --config FILE    also take "ignore" lists from this config (default ./leakwatch.config.json, if present)

Examples:
  leakwatch report
  leakwatch report --since "24h ago" --json reports/summary.json`,
  check: `leakwatch check — the report's analysis as an exit code, for alerts and soak tests

Options: --data DIR, --target NAME, --since TIME, --until TIME, --ignore FUNC (as for report)

Prints one line per target. Exit status: 0 no leak suspected, 1 a leak is suspected, 2 usage or data error.

Example:
  leakwatch check --since "2h ago" || page-the-on-call`,
  cron: `leakwatch cron — run "leakwatch record" every minute from your crontab

  leakwatch cron print     print the crontab line (nothing is changed)
  leakwatch cron install   add it to this user's crontab (installing twice leaves one line)
  leakwatch cron remove    take it out
  leakwatch cron print --systemd   print a systemd service + timer pair instead (for hosts without cron)

Options: --config FILE, --data DIR (made absolute in the line)`,
  demo: `leakwatch demo — build the bundled leaking Go service, record it for about a minute, render the report

Needs Go (apt-get install golang-go).`,
};

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs(args: string[], options: Options): Record<string, string | string[] | boolean | undefined> {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { ...values, _: positionals as unknown as string[] } as Record<string, string | string[] | boolean | undefined>;
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify.*$/, ''));
  }
}

