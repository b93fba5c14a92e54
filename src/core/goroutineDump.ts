// Parses Go's goroutine dump text: `/debug/pprof/goroutine?debug=2`, `runtime.Stack(buf, true)`, and the
// traceback a panic or a fatal error prints. One record per goroutine:
//
//   goroutine 18 [chan send, 2 minutes, locked to thread]:
//   main.leakUnbufferedSend(0x9)
//   	/src/demo-service/leaks.go:140 +0x2f
//   sync.(*Mutex).Lock(...)
//   	/usr/local/go/src/sync/mutex.go:46
//   ...12 frames elided...
//   created by main.spawnLeak in goroutine 7
//   	/src/demo-service/leaks.go:78 +0xe5
//
// The format, as printed by Go 1.26's runtime (runtime/traceback.go: goroutineheader, traceback2,
// printcreatedby1; runtime/print.go: printquoted; runtime/pprof/pprof.go: writeGoroutineStacks):
//
// - Header: `goroutine <id>`, then ` gp=0x… m=<id> mp=0x…` (or ` m=nil`) only with GOTRACEBACK=system or
//   higher (or while the runtime throws), then ` [<status>`, optional ` (leaked)` (goroutine leak
//   detection, Go 1.26 experiment) and ` (scan)` (caught mid-GC-scan), `, <n> minutes` when the goroutine
//   has waited at least a minute, `, locked to thread`, `, synctest bubble <n>`, then — Go 1.26 with
//   GODEBUG=tracebacklabels=1 only — ` labels:{"k": "v", "k2": "v2"}` with keys and values quoted by
//   printquoted (\n \r \t \\ \" escapes, \xHH / \uHHHH / \UHHHHHHHH for anything not printable ASCII),
//   and finally `]:`. Without that GODEBUG setting debug=2 prints no labels at all (debug=1 prints them
//   as `# labels:` lines; the protobuf has them as sample labels).
// - The status is the wait reason (`chan send`, `chan receive (nil chan)`, `select (no cases)`,
//   `sync.Mutex.Lock`, `sleep`, `IO wait`, …) for a waiting goroutine, else `running`, `runnable`,
//   `syscall`, … No wait reason contains a comma, so the parts split on ", ".
// - Wait minutes are approximate, not exact (and not even a strict lower bound). Go stamps a goroutine's
//   wait start only when a GC cycle scans it parked (runtime/mgcmark.go: gp.waitsince = work.tstart), so
//   there are no minutes until a GC has run after it parked, however long it has waited. And work.tstart is
//   set at mark termination (runtime/mgc.go gcMark), so while a cycle scans stacks it still holds the end of
//   the previous cycle: a goroutine that parked after that can be credited with the time in between. Seen
//   for real in test/fixtures/waiting.debug2.txt: parked 5 s before the dump, printed "1 minutes". Read
//   them as "parked for about this long, give or take the time between two GCs".
// - Frames: `<function>(<args>)` then a tab and `<file>:<line>`, then ` +0x<offset>` (absent for
//   inlined frames, whose args print as `...`), then ` fp=0x… sp=0x… pc=0x…` at GOTRACEBACK=system.
//   Function names may contain parentheses (`main.(*T).m`) and generic shapes (`main.F[...]`); the
//   argument list never contains parentheses, so it is the last `(…)` on the line.
// - `...N frames elided...` (Go 1.21+: the middle of a stack deeper than 100 frames) or
//   `...additional frames elided...` (older Go, and ancestors) mark missing frames.
// - `created by <function> in goroutine <id>` (Go 1.21+) or `created by <function>` (older), then its
//   file line. The main goroutine has none.
// - GODEBUG=tracebackancestors=N adds `[originating from goroutine <id>]:` blocks after the creator;
//   they describe other (possibly dead) goroutines and are skipped.
// - writeGoroutineStacks gives up at 64 MiB and writes the truncated buffer as is, cut anywhere.
//
// parseGoroutineDump never throws: lines it does not understand (a panic message before the first
// goroutine, `exit status 2` after it, log prefixes) are counted in skippedLines.
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import type { Frame } from './model.js';

export interface DumpCreator {
  function: string;
  file: string;
  line: number;
  /** The creating goroutine (Go 1.21+ prints it); null when the dump does not say. */
  goroutineId: number | null;
}

