// Runs the real compiled CLI (dist/src/cli.js) as a child process.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findRepoRoot } from '../../src/demo/demoService.js';

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** dist/src/cli.js of this checkout (run it with process.execPath). */
export async function cliPath(): Promise<string> {
  return join(await findRepoRoot(), 'dist', 'src', 'cli.js');
}

/** `node dist/src/cli.js ...args`; `env` replaces the environment when given (secrets tests). */
export async function cli(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {}): Promise<CliResult> {
  const path = await cliPath();
  try {
    const r = await run(process.execPath, [path, ...args], {
      timeout: opts.timeoutMs ?? 90_000,
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number | string; stdout: string; stderr: string; killed?: boolean; signal?: string };
    if (typeof err.code !== 'number') throw new Error(`the CLI did not finish (${err.code ?? err.signal}): ${err.stderr}`);
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** A port nothing listens on (listened on once, then closed). */
export async function closedPort(): Promise<number> {
  const net = await import('node:net');
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}
