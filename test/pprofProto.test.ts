// The recorder's own profile.proto reader (src/core/pprofProto.ts) against pprof-format, the general codec it
// replaced on the cron tick's path: equal on every captured profile, and strict where pprof-format was lenient
// (a truncated body is an error, never a silently shorter profile).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import test from 'node:test';
import { gunzipSync } from 'node:zlib';
import { Label, Line, Location, Profile, Sample, StringTable, ValueType, Function as PFunction } from 'pprof-format';
import { decodeGoroutineProfile, ProfileError, stackHash, stackKey } from '../src/core/goroutineProfile.js';
import { decodeProfileProto, PprofDecodeError, type DecodedProfile } from '../src/core/pprofProto.js';
import { fixture, FIXTURES } from './helpers/fixtures.js';

const num = (v: number | bigint | undefined): number => (typeof v === 'bigint' ? Number(v) : (v ?? 0));

/** pprof-format's decode in the reader's shape (its numbers may be BigInts past 2^28). */
function reference(bytes: Uint8Array): DecodedProfile {
  const p = Profile.decode(bytes);
  return {
    sampleType: p.sampleType.map((t) => ({ type: num(t.type), unit: num(t.unit) })),
    sample: p.sample.map((s) => ({
      locationId: s.locationId.map(num),
      value: s.value.map(num),
      label: s.label.map((l) => ({ key: num(l.key), str: num(l.str), num: num(l.num), numUnit: num(l.numUnit) })),
    })),
    location: p.location.map((l) => ({ id: num(l.id), address: num(l.address), line: l.line.map((ln) => ({ functionId: num(ln.functionId), line: num(ln.line) })) })),
    function: p.function.map((f) => ({ id: num(f.id), name: num(f.name), filename: num(f.filename) })),
    stringTable: { strings: [...p.stringTable.strings] },
    timeNanos: num(p.timeNanos),
  };
}

const captured = readdirSync(FIXTURES).filter((f) => f.endsWith('.pb.gz')).sort();
const inflated = new Map(captured.map((f) => [f, gunzipSync(fixture(f))]));

test('every captured profile under test/fixtures decodes exactly as pprof-format decodes it', () => {
  // The goroutine profiles of the demo service (leaky, quiet, hostile labels, 500 labelled stacks) and a heap profile.
  assert.ok(captured.length >= 6, `fixtures: ${captured.join(', ')}`);
  for (const [name, bytes] of inflated) {
    const own = decodeProfileProto(bytes);
    assert.deepEqual(own, reference(bytes), name);
    assert.ok(own.sample.length > 0 && own.location.length > 0 && own.stringTable.strings.length > 10, name);
  }
});

test('strings, labels and numbers a real service may send decode as pprof-format decodes them', () => {
  const st = new StringTable();
  const fn = new PFunction({ id: 1, name: st.dedup('main.(*Cache[go.shape.string]).Get'), filename: st.dedup('/src/ünïcödé/日本.go') });
  const p = new Profile({
    sampleType: [new ValueType({ type: st.dedup('goroutine'), unit: st.dedup('count') })],
    sample: [
      new Sample({
        locationId: [1, 300_000_000],
        value: [7],
        label: [
          new Label({ key: st.dedup('emoji'), str: st.dedup('🦫 and \u0000 and \ufeffbom') }),
          new Label({ key: st.dedup('bytes'), num: 2 ** 40, numUnit: st.dedup('bytes') }),
          new Label({ key: st.dedup('negative'), num: -5 }),
        ],
      }),
    ],
    location: [
      new Location({ id: 1, address: 0x45_6789, line: [new Line({ functionId: 1, line: 42 })] }),
      new Location({ id: 300_000_000, address: 2 ** 47 + 3, line: [] }),
    ],
    function: [fn],
    stringTable: st,
    timeNanos: 1_795_000_000_123_456_789n,
  });
  const bytes = p.encode();
  const own = decodeProfileProto(bytes);
  assert.deepEqual(own, reference(bytes));
  assert.equal(own.stringTable.strings[fn.filename as number], '/src/ünïcödé/日本.go');
  assert.equal(own.location[1].address, 2 ** 47 + 3);
  assert.equal(own.sample[0].label[1].num, 2 ** 40);
  // int64 -5 is the 10-byte varint 2^64 - 5: no safe integer, so it can never pass for a count.
  assert.ok(!Number.isSafeInteger(own.sample[0].label[2].num));
  // A name of 1 MiB, and invalid UTF-8 (U+FFFD, as TextDecoder makes it).
  const long = 'x'.repeat(1 << 20);
  const bad = Buffer.concat([Buffer.from([0x32, 5]), Buffer.from([0x61, 0xff, 0xfe, 0x62, 0xc3])]);
  const withStrings = Buffer.concat([bytes, Buffer.from([0x32, 0x80, 0x80, 0x40]), Buffer.from(long), bad]);
  const strings = decodeProfileProto(withStrings).stringTable.strings;
  assert.deepEqual(strings, reference(withStrings).stringTable.strings);
  assert.equal(strings.at(-2), long);
  assert.equal(strings.at(-1), 'a\ufffd\ufffdb\ufffd');
});

/** A top-level field appended to a profile: tag (field << 3 | wire) as a varint, then the payload. */
function field(fieldNumber: number, wire: number, payload: number[]): Buffer {
  const tag: number[] = [];
  for (let t = (fieldNumber << 3) | wire; ; t >>>= 7) {
    if (t < 0x80) {
      tag.push(t);
      break;
    }
    tag.push((t & 0x7f) | 0x80);
  }
  return Buffer.from([...tag, ...payload]);
}

