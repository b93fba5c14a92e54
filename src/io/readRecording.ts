// Reads a target's recording back for report, check and export. Never throws on damaged content.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SnapshotFile, TargetRecording } from '../core/model.js';
import { parseSamplesCsv } from '../core/samplesCsvRead.js';
import { parseSnapshotFileName } from '../core/snapshots.js';
import { replayHistory } from '../core/stackHistory.js';
import { FILES, fileSize, parseStacksJsonl, targetDir } from './dataStore.js';

/** Target folders in the data dir (those that hold a samples.csv or a stack history). */
export function listTargets(dataDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => !n.startsWith('.') && (existsSync(join(dataDir, n, FILES.samples)) || existsSync(join(dataDir, n, FILES.history))))
    .sort();
}

export interface ReadOptions {
  sinceSeconds?: number;
  untilSeconds?: number;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Reads everything recorded for one target. Never throws on damaged content: it warns and skips. */
export function readRecording(dataDir: string, name: string, opts: ReadOptions = {}): TargetRecording {
  const dir = targetDir(dataDir, name);
  const since = opts.sinceSeconds ?? -Infinity;
  const until = opts.untilSeconds ?? Infinity;
  const inRange = (ts: number) => ts >= since && ts <= until;
  const warnings: string[] = [];

  // Files moved aside when the column layout changed (samples.<unix seconds>.old.csv) come first, oldest first;
  // they are read by column name, so older layouts still chart.
  let older: string[] = [];
  try {
    older = readdirSync(dir).filter((n) => /^samples\.\d+\.old\.csv$/.test(n)).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
  } catch {
    // no folder
  }
  const samples = [];
  for (const file of [...older, FILES.samples]) {
    const parsed = parseSamplesCsv(readText(join(dir, file)) ?? '', `${name}/${file}`);
    warnings.push(...parsed.warnings);
    samples.push(...parsed.rows.filter((r) => inRange(r.tsSeconds)));
  }

  const stacksText = readText(join(dir, FILES.stacks)) ?? '';
  const st = parseStacksJsonl(stacksText, `${name}/${FILES.stacks}`);
  warnings.push(...st.warnings);

  const historyText = readText(join(dir, FILES.history)) ?? '';
  const replay = replayHistory(historyText, `${name}/${FILES.history}`, inRange);
  warnings.push(...replay.warnings);

  const snapshots: SnapshotFile[] = [];
  try {
    for (const n of readdirSync(join(dir, FILES.snapshots))) {
      const s = parseSnapshotFileName(n);
      if (!s || !inRange(s.tsSeconds)) continue;
      const rel = join(name, FILES.snapshots, n);
      snapshots.push({ path: rel, kind: s.kind, tsSeconds: s.tsSeconds, pid: s.pid, bytes: fileSize(join(dataDir, rel)) });
    }
  } catch {
    // no snapshots yet
  }
  snapshots.sort((a, b) => a.tsSeconds - b.tsSeconds);
  return { name, samples, stacks: st.stacks, ticks: replay.ticks, snapshots, warnings };
}
