// `npm run demo` / `leakwatch demo`: build the bundled leaking Go service, start it on a free loopback port,
// record it every 2 s for about a minute with the real CLI, render the report, stop the service.
import { existsSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { $ } from 'zx';
import { parseArgs } from 'node:util';
import { buildDemoService, findGo, findRepoRoot, GO_MISSING_MESSAGE, startDemoService } from './lib/demoService.js';

export async function runDemo(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { for: { type: 'string', default: '80s' }, every: { type: 'string', default: '2s' }, rate: { type: 'string', default: '2' } },
    strict: true,
  });
  const root = await findRepoRoot();
  if (!(await findGo())) {
    console.error(`leakwatch demo: ${GO_MISSING_MESSAGE}`);
    return 2;
  }
  $.verbose = false;
  $.cwd = root;
  const dataDir = join(root, 'data', 'demo');
  const out = join(root, 'reports', 'demo.html');
  const cli = join(root, 'dist', 'src', 'cli.js');
  if (existsSync(dataDir)) rmSync(dataDir, { recursive: true, force: true });

  console.log('building the demo Go service (demo-service/)…');
  const binary = await buildDemoService();
  const svc = await startDemoService({ binary, args: ['-rate', String(values.rate)] });
  console.log(`started leaky-demo pid ${svc.pid} at ${svc.baseUrl} (pprof: ${svc.pprofUrl})`);
  try {
    console.log(`recording every ${values.every} for ${values.for} into ${relative(process.cwd(), dataDir) || dataDir}/ …`);
    const rec = await $({ stdio: ['ignore', 'inherit', 'inherit'] })`${process.execPath} ${cli} record --data ${dataDir} --every ${values.every} --for ${values.for} --name leaky-demo --pidfile ${svc.pidfile} --pprof ${svc.pprofUrl}`.nothrow();
    if (rec.exitCode === 2) return 2;
  } finally {
    await svc.stop();
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
