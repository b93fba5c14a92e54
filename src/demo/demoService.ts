// Build and run demo-service/ (the deliberately leaking Go service) for tests, fixtures, benchmarks and the demo.
//
//   const bin = await buildDemoService();            // go build, skipped when the binary is fresh
//   const svc = await startDemoService({ args: ['-rate', '5'] });
//   const stats = await fetchStats(svc.baseUrl);     // { goroutines, leaked: { send, ... }, pid, ... }
//   await svc.stop();

import { spawn, type ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { $ } from 'zx';

export const GO_MISSING_MESSAGE = 'Go is not installed: apt-get install golang-go (or see https://go.dev/dl)';

/** The leak kinds the demo service knows (its -kinds values), in canonical order. */
export const LEAK_KINDS = ['send', 'recv', 'select', 'mutex', 'loop'] as const;
export type LeakKind = (typeof LEAK_KINDS)[number];

/** The JSON served by the demo service's /stats. */
export interface DemoStats {
  goroutines: number;
  leaked: Record<LeakKind, number>;
  leaked_total: number;
  pid: number;
  uptime_seconds: number;
}

export interface DemoService {
  pid: number;
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  /** baseUrl + '/debug/pprof' */
  pprofUrl: string;
  portfile: string;
  pidfile: string;
  /** SIGTERM, wait for exit (SIGKILL after 3 s), remove the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Extra flags for the service, e.g. ['-rate', '0', '-hostile']. -portfile/-pidfile are added by us. */
  args?: string[];
  /** Binary to run; default: build (if stale) and run demo-service/leaky-demo. */
  binary?: string;
  cwd?: string;
  /** How long to wait for the portfile and /healthz. Default 10 000 ms. */
  timeoutMs?: number;
  /** Extra environment for the service (e.g. { GOGC: '20' }), on top of this process's. */
  env?: Record<string, string>;
}

const moduleDir = dirname(fileURLToPath(import.meta.url));
let cachedRoot: string | undefined;

/** The leakwatch repo root: the nearest ancestor of this module with a package.json named "leakwatch". */
export async function findRepoRoot(): Promise<string> {
  if (cachedRoot) return cachedRoot;
  for (let dir = moduleDir; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'leakwatch') return (cachedRoot = dir);
    } catch {
      // no (readable) package.json here: keep walking up
    }
    if (dirname(dir) === dir) break;
  }
  // Fallback: dist/src/demo -> repo root is three levels up (src/demo when run from source: two).
  cachedRoot = resolve(moduleDir, moduleDir.split(/[\\/]/).includes('dist') ? '../../..' : '../..');
  return cachedRoot;
}

export async function demoServiceDir(): Promise<string> {
  return join(await findRepoRoot(), 'demo-service');
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, fsConstants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The go binary: first on PATH, then /usr/local/go/bin/go, then /usr/lib/go/bin/go; null if none. */
export async function findGo(): Promise<string | null> {
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((d) => d !== '')
    .map((d) => join(d, 'go'));
  for (const candidate of [...onPath, '/usr/local/go/bin/go', '/usr/lib/go/bin/go']) {
    if (await isExecutable(candidate)) return candidate;
  }
  return null;
}

/**
 * Go's minor version (26 for go1.26.8), 0 when unknown. Go 1.26+ built with GOEXPERIMENT=goroutineleakprofile
 * serves /debug/pprof/goroutineleak.
 */
export async function goMinorVersion(go: string): Promise<number> {
  const r = await $`${go} env GOVERSION`.nothrow().quiet();
  const m = /^go1\.(\d+)/.exec(r.stdout.trim());
  return m ? Number(m[1]) : 0;
}

async function newestSourceMtimeMs(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      newest = Math.max(newest, await newestSourceMtimeMs(path));
    } else if (entry.name.endsWith('.go') || entry.name === 'go.mod' || entry.name === 'go.sum') {
      newest = Math.max(newest, (await stat(path)).mtimeMs);
    }
  }
  return newest;
}

/**
 * Builds demo-service into demo-service/leaky-demo (or opts.outPath) and returns the binary's path.
 * opts.srcDir builds another stdlib-only Go main package instead (e.g. scripts/eval/leakpatterns; then give
 * outPath too). Skips the build when the binary is newer than every .go file (and go.mod).
 * Throws GO_MISSING_MESSAGE when Go is not installed.
 */