export interface DumpGoroutine {
  id: number;
  /** The wait reason as printed (`chan send`, `select`, `sync.Mutex.Lock`, `sleep`, …) or `running`, `runnable`, `syscall`. */
  state: string;
  /** Whole minutes waited, as printed (approximate: see the file comment); null when Go printed none (under a minute, or not stamped by a GC yet). */
  waitMinutes: number | null;
  lockedToThread: boolean;
  /** Leaf first, as printed. */
  frames: Frame[];
  createdBy: DumpCreator | null;
  /** pprof labels from the header (Go 1.26+ with GODEBUG=tracebacklabels=1); empty otherwise. */
  labels: Record<string, string>;
  /** The dump left out frames of this stack (`...N frames elided...`). */
  elidedFrames: boolean;
  /** The header said `(leaked)`: Go's goroutine leak detector proved it can never run again. */
  leaked: boolean;
}

export interface GoroutineDump {
  goroutines: DumpGoroutine[];
  /** The dump ends mid-goroutine (Go cuts debug=2 at 64 MiB; a copy or a download may be cut too). */
  truncated: boolean;
  /** Non-empty lines that were not part of any goroutine record (panic messages, garbage). */
  skippedLines: number;
}

/** runtime/pprof's writeGoroutineStacks stops growing its buffer here and writes what fits. */
export const GO_DUMP_LIMIT_BYTES = 64 << 20;

const HEADER = /^goroutine (\d+)((?: [a-z]+=\S+)*) \[(.*)\]:$/;
const FUNC_LINE = /^(\S.*)\(([^()]*)\)$/;
const FILE_LINE = /^[ \t]+(.+?):(\d+)( \+0x[0-9a-f]+)?(?: fp=0x[0-9a-f]+ sp=0x[0-9a-f]+ pc=0x[0-9a-f]+)?$/;
const CREATED_BY = /^created by (\S.*?)(?: in goroutine (\d+))?$/;
const ELIDED = /^\.\.\.(?:\d+|additional) frames elided\.\.\.$/;
const ANCESTOR = /^\[originating from goroutine \d+\]:$/;
const STACK_UNAVAILABLE = /^\s*goroutine running on other thread; stack unavailable$/;

/** Reads one string quoted by Go's runtime printquoted (or JSON) starting at s[i] === '"'. */
function readQuoted(s: string, i: number): { value: string; end: number } | null {
  if (s[i] !== '"') return null;
  let out = '';
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j];
    if (c === '"') return { value: out, end: j + 1 };
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = s[++j];
    const hex = (n: number): boolean => {
      const h = s.slice(j + 1, j + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) return false;
      const cp = parseInt(h, 16);
      out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\ufffd';
      j += n;
      return true;
    };
    if (e === 'n') out += '\n';
    else if (e === 'r') out += '\r';
    else if (e === 't') out += '\t';
    else if (e === '\\' || e === '"' || e === '/') out += e;
    else if (e === 'x') {
      if (!hex(2)) return null;
    } else if (e === 'u') {
      if (!hex(4)) return null;
    } else if (e === 'U') {
      if (!hex(8)) return null;
    } else return null;
  }
  return null; // unterminated
}

/** Parses `{"k": "v", "k2": "v2"}` starting at s[i] === '{'. Tolerant: stops at the first thing it does not understand. */
function parseLabels(s: string, i: number): Record<string, string> {
  const labels: Record<string, string> = {};
  if (s[i] !== '{') return labels;
  i++;
  const skipSpaces = () => {
    while (s[i] === ' ') i++;
  };
  for (;;) {
    skipSpaces();
    if (s[i] === '}' || i >= s.length) return labels;
    const k = readQuoted(s, i);
    if (!k) return labels;
    i = k.end;
    skipSpaces();
    if (s[i] !== ':') return labels;
    i++;
    skipSpaces();
    const v = readQuoted(s, i);
    if (!v) return labels;
    i = v.end;
    labels[k.value] = v.value;
    skipSpaces();
    if (s[i] === ',') i++;
    else return labels;
  }
}

interface HeaderParts {
  state: string;
  waitMinutes: number | null;
  lockedToThread: boolean;
  labels: Record<string, string>;
  leaked: boolean;
}

