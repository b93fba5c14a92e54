// Raw profiles kept as data/<target>/snapshots/<kind>-<UTC time>-pid<pid>.<ext>, byte for byte as the endpoint
// served them, so `go tool pprof` opens them. One per minute would be 1,440 files a day; per kind we keep the
// first of each process lifetime, the first of each UTC hour, and the latest, and prune by age.
//   goroutine-…pb.gz       /debug/pprof/goroutine (every tick)
//   goroutineleak-…pb.gz   /debug/pprof/goroutineleak (Go 1.26+ built with GOEXPERIMENT=goroutineleakprofile)
//   goroutine-debug2-…txt.gz  /debug/pprof/goroutine?debug=2, gzipped text (only below a goroutine-count cap)

export type SnapshotKind = 'goroutine' | 'goroutineleak' | 'goroutine-debug2';

const EXT: Record<SnapshotKind, string> = { goroutine: 'pb.gz', goroutineleak: 'pb.gz', 'goroutine-debug2': 'txt.gz' };

export interface SnapshotName {
  name: string;
  kind: SnapshotKind;
  tsSeconds: number;
  pid: number | null;
}

/** A UTC time to the second as file names carry it, e.g. 20261001T000012Z (sorts as text in time order). */
export function utcStamp(tsSeconds: number): string {
  return new Date(Math.floor(tsSeconds) * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** The source text of a utcStamp (six capture groups: year, month, day, hours, minutes, seconds), for name regexes. */
export const UTC_STAMP_RE = '(\\d{4})(\\d{2})(\\d{2})T(\\d{2})(\\d{2})(\\d{2})Z';

/** Unix seconds of a utcStamp's six captured groups. */
export function utcStampSeconds(g: readonly string[]): number {
  return Date.UTC(+g[0]!, +g[1]! - 1, +g[2]!, +g[3]!, +g[4]!, +g[5]!) / 1000;
}

export function snapshotFileName(tsSeconds: number, pid: number | null, kind: SnapshotKind = 'goroutine'): string {
  return `${kind}-${utcStamp(tsSeconds)}-pid${pid ?? 'none'}.${EXT[kind]}`;
}

const SNAPSHOT_NAME_RE = new RegExp(`^(goroutine|goroutineleak|goroutine-debug2)-${UTC_STAMP_RE}-pid(\\d+|none)\\.(pb\\.gz|txt\\.gz)$`);

export function parseSnapshotFileName(name: string): SnapshotName | null {
  const m = SNAPSHOT_NAME_RE.exec(name);
  if (!m) return null;
  const kind = m[1] as SnapshotKind;
  if (EXT[kind] !== m[9]) return null;
  return { name, kind, tsSeconds: utcStampSeconds(m.slice(2, 8)), pid: m[8] === 'none' ? null : Number(m[8]) };
}

/**
 * Which snapshot files to delete, given every file in the folder (names), the current time, the retention
 * and the pid of the current lifetime. Keeps: the newest file; the first file of each pid; the first of each
 * UTC hour; deletes everything older than the retention except the newest and the current lifetime's first.
 */
export function snapshotsToDelete(
  names: string[],
  nowSeconds: number,
  retentionDays: number,
  currentPid: number | null,
  kind: SnapshotKind = 'goroutine',
): string[] {
  const snaps = names.map(parseSnapshotFileName).filter((s): s is SnapshotName => s !== null && s.kind === kind);
  snaps.sort((a, b) => a.tsSeconds - b.tsSeconds || a.name.localeCompare(b.name));
  if (snaps.length === 0) return [];
  const keep = new Set<string>();
  const newest = snaps[snaps.length - 1];
  keep.add(newest.name);
  const firstOfPid = new Map<string, SnapshotName>();
  const firstOfHour = new Map<number, SnapshotName>();
  for (const s of snaps) {
    const pidKey = String(s.pid);
    if (!firstOfPid.has(pidKey)) firstOfPid.set(pidKey, s);
    const hour = Math.floor(s.tsSeconds / 3600);
    if (!firstOfHour.has(hour)) firstOfHour.set(hour, s);
  }
  for (const s of firstOfPid.values()) keep.add(s.name);
  for (const s of firstOfHour.values()) keep.add(s.name);
  const cutoff = nowSeconds - retentionDays * 86400;
  const currentFirst = firstOfPid.get(String(currentPid))?.name;
  return snaps
    .filter((s) => {
      if (s.name === newest.name || s.name === currentFirst) return false;
      return s.tsSeconds < cutoff || !keep.has(s.name);
    })
    .map((s) => s.name);
}
