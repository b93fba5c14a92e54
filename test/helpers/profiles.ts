// Goroutine profiles built with pprof-format, for hostile-input tests (shapes a real Go service never serves).
import { gzipSync } from 'node:zlib';
import { Function as PFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';

export interface BuildOptions {
  /** Each sample: location ids (1-based; locations 1..max are created) and its value. */
  samples: Array<{ locs: number[]; value: number | bigint }>;
  /** Lines per location (inlined frames), default 1. */
  locLines?: number;
  /** Extra strings appended to the string table. */
  extraStrings?: number;
  sampleType?: string;
}

/** A gzipped profile.proto with one sample type (goroutine/count by default). */
export function buildProfile(opts: BuildOptions): Buffer {
  const st = new StringTable();
  const fnName = st.dedup('main.f');
  const file = st.dedup('main.go');
  const nLocs = opts.samples.reduce((m, s) => s.locs.reduce((a, b) => Math.max(a, b), m), 0);
  const functions = [new PFunction({ id: 1, name: fnName, systemName: fnName, filename: file })];
  const locations = Array.from({ length: nLocs }, (_, i) => new Location({
    id: i + 1,
    line: Array.from({ length: opts.locLines ?? 1 }, (_, j) => new Line({ functionId: 1, line: j + 1 })),
  }));
  for (let i = 0; i < (opts.extraStrings ?? 0); i++) st.dedup(`s${i}`);
  const p = new Profile({
    sampleType: [new ValueType({ type: st.dedup(opts.sampleType ?? 'goroutine'), unit: st.dedup('count') })],
    sample: opts.samples.map((s) => new Sample({ locationId: s.locs, value: [s.value] })),
    location: locations,
    function: functions,
    stringTable: st,
  });
  return gzipSync(p.encode());
}
