// Decodes the goroutine profile that net/http/pprof serves at /debug/pprof/goroutine (debug=0):
// a gzipped profile.proto with one sample type, goroutine/count. Each sample is one distinct stack
// (program counters, leaf first) plus its pprof labels, and its value is how many goroutines sit there.
import { gunzipSync } from 'node:zlib';
import type { Frame, GoroutineProfile, StackCount } from './model.js';
import { decodeProfileProto, type DecodedProfile } from './pprofProto.js';
import { labelsIdentity } from './stackIdentity.js';

export class ProfileError extends Error {}
/** The body inflates past the cap: a setting (maxProfileBytes) can help, unlike other ProfileErrors. */
export class ProfileTooLargeError extends ProfileError {}

/**
 * Frames over all samples of one profile. Go records at most 128 frames per stack by default (1024 at most with
 * GODEBUG=profstackdepth), and a busy service has up to ~100,000 distinct stacks (issue 10: 100,004 were refused
 * under the old cap of 2,000,000). 20,000,000 admits 100,000 distinct stacks of 200 frames; past it the profile is
 * `pprof-too-large` (the cap bounds the recorder's memory, ~1 GB of frame keys, not a judgement on the profile).
 */
export const MAX_TOTAL_FRAMES = 20_000_000;
/**
 * Frames kept per stack: Go's own maximum (GODEBUG=profstackdepth=1024). A deeper sample comes from a hand-made
 * profile; it is cut there and a last frame says how many were dropped, rather than refusing the profile.
 */
export const MAX_STACK_FRAMES = 1024;
/**
 * Characters kept of a function name, file name, label key or label value. Go's longest real names (generic
 * instantiations) run to a few hundred; a 64 MiB name (issue 10) went whole into stacks.jsonl and the page.
 * A cut string ends in CUT_MARK and the number of characters dropped, so it is visibly not the real name.
 */
export const MAX_STRING_CHARS = 8192;
export const CUT_MARK = '…[cut ';

/** `s` cut to MAX_STRING_CHARS with a visible mark: `<first chars>…[cut 123 chars]`. */
export function cutString(s: string): string {
  return s.length <= MAX_STRING_CHARS ? s : `${s.slice(0, MAX_STRING_CHARS)}${CUT_MARK}${s.length - MAX_STRING_CHARS} chars]`;
}

/** The largest time a JavaScript Date holds, in seconds. */
const MAX_DATE_SECONDS = 8.64e12;

/** Go's profile.proto is gzipped; pprof also accepts it raw. These bytes start every gzip stream. */
const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * Turns the HTTP body into protobuf bytes. `maxBytes` caps the inflated size: a profile is KBs to a few MBs,
 * and a gzip bomb must not take the recorder's memory.
 */
export function inflateProfile(body: Uint8Array, maxBytes: number): Uint8Array {
  if (body.length === 0) throw new ProfileError('empty body');
  const head = Buffer.from(body.subarray(0, 256)).toString('latin1').trimStart().toLowerCase();
  if (head.startsWith('<!doctype') || head.startsWith('<html') || head.startsWith('<')) {
    // Names the fix too (test/faultsEndpoint.test.ts): the recorder adds no hint to this message.
    throw new ProfileError('answered HTML, not a profile (a login page or proxy error?): check the pprof URL, and give credentials with "headers" or "basicAuth"');
  }
  if (body[0] !== GZIP_MAGIC[0] || body[1] !== GZIP_MAGIC[1]) {
    // Text like "goroutine profile: total 12" means someone asked for ?debug=1.
    if (head.startsWith('goroutine profile:') || head.startsWith('goroutine ')) {
      throw new ProfileError('answered a text dump (debug=1/2), expected the binary profile (debug=0)');
    }
    return body; // maybe an uncompressed profile.proto; decoding will tell
  }
  let inflated: Uint8Array;
  try {
    inflated = gunzipSync(body, { maxOutputLength: maxBytes });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || /too large|maxOutputLength/i.test((e as Error).message)) {
      throw new ProfileTooLargeError(`profile inflates to more than ${maxBytes} bytes`);
    }
    if (code === 'Z_BUF_ERROR') throw new ProfileError('truncated gzip (the body ended early)');
    throw new ProfileError(`not valid gzip (${(e as Error).message})`);
  }
  // A gzipped text dump (the recorder's goroutine-debug2-*.txt.gz): protobuf decoding would only say
  // "Unrecognized value type".
  if (/^goroutine (profile:|\d+ \[)/.test(Buffer.from(inflated.subarray(0, 64)).toString('latin1'))) {
    throw new ProfileError('holds a text dump (debug=1/2), expected the binary profile (debug=0)');
  }
  return inflated;
}

