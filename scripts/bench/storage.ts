// Scenario 5: bytes on disk per target per day, measured by really recording the demo service (at ~60 and at
// ~5,000 distinct stacks, leaking so that some counts change every tick) and extrapolated to 1,440 ticks a day.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KEYFRAME_EVERY } from '../../src/core/stackHistory.js';
import { startDemoService } from '../../src/demo/demoService.js';
import { generateRecording } from '../generateRecording.js';
import { bytes, measure, sizeOf, table, type BenchContext, type ScenarioResult } from './common.js';

export const NOTES = `How the per-day figures are extrapolated from the recorded files, line by line: samples.csv = header +
1,440 × the mean row; stack-history.log = 24 keyframes (one every ${KEYFRAME_EVERY} lines) × the mean keyframe +
1,416 × the mean delta line, both as written; stacks.jsonl = what the recording wrote (every stack seen once: new
stacks stop appearing once the code paths have been seen; a service with per-request labels would keep adding
some — the linear extrapolation of the growth seen after the first tick is given as an upper bound); state.json
does not grow (but is rewritten on every tick); snapshots = (first of the lifetime + 24 hourly + the newest) ×
the median size of those written. \`retentionDays\` (14) bounds how many days of snapshots stay on disk; the CSV,
the history and the dictionary are never pruned. A debug=2 dump is counted only when the recorder wrote one
(the target was under its 5,000-goroutine cap). What limits the figures: a 1-second tick sees fewer count changes
than a 1-minute one would in a real service, so delta lines may be shorter than in production; the demo's stacks
are short (5–8 frames), and deep stacks with long paths make the dictionary and the snapshots larger, not the
history.`;

interface Measured {
  distinct: number;
  ticks: number;
  firstStacksBytes: number;
  files: Record<string, number>;
  rowBytes: number[];
  headerBytes: number;
  keyframeBytes: number[];
  deltaBytes: number[];
  snapshots: Array<{ name: string; bytes: number }>;
  maxGoroutines: number;
  stacksDistinct: number;
  stacksSeen: number;
}

const lineSizes = (text: string) => text.split('\n').filter((l) => l !== '').map((l) => Buffer.byteLength(l) + 1);
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function recordVariant(ctx: BenchContext, distinct: number, ticks: number): Promise<Measured> {
  const svc = await startDemoService({ binary: ctx.demoBinary, args: ['-distinct', String(distinct), '-rate', '1'], timeoutMs: 30_000 });
  try {
    const dataDir = join(ctx.tmpDir, `s5-${distinct}`);
    const dir = join(dataDir, 'demo');
    const base = [ctx.cli, 'record', '--name', 'demo', '--pid', String(svc.pid), '--pprof', svc.pprofUrl, '--data', dataDir, '--quiet'];
    const r1 = await measure(ctx, process.execPath, base);
    if (r1.exitCode !== 0) throw new Error(`record exited ${r1.exitCode}: ${r1.stderr.trim().slice(-500)}`);
    const firstStacksBytes = sizeOf(join(dir, 'stacks.jsonl'));
    const r2 = await measure(ctx, process.execPath, [...base, '--every', '1s', '--for', `${ticks - 2}s`], { timeoutMs: (ticks + 120) * 1000 });
    if (r2.exitCode !== 0) throw new Error(`record --every exited ${r2.exitCode}: ${r2.stderr.trim().slice(-500)}`);
    const files = Object.fromEntries(['samples.csv', 'stack-history.log', 'stacks.jsonl', 'state.json'].map((f) => [f, sizeOf(join(dir, f))]));
    const csv = readFileSync(join(dir, 'samples.csv'), 'utf8');
    const csvLines = lineSizes(csv);
    const history = readFileSync(join(dir, 'stack-history.log'), 'utf8').split('\n').filter((l) => l !== '');
    const snapDir = join(dir, 'snapshots');
    const snapshots = readdirSync(snapDir).map((name) => ({ name, bytes: statSync(join(snapDir, name)).size }));
    const rows = csv.trim().split('\n').slice(1).map((l) => l.split(','));
    return {
      distinct,
      ticks: rows.length,
      firstStacksBytes,
      files,
      headerBytes: csvLines[0] ?? 0,
      rowBytes: csvLines.slice(2), // not the header, not the lifetime's first row
      keyframeBytes: history.filter((l) => l.startsWith('K ')).map((l) => Buffer.byteLength(l) + 1),
      deltaBytes: history.filter((l) => l.startsWith('D ')).map((l) => Buffer.byteLength(l) + 1),
      snapshots,
      maxGoroutines: Math.max(...rows.map((c) => Number(c[12]) || 0)),
      stacksDistinct: Math.max(...rows.map((c) => Number(c[13]) || 0)),
      stacksSeen: lineSizes(readFileSync(join(dir, 'stacks.jsonl'), 'utf8')).length,
    };
  } finally {
    await svc.stop();
  }
}