/** The part between `[` and `]:` of a goroutine header. */
export function parseHeaderStatus(inner: string): HeaderParts {
  let labels: Record<string, string> = {};
  // No wait reason contains "labels:{", so the first one starts the labels (whose values may contain anything).
  const at = inner.indexOf(' labels:{');
  let statusPart = inner;
  if (at >= 0) {
    labels = parseLabels(inner, at + ' labels:'.length);
    statusPart = inner.slice(0, at);
  } else if (inner.startsWith('labels:{')) {
    labels = parseLabels(inner, 'labels:'.length);
    statusPart = '';
  }
  const parts = statusPart.split(', ');
  let state = parts[0] ?? '';
  let leaked = false;
  // Suffixes the header adds after the wait reason (not part of it).
  for (;;) {
    if (state.endsWith(' (scan)')) state = state.slice(0, -' (scan)'.length);
    else if (state.endsWith(' (leaked)')) {
      state = state.slice(0, -' (leaked)'.length);
      leaked = true;
    } else break;
  }
  let waitMinutes: number | null = null;
  let lockedToThread = false;
  for (const p of parts.slice(1)) {
    const m = /^(\d+) minutes?$/.exec(p);
    if (m) waitMinutes = Number(m[1]);
    else if (p === 'locked to thread') lockedToThread = true;
    // `synctest bubble N` and anything newer: ignored.
  }
  return { state, waitMinutes, lockedToThread, labels, leaked };
}

/** Inflated-size cap for a gzipped dump (Go's own cap is 64 MiB; leave room for other writers). */
const MAX_INFLATED_BYTES = 4 * GO_DUMP_LIMIT_BYTES;

/**
 * Bytes of the dump; gzipped ones (the recorder's goroutine-debug2-*.txt.gz snapshots) are inflated first.
 * A gzip stream that ends early gives what it holds so far (`cut`). Throws on anything else that is not gzip.
 */
function decodeBytes(input: Uint8Array): { bytes: Buffer; cut: boolean } {
  const buf = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (buf[0] !== 0x1f || buf[1] !== 0x8b) return { bytes: buf, cut: false };
  try {
    return { bytes: gunzipSync(buf, { maxOutputLength: MAX_INFLATED_BYTES }), cut: false };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'Z_BUF_ERROR') throw e;
    return { bytes: gunzipSync(buf, { maxOutputLength: MAX_INFLATED_BYTES, finishFlush: zlibConstants.Z_SYNC_FLUSH }), cut: true };
  }
}

