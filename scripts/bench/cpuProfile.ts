// Where a Node command spends its CPU: runs it under `node --cpu-prof` a few times and sums the samples by
// phase (start-up, module loading, profile decoding, ...) and by leakwatch function (inclusive time).
// --cpu-prof itself slows the process down by a few percent; the split is what matters, not the total.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runPlain, table, type BenchContext } from './common.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  runs: number;
  /** Mean per run, milliseconds of samples that were not idle. */
  busyMs: number;
  idleMs: number;
  phases: Array<{ phase: string; ms: number }>;
  /** leakwatch functions (dist/src) by inclusive time, mean per run. */
  functions: Array<{ fn: string; ms: number }>;
  /** Any function (leakwatch, packages, node) by self time, mean per run. */
  selfTop: Array<{ fn: string; ms: number }>;
  /** Packages under node_modules by inclusive time, mean per run. */
  packages: Array<{ pkg: string; ms: number }>;
}

function shortUrl(url: string): string {
  const m = /\/dist\/(src\/.*)$/.exec(url) ?? /\/node_modules\/(.*)$/.exec(url);
  return m ? m[1] : url;
}

/** A phase of a command: its label and whether a sample's stack (leaf first) belongs to it. First match wins. */
export type PhaseRule = [label: string, test: (stack: CallFrame[]) => boolean];

const inStack = (re: RegExp, file?: RegExp) => (stack: CallFrame[]) => stack.some((f) => re.test(f.functionName) && (!file || file.test(f.url)));
const inFile = (re: RegExp) => (stack: CallFrame[]) => stack.some((f) => re.test(f.url));

/** The phases of `leakwatch record`. */
export const RECORD_PHASES: PhaseRule[] = [
  ['decoding profiles (gunzip + protobuf + stack keys)', inStack(/^(decodeGoroutineProfile|parseGoroutineProfile|heapInuseBytes|inflateProfile)$/)],
  ['planning the tick (stack ids, hashes, history line)', inStack(/^(planTick|stackHash|identify)$/, /tickPlan/)],
  ['loading state.json (and stacks.jsonl when out of step)', inStack(/^(loadState|parseStacksJsonl)$/)],
  ['writing files (CSV row, history, dictionary, state, snapshot)', (st) => inFile(/\/dist\/src\/io\/(dataStore|safeAppend)/)(st) || inStack(/^formatSampleRow$/)(st)],
  ['reading /proc', inFile(/\/dist\/src\/io\/procSampler/)],
  ['HTTP (requests, sockets)', (st) => inFile(/\/dist\/src\/io\/httpFetch/)(st) || inFile(/^node:(_http|http|net)/)(st)],
];

/** The phases of `leakwatch report` (and check). */
export const REPORT_PHASES: PhaseRule[] = [
  ['reading samples.csv (parseSamplesCsv, csv-parse)', inStack(/^parseSamplesCsv$/)],
  ['replaying stack-history.log (replayHistory)', inStack(/^replayHistory$/)],
  ['reading stacks.jsonl', inStack(/^parseStacksJsonl$/)],
  ['reading files (readRecording, other)', inStack(/^(readRecording|listTargets)$/)],
  ['gzip + base64 of the embedded data (encodeEmbeddedData)', inStack(/^encodeEmbeddedData$/)],
  ['building chart data (buildReportData: downsampling, encoding)', inStack(/^(buildReportData|buildTargetData)$/)],
  ['analysis (analyzeAll: trends, suspects)', inStack(/^(analyzeAll|analyzeTarget)$/)],
  ['templating the page (renderReportHtml, handlebars)', inStack(/^(renderReportHtml|renderReportHtmlFromData)$/)],
  ['writing the page', inStack(/^writeFileSync$/)],
];

/**
 * The phase a sample belongs to, from its stack (leaf first). Order matters: a module being compiled inside an
 * `await import()` in leakwatch's code counts as module loading, not as leakwatch work.
 */
