// Scenario 2: the marginal CPU of one tick in loop mode (`record --every 1s --for 30s`), start-up excluded,
// at ~60 and at ~5,000 distinct stacks, beside `go tool pprof -top` reading a snapshot of the same profile.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { findGo, startDemoService } from '../../src/demo/demoService.js';
import { profileMarkdown, profileNode } from './cpuProfile.js';
import {
  bytes,
  csvRows,
  interleave,
  measure,
  mmm,
  ms,
  ratio,
  runPlain,
  stats,
  table,
  type BenchContext,
  type GoalResult,
  type RunStat,
  type ScenarioResult,
} from './common.js';

export const NOTES = `What limits these figures: the marginal cost is a difference of two whole-process CPU times divided by
the number of extra ticks, so its spread is the spread of the start-up cost divided by ~30; a few rounds are
enough. It includes everything a long-running recorder does per tick — the /proc read, fetching and decoding
the goroutine and heap profiles, diffing the counts, the appends, the snapshot write and prune — and its idle
timers; the CPU profile of a loop run at 5,000 stacks shows where it goes. \`go tool pprof -top\` includes
the \`go\` command finding the cached pprof binary, which is most of its cost at 60 stacks; the pprof binary
run directly (its path from \`go tool -n pprof\`) is shown too, as the stricter peer.`;

interface Variant {
  label: string;
  distinct: number;
}

async function newestSnapshot(dir: string): Promise<string | null> {
  try {
    const names = readdirSync(dir).filter((n) => /^goroutine-\d{8}T\d{6}Z-pid\d+\.pb\.gz$/.test(n)).sort();
    return names.length ? join(dir, names[names.length - 1]) : null;
  } catch {
    return null;
  }
}

