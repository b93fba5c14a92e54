// What `leakwatch cron` puts into a crontab line or a systemd unit, for a project folder and a data folder, as
// `commands/cron.ts` lays it out (the CLI under dist/, the config in the project, the log in the data folder).
import type { CronLineInput } from '../../src/core/cronLine.js';

export function installInput(projectDir: string, dataDir: string, o: Partial<CronLineInput> = {}): CronLineInput {
  return {
    nodePath: '/usr/bin/node',
    cliPath: `${projectDir}/dist/src/cli.js`,
    projectDir,
    configPath: `${projectDir}/leakwatch.config.json`,
    dataDir,
    logPath: `${dataDir}/record.log`,
    ...o,
  };
}
