// Opening files and folders below the data folder without following links someone else planted.
// leakwatch runs as root from cron; a data folder another user can write to would let that user point
// stack-history.log at /etc/shadow and have root cut and append to it. So:
//   - the data folder (the --data path may itself be a link the user made: it is followed) and every folder
//     below it must be owned by us or root and not writable by group/others. Then nobody else can create,
//     rename or replace entries in it, and the lstat checks below stay true until we are done (no race);
//   - every entry below the data folder is lstat-ed and refused when it is a link (or not a file/folder);
//   - files are opened with O_NOFOLLOW as a second line of defence.
// Parents of the data folder are not checked: /tmp (1777) or a home folder are the user's choice.
import { closeSync, constants, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';

/** Files hold process names, stacks and labels of production services: owner-only. */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** A path leakwatch refuses to use; the message names it and the fix, on one line. */
export class UnsafePathError extends Error {
  readonly code = 'EUNSAFEPATH';
}

const FIX_LINK = 'leakwatch never follows links below the data folder: remove the link (only the --data path itself may be one)';

function describeOwnerAndMode(path: string, st: Stats, what: string): void {
  const euid = process.geteuid?.() ?? st.uid;
  // Root may own it (like /var/lib): root can do anything anyway. Anyone else could swap files under us.
  if (st.uid !== euid && st.uid !== 0) {
    throw new UnsafePathError(
      `${what} ${path} is owned by uid ${st.uid}, not by the user running leakwatch (uid ${euid}) or root: chown it to that user, or pass --data DIR`,
    );
  }
  // Group- or other-writable (sticky or not): another account could plant links or files in it.
  if (st.mode & 0o022) {
    const mode = (st.mode & 0o7777).toString(8).padStart(4, '0');
    throw new UnsafePathError(`${what} ${path} is writable by group or others (mode ${mode}): run chmod go-w ${path}, or pass --data DIR`);
  }
}

/**
 * The data folder: created (with parents, 0700) when missing, then checked. The path itself is followed
 * (the user may have made it a link); `entries` (e.g. the lock file) are refused when they are links.
 */
export function ensureDataDir(dataDir: string, entries: string[] = []): void {
  mkdirSync(dataDir, { recursive: true, mode: DIR_MODE });
  const st = statSync(dataDir);
  if (!st.isDirectory()) throw new UnsafePathError(`the data folder ${dataDir} is not a folder: pass --data DIR`);
  describeOwnerAndMode(dataDir, st, 'the data folder');
  for (const name of entries) refuseLink(join(dataDir, name));
}

/** A folder below the data folder: created (0700) when missing; refused when it is a link, not ours, or shared. */
export function ensureOwnDir(path: string): void {
  try {
    mkdirSync(path, { mode: DIR_MODE });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const st = lstatSync(path);
  if (st.isSymbolicLink()) throw new UnsafePathError(`${path} is a symbolic link; ${FIX_LINK}`);
  if (!st.isDirectory()) throw new UnsafePathError(`${path} is not a folder: move it away`);
  describeOwnerAndMode(path, st, 'the folder');
}

/** Throws when `path` is a link or anything but a regular file or folder; a missing path is fine. */
export function refuseLink(path: string): void {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (st.isSymbolicLink()) throw new UnsafePathError(`${path} is a symbolic link; ${FIX_LINK}`);
  if (!st.isFile() && !st.isDirectory()) throw new UnsafePathError(`${path} is not a regular file: move it away`);
}

/** Refuses a link (or a FIFO, device, socket) among the entries of a folder we own, e.g. snapshots/. */
export function refuseLinksIn(dir: string): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  for (const d of entries) {
    if (d.isSymbolicLink()) throw new UnsafePathError(`${join(dir, d.name)} is a symbolic link; ${FIX_LINK}`);
  }
}

/**
 * openSync with O_NOFOLLOW added: a link as the last component fails (ELOOP), reported as UnsafePathError.
 * `flags` are numeric (constants.O_*): the string forms cannot carry O_NOFOLLOW.
 */
export function openNoFollow(path: string, flags: number, mode?: number): number {
  try {
    return openSync(path, flags | constants.O_NOFOLLOW, mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw new UnsafePathError(`${path} is a symbolic link; ${FIX_LINK}`);
    throw e;
  }
}

/** Reads a whole regular file without following a link at its last component. */
export function readFileNoFollow(path: string): Buffer {
  const fd = openNoFollow(path, constants.O_RDONLY);
  try {
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The flags for appending: read (to repair a torn tail) and write, created when missing. */
export const APPEND_FLAGS = constants.O_RDWR | constants.O_APPEND | constants.O_CREAT;
/** The flags for a fresh temp file: it must not exist yet (so a planted file or link is never written through). */
export const CREATE_NEW_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