export async function runLoopMode(ctx: BenchContext): Promise<ScenarioResult> {
  const forSeconds = ctx.quick ? 4 : 30;
  const rounds = ctx.quick ? 1 : 3;
  const pprofPerRound = ctx.quick ? 2 : 5;
  const go = await findGo();
  if (!go) throw new Error('Go is not installed');
  const goEnv: NodeJS.ProcessEnv = { ...process.env, GOTOOLCHAIN: 'local' };
  const pprofBin = (await runPlain(go, ['tool', '-n', 'pprof'], { env: goEnv, timeoutMs: 120_000 })).stdout.trim();
  const variants: Variant[] = [
    { label: '~60 distinct stacks (`-distinct 50`)', distinct: 50 },
    { label: '~5,000 distinct stacks (`-distinct 5000`)', distinct: 5000 },
  ];
  const goals: GoalResult[] = [];
  const sections: string[] = [];
  const raw: unknown[] = [];
  for (const v of variants) {
    const args = ['-preload', '10000', '-kinds', 'send,recv,select,mutex', '-distinct', String(v.distinct), '-rate', '0'];
    const svc = await startDemoService({ binary: ctx.demoBinary, args, timeoutMs: 30_000 });
    try {
      const dataDir = join(ctx.tmpDir, `s2-${v.distinct}`);
      mkdirSync(dataDir, { recursive: true });
      const csv = join(dataDir, 'demo', 'samples.csv');
      const base = [ctx.cli, 'record', '--name', 'demo', '--pid', String(svc.pid), '--pprof', svc.pprofUrl, '--data', dataDir, '--quiet'];
      // Warm-up: two cron ticks (the dictionary is written, optional endpoints answered 404 and backed off).
      for (let i = 0; i < 2; i++) await measure(ctx, process.execPath, base);
      const newest = await newestSnapshot(join(dataDir, 'demo', 'snapshots'));
      if (!newest) throw new Error(`no snapshot was written under ${dataDir}`);
      // A copy: later ticks prune the recorder's own (it keeps the first of the lifetime, of each hour, and the newest).
      const snapshot = join(ctx.tmpDir, `s2-${v.distinct}-${basename(newest)}`);
      copyFileSync(newest, snapshot);
      const lastRow = readFileSync(csv, 'utf8').trim().split('\n').pop()!.split(',');
      const goroutines = Number(lastRow[12]);
      const distinct = Number(lastRow[13]);
      // Warm the go command and pprof (build cache).
      for (let i = 0; i < (ctx.quick ? 1 : 2); i++) await measure(ctx, go, ['tool', 'pprof', '-top', snapshot], { env: goEnv });

      const failures: string[] = [];
      const ticked = async (argv: string[]) => {
        const before = csvRows(csv);
        const r = await measure(ctx, process.execPath, argv, { timeoutMs: (forSeconds + 60) * 1000 });
        if (r.exitCode !== 0 && failures.length < 3) failures.push(`record exited ${r.exitCode}: ${r.stderr.trim().slice(-300)}`);
        return { ...r, ticks: csvRows(csv) - before };
      };
      const many = async (n: number, argv: string[], env?: NodeJS.ProcessEnv) => {
        const out: RunStat[] = [];
        for (let i = 0; i < n; i++) out.push(await measure(ctx, argv[0], argv.slice(1), { env }));
        return out;
      };
      const res = await interleave(rounds, {
        loop: () => ticked([...base, '--every', '1s', '--for', `${forSeconds}s`]),
        single: () => ticked([...base, '--every', '1s', '--for', '0.5s']),
        goTool: () => many(pprofPerRound, [go, 'tool', 'pprof', '-top', snapshot], goEnv),
        pprofDirect: () => (pprofBin ? many(pprofPerRound, [pprofBin, '-top', snapshot], goEnv) : Promise.resolve([])),
      });
      const singleCpu = stats(res.single.map((r) => r.cpuSeconds));
      // Per round: (CPU of the N-tick run − CPU of the 1-tick run of the same round) / (N − 1).
      const marginal = res.loop.map((r, i) => (r.cpuSeconds - res.single[i].cpuSeconds) / Math.max(1, r.ticks - res.single[i].ticks));
      const m = stats(marginal);
      const goTool = stats(res.goTool.flat().map((r) => r.cpuSeconds));
      const direct = stats(res.pprofDirect.flat().map((r) => r.cpuSeconds));
      const loopTicks = stats(res.loop.map((r) => r.ticks));
      goals.push({
        scenario: 2,
        goal: `loop-mode CPU per tick ≤ \`go tool pprof -top\` on the same profile, ${v.label.replace(/ \(.*\)$/, '')}`,
        measured: `${ms(m.median, 1)} vs ${ms(goTool.median)} (${ratio(m.median, goTool.median)})`,
        met: m.median <= goTool.median,
      });
      sections.push(
        [
          `**${v.label}** — ${goroutines.toLocaleString('en')} goroutines, ${distinct.toLocaleString('en')} distinct stacks; ` +
            `snapshot ${bytes(statSync(snapshot).size)}. ${rounds} interleaved round(s); \`--for ${forSeconds}s\` gave ${loopTicks.median} ticks.`,
          '',
          table(
            ['measurement', 'CPU median (min–max)', 'vs `go tool pprof -top`', 'n'],
            [
              [`\`record --every 1s --for ${forSeconds}s\` (whole run)`, mmm(stats(res.loop.map((r) => r.cpuSeconds)), (x) => ms(x)), '', res.loop.length],
              ['`record --every 1s --for 0.5s` (start-up + 1 tick)', mmm(singleCpu, (x) => ms(x)), '', res.single.length],
              ['**marginal CPU per tick**', mmm(m, (x) => ms(x, 1)), ratio(m.median, goTool.median), marginal.length],
              ['`go tool pprof -top SNAPSHOT`', mmm(goTool, (x) => ms(x)), '1.00×', goTool.n],
              ['`pprof -top SNAPSHOT` (the tool binary directly)', mmm(direct, (x) => ms(x)), ratio(direct.median, goTool.median), direct.n],
            ],
          ),
          ...(failures.length ? ['', `Failures: ${failures.join('; ')}`] : []),
        ].join('\n'),
      );
      if (v.distinct >= 5000) {
        ctx.log('  profiling a loop run (node --cpu-prof)');
        const profile = await profileNode(ctx, [...base, '--every', '1s', '--for', `${forSeconds}s`], 1);
        sections.push(profileMarkdown(profile, `\`record --every 1s --for ${forSeconds}s\` at ${distinct.toLocaleString('en')} distinct stacks (${loopTicks.median} ticks)`));
      }
      raw.push({ variant: v, goroutines, distinct, snapshotBytes: statSync(snapshot).size, results: res, marginal });
    } finally {
      await svc.stop();
    }
  }
  return { id: 2, title: 'Loop-mode marginal cost', goals, markdown: sections.join('\n\n'), raw };
}
