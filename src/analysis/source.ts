// "list" for a suspect: the source lines around its blocking frame, when the file is readable here.
// The only I/O in the analysis; it never throws.
//
// The file name comes from the profile, and the profile from a service that may be compromised: a frame
// naming /etc/passwd:1 must not put root's line into a page that gets shared. So only regular `.go` files
// of at most MAX_SOURCE_BYTES are read, and only below a trusted root: the current folder (where `report`
// runs, usually the checkout) and each --source-root TO folder. Links are resolved first (realpath), so
// neither `..` nor a link inside a trusted root leads out of it.

import { closeSync, constants, fstatSync, openSync, readFileSync, realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';

/** Lines shown either side of the blocking line by default. */
export const DEFAULT_CONTEXT_LINES = 5;
/** Larger files are not read: Go sources are far smaller, and a report must not stall on a huge file. */
export const MAX_SOURCE_BYTES = 2 * 1024 * 1024;

export interface SourceRoot {
  /** Path prefix as recorded in the binary (e.g. the build machine's checkout, `/build/src`). */
  from: string;
  /** Where that tree is on this machine. */
  to: string;
}

export interface SourceOptions {
  context?: number;
  /** --source-root FROM=TO mappings; the first whose `from` prefixes the file (at a path boundary) applies. */
  sourceRoots?: SourceRoot[];
  /** Folders whose `.go` files may be read, besides each sourceRoots `to`. Default: the current folder. */
  trustedRoots?: string[];
  /** Injected reader for tests: returns the text or null. Default: trusted `.go` files only (above). */
  readFile?: (path: string) => string | null;
}

export interface SourceLines {
  /** The path actually read (after the source-root mapping). */
  file: string;
  line: number;
  /** 1-based number of lines[0]. */
  startLine: number;
  lines: string[];
}

/** Apply the first matching source-root mapping to a path (prefix match at a `/` or `\` boundary). */
export function mapSourcePath(file: string, roots: SourceRoot[] = []): string {
  for (const { from, to } of roots) {
    if (!from) continue;
    const base = from.replace(/[\\/]+$/, '');
    if (file === base) return to;
    if (base === '' ? file.startsWith('/') : file.startsWith(base) && /[\\/]/.test(file.charAt(base.length))) {
      const rest = file.slice(base.length).replace(/^[\\/]+/, '');
      const target = to.replace(/[\\/]+$/, '');
      return `${target}/${rest}`;
    }
  }
  return file;
}

/** True when `path` is `root` or below it (both already real paths). */
function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The text of a regular `.go` file of bounded size below one of `roots` (links resolved), else null. */
export function readTrustedGoFile(path: string, roots: string[]): string | null {
  try {
    if (!path.endsWith('.go')) return null;
    const real = realpathSync(resolve(path));
    if (!real.endsWith('.go')) return null;
    const realRoots = roots.flatMap((r) => {
      try {
        return [realpathSync(r)];
      } catch {
        return [];
      }
    });
    if (!realRoots.some((r) => isInside(real, r))) return null;
    // Open the resolved path without following a link swapped in since, and check what was opened.
    const fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const st = fstatSync(fd);
      if (!st.isFile() || st.size > MAX_SOURCE_BYTES) return null;
      return readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

/**
 * The lines file:line ± context (default 5), after applying sourceRoots; null when the file cannot be
 * read, is not a `.go` file below a trusted root, is larger than MAX_SOURCE_BYTES, or has no such line.
 * Never throws.
 */
export function readSourceLines(file: string, line: number, opts: SourceOptions = {}): SourceLines | null {
  try {
    if (!file || !Number.isInteger(line) || line < 1) return null;
    const context = Math.max(0, Math.floor(opts.context ?? DEFAULT_CONTEXT_LINES));
    const path = mapSourcePath(file, opts.sourceRoots ?? []);
    const roots = [...(opts.trustedRoots ?? [process.cwd()]), ...(opts.sourceRoots ?? []).map((r) => r.to)];
    const text = opts.readFile ? opts.readFile(path) : readTrustedGoFile(path, roots);
    if (typeof text !== 'string' || text.length > MAX_SOURCE_BYTES) return null;
    const all = text.split(/\r?\n/);
    if (all.length > 0 && all[all.length - 1] === '' && text.endsWith('\n')) all.pop();
    if (line > all.length) return null;
    const startLine = Math.max(1, line - context);
    const endLine = Math.min(all.length, line + context);
    return { file: path, line, startLine, lines: all.slice(startLine - 1, endLine) };
  } catch {
    return null;
  }
}
