// Reads a target's recording back for report, check and export. Never throws on damaged content.
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import type { SnapshotFile, TargetRecording } from '../core/model.js';
import { parseSamplesCsv } from '../core/samplesCsvRead.js';
import { SAMPLES_HEADER } from '../core/samplesCsv.js';
import { readFirstLine } from './safeAppend.js';
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

/** Reads the end of a file backwards in chunks until `enough(text)` says the text read so far suffices. */
function readTail(path: string, enough: (text: string, atStart: boolean) => boolean): { text: string; atStart: boolean } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { text: '', atStart: true };
  }
  try {
    const size = fstatSync(fd).size;
    let start = size;
    let chunk = 64 * 1024;
    let buf = Buffer.alloc(0);
    for (;;) {
      const from = Math.max(0, start - chunk);
      const part = Buffer.alloc(start - from);
      readSync(fd, part, 0, part.length, from);
      buf = Buffer.concat([part, buf]);
      start = from;
      const text = buf.toString('utf8');
      if (start === 0) return { text, atStart: true };
      // Drop the first (probably partial) line: we did not start at a line boundary.
      const cut = text.slice(text.indexOf('\n') + 1);
      if (enough(cut, false)) return { text: cut, atStart: false };
      chunk *= 2;
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * The last `windowSeconds` of a recording, read from the ends of the files, so that a once-a-minute job
 * (record --prom-textfile) costs the same on day 30 as on day 1. Snapshots are not listed.
 */
export function readRecordingTail(dataDir: string, name: string, sinceSeconds: number): TargetRecording {
  const dir = targetDir(dataDir, name);
  const warnings: string[] = [];
  const samplesPath = join(dir, FILES.samples);
  const firstTs = (text: string, re: RegExp) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : Infinity;
  };
  const tail = readTail(samplesPath, (text) => firstTs(text, /^[^,\n]*,([\d.]+),/m) <= sinceSeconds);
  let samplesText = tail.text;
  if (!tail.atStart) samplesText = (readFirstLine(samplesPath) ?? SAMPLES_HEADER) + samplesText;
  const parsed = parseSamplesCsv(samplesText, `${name}/${FILES.samples}`);
  warnings.push(...parsed.warnings);
  const samples = parsed.rows.filter((r) => r.tsSeconds >= sinceSeconds);

  const st = parseStacksJsonl(readText(join(dir, FILES.stacks)) ?? '', `${name}/${FILES.stacks}`);
  warnings.push(...st.warnings);
  // Replay must start at a keyframe at or before the window.
  const hist = readTail(join(dir, FILES.history), (text) => {
    const keyframes = [...text.matchAll(/^K ([\d.]+) /gm)];
    return keyframes.length > 0 && Number(keyframes[0][1]) <= sinceSeconds;
  });
  const replay = replayHistory(hist.text, `${name}/${FILES.history}`, (ts) => ts >= sinceSeconds);
  return { name, samples, stacks: st.stacks, ticks: replay.ticks, snapshots: [], warnings };
}
