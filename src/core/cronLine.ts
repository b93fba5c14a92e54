// The crontab line, built purely so it is tested: cron runs it with a bare environment (PATH=/usr/bin:/bin,
// no HOME profile, sh not bash), so every path is absolute and quoted, and '%' (which cron turns into a
// newline) is escaped.

export const CRON_MARKER = '# leakwatch-record';

/** Single-quotes a word for sh. */
export function shQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface CronLineInput {
  nodePath: string;
  cliPath: string;
  projectDir: string;
  configPath: string | null;
  dataDir: string;
  logPath: string;
}

export function cronLine(i: CronLineInput): string {
  const args = [shQuote(i.nodePath), shQuote(i.cliPath), 'record'];
  if (i.configPath) args.push('--config', shQuote(i.configPath));
  args.push('--data', shQuote(i.dataDir));
  // umask 077: the shell, not leakwatch, creates record.log through the redirection; keep it owner-only like
  // every other file under data/. mkdir first: the redirection needs the folder before leakwatch runs.
  const cmd = `cd ${shQuote(i.projectDir)} && umask 077 && mkdir -p ${shQuote(i.dataDir)} && ${args.join(' ')} >> ${shQuote(i.logPath)} 2>&1`;
  // The marker names the data dir so installs for two data dirs do not replace each other.
  return `* * * * * ${cmd.replace(/%/g, '\\%')} ${CRON_MARKER} ${i.dataDir.replace(/[%\n]/g, '_')}`;
}

/** The crontab with our line for this data dir replaced (or added, or removed when `line` is null). */
export function updateCrontab(current: string, dataDir: string, line: string | null): string {
  const marker = `${CRON_MARKER} ${dataDir.replace(/[%\n]/g, '_')}`;
  const kept = current.split('\n').filter((l) => !l.endsWith(marker) && l !== '');
  if (line) kept.push(line);
  return kept.length ? kept.join('\n') + '\n' : '';
}

/** The data dirs named by the leakwatch lines' markers in a crontab, in order ("cron remove" without --data). */
export function installedDataDirs(crontab: string): string[] {
  const prefix = `${CRON_MARKER} `;
  const dirs: string[] = [];
  for (const l of crontab.split('\n')) {
    const at = l.lastIndexOf(prefix);
    if (at >= 0) dirs.push(l.slice(at + prefix.length));
  }
  return dirs;
}
