// View model of "Dig deeper with go tool pprof" (templates/partials/pprof.hbs): ready-to-paste commands on the
// saved snapshots, every path shell-quoted (data folders and names may hold spaces or quotes).

import type { SnapshotFile } from '../../core/model.js';
import { formatCount, formatTime, shellQuote } from '../../core/format.js';

function snapshotPath(dataDir: string, rel: string): string {
  if (!dataDir || dataDir === '.') return rel.startsWith('-') ? `./${rel}` : rel;
  return `${dataDir.replace(/\/+$/, '')}/${rel}`;
}

function regexQuote(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function pprofView(snapshots: readonly SnapshotFile[], dataDir: string, topLeaf: string | null) {
  const all = [...snapshots].sort((a, b) => a.tsSeconds - b.tsSeconds);
  const snaps = all.filter((s) => (s.kind ?? 'goroutine') === 'goroutine');
  const leakProfiles = all.filter((s) => s.kind === 'goroutineleak');
  const dumps = all.filter((s) => s.kind === 'goroutine-debug2');
  if (snaps.length === 0 && leakProfiles.length === 0 && dumps.length === 0) return null;
  const q = (s: SnapshotFile) => shellQuote(snapshotPath(dataDir, s.path));
  const cmds: { what: string; cmd: string }[] = [];
  const latest = snaps.length > 0 ? snaps[snaps.length - 1] : null;
  // Diff within one process lifetime: counts reset at a restart.
  let base: SnapshotFile | null = null;
  if (latest) {
    const sameProcess = snaps.filter((s) => s.pid === latest.pid);
    base = sameProcess.length > 1 ? sameProcess[0] : snaps.length > 1 ? snaps[0] : null;
    const L = q(latest);
    cmds.push({ what: 'Where goroutines sit in the latest profile, largest first', cmd: `go tool pprof -top ${L}` });
    cmds.push({ what: 'Every distinct stack with its count and labels', cmd: `go tool pprof -traces ${L}` });
    if (topLeaf) {
      cmds.push({
        what: 'Source of the top suspect (needs the source tree at the same paths)',
        cmd: `go tool pprof -list ${shellQuote('^' + regexQuote(topLeaf) + '$')} ${L}`,
      });
    }
    if (base) {
      const B = q(base);
      cmds.push({
        what: `What grew between ${formatTime(base.tsSeconds)} and ${formatTime(latest.tsSeconds)}`,
        cmd: `go tool pprof -top -diff_base ${B} ${L}`,
      });
      cmds.push({ what: 'The same difference in the browser (flame graph, graph, source)', cmd: `go tool pprof -http=:0 -diff_base ${B} ${L}` });
    } else {
      cmds.push({ what: 'Open the latest profile in the browser (flame graph, graph, source)', cmd: `go tool pprof -http=:0 ${L}` });
    }
  }
  if (leakProfiles.length > 0) {
    cmds.push({
      what: 'Goroutines the Go runtime itself found leaked (goroutineleak profile)',
      cmd: `go tool pprof -traces ${q(leakProfiles[leakProfiles.length - 1])}`,
    });
  }
  if (dumps.length > 0) {
    cmds.push({
      what: 'Full text dump: every goroutine with its wait reason and how long it has waited',
      cmd: `gzip -dc ${q(dumps[dumps.length - 1])} | less`,
    });
  }
  const span = snaps.length > 0 ? snaps : all;
  return {
    count: formatCount(snaps.length),
    latest: formatTime(span[span.length - 1].tsSeconds),
    first: formatTime(span[0].tsSeconds),
    base: base ? formatTime(base.tsSeconds) : null,
    acrossRestart: base !== null && latest !== null && base.pid !== latest.pid,
    relative: !dataDir.startsWith('/'),
    cmds,
  };
}
