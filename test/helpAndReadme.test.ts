// The --help texts are the single source of what each command accepts (issue 12 item 8): every option a command
// parses is in its help and in the top-level usage, README.md mentions every one, README names no option that
// does not exist, and check's exit status reads the same in both.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { CHECK_EXIT_STATUS, HELP } from '../src/commands/args.js';
import { CRON_OPTIONS } from '../src/commands/cron.js';
import { DIFF_HELP, DIFF_OPTIONS } from '../src/commands/diff.js';
import { EXPORT_HELP, EXPORT_OPTIONS } from '../src/commands/export.js';
import { RECORD_OPTIONS } from '../src/commands/record.js';
import { CHECK_OPTIONS, REPORT_OPTIONS } from '../src/commands/report.js';
import { DEMO_OPTIONS } from '../src/demo/demoCommand.js';
import { findRepoRoot } from '../src/demo/demoService.js';
import { cli } from './helpers/cli.js';

const COMMANDS: Array<[string, Record<string, { type: string; short?: string }>, string]> = [
  ['record', RECORD_OPTIONS, HELP.record!],
  ['report', REPORT_OPTIONS, HELP.report!],
  ['check', CHECK_OPTIONS, HELP.check!],
  ['cron', CRON_OPTIONS, HELP.cron!],
  ['diff', DIFF_OPTIONS, DIFF_HELP],
  ['export', EXPORT_OPTIONS, EXPORT_HELP],
  ['demo', DEMO_OPTIONS, HELP.demo!],
];

const flagIn = (text: string, name: string) => new RegExp(`(^|[\\s\\[(|,])--${name}(?![\\w-])`).test(text);
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

test('every option a command accepts is in its --help, its line of the top-level usage, and README.md', async () => {
  const readme = readFileSync(join(await findRepoRoot(), 'README.md'), 'utf8');
  const top = (await cli(['--help'])).stdout;
  assert.ok(readme.includes(top.trimEnd()), 'README.md holds "leakwatch --help" verbatim');
  for (const [command, options, help] of COMMANDS) {
    assert.equal((await cli([command, '--help'])).stdout.trim(), help.trim(), `${command} --help prints its help`);
    const usageLines = top.split('\n').filter((l, i, all) => l.includes(`leakwatch ${command} `) || (l.startsWith('      ') && all.slice(0, i).reverse().find((x) => /^ {2}leakwatch /.test(x))?.includes(`leakwatch ${command} `)));
    assert.ok(usageLines.length > 0, `${command} in the top-level usage`);
    for (const [name, o] of Object.entries(options)) {
      assert.ok(flagIn(help, name), `${command} --help lists --${name}`);
      assert.ok(flagIn(usageLines.join('\n'), name) || (o.short !== undefined && usageLines.join('\n').includes(`-${o.short}`)), `top-level usage of ${command} lists --${name}`);
      assert.ok(flagIn(readme, name), `README.md mentions --${name} (${command})`);
      if (o.short) assert.ok(help.includes(`-${o.short}, --${name}`), `${command} --help lists -${o.short}`);
    }
  }
});

test('README.md names no leakwatch option that no command accepts', async () => {
  const readme = readFileSync(join(await findRepoRoot(), 'README.md'), 'utf8');
  const known = new Set(COMMANDS.flatMap(([, o]) => Object.keys(o)).concat(['help', 'version']));
  const unknown = new Set<string>();
  for (const line of readme.split('\n').filter((l) => /leakwatch |`--/.test(l))) {
    for (const m of line.matchAll(/(?<![\w-])--([a-z][\w-]*)/g)) if (!known.has(m[1]!)) unknown.add(m[1]!);
  }
  assert.deepEqual([...unknown], []);
});

test('check\'s exit status: the same words in check --help and README.md', async () => {
  const readme = squash(readFileSync(join(await findRepoRoot(), 'README.md'), 'utf8'));
  assert.ok(HELP.check!.includes(CHECK_EXIT_STATUS));
  assert.ok(readme.includes(squash(CHECK_EXIT_STATUS)), 'README.md states check\'s exit status exactly as check --help');
  assert.match(CHECK_EXIT_STATUS, /0 stable, 1 leak suspected, 2 usage or config error,\s+3 growing .* 4 cannot judge/s);
});

test('README.md does not say the runtime cannot prove a mutex leak (Go 1.26 confirms mutex, RWMutex, WaitGroup and Cond leaks)', async () => {
  const readme = readFileSync(join(await findRepoRoot(), 'README.md'), 'utf8');
  assert.doesNotMatch(readme, /not a mutex held forever/);
  assert.match(squash(readme), /confirmed mutex \(31\), RWMutex \(23\), WaitGroup \(11\) and Cond \(4\) leaks/);
});