function phaseOf(stack: CallFrame[], rules: PhaseRule[]): string {
  const leaf = stack[0];
  if (leaf.functionName === '(idle)') return 'idle';
  if (leaf.functionName === '(garbage collector)') return 'garbage collection';
  const has = (p: (f: CallFrame) => boolean) => stack.some(p);
  if (has((f) => /node:internal\/modules\//.test(f.url) || (/^(compileSourceTextModule|importModuleDynamically|link|instantiate|evaluate)/.test(f.functionName) && f.url === ''))) {
    return 'loading + compiling modules (ESM resolve, read, compile, evaluate)';
  }
  if (has((f) => /node:internal\/(bootstrap|process\/pre_execution|main\/)/.test(f.url)) && !has((f) => /\/dist\/src\//.test(f.url))) {
    return 'node start-up (bootstrap, pre-execution)';
  }
  for (const [label, test] of rules) if (test(stack)) return label;
  if (has((f) => /\/dist\/src\//.test(f.url))) return 'other leakwatch work';
  if (leaf.functionName === '(program)') return 'V8 / native, unattributed ("(program)")';
  return 'other';
}

export function summarizeProfiles(files: string[], rules: PhaseRule[] = RECORD_PHASES): ProfileSummary {
  const phases = new Map<string, number>();
  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  const selfFns = new Map<string, number>();
  let idle = 0;
  let busy = 0;
  for (const file of files) {
    const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    const parent = new Map<number, number>();
    for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    const self = new Map<number, number>();
    p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
    for (const [id, us] of self) {
      const stack: CallFrame[] = [];
      for (let x: number | undefined = id; x !== undefined; x = parent.get(x)) stack.push(byId.get(x)!.callFrame);
      const phase = phaseOf(stack, rules);
      if (phase === 'idle') {
        idle += us;
        continue;
      }
      busy += us;
      phases.set(phase, (phases.get(phase) ?? 0) + us);
      const leaf = stack[0];
      if (!/^\((program|garbage collector|root)\)$/.test(leaf.functionName)) {
        const k = `${leaf.functionName || '(anonymous)'} (${shortUrl(leaf.url) || 'native'}${leaf.url ? `:${leaf.lineNumber + 1}` : ''})`;
        selfFns.set(k, (selfFns.get(k) ?? 0) + us);
      }
      const seenFn = new Set<string>();
      const seenPkg = new Set<string>();
      for (const f of stack) {
        if (/\/dist\/src\//.test(f.url)) {
          const k = `${f.functionName || '(anonymous)'} (${shortUrl(f.url)}:${f.lineNumber + 1})`;
          if (!seenFn.has(k)) {
            seenFn.add(k);
            fns.set(k, (fns.get(k) ?? 0) + us);
          }
        }
        const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f.url);
        if (m && !seenPkg.has(m[1])) {
          seenPkg.add(m[1]);
          pkgs.set(m[1], (pkgs.get(m[1]) ?? 0) + us);
        }
      }
    }
  }
  const n = Math.max(1, files.length);
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / 1000 / n] as const);
  return {
    runs: files.length,
    busyMs: busy / 1000 / n,
    idleMs: idle / 1000 / n,
    phases: sorted(phases).map(([phase, ms]) => ({ phase, ms })),
    functions: sorted(fns).slice(0, 12).map(([fn, ms]) => ({ fn, ms })),
    selfTop: sorted(selfFns).slice(0, 10).map(([fn, ms]) => ({ fn, ms })),
    packages: sorted(pkgs).map(([pkg, ms]) => ({ pkg, ms })),
  };
}

/** Runs `node --cpu-prof <args>` `runs` times and summarises the profiles. */
export async function profileNode(ctx: BenchContext, args: string[], runs: number, rules: PhaseRule[] = RECORD_PHASES): Promise<ProfileSummary> {
  const dir = mkdtempSync(join(ctx.tmpDir, 'cpuprof-'));
  try {
    for (let i = 0; i < runs; i++) {
      const r = await runPlain(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, ...args], { cwd: ctx.repo, timeoutMs: 120_000 });
      if (r.code !== 0) ctx.log(`  (profiled run exited ${r.code}: ${r.stderr.trim().slice(-300)})`);
    }
    return summarizeProfiles(readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f)), rules);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function profileMarkdown(p: ProfileSummary, what: string): string {
  const pct = (x: number) => `${((x / p.busyMs) * 100).toFixed(0)} %`;
  return [
    `CPU profile of ${what} (\`node --cpu-prof\`, ${p.runs} run${p.runs === 1 ? "" : "s"}, mean per run): ${p.busyMs.toFixed(0)} ms of samples on the CPU, ` +
      `${p.idleMs.toFixed(0)} ms idle (waiting on the network or the disk).`,
    '',
    table(['phase', 'ms per run', 'share'], p.phases.map((x) => [x.phase, x.ms.toFixed(1), pct(x.ms)])),
    '',
    'Packages (inclusive, includes their module loading): ' +
      (p.packages.length ? p.packages.map((x) => `${x.pkg} ${x.ms.toFixed(1)} ms`).join(', ') : 'none') +
      '.',
    '',
    'leakwatch functions by inclusive time (ms per run):',
    '',
    table(['function', 'ms'], p.functions.map((x) => [`\`${x.fn}\``, x.ms.toFixed(1)])),
    '',
    'Hottest functions by self time (ms per run): ' + p.selfTop.map((x) => `\`${x.fn}\` ${x.ms.toFixed(1)}`).join(', ') + '.',
  ].join('\n');
}
