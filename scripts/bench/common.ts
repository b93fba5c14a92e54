// Shared pieces of the benchmarks (scripts/bench.ts): running a command and measuring its CPU and wall time,
// interleaving the runs of several commands, statistics, the machine description, Markdown helpers.
// Benchmarks are not tests: nothing here fails on a number, it only measures and reports.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { findGo, findRepoRoot } from '../../src/demo/demoService.js';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------- configuration shared by every scenario ----------

export interface BenchContext {
  repo: string;
  /** bench/out (git-ignored): helper binaries, temporary data folders, raw results. */
  outDir: string;
  /** A scratch folder for this run, removed at the end. */
  tmpDir: string;
  quick: boolean;
  /** The bench's runstat binary (see runstat/main.go). */
  runstat: string;
  /** The demo service binary, copied to a name no other process on this machine has (pidstat -C matches names). */
  demoBinary: string;
  /** node dist/src/cli.js */
  cli: string;
  log: (msg: string) => void;
}

// ---------- measuring one command ----------

export interface RunStat {
  wallSeconds: number;
  userSeconds: number;
  sysSeconds: number;
  /** user + sys of the process and every descendant it waited for. */
  cpuSeconds: number;
  maxRssKb: number;
  exitCode: number;
  stderr: string;
}

/**
 * Builds scripts/bench/runstat (a 60-line Go program) into bench/out/runstat when missing or older than its source.
 * It reports wait4's rusage in microseconds; GNU time's %U %S print 10 ms steps.
 */
export async function buildRunstat(repo: string, outDir: string): Promise<string> {
  const src = join(repo, 'scripts', 'bench', 'runstat');
  const bin = join(outDir, 'runstat');
  if (existsSync(bin) && statSync(bin).mtimeMs > statSync(join(src, 'main.go')).mtimeMs) return bin;
  const go = await findGo();
  if (!go) throw new Error('Go is not installed: apt-get install golang-go (the benchmarks build a small helper and the demo service)');
  const env: NodeJS.ProcessEnv = { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local' };
  const r = await runPlain(go, ['build', '-o', bin, '.'], { cwd: src, env, timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`go build of ${src} failed:\n${r.stderr}`);
  return bin;
}

export interface PlainResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (bounded by timeoutMs), collecting its output. Never throws on a non-zero exit. */
export function runPlain(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Promise<PlainResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      if (stdout.length > 8 << 20) stdout = stdout.slice(-(4 << 20));
    });
    child.stderr!.on('data', (c: Buffer) => {
      stderr = (stderr + c.toString('utf8')).slice(-65536);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : 1), stdout, stderr: signal ? `${stderr}\n(killed by ${signal})` : stderr });
    });
    if (child.stdin) {
      child.stdin.on('error', () => {}); // a child that exits without reading its input
      child.stdin.end(opts.input);
    }
  });
}