interface Line {
  how: string;
  perDay: number;
}

function perDay(m: Measured): Record<string, Line> {
  const keyframes = 1440 / KEYFRAME_EVERY;
  const kf = mean(m.keyframeBytes);
  const delta = mean(m.deltaBytes);
  const row = mean(m.rowBytes);
  const out: Record<string, Line> = {
    'samples.csv': { how: `header + 1,440 × ${bytes(row)}`, perDay: m.headerBytes + 1440 * row },
    'stack-history.log': {
      how: `${keyframes} × ${bytes(kf)} (K) + ${1440 - keyframes} × ${bytes(delta)} (D)`,
      perDay: keyframes * kf + (1440 - keyframes) * delta,
    },
    'stacks.jsonl': {
      how: `${m.stacksSeen.toLocaleString('en')} stacks × ${bytes(m.files['stacks.jsonl'] / Math.max(1, m.stacksSeen))} (linear bound: ${bytes(
        m.firstStacksBytes + ((m.files['stacks.jsonl'] - m.firstStacksBytes) / Math.max(1, m.ticks - 1)) * 1439,
      )})`,
      perDay: m.files['stacks.jsonl'],
    },
    'state.json': { how: 'fixed size, rewritten every tick', perDay: m.files['state.json'] },
  };
  const kept = 26; // first of the lifetime + 24 hourly + the newest
  const kinds: Array<[string, RegExp]> = [
    ['snapshots: goroutine .pb.gz', /^goroutine-\d/],
    ['snapshots: goroutine-debug2 .txt.gz', /^goroutine-debug2-/],
    ['snapshots: goroutineleak .pb.gz', /^goroutineleak-/],
  ];
  for (const [label, re] of kinds) {
    const sizes = m.snapshots.filter((s) => re.test(s.name)).map((s) => s.bytes);
    if (sizes.length) out[label] = { how: `${kept} × ${bytes(median(sizes))}`, perDay: kept * median(sizes) };
    else if (!label.includes('goroutineleak')) {
      out[label] = { how: label.includes('debug2') ? 'none (over the goroutine cap)' : 'none written', perDay: 0 };
    }
  }
  return out;
}

