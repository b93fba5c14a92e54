// A small reader for pprof's profile.proto that decodes only the fields leakwatch uses: sample types, samples
// (location ids, values, labels), locations (id, address, lines), functions (id, name, file), the string table
// and time_nanos. Every other field is skipped by its wire type. It replaces `pprof-format` on the cron tick's
// path (issue 10, item 7): loading and running that general codec, which makes a typed-array view per field,
// cost ~20 ms of a ~260 ms tick (medians of 40 interleaved ticks at 60 stacks: 2.05x -> 1.89x of `node -e 0`).
// The shapes and names below are pprof-format's, so the two decode alike (test/pprofProto.test.ts compares them
// on every captured fixture); pprof-format stays the tests' encoder.
//
// A hostile or broken body ends in a PprofDecodeError naming the byte offset, never a throw of another kind or a
// hang (every loop advances through a bounded buffer); memory grows with the body only, as every element
// decoded consumes at least one byte of it (the caller caps the inflated size). Stricter than pprof-format,
// which clamped a length past the end: a profile cut mid-field is an error here, not a shorter profile.

export class PprofDecodeError extends Error {}

export interface ValueType {
  type: number;
  unit: number;
}
export interface Label {
  key: number;
  str: number;
  num: number;
  numUnit: number;
}
export interface Sample {
  locationId: number[];
  value: number[];
  label: Label[];
}
export interface Line {
  functionId: number;
  line: number;
}
export interface Location {
  id: number;
  address: number;
  line: Line[];
}
export interface PprofFunction {
  id: number;
  name: number;
  filename: number;
}
export interface DecodedProfile {
  sampleType: ValueType[];
  sample: Sample[];
  location: Location[];
  function: PprofFunction[];
  stringTable: { strings: string[] };
  timeNanos: number;
}

// Protobuf wire types (https://protobuf.dev/programming-guides/encoding/).
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

/** 2^28: varints of up to 4 bytes are decoded with 32-bit integer operations, longer ones with doubles. */
const SMALL_LIMIT = 4;

// One shared decoder, made on the first non-ASCII string: pprof-format makes a `new TextDecoder()` per string
// (same result: invalid UTF-8 becomes U+FFFD, a leading BOM is dropped).
let utf8: TextDecoder | null = null;

class Reader {
  pos = 0;
  /** The bound of the message being read: nothing reads past it. */
  end: number;
  constructor(readonly buf: Uint8Array) {
    this.end = buf.length;
  }

  fail(what: string): never {
    throw new PprofDecodeError(`${what} at byte ${this.pos}`);
  }

  /**
   * An unsigned varint as a double. Exact below 2^53; larger values (a negative int64 is 10 bytes, 2^64 - x) come
   * out inexact and past Number.MAX_SAFE_INTEGER, where the callers' checks refuse them. Longer than 10 bytes is
   * accepted like pprof-format does (a 16-byte time_nanos decodes to a time no Date holds, which the caller drops).
   */
  varint(): number {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let value = 0;
    for (let i = 0; ; i++) {
      if (pos >= end) {
        this.pos = pos;
        this.fail('truncated varint');
      }
      const b = buf[pos++];
      if (i < SMALL_LIMIT) value |= (b & 0x7f) << (7 * i);
      else if (b & 0x7f) value += (b & 0x7f) * 2 ** (7 * i); // (0 * 2^1029 would be NaN)
      if (b < 0x80) break;
    }
    this.pos = pos;
    return value;
  }

  /** A field's tag: field number << 3 | wire type. Field numbers are 1 to 2^29 - 1. */
  tag(): number {
    const tag = this.varint();
    if (tag < 8 || tag > 0xffffffff) this.fail(`invalid field tag ${tag}`);
    return tag;
  }

  /** The end of a length-delimited field whose length comes next. */
  lenEnd(): number {
    const n = this.varint();
    if (n > this.end - this.pos) this.fail(`field of ${n} bytes past the end`);
    return this.pos + n;
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === LEN) this.pos = this.lenEnd();
    else if (wire === I64 || wire === I32) {
      const n = wire === I64 ? 8 : 4;
      if (n > this.end - this.pos) this.fail('truncated fixed-size field');
      this.pos += n;
    } else this.fail(`unsupported wire type ${wire}`);
  }

  /** A repeated integer field: one value (unpacked) or a packed run; both are valid protobuf. */
  repeated(wire: number, into: number[]): void {
    if (wire === VARINT) {
      into.push(this.varint());
      return;
    }
    if (wire !== LEN) this.fail(`wire type ${wire} for a repeated integer`);
    const end = this.lenEnd();
    const outer = this.end;
    this.end = end; // a varint must not run past its packed run
    while (this.pos < end) into.push(this.varint());
    this.end = outer;
  }

  /** A scalar integer field: the last value wins, as in protobuf. */
  scalar(wire: number): number {
    if (wire !== VARINT) this.fail(`wire type ${wire} for an integer`);
    return this.varint();
  }

  /** Enters a nested message (wire type LEN): returns the enclosing bound, for leave(). */
  enter(wire: number): number {
    if (wire !== LEN) this.fail(`wire type ${wire} for a message`);
    const end = this.lenEnd();
    const outer = this.end;
    this.end = end;
    return outer;
  }

  leave(outer: number): void {
    this.end = outer;
  }
}