/** The identity of a stack: every frame's function, file and line, then the sorted labels. */
export function stackKey(frames: Frame[], labels: Record<string, string>): string {
  return `${framesKey(frames)}\n#${labelsKey(labels)}`;
}

function framesKey(frames: Frame[]): string {
  return frames.map((f) => `${f.function} ${f.file}:${f.line}`).join('\n');
}

const labelsKey = labelsIdentity;

/**
 * A short, stable id for a stack key, used only to find the key's numeric id (stack-ids.idx, rebuilt from
 * stacks.jsonl whenever in doubt, so the definition may change between versions). The key's '\n'-separated
 * segments (one per frame, then the labels) are each hashed with two 32-bit FNV-1a lanes and the segment hashes
 * folded in order: 64 bits, so a collision among even 100,000 stacks has odds of about 1 in 10^9. Per segment, so
 * the decoder hashes each location once and folds numbers per stack instead of rehashing ~150 MB of keys a tick at
 * 100,000 stacks. Not node:crypto: loading it costs the once-a-minute recorder ~11 ms (BENCHMARKS.md).
 */
export function stackHash(key: string): string {
  const h = hashStart();
  for (const [sa, sb] of segmentHashes(key)) foldSegment(h, sa, sb);
  return hashEnd(h);
}

/** The hashes of `s`'s '\n'-separated segments, in order (a name may itself hold a newline: still one split). */
function segmentHashes(s: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let nl = s.indexOf('\n'); ; nl = s.indexOf('\n', start)) {
    out.push(segmentHash(s, start, nl < 0 ? s.length : nl));
    if (nl < 0) return out;
    start = nl + 1;
  }
}

interface HashState {
  a: number;
  b: number;
}
function hashStart(): HashState {
  return { a: 0x811c9dc5, b: 0x01000193 ^ 0x5bd1e995 };
}
function segmentHash(s: string, from: number, to: number): [number, number] {
  const h = feed(hashStart(), s, from, to);
  return [h.a, h.b];
}
/** A segment's two lanes moved on over s[from, to) (segments are hashed from hashStart()'s lanes). */
function feed(h: HashState, s: string, from = 0, to = s.length): HashState {
  let a = h.a;
  let b = h.b;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (a >>> 15);
  }
  h.a = a;
  h.b = b;
  return h;
}
/**
 * Appends the lanes of a frame's key segment, `${function} ${file}:${line}`, to `lanes`: fed part by part, so the
 * decoder neither builds nor flattens a string per location (~3 ms of a cron tick, whose code never gets past
 * V8's interpreter). A name holding a newline is several segments: the general way.
 */
function pushFrameLanes(lanes: number[], f: Frame): void {
  if (f.function.includes('\n') || f.file.includes('\n')) {
    for (const [a, b] of segmentHashes(`${f.function} ${f.file}:${f.line}`)) lanes.push(a, b);
    return;
  }
  const h = feed(feed(feed(feed(hashStart(), f.function), ' '), f.file), ':');
  feed(h, String(f.line));
  lanes.push(h.a, h.b);
}
function foldSegment(h: HashState, sa: number, sb: number): HashState {
  h.a = Math.imul(Math.imul(h.a ^ sa, 0x01000193) ^ sb, 0x01000193);
  h.b = Math.imul(Math.imul(h.b ^ sb, 0x01000193) ^ sa, 0x01000193) ^ (h.a >>> 15);
  return h;
}
/** The labels segment of a key without labels: "#" (labelsKey({}) is empty). */
const FRAMES_ONLY = segmentHash('#', 0, 1);
function hashEnd(h: HashState): string {
  return (h.a >>> 0).toString(36) + '.' + (h.b >>> 0).toString(36);
}

/** A decoded integer, 0 when absent (a sample without values). */
function toNumber(v: number | undefined): number {
  return v ?? 0;
}

/**
 * A decoded stack whose key (every frame's text: ~1.5 KB for 20 frames) is built only when something asks for it:
 * a steady recorder tick finds ids by `hash` and never needs the keys of 100,000 known stacks.
 */
