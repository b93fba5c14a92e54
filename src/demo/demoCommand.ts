// `npm run demo` / `leakwatch demo`: build the bundled leaking Go service, start it on a free loopback port,
// record it every 2 s for about a minute with the real CLI, render the report, stop the service.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { $ } from 'zx';
import { parseCommandArgs, UsageError } from '../commands/args.js';
import { parseDurationSeconds } from '../core/duration.js';
import { buildDemoService, findGo, findRepoRoot, GO_MISSING_MESSAGE, goMinorVersion, startDemoService } from './demoService.js';

export const DEMO_OPTIONS = {
  for: { type: 'string', default: '80s' },
  every: { type: 'string', default: '2s' },
  rate: { type: 'string', default: '2' },
  data: { type: 'string' },
  out: { type: 'string' },
} as const;

export async function runDemo(args: string[]): Promise<number> {
  const v = parseCommandArgs(args, DEMO_OPTIONS);
  const values = { for: String(v.for), every: String(v.every), rate: String(v.rate), data: v.data as string | undefined, out: v.out as string | undefined };
  if ((v._ as unknown as string[]).length) throw new UsageError(`demo takes no arguments (got "${(v._ as unknown as string[])[0]}")`);
  const root = await findRepoRoot();
  const go = await findGo();
  if (!go) {
    console.error(`leakwatch demo: ${GO_MISSING_MESSAGE}`);
    return 2;
  }
  let forSeconds: number;
  try {
    forSeconds = parseDurationSeconds(values.for, '--for');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  $.verbose = false;
  $.cwd = root;
  const dataDir = resolve(values.data ?? join(root, 'data', 'demo'));
  const out = resolve(values.out ?? join(root, 'reports', 'demo.html'));
  const cli = join(root, 'dist', 'src', 'cli.js');
  if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });
  if (existsSync(out)) {
    console.log(`replacing ${out} (written ${statSync(out).mtime.toISOString().slice(0, 16).replace('T', ' ')} UTC); --out FILE keeps it`);
  }

  // Go 1.26+ built with the leak-profile experiment serves /debug/pprof/goroutineleak, so the page can show
  // the "confirmed by the Go runtime" badges.
  const leakProfile = (await goMinorVersion(go)) >= 26;
  console.log(`building the demo Go service (demo-service/)${leakProfile ? ' with GOEXPERIMENT=goroutineleakprofile' : ''}…`);
  const binary = leakProfile
    ? await buildDemoService({ outPath: join(root, 'demo-service', 'leaky-demo-leakprofile'), env: { GOEXPERIMENT: 'goroutineleakprofile' } })
    : await buildDemoService();
  const svc = await startDemoService({ binary, args: ['-rate', String(values.rate), '-expvar'] });
  console.log(`started leaky-demo pid ${svc.pid} at ${svc.baseUrl} (pprof: ${svc.pprofUrl})`);
  // The recorder's defaults suit a service watched for days (a debug=2 dump at most every 30 min, the leak
  // profile every 10); a one-minute demo takes its second dump and leak profiles once leaks have piled up, so
  // "created by / blocked for" and the runtime's confirmation show.
  const configDir = mkdtempSync(join(tmpdir(), 'leakwatch-demo-'));
  const config = join(configDir, 'leakwatch.config.json');
  const laterMinutes = Math.max(0.1, (forSeconds * 0.75) / 60);
  writeFileSync(
    config,
    JSON.stringify({
      targets: [{
        name: 'leaky-demo', pidfile: svc.pidfile, pprof: svc.pprofUrl,
        leakProfileMinutes: laterMinutes / 2, debug2: { maxGoroutines: 5000, everyMinutes: laterMinutes },
      }],
    }),
  );
  try {
    console.log(`recording every ${values.every} for ${values.for} into ${relative(process.cwd(), dataDir) || dataDir}/ …`);
    const rec = await $({ stdio: ['ignore', 'inherit', 'inherit'] })`${process.execPath} ${cli} record --config ${config} --data ${dataDir} --every ${values.every} --for ${values.for}`.nothrow();
    if (rec.exitCode === 2) return 2;
  } finally {
    await svc.stop();
    rmSync(configDir, { recursive: true, force: true });
    console.log('stopped the demo service');
  }
  const rep = await $({ stdio: ['ignore', 'inherit', 'inherit'] })`${process.execPath} ${cli} report --data ${dataDir} --out ${out}`.nothrow();
  const chk = await $`${process.execPath} ${cli} check --data ${dataDir}`.nothrow();
  console.log(`\nleakwatch check exit ${chk.exitCode} (1 = leak suspected)`);
  console.log(`\nOpen the report:  file://${out}`);
  console.log(`CSV for spreadsheets: ${join(dataDir, 'leaky-demo', 'samples.csv')}`);
  console.log(`Snapshots for go tool pprof: ${join(dataDir, 'leaky-demo', 'snapshots')}/`);
  return rep.exitCode === 0 ? 0 : rep.exitCode ?? 1;
}

// Run directly (npm run demo) rather than through `leakwatch demo`.
if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  runDemo(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e: Error) => {
      console.error(`leakwatch demo: ${e.message}`);
      process.exitCode = 2;
    },
  );
}