// Each message has its own loop over its fields rather than one loop taking a callback: one call site per field
// kind keeps V8's inline caches monomorphic (the callback version decoded a 5 MB profile ~2x slower). A message's
// fields are read with r.end at the message's end, so nothing inside it reads past it.

function decodeValueType(r: Reader, wire: number): ValueType {
  const v: ValueType = { type: 0, unit: 0 };
  const outer = r.enter(wire);
  while (r.pos < r.end) {
    const tag = r.tag();
    const w = tag & 7;
    switch (tag >>> 3) {
      case 1: v.type = r.scalar(w); break;
      case 2: v.unit = r.scalar(w); break;
      default: r.skip(w);
    }
  }
  r.leave(outer);
  return v;
}

function decodeLabel(r: Reader, wire: number): Label {
  const l: Label = { key: 0, str: 0, num: 0, numUnit: 0 };
  const outer = r.enter(wire);
  while (r.pos < r.end) {
    const tag = r.tag();
    const w = tag & 7;
    switch (tag >>> 3) {
      case 1: l.key = r.scalar(w); break;
      case 2: l.str = r.scalar(w); break;
      case 3: l.num = r.scalar(w); break;
      case 4: l.numUnit = r.scalar(w); break;
      default: r.skip(w);
    }
  }
  r.leave(outer);
  return l;
}

function decodeSample(r: Reader, wire: number): Sample {
  const s: Sample = { locationId: [], value: [], label: [] };
  const outer = r.enter(wire);
  while (r.pos < r.end) {
    const tag = r.tag();
    const w = tag & 7;
    switch (tag >>> 3) {
      case 1: r.repeated(w, s.locationId); break;
      case 2: r.repeated(w, s.value); break;
      case 3: s.label.push(decodeLabel(r, w)); break;
      default: r.skip(w);
    }
  }
  r.leave(outer);
  return s;
}

function decodeLine(r: Reader, wire: number): Line {
  const l: Line = { functionId: 0, line: 0 };
  const outer = r.enter(wire);
  while (r.pos < r.end) {
    const tag = r.tag();
    const w = tag & 7;
    switch (tag >>> 3) {
      case 1: l.functionId = r.scalar(w); break;
      case 2: l.line = r.scalar(w); break;
      default: r.skip(w);
    }
  }
  r.leave(outer);
  return l;
}

function decodeLocation(r: Reader, wire: number): Location {
  const l: Location = { id: 0, address: 0, line: [] };
  const outer = r.enter(wire);
  while (r.pos < r.end) {
    const tag = r.tag();
    const w = tag & 7;
    switch (tag >>> 3) {
      case 1: l.id = r.scalar(w); break;
      case 3: l.address = r.scalar(w); break;
      case 4: l.line.push(decodeLine(r, w)); break;
      default: r.skip(w);
    }
  }
  r.leave(outer);
  return l;
}

function decodeFunction(r: Reader, wire: number): PprofFunction {
  const f: PprofFunction = { id: 0, name: 0, filename: 0 };
  const outer = r.enter(wire);
  while (r.pos < r.end) {
    const tag = r.tag();
    const w = tag & 7;
    switch (tag >>> 3) {
      case 1: f.id = r.scalar(w); break;
      case 2: f.name = r.scalar(w); break;
      case 4: f.filename = r.scalar(w); break;
      default: r.skip(w);
    }
  }
  r.leave(outer);
  return f;
}

/** A string table entry: ASCII (nearly every Go name) without the TextDecoder's call overhead. */
function decodeString(buf: Uint8Array, from: number, to: number): string {
  for (let i = from; i < to; i++) {
    if (buf[i] >= 0x80) return (utf8 ??= new TextDecoder()).decode(buf.subarray(from, to));
  }
  // Chunks: String.fromCharCode takes its arguments on the stack (a 64 MiB name would overflow it).
  let s = '';
  for (let i = from; i < to; i += 8192) s += String.fromCharCode.apply(null, buf.subarray(i, Math.min(to, i + 8192)) as unknown as number[]);
  return s;
}

/** Decodes an (inflated) profile.proto. Throws PprofDecodeError on anything that is not valid protobuf. */
export function decodeProfileProto(buf: Uint8Array): DecodedProfile {
  const p: DecodedProfile = { sampleType: [], sample: [], location: [], function: [], stringTable: { strings: [] }, timeNanos: 0 };
  const strings = p.stringTable.strings;
  const r = new Reader(buf);
  while (r.pos < r.end) {
    const tag = r.tag();
    const w = tag & 7;
    switch (tag >>> 3) {
      case 1: p.sampleType.push(decodeValueType(r, w)); break;
      case 2: p.sample.push(decodeSample(r, w)); break;
      case 4: p.location.push(decodeLocation(r, w)); break;
      case 5: p.function.push(decodeFunction(r, w)); break;
      case 6: {
        if (w !== LEN) r.fail(`wire type ${w} for a string`);
        const end = r.lenEnd();
        strings.push(decodeString(buf, r.pos, end));
        r.pos = end;
        break;
      }
      case 9: p.timeNanos = r.scalar(w); break;
      default: r.skip(w);
    }
  }
  return p;
}
