// Which modules a real Node process resolves through the ESM loader (import() included): a preload whose resolve
// hook appends each resolved URL to a file. For the cron path's tests (what a tick loads, and from where).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ResolveLog {
  /** The `--import` argument that installs the hook. */
  register: string;
  /** The distinct URLs resolved so far, in order. */
  urls(): string[];
  /** Forgets what was logged (before the next run). */
  clear(): void;
}

/** Writes the hook into `dir` (a temp dir of the test's). */
export function resolveLog(dir: string): ResolveLog {
  const trace = join(dir, 'resolved.txt');
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(trace)}, r.url + '\\n');
  return r;
}
`,
  );
  const register = join(dir, 'register.mjs');
  writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`);
  return {
    register: pathToFileURL(register).href,
    urls: () => (existsSync(trace) ? [...new Set(readFileSync(trace, 'utf8').split('\n').filter(Boolean))] : []),
    clear: () => rmSync(trace, { force: true }),
  };
}