/** Parses a debug=2 / panic goroutine dump (text, UTF-8 bytes, or gzipped bytes). Never throws. */
export function parseGoroutineDump(input: string | Uint8Array): GoroutineDump {
  let text: string;
  let byteLength: number;
  let gzipCut = false;
  if (typeof input === 'string') {
    text = input;
    byteLength = Buffer.byteLength(input);
  } else {
    let decoded: { bytes: Buffer; cut: boolean };
    try {
      decoded = decodeBytes(input);
    } catch {
      // Corrupt gzip or a bomb: nothing readable.
      return { goroutines: [], truncated: false, skippedLines: 1 };
    }
    text = decoded.bytes.toString('utf8');
    byteLength = decoded.bytes.byteLength;
    gzipCut = decoded.cut;
  }
  const goroutines: DumpGoroutine[] = [];
  let skippedLines = 0;
  let truncated = byteLength === GO_DUMP_LIMIT_BYTES || gzipCut;

  const lines = text.split('\n');
  const endsWithNewline = text.endsWith('\n');
  if (endsWithNewline) lines.pop();
  else if (text.length > 0) {
    // Go always ends the dump with a newline: the last line was cut. Keep it only when it is a file line
    // whose line number is certainly whole (a space after it: the ` +0x` offset had begun).
    truncated = true;
    const whole = /^([ \t]+.+?:\d+) /.exec(lines[lines.length - 1]!);
    if (whole) lines[lines.length - 1] = whole[1]!;
    else lines.pop();
  }

  type Expect = 'header' | 'frame' | 'file' | 'creatorFile' | 'ancestor';
  let expect: Expect = 'header';
  let g: DumpGoroutine | null = null;
  let pendingFunction = '';
  let pendingCreator: { function: string; goroutineId: number | null } | null = null;
  let stackUnavailable = false;

  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const header = HEADER.exec(line);
    if (header) {
      // A new record; whatever was pending in the previous one is lost (it was damaged).
      if (expect === 'file' || expect === 'creatorFile') skippedLines++;
      const h = parseHeaderStatus(header[3]!);
      g = {
        id: Number(header[1]),
        state: h.state,
        waitMinutes: h.waitMinutes,
        lockedToThread: h.lockedToThread,
        frames: [],
        createdBy: null,
        labels: h.labels,
        elidedFrames: false,
        leaked: h.leaked,
      };
      goroutines.push(g);
      expect = 'frame';
      stackUnavailable = false;
      continue;
    }
    if (line.trim() === '') {
      if (expect === 'file' || expect === 'creatorFile') skippedLines++;
      expect = 'header';
      g = null;
      continue;
    }
    if (!g || expect === 'header') {
      skippedLines++;
      continue;
    }
    if (expect === 'ancestor') continue; // an ancestor's frames: not this goroutine's
    if (expect === 'file' || expect === 'creatorFile') {
      const f = FILE_LINE.exec(line);
      if (f) {
        if (expect === 'file') g.frames.push({ function: pendingFunction, file: f[1]!, line: Number(f[2]) });
        else g.createdBy = { ...pendingCreator!, file: f[1]!, line: Number(f[2]) };
        expect = 'frame';
        continue;
      }
      // The function line had no file line: drop it and read this line as a new one.
      skippedLines++;
      expect = 'frame';
    }
    // expect === 'frame'
    if (ELIDED.test(line)) {
      g.elidedFrames = true;
      continue;
    }
    if (ANCESTOR.test(line)) {
      expect = 'ancestor';
      continue;
    }
    if (STACK_UNAVAILABLE.test(line)) {
      stackUnavailable = true;
      continue;
    }
    const c = CREATED_BY.exec(line);
    if (c) {
      pendingCreator = { function: c[1]!, goroutineId: c[2] !== undefined ? Number(c[2]) : null };
      expect = 'creatorFile';
      continue;
    }
    const fn = FUNC_LINE.exec(line);
    if (fn && !g.createdBy) {
      pendingFunction = fn[1]!;
      expect = 'file';
      continue;
    }
    skippedLines++;
  }

  // Ended inside a record: a function or creator without its file line, or a header with nothing under it.
  if (expect === 'file' || expect === 'creatorFile') truncated = true;
  if (g && expect === 'frame' && g.frames.length === 0 && !g.createdBy && !stackUnavailable) truncated = true;
  return { goroutines, truncated, skippedLines };
}

// ---- wait minutes of the goroutines on one stack (analysis/evidence.ts groups them by stack) ----

/** Lower edges of the wait histogram's bins, in minutes; the last bin is open (1440+ = a day or more). */
export const WAIT_HISTOGRAM_EDGES = [0, 1, 5, 15, 60, 240, 1440] as const;

export interface WaitBin {
  /** `0`, `1`, `5`, `15`, `60`, `240`, `1440+`. */
  label: string;
  fromMinutes: number;
  /** Exclusive upper edge; null for the last, open bin. */
  toMinutes: number | null;
  count: number;
}

export interface WaitDistribution {
  /** Minutes as printed; a goroutine without printed minutes counts as 0 (see the file comment on how approximate they are). */
  min: number;
  median: number;
  max: number;
  /** How many of the goroutines had minutes printed (>= 1). */
  stamped: number;
  histogram: WaitBin[];
}

export function waitDistribution(minutes: Array<number | null>): WaitDistribution {
  // Go prints no minutes under one minute or before a GC stamped the wait: counted as 0.
  const v = minutes.map((m) => m ?? 0).sort((a, b) => a - b);
  const n = v.length;
  const median = n === 0 ? 0 : n % 2 ? v[(n - 1) / 2]! : (v[n / 2 - 1]! + v[n / 2]!) / 2;
  const histogram: WaitBin[] = WAIT_HISTOGRAM_EDGES.map((from, i) => {
    const to = WAIT_HISTOGRAM_EDGES[i + 1] ?? null;
    return { label: to === null ? `${from}+` : String(from), fromMinutes: from, toMinutes: to, count: 0 };
  });
  for (const x of v) {
    let bin = 0;
    while (bin + 1 < histogram.length && x >= histogram[bin + 1]!.fromMinutes) bin++;
    histogram[bin]!.count++;
  }
  return { min: n ? v[0]! : 0, median, max: n ? v[n - 1]! : 0, stamped: minutes.filter((m) => m !== null).length, histogram };
}
