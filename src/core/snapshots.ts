// Raw goroutine profiles kept as data/<target>/snapshots/goroutine-<UTC time>-pid<pid>.pb.gz, byte for byte
// as the endpoint served them, so `go tool pprof` opens them. One per minute would be 1,440 files a day;
// we keep the first of each process lifetime, the first of each UTC hour, and the latest, and prune by age.

export interface SnapshotName {
  name: string;
  tsSeconds: number;
  pid: number | null;
}

export function snapshotFileName(tsSeconds: number, pid: number | null): string {
  const stamp = new Date(Math.floor(tsSeconds) * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `goroutine-${stamp}-pid${pid ?? 'none'}.pb.gz`;
}

export function parseSnapshotFileName(name: string): SnapshotName | null {
  const m = /^goroutine-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-pid(\d+|none)\.pb\.gz$/.exec(name);
  if (!m) return null;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return { name, tsSeconds: ms / 1000, pid: m[7] === 'none' ? null : Number(m[7]) };
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
): string[] {
  const snaps = names.map(parseSnapshotFileName).filter((s): s is SnapshotName => s !== null);
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