/** A length-delimited field holding `content` (under 128 bytes). */
function nested(fieldNumber: number, content: number[] | Buffer): Buffer {
  return field(fieldNumber, 2, [content.length, ...content]);
}

test('valid protobuf pprof-format cannot read is read: unknown fixed-size fields, 2-byte tags, unpacked ids', () => {
  const base = inflated.get('leaky-t2.pb.gz')!;
  const expected = decodeProfileProto(base);
  // Unknown fields 20 (fixed64), 21 (fixed32) and 3000 (varint): a newer profile.proto may add any of them.
  const extended = Buffer.concat([base, field(20, 1, [1, 2, 3, 4, 5, 6, 7, 8]), field(21, 5, [1, 2, 3, 4]), field(3000, 0, [0x96, 0x01])]);
  assert.throws(() => Profile.decode(extended)); // pprof-format: "Unrecognized value type"
  assert.deepEqual(decodeProfileProto(extended), expected);
  // A sample whose location ids come one field each (unpacked, as proto2 writers do) equals the packed one.
  const unpacked = nested(2, [...field(1, 0, [1]), ...field(1, 0, [2]), ...field(2, 0, [9])]);
  const packed = nested(2, [...nested(1, [1, 2]), ...nested(2, [9])]);
  assert.deepEqual(decodeProfileProto(unpacked).sample, decodeProfileProto(packed).sample);
  assert.deepEqual(decodeProfileProto(packed).sample, [{ locationId: [1, 2], value: [9], label: [] }]);
});

test('broken protobuf is a PprofDecodeError naming the byte, and a goroutine profile error saying "not a pprof profile"', () => {
  const cases: Array<[string, Buffer, RegExp]> = [
    ['a varint that never ends', Buffer.from([0x48, 0xff, 0xff, 0xff]), /truncated varint at byte 4/],
    ['a length past the end', field(6, 2, [10, 0x61]), /field of 10 bytes past the end at byte 2/],
    // A label (3 bytes long inside a sample of 3 bytes) claiming 9 bytes: within the body, past its parent.
    ['a nested message longer than its parent', Buffer.concat([nested(2, [0x1a, 9, 0x08]), Buffer.alloc(20)]), /past the end/],
    ['field number 0', Buffer.from([0x00, 0x01]), /invalid field tag 0 at byte 1/],
    ['a group (wire type 3)', field(7, 3, []), /unsupported wire type 3/],
    ['wire types 6 and 7', field(7, 6, []), /unsupported wire type 6/],
    ['an integer field sent as bytes', field(9, 2, [1, 0]), /wire type 2 for an integer/],
    ['a message sent as an integer', field(2, 0, [1]), /wire type 0 for a message/],
    ['a string sent as an integer', field(6, 0, [1]), /wire type 0 for a string/],
    ['a packed run whose last varint runs past it', nested(2, [...nested(1, [1, 0x81]), 0x01]), /truncated varint at byte 6/],
  ];
  for (const [name, bytes, re] of cases) {
    assert.throws(() => decodeProfileProto(bytes), (e: Error) => e instanceof PprofDecodeError && re.test(e.message), `${name}: ${re}`);
    assert.throws(() => decodeGoroutineProfile(bytes), (e: Error) => e instanceof ProfileError && /^not a pprof profile \(/.test(e.message), name);
  }
});

test('a profile cut at any byte is an error, or (cut between top-level fields) exactly the fields before the cut', () => {
  let cuts = 0;
  let whole = 0;
  for (const [name, bytes] of inflated) {
    const full = decodeProfileProto(bytes);
    // Every offset of the smaller fixtures; a stride on the larger ones (plus their last 64 bytes).
    const step = Math.max(1, Math.floor(bytes.length / 3000));
    for (let at = 0; at < bytes.length; at += at >= bytes.length - 64 ? 1 : step) {
      cuts++;
      let part: DecodedProfile;
      try {
        part = decodeProfileProto(bytes.subarray(0, at));
      } catch (e) {
        assert.ok(e instanceof PprofDecodeError, `${name} cut at ${at}: ${(e as Error).message}`);
        continue;
      }
      whole++;
      // Whole fields only: each list is a prefix of the full one (a clamped, half-read last element would differ).
      for (const key of ['sampleType', 'sample', 'location', 'function'] as const) {
        assert.deepEqual(part[key], full[key].slice(0, part[key].length), `${name} cut at ${at}: ${key}`);
      }
      assert.deepEqual(part.stringTable.strings, full.stringTable.strings.slice(0, part.stringTable.strings.length), `${name} cut at ${at}`);
      assert.ok(part.timeNanos === 0 || part.timeNanos === full.timeNanos, `${name} cut at ${at}: timeNanos`);
    }
  }
  // Cuts between fields are few (one per top-level field): nearly every cut is refused.
  assert.ok(cuts > 5000 && whole < cuts / 10, `${whole} of ${cuts} cuts decoded`);
});

test("each labelled stack's frames-only hash, folded by the decoder, is stackHash of its frames-only key", () => {
  let labelled = 0;
  for (const name of captured.filter((f) => f !== 'heap.pb.gz')) {
    for (const s of decodeGoroutineProfile(inflated.get(name)!).stacks) {
      if (Object.keys(s.labels).length === 0) {
        assert.equal(s.framesHash, undefined);
        continue;
      }
      labelled++;
      assert.equal(s.framesHash, stackHash(stackKey(s.frames, {})), `${name}: ${s.frames[0]?.function}`);
      assert.notEqual(s.framesHash, s.hash);
    }
  }
  assert.ok(labelled >= 500, `${labelled} labelled stacks`);
});