export async function buildDemoService(
  opts: { outPath?: string; env?: Record<string, string>; srcDir?: string } = {},
): Promise<string> {
  const srcDir = opts.srcDir ?? (await demoServiceDir());
  const outPath = resolve(opts.outPath ?? join(srcDir, 'leaky-demo'));
  const sourceMtime = await newestSourceMtimeMs(srcDir);
  try {
    if ((await stat(outPath)).mtimeMs > sourceMtime && (await isExecutable(outPath))) return outPath;
  } catch {
    // no binary yet
  }

  const go = await findGo();
  if (!go) throw new Error(GO_MISSING_MESSAGE);

  const env: NodeJS.ProcessEnv = { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local' };
  if (!env.GOCACHE && !env.HOME && !env.XDG_CACHE_HOME) env.GOCACHE = join(tmpdir(), 'leakwatch-gocache');
  Object.assign(env, opts.env);

  // Build next to the target and rename, so a concurrent reader never sees half a binary.
  await mkdir(dirname(outPath), { recursive: true });
  const tmpOut = `${outPath}-tmp-${process.pid}-${Date.now()}`;
  try {
    await $({ cwd: srcDir, env, quiet: true, verbose: false })`${go} build -buildvcs=false -o ${tmpOut} .`;
    await rename(tmpOut, outPath);
  } catch (err) {
    await rm(tmpOut, { force: true });
    const stderr = (err as { stderr?: unknown }).stderr;
    const detail = typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trim() : String(err);
    throw new Error(`go build of ${srcDir} failed:\n${detail}`);
  }
  return outPath;
}

// Children still running when this process exits get SIGKILLed, so a crashed test leaks no service.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of liveChildren) c.kill('SIGKILL');
    });
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Starts the demo service on a free loopback port and waits until /healthz answers. */
export async function startDemoService(opts: StartOptions = {}): Promise<DemoService> {
  const binary = opts.binary ?? (await buildDemoService());
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const dir = await mkdtemp(join(tmpdir(), 'leakwatch-demo-'));
  const portfile = join(dir, 'port');
  const pidfile = join(dir, 'pid');

  const child = spawn(binary, [...(opts.args ?? []), '-portfile', portfile, '-pidfile', pidfile], {
    cwd: opts.cwd,
    env: opts.env ? { ...process.env, ...opts.env } : undefined,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);

  // Keep the last 64 KiB of output for error messages (and always drain the pipes).
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-65536);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  let spawnError: Error | null = null;
  const exitPromise = new Promise<void>((res) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      res();
    });
    child.once('error', (err) => {
      spawnError = err;
      res();
    });
  });

  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (!exited && !spawnError) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exitPromise;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    })());

  const fail = async (why: string): Promise<never> => {
    await stop();
    const out = output.trim();
    throw new Error(`demo service ${binary} ${why}${out ? `; its output:\n${out}` : ' (no output)'}`);
  };

  const deadline = Date.now() + timeoutMs;
  let baseUrl = '';
  let lastProblem = 'portfile never appeared';
  while (true) {
    if (spawnError) return fail(`could not be started: ${String(spawnError)}`);
    if (exited) {
      const e = exited as { code: number | null; signal: NodeJS.Signals | null };
      return fail(`exited early (code ${e.code}, signal ${e.signal})`);
    }
    if (Date.now() > deadline) return fail(`was not ready within ${timeoutMs} ms: ${lastProblem}`);
    if (!baseUrl) {
      const hostPort = await readFile(portfile, 'utf8').then((s) => s.trim(), () => '');
      if (hostPort) baseUrl = `http://${hostPort}`;
    }
    if (baseUrl) {
      try {
        const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
        const body = await res.text();
        if (res.ok && body.trim() === 'ok') break;
        lastProblem = `/healthz answered ${res.status}: ${body.slice(0, 200)}`;
      } catch (err) {
        lastProblem = `/healthz failed: ${String(err)}`;
      }
    }
    await sleep(25);
  }

  return {
    pid: child.pid as number,
    baseUrl,
    pprofUrl: `${baseUrl}/debug/pprof`,
    portfile,
    pidfile,
    stop,
  };
}

async function get(url: string, timeoutMs: number): Promise<Response> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  return res;
}

/** GET baseUrl/stats, parsed. */
export async function fetchStats(baseUrl: string, timeoutMs = 10_000): Promise<DemoStats> {
  return (await (await get(`${baseUrl.replace(/\/+$/, '')}/stats`, timeoutMs)).json()) as DemoStats;
}

/** GET url as text (e.g. pprofUrl + '/goroutine?debug=1'). */
export async function fetchText(url: string, timeoutMs = 30_000): Promise<string> {
  return (await get(url, timeoutMs)).text();
}

/** GET url as raw bytes (e.g. pprofUrl + '/goroutine': a gzipped protobuf, unchanged). */
export async function fetchBytes(url: string, timeoutMs = 30_000): Promise<Buffer> {
  return Buffer.from(await (await get(url, timeoutMs)).arrayBuffer());
}