class DecodedStack implements StackCount {
  #key: string | null = null;
  constructor(
    public frames: Frame[],
    public labels: Record<string, string>,
    public count: number,
    public hash: string,
    public framesHash?: string,
  ) {}
  get key(): string {
    return (this.#key ??= stackKey(this.frames, this.labels));
  }
}

/**
 * Decodes protobuf bytes (already inflated) into stacks with counts. Throws ProfileError on anything odd.
 * `sampleType` is `goroutine`, or `goroutineleak` for Go 1.26's runtime-confirmed leak profile (same shape).
 */
export function decodeGoroutineProfile(bytes: Uint8Array, sampleType = 'goroutine'): GoroutineProfile {
  let p: DecodedProfile;
  try {
    p = decodeProfileProto(bytes);
  } catch (e) {
    throw new ProfileError(`not a pprof profile (${(e as Error).message})`);
  }
  const strings = p.stringTable.strings;
  const str = (i: number | undefined): string => {
    const n = toNumber(i);
    if (n < 0 || n >= strings.length) throw new ProfileError(`string index ${n} out of range`);
    return strings[n];
  };
  const cutStr = (i: number | undefined): string => cutString(str(i));
  const types = p.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`);
  if (types.length !== 1 || types[0] !== `${sampleType}/count`) {
    const what = types.length ? types.join(', ') : 'no sample types';
    throw new ProfileError(`not a ${sampleType} profile (sample types: ${what.slice(0, 120)}); point pprof at the /debug/pprof base URL`);
  }

  const functions = new Map<number, { name: string; file: string }>();
  for (const f of p.function) functions.set(toNumber(f.id), { name: cutStr(f.name), file: cutStr(f.filename) });
  // Per location, built once: its frames and its segments' hash lanes flat ([a0, b0, a1, b1, ...]). A stack's hash
  // is then its locations' lanes folded, not a key string built and hashed per sample (100,000 stacks of 20 frames:
  // issue 10's 2 s goal).
  const locations = new Map<number, { frames: Frame[]; lanes: number[] }>();
  for (const loc of p.location) {
    // A location with several lines is inlining: line[0] is the innermost (inlined) call, the last the caller.
    const frames: Frame[] = loc.line.map((ln) => {
      const fn = functions.get(toNumber(ln.functionId));
      return { function: fn?.name || '?', file: fn?.file ?? '', line: toNumber(ln.line) };
    });
    if (frames.length === 0) frames.push({ function: `0x${toNumber(loc.address).toString(16)}`, file: '', line: 0 });
    const lanes: number[] = [];
    for (const f of frames) pushFrameLanes(lanes, f);
    locations.set(toNumber(loc.id), { frames, lanes });
  }

  const byKey = new Map<string, StackCount>();
  let total = 0;
  let framesBudget = MAX_TOTAL_FRAMES;
  for (const s of p.sample) {
    const count = toNumber(s.value[0]);
    // Safe integers only (hostile case in test/fuzzDecoder.test.ts): a varint of 2^60 decodes as a BigInt whose Number is
    // inexact, so counts stopped summing to the total and a count like 1.2e+21 broke stack-history.log lines.
    if (!Number.isSafeInteger(count) || count < 0) throw new ProfileError(`sample value ${count} is not a goroutine count`);
    const frames: Frame[] = [];
    let depth = 0;
    const h = hashStart();
    for (const id of s.locationId) {
      const l = locations.get(toNumber(id));
      if (!l) throw new ProfileError(`sample refers to missing location ${toNumber(id)}`);
      const loc = l.frames;
      // A frame budget over the whole profile (hostile case in test/fuzzDecoder.test.ts): samples may refer to the same location
      // any number of times, so a small body could otherwise expand into billions of frames and exhaust memory.
      framesBudget -= loc.length;
      if (framesBudget < 0) {
        throw new ProfileTooLargeError(
          `stacks hold over ${MAX_TOTAL_FRAMES} frames in total (${p.sample.length} samples); leakwatch records at most that many to bound its memory`,
        );
      }
      // A loop, not frames.push(...loc): spreading a location with ~150,000 lines threw RangeError (call stack size).
      // Past MAX_STACK_FRAMES only counted: a stack deeper than Go ever records keeps its first frames and a mark.
      for (const f of loc) {
        if (frames.length < MAX_STACK_FRAMES) frames.push(f);
        depth++;
      }
      if (depth <= MAX_STACK_FRAMES) {
        const lanes = l.lanes;
        for (let i = 0; i < lanes.length; i += 2) foldSegment(h, lanes[i], lanes[i + 1]);
      }
    }
    if (depth > MAX_STACK_FRAMES) frames[MAX_STACK_FRAMES - 1] = { function: `…[${depth - MAX_STACK_FRAMES + 1} more frames cut]`, file: '', line: 0 };
    const labels: Record<string, string> = {};
    for (const l of s.label) {
      const key = cutStr(l.key);
      const value = toNumber(l.str) !== 0 ? cutStr(l.str) : `${toNumber(l.num)}${toNumber(l.numUnit) ? cutStr(l.numUnit) : ''}`;
      labels[key] = value;
    }
    let hash: string;
    let framesHash: string | undefined;
    if (depth > MAX_STACK_FRAMES) {
      hash = stackHash(stackKey(frames, labels));
    } else {
      // The same segments as stackKey(frames, labels), folded without building it. A sample without frames has the
      // key "\n#…": its first segment is the empty frames part.
      if (frames.length === 0) foldSegment(h, ...segmentHash('', 0, 0));
      // A labelled stack's frames-only hash, stackHash(stackKey(frames, {})), from the same fold: the label churn
      // check asks for it every tick, and rehashing each ~1.5 KB key there (char by char, in a process too young
      // for optimised code) was ~4% of a cron tick's CPU profile.
      if (s.label.length) framesHash = hashEnd(foldSegment({ ...h }, FRAMES_ONLY[0], FRAMES_ONLY[1]));
      for (const [sa, sb] of segmentHashes(`#${labelsKey(labels)}`)) foldSegment(h, sa, sb);
      hash = hashEnd(h);
    }
    // Keyed by the 64-bit hash, not the key: hashing 100,000 keys of ~1.5 KB for the Map cost more than the rest of
    // the decode. Two stacks merged by a hash collision (odds ~1e-9 at 100,000 stacks) are the same risk the
    // recorder already takes for stack ids.
    const seen = byKey.get(hash);
    if (seen) seen.count += count;
    else byKey.set(hash, new DecodedStack(frames, labels, count, hash, framesHash));
    total += count;
    if (!Number.isSafeInteger(total)) throw new ProfileError(`goroutine counts add up beyond ${Number.MAX_SAFE_INTEGER}; not a real goroutine profile`);
  }
  const stacks = [...byKey.values()].sort((a, b) => b.count - a.count);
  // A time_nanos no Date can hold (a 16-byte varint in a hostile profile) counts as absent: `diff` prints it.
  const timeSeconds = Math.floor(toNumber(p.timeNanos) / 1e9);
  return { total, stacks, timeSeconds: timeSeconds <= MAX_DATE_SECONDS ? timeSeconds : 0 };
}

