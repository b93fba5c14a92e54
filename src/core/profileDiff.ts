// Compares two goroutine profiles stack by stack: which stacks (frames + labels) gained or lost
// goroutines from A to B. `go tool pprof -top -diff_base A B` answers the same question per function;
// per stack, with the labels, is what tells one leaking handler from its healthy siblings.
import { displaySafe } from './terminalText.js';
import { leafFrame } from './frames.js';
import type { Frame, GoroutineProfile } from './model.js';

export interface StackDelta {
  key: string;
  frames: Frame[];
  labels: Record<string, string>;
  a: number;
  b: number;
  /** b - a */
  delta: number;
  /** The innermost frame outside the runtime and standard library (see core/frames.ts leafFrame). */
  blocking: Frame | null;
}

export interface ProfileDiff {
  totalA: number;
  totalB: number;
  /** Seconds from A to B by the profiles' own timestamps; null when either has none. */
  secondsBetween: number | null;
  /** Stacks present in either profile. */
  stacks: number;
  /** Stacks whose count changed, biggest |delta| first (then bigger B, then key). Unchanged stacks are left out. */
  changed: StackDelta[];
}

export function diffProfiles(a: GoroutineProfile, b: GoroutineProfile): ProfileDiff {
  const byKey = new Map<string, StackDelta>();
  const entry = (s: GoroutineProfile['stacks'][number]): StackDelta => {
    let d = byKey.get(s.key);
    if (!d) {
      d = { key: s.key, frames: s.frames, labels: s.labels, a: 0, b: 0, delta: 0, blocking: leafFrame(s.frames) };
      byKey.set(s.key, d);
    }
    return d;
  };
  for (const s of a.stacks) entry(s).a += s.count;
  for (const s of b.stacks) entry(s).b += s.count;
  const changed: StackDelta[] = [];
  for (const d of byKey.values()) {
    d.delta = d.b - d.a;
    if (d.delta !== 0) changed.push(d);
  }
  changed.sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta) || y.b - x.b || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  const secondsBetween = a.timeSeconds > 0 && b.timeSeconds > 0 ? b.timeSeconds - a.timeSeconds : null;
  return { totalA: a.total, totalB: b.total, secondsBetween, stacks: byKey.size, changed };
}

/** A label key or value as is when it is one plain word, else JSON-quoted, so `k=v` pairs stay unambiguous. */
function quoteIfNeeded(s: string): string {
  return /^[^\s"'=\\]+$/.test(s) ? s : JSON.stringify(s);
}

/** `k=v k2="v with spaces"`, sorted by key, each part terminal-safe. */
export function formatLabels(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${displaySafe(quoteIfNeeded(k), 40)}=${displaySafe(quoteIfNeeded(labels[k]!), 80)}`)
    .join(' ');
}

function baseName(file: string): string {
  const i = file.lastIndexOf('/');
  return i >= 0 ? file.slice(i + 1) : file;
}

export function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

export interface DiffTableOptions {
  top: number;
}

/** The table lines (no header): delta, A, B, blocking frame, labels; aligned columns. */
export function formatDiffTable(diff: ProfileDiff, opts: DiffTableOptions): string[] {
  const rows = diff.changed.slice(0, opts.top).map((d) => {
    const frame = d.blocking ? `${displaySafe(d.blocking.function, 120)} (${displaySafe(baseName(d.blocking.file), 60)}:${d.blocking.line})` : '(no frames)';
    return [signed(d.delta), String(d.a), String(d.b), frame, formatLabels(d.labels)];
  });
  const head = ['delta', 'A', 'B', 'blocking frame', 'labels'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    [r[0]!.padStart(widths[0]!), r[1]!.padStart(widths[1]!), r[2]!.padStart(widths[2]!), r[3]!.padEnd(widths[3]!), r[4]!].join('  ').trimEnd();
  const out = [line(head), ...rows.map(line)];
  const more = diff.changed.length - rows.length;
  if (more > 0) out.push(`… ${more} more changed stack${more === 1 ? '' : 's'} (raise --top to see them)`);
  return out;
}