/** Runs `cmd args` under runstat and returns its CPU and wall time. Throws when runstat itself fails. */
export async function measure(
  ctx: BenchContext,
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; stdoutFile?: string } = {},
): Promise<RunStat> {
  const r = await runPlain(ctx.runstat, [...(opts.stdoutFile ? ['-stdout', opts.stdoutFile] : []), '--', cmd, ...args], {
    cwd: opts.cwd ?? ctx.repo,
    env: opts.env,
    timeoutMs: opts.timeoutMs,
  });
  const line = r.stdout.trim().split('\n').pop() ?? '';
  let j: { wallSeconds: number; userSeconds: number; sysSeconds: number; maxRssKb: number; exitCode: number };
  try {
    j = JSON.parse(line);
  } catch {
    throw new Error(`runstat ${cmd} ${args.join(' ')} gave no result (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  }
  return {
    wallSeconds: j.wallSeconds,
    userSeconds: j.userSeconds,
    sysSeconds: j.sysSeconds,
    cpuSeconds: j.userSeconds + j.sysSeconds,
    maxRssKb: j.maxRssKb,
    exitCode: j.exitCode,
    stderr: r.stderr,
  };
}

/**
 * Runs every task `rounds` times, interleaved: round r runs the tasks in the order rotated by r
 * (ABC, BCA, CAB, ...), so slow drifts and bursts of background load hit every task alike.
 */
export async function interleave<T extends Record<string, unknown>>(
  rounds: number,
  tasks: { [K in keyof T]: (round: number) => Promise<T[K]> },
): Promise<{ [K in keyof T]: Array<T[K]> }> {
  const keys = Object.keys(tasks) as Array<keyof T>;
  const out = Object.fromEntries(keys.map((k) => [k, []])) as unknown as { [K in keyof T]: Array<T[K]> };
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[(i + r) % keys.length];
      out[k].push(await tasks[k](r));
    }
  }
  return out;
}

// ---------- statistics ----------

export interface Stats {
  n: number;
  median: number;
  min: number;
  max: number;
  mean: number;
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function stats(xs: number[]): Stats {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return {
    n: s.length,
    median: quantile(s, 0.5),
    min: s.length ? s[0] : NaN,
    max: s.length ? s[s.length - 1] : NaN,
    mean: s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN,
  };
}

// ---------- formatting ----------

export function ms(seconds: number, digits = 0): string {
  if (!Number.isFinite(seconds)) return '–';
  const v = seconds * 1000;
  return `${v.toFixed(v < 10 && digits === 0 ? 1 : digits)} ms`;
}

export function secs(seconds: number): string {
  if (!Number.isFinite(seconds)) return '–';
  return seconds < 1 ? ms(seconds) : `${seconds.toFixed(2)} s`;
}

export function bytes(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1048576).toFixed(2)} MB`;
  return `${(n / 1073741824).toFixed(2)} GB`;
}

export function ratio(a: number, b: number): string {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '–';
  return `${(a / b).toFixed(2)}×`;
}

/** "median (min–max)" with a unit formatter. */
export function mmm(s: Stats, f: (x: number) => string): string {
  if (s.n === 0) return '–';
  return `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

export function table(header: string[], rows: Array<Array<string | number>>): string {
  const esc = (c: string | number) => String(c).replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

// ---------- results ----------

export interface GoalResult {
  scenario: number;
  goal: string;
  measured: string;
  /** null: could not be measured in this run (the reason is in `measured`). */
  met: boolean | null;
}

export interface ScenarioResult {
  id: number;
  title: string;
  goals: GoalResult[];
  /** Generated Markdown: tables and the facts of this run. */
  markdown: string;
  raw: unknown;
}

export function verdict(met: boolean | null): string {
  return met === null ? 'not measured' : met ? 'goal met' : 'goal missed';
}

// ---------- files ----------

/** Total bytes of the regular files under a folder (recursively). */
export async function du(path: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(path, e.name);
    if (e.isDirectory()) total += await du(p);
    else if (e.isFile()) total += (await stat(p)).size;
  }
  return total;
}

export function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Rows in a samples.csv (lines minus the header), 0 when missing. */
export function csvRows(path: string): number {
  try {
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n').filter((l) => l !== '');
    return Math.max(0, lines.length - 1);
  } catch {
    return 0;
  }
}

// ---------- the machine ----------

export interface Machine {
  date: string;
  nproc: number;
  cpuModel: string;
  memory: string;
  kernel: string;
  node: string;
  go: string;
  chromium: string;
  pidstat: string;
  curl: string;
  loadAverage: string;
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}

export async function describeMachine(): Promise<Machine> {
  let cpuModel = os.cpus()[0]?.model ?? '?';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpuModel = m[1].trim();
  } catch {
    // keep os.cpus()'s
  }
  const go = await findGo();
  const version = async (cmd: string, args: string[]) => {
    try {
      const r = await runPlain(cmd, args, { timeoutMs: 20_000 });
      return firstLine(r.stdout || r.stderr) || '?';
    } catch {
      return 'not installed';
    }
  };
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism?.() ?? os.cpus().length,
    cpuModel,
    memory: `${(os.totalmem() / 1073741824).toFixed(1)} GiB`,
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    go: go ? await version(go, ['version']) : 'not installed',
    chromium: await version('/usr/bin/chromium', ['--version']),
    pidstat: await version('pidstat', ['-V']),
    curl: await version('curl', ['--version']),
    loadAverage: os.loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}

export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

export async function repoRoot(): Promise<string> {
  return findRepoRoot();
}
