// One updating status line on a terminal ("reading api (2/3)…"), cleared when done. Silent when the stream is
// not a TTY (cron, CI, pipes, files): those get exactly the output they got before.
import { displaySafe } from '../core/terminalText.js';

export type ProgressPhase = 'reading' | 'analysing' | 'rendering' | 'writing';

export interface ProgressStep {
  phase: ProgressPhase;
  /** The target being worked on, when the phase is per target. */
  target?: string;
  /** 0-based index of the target, and how many there are. */
  index?: number;
  total?: number;
}

/** Control sequences: carriage return, then erase to the end of the line (ECMA-48 EL). */
export const CLEAR_LINE = '\r\x1b[K';

/**
 * The status text: `reading api (2/3)…`, `rendering…`. Control characters in target names are escaped (the
 * name comes from a folder name), and the line is cut to `columns - 1` so it never wraps (a wrapped line
 * cannot be redrawn with a carriage return).
 */
export function formatProgress(step: ProgressStep, columns = 80): string {
  let text: string = step.phase;
  if (step.target !== undefined) {
    text += ` ${displaySafe(step.target, Infinity)}`;
    if (step.index !== undefined && step.total !== undefined) text += ` (${step.index + 1}/${step.total})`;
  }
  text += '…';
  const max = Math.max(10, columns - 1);
  const chars = [...text];
  return chars.length > max ? chars.slice(0, max - 1).join('') + '…' : text;
}

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(s: string): unknown;
}

export interface Progress {
  update(step: ProgressStep): void;
  /** Erases the line (only if something was drawn). Safe to call twice. */
  done(): void;
}

/** A progress line on `stream` when it is a terminal, else a no-op. */
export function createProgress(stream: ProgressStream): Progress {
  if (!stream.isTTY) return { update() {}, done() {} };
  let drawn = false;
  let last = '';
  return {
    update(step) {
      const line = formatProgress(step, stream.columns || 80);
      if (line === last) return;
      last = line;
      stream.write(CLEAR_LINE + line);
      drawn = true;
    },
    done() {
      if (drawn) stream.write(CLEAR_LINE);
      drawn = false;
      last = '';
    },
  };
}