/** inflate + decode, the recorder's one call. */
export function parseGoroutineProfile(body: Uint8Array, maxInflatedBytes: number, sampleType = 'goroutine'): GoroutineProfile {
  return decodeGoroutineProfile(inflateProfile(body, maxInflatedBytes), sampleType);
}

/**
 * Go heap in use from /debug/pprof/heap: the sum of the inuse_space sample values. The runtime scales its
 * sampled allocations (one per 512 KiB by default) to estimates, as of the most recent GC.
 */
export function heapInuseBytes(body: Uint8Array, maxInflatedBytes: number): number {
  let p: DecodedProfile;
  try {
    p = decodeProfileProto(inflateProfile(body, maxInflatedBytes));
  } catch (e) {
    if (e instanceof ProfileError) throw e;
    throw new ProfileError(`not a pprof profile (${(e as Error).message})`);
  }
  const strings = p.stringTable.strings;
  const idx = p.sampleType.findIndex((t) => strings[toNumber(t.type)] === 'inuse_space');
  if (idx < 0) throw new ProfileError('not a heap profile (no inuse_space sample type)');
  let sum = 0;
  for (const s of p.sample) sum += toNumber(s.value[idx]);
  return sum;
}

export interface Memstats {
  heapInuseBytes: number | null;
  stackInuseBytes: number | null;
  sysBytes: number | null;
  numGc: number | null;
}

/** expvar's /debug/vars: only the memstats we chart are kept (cmdline may hold secrets and is never stored). */
export function parseExpvarMemstats(text: string): Memstats {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    throw new ProfileError('/debug/vars is not JSON');
  }
  const m = (o as { memstats?: Record<string, unknown> } | null)?.memstats;
  if (!m || typeof m !== 'object') throw new ProfileError('/debug/vars has no memstats (import _ "expvar")');
  const n = (k: string) => (typeof m[k] === 'number' && Number.isFinite(m[k]) ? (m[k] as number) : null);
  return { heapInuseBytes: n('HeapInuse'), stackInuseBytes: n('StackInuse'), sysBytes: n('Sys'), numGc: n('NumGC') };
}