export async function runStorage(ctx: BenchContext): Promise<ScenarioResult> {
  const ticks = ctx.quick ? 12 : 120;
  // Both recordings at once: sizes do not depend on timing, and it halves the wall time.
  const [m60, m5k] = await Promise.all([recordVariant(ctx, 50, ticks), recordVariant(ctx, 5000, ticks)]);
  const d60 = perDay(m60);
  const d5k = perDay(m5k);
  const total = (d: Record<string, Line>) => Object.values(d).reduce((a, x) => a + x.perDay, 0);

  // The generator's recording, as a cross-check (one target, per day).
  const genDays = ctx.quick ? 2 : 7;
  const genDir = join(ctx.tmpDir, 's5-generated');
  const gen = generateRecording({ outDir: genDir, days: genDays, targets: 1, seed: 1 });
  const gdir = join(genDir, gen.targets[0].name);
  const gsnap = readdirSync(join(gdir, 'snapshots')).map((n) => ({ n, b: statSync(join(gdir, 'snapshots', n)).size }));
  const genPerDay: Record<string, number> = {
    'samples.csv': sizeOf(join(gdir, 'samples.csv')) / genDays,
    'stack-history.log': sizeOf(join(gdir, 'stack-history.log')) / genDays,
    'stacks.jsonl': sizeOf(join(gdir, 'stacks.jsonl')),
    'state.json': sizeOf(join(gdir, 'state.json')),
    'snapshots: goroutine .pb.gz': gsnap.filter((s) => /^goroutine-\d/.test(s.n)).reduce((a, s) => a + s.b, 0) / genDays,
    'snapshots: goroutine-debug2 .txt.gz': gsnap.filter((s) => s.n.startsWith('goroutine-debug2-')).reduce((a, s) => a + s.b, 0) / genDays,
  };
  const genTotal = Object.values(genPerDay).reduce((a, b) => a + b, 0);

  const keys = [...new Set([...Object.keys(d60), ...Object.keys(d5k)])];
  const markdown = [
    `Recorded: demo service \`-distinct 50 -rate 1\` (${m60.stacksDistinct} distinct stacks per profile, up to ${m60.maxGoroutines.toLocaleString('en')} goroutines) and ` +
      `\`-distinct 5000 -rate 1\` (${m5k.stacksDistinct.toLocaleString('en')} distinct stacks, up to ${m5k.maxGoroutines.toLocaleString('en')} goroutines); ` +
      `${m60.ticks} and ${m5k.ticks} ticks (one cron tick, then \`--every 1s\`), extrapolated to 1,440 ticks a day (see the note below). ` +
      `The last column is the generator's ${genDays}-day recording of one target (~60 stacks, one tick a minute) divided by ${genDays} ` +
      `(its dictionary and state counted once).`,
    '',
    table(
      ['file', '60 stacks: per day', 'how', '5,000 stacks: per day', 'how', 'generated, per day'],
      [
        ...keys.map((k) => [
          k,
          d60[k] ? bytes(d60[k].perDay) : '–',
          d60[k]?.how ?? '',
          d5k[k] ? bytes(d5k[k].perDay) : '–',
          d5k[k]?.how ?? '',
          genPerDay[k] !== undefined ? bytes(genPerDay[k]) : '–',
        ]),
        ['**total per target-day**', `**${bytes(total(d60))}**`, '', `**${bytes(total(d5k))}**`, '', `**${bytes(genTotal)}**`],
      ],
    ),
    '',
    `After 14 days (the default snapshot retention) at 60 stacks: ~${bytes(
      14 * (d60['samples.csv'].perDay + d60['stack-history.log'].perDay) + d60['stacks.jsonl'].perDay + d60['state.json'].perDay +
        14 * Object.entries(d60).filter(([k]) => k.startsWith('snapshots')).reduce((a, [, v]) => a + v.perDay, 0),
    )} per target; after that, the CSV and the history keep growing by ${bytes(d60['samples.csv'].perDay + d60['stack-history.log'].perDay)} a day ` +
      `while old snapshots are pruned. state.json is rewritten on every tick: ${bytes(d5k['state.json'].perDay)} per tick at 5,000 stacks ` +
      `(${bytes(d5k['state.json'].perDay * 1440)} of writes a day).`,
  ].join('\n');
  return {
    id: 5,
    title: 'Storage',
    goals: [
      { scenario: 5, goal: '≤ 2 MB per target-day at 60 stacks', measured: `${bytes(total(d60))} (5,000 stacks: ${bytes(total(d5k))})`, met: total(d60) <= 2 * 1024 * 1024 },
    ],
    markdown,
    raw: { m60: { ...m60, rowBytes: undefined }, m5k: { ...m5k, rowBytes: undefined }, d60, d5k, genPerDay, genDays },
  };
}
