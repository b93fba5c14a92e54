// Captures real profiles from demo-service/ into test/fixtures/ and rewrites test/fixtures/README.md
// and test/fixtures/manifest.json. Run with `npm run fixtures` (needs Go; takes about 30 s).

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { $ } from 'zx';
import {
  buildDemoService,
  fetchBytes,
  fetchText,
  findGo,
  findRepoRoot,
  GO_MISSING_MESSAGE,
  startDemoService,
  type DemoService,
} from '../src/demo/demoService.js';

interface Entry {
  file: string;
  run: string;
  /** Flags given to the service (besides -portfile/-pidfile). */
  args: string[];
  /** Path and query fetched from the service. */
  path: string;
  /** Seconds after the service answered /healthz. */
  takenAtSeconds: number;
  bytes: number;
  /** Goroutine profiles: the number of goroutines (sum of sample values, or the debug=1 `total` line). */
  goroutines?: number;
  /** Protobuf profiles: number of samples (distinct stack+labels combinations). */
  samples?: number;
  /** Protobuf profiles: the sample types, e.g. ["goroutine/count"]. */
  sampleTypes?: string[];
}

const root = await findRepoRoot();
const outDir = join(root, 'test', 'fixtures');
await mkdir(outDir, { recursive: true });

const go = await findGo();
if (!go) throw new Error(GO_MISSING_MESSAGE);
const goVersion = (await $({ quiet: true, verbose: false })`${go} version`).stdout.trim();
const binary = await buildDemoService();
const entries: Entry[] = [];
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One run of the service: start it, let `body` capture, always stop it. */
async function run(name: string, args: string[], body: (r: Run) => Promise<void>): Promise<void> {
  console.log(`run ${name}: leaky-demo ${args.join(' ')}`);
  const svc = await startDemoService({ binary, args });
  try {
    await body(new Run(name, args, svc, Date.now()));
  } finally {
    await svc.stop();
  }
}

class Run {
  constructor(
    readonly name: string,
    readonly args: string[],
    readonly svc: DemoService,
    readonly readyAt: number,
  ) {}

  async at(seconds: number): Promise<void> {
    await sleep(Math.max(0, this.readyAt + seconds * 1000 - Date.now()));
  }

  private entry(file: string, path: string, bytes: number): Entry {
    const e: Entry = {
      file,
      run: this.name,
      args: this.args,
      path,
      takenAtSeconds: Math.round((Date.now() - this.readyAt) / 10) / 100,
      bytes,
    };
    entries.push(e);
    return e;
  }

  /** Saves a gzipped protobuf profile byte for byte, after checking it decodes. */
  async proto(file: string, path: string): Promise<void> {
    const raw = await fetchBytes(this.svc.baseUrl + path);
    if (raw[0] !== 0x1f || raw[1] !== 0x8b) throw new Error(`${path}: not gzip (starts ${raw.subarray(0, 16).toString('hex')})`);
    const profile = Profile.decode(gunzipSync(raw));
    const str = (i: number | bigint) => profile.stringTable.strings[Number(i)] ?? '';
    const e = this.entry(file, path, raw.length);
    e.samples = profile.sample.length;
    e.sampleTypes = profile.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`);
    if (e.sampleTypes[0] === 'goroutine/count') {
      e.goroutines = profile.sample.reduce((sum, s) => sum + Number(s.value[0] ?? 0), 0);
    }
    await writeFile(join(outDir, file), raw);
  }

  async text(file: string, path: string): Promise<void> {
    const text = await fetchText(this.svc.baseUrl + path);
    const e = this.entry(file, path, Buffer.byteLength(text));
    const total = /^goroutine profile: total (\d+)$/m.exec(text);
    if (total) e.goroutines = Number(total[1]);
    else if (path.includes('debug=2')) e.goroutines = (text.match(/^goroutine \d+ \[/gm) ?? []).length;
    await writeFile(join(outDir, file), text);
  }
}

// Bursts of 50 short-lived goroutines start at 0, 5, 10 s of the service's life and last 1-2 s each,
// so t1 (5.75 s) and t2 (10.75 s) both hold a burst; 0.75 s past a whole second keeps the leak
// counts at exactly 2/s * floor: 11 and 21 per kind.
await run('leaky', [], async (r) => {
  await r.at(5.75);
  await r.proto('leaky-t1.pb.gz', '/debug/pprof/goroutine');
  await r.at(10.75);
  await r.proto('leaky-t2.pb.gz', '/debug/pprof/goroutine');
  await r.text('leaky-t2.debug1.txt', '/debug/pprof/goroutine?debug=1');
  await r.text('leaky-t2.debug2.txt', '/debug/pprof/goroutine?debug=2');
  await r.text('leaky-t2.stats.json', '/stats');
  await r.proto('heap.pb.gz', '/debug/pprof/heap');
});

// The other runs wait 3 s so the first burst (t=0, 1-2 s) is gone: steady state only.
await run('quiet', ['-rate', '0'], async (r) => {
  await r.at(3);
  await r.proto('quiet.pb.gz', '/debug/pprof/goroutine');
  await r.text('quiet.debug1.txt', '/debug/pprof/goroutine?debug=1');
});

await run('hostile', ['-hostile', '-rate', '0'], async (r) => {
  await r.at(3);
  await r.proto('hostile.pb.gz', '/debug/pprof/goroutine');
  await r.text('hostile.debug1.txt', '/debug/pprof/goroutine?debug=1');
});

await run('distinct-500', ['-distinct', '500', '-rate', '0'], async (r) => {
  await r.at(3);
  await r.proto('distinct-500.pb.gz', '/debug/pprof/goroutine');
});

const captured = new Date().toISOString();
await writeFile(
  join(outDir, 'manifest.json'),
  JSON.stringify({ capturedAt: captured, goVersion, service: 'demo-service/leaky-demo', files: entries }, null, 2) + '\n',
);

const describe: Record<string, string> = {
  'leaky-t1.pb.gz': 'goroutine profile (debug=0, gzipped protobuf) of a leaking run: 11 leaked goroutines per kind, plus one burst of 50 short-lived ones',
  'leaky-t2.pb.gz': 'the same run 5 s later: 21 leaked per kind; benign stacks unchanged (the burst is a new, equally sized one)',
  'leaky-t2.debug1.txt': '`?debug=1` text taken right after leaky-t2.pb.gz (`goroutine profile: total N`, one block per stack, `# labels:` lines)',
  'leaky-t2.debug2.txt': '`?debug=2` text (panic-style: one block per goroutine with its wait reason, e.g. `[chan send]`, `[sync.Mutex.Lock]`)',
  'leaky-t2.stats.json': "the service's /stats right after: goroutines, leaked counts per kind, pid",
  'heap.pb.gz': 'heap profile (gzipped protobuf) of the leaking run, for later work',
  'quiet.pb.gz': 'goroutine profile of a non-leaking run (benign goroutines only)',
  'quiet.debug1.txt': '`?debug=1` text of the quiet run',
  'hostile.pb.gz': 'non-leaking run plus one parked goroutine whose labels carry hostile strings (HTML, quotes, CSV formulas, comma+newline, a 5000-char value, a hostile key)',
  'hostile.debug1.txt': '`?debug=1` text of the hostile run (labels as printed by Go)',
  'distinct-500.pb.gz': 'non-leaking run plus 500 parked goroutines each labelled `shard=<i>`: 500+ distinct samples',
};

const rows = entries.map(
  (e) =>
    `| \`${e.file}\` | ${e.run} | \`${['leaky-demo', ...e.args].join(' ')}\` | \`${e.path}\` at ${e.takenAtSeconds.toFixed(2)} s | ${e.goroutines ?? ''} | ${e.samples ?? ''} | ${(e.bytes / 1024).toFixed(1)} KB |`,
);

const readme = `# Test fixtures: real profiles from demo-service

Every file here, this README and \`manifest.json\` included, is written by \`scripts/captureFixtures.ts\`: edit that, not this
(except the files under "Captured by hand" at the end, and that section, which the script keeps as it is).
**Re-capture with \`npm run fixtures\`** (builds \`demo-service/leaky-demo\` with Go if stale, runs it four times on a free
loopback port, about 30 s). Profiles are saved byte for byte as the service served them.

- Captured: ${captured}
- Go: \`${goVersion}\`
- Service: \`demo-service/\` (\`leaky-demo\`), started as \`leaky-demo <flags> -portfile <tmp>/port -pidfile <tmp>/pid\`
  (default flags: \`-rate 2 -kinds send,recv,select,mutex,loop -workers 8 -max-leaked 200000\`).
- Times are seconds after \`/healthz\` first answered.
- \`manifest.json\` holds the same table as JSON (goroutine totals, sample counts, sample types) for tests to assert against.

| file | run | flags | fetched | goroutines | samples | size |
|---|---|---|---|---|---|---|
${rows.join('\n')}

## What each file is

${entries.map((e) => `- \`${e.file}\`: ${describe[e.file] ?? ''}`).join('\n')}

## What the profiles contain

Leaked goroutines (growing at \`-rate\` per second per kind), each reached through a handler-like function:

| kind | stack (leaf first, as in debug=1) | labels |
|---|---|---|
| send | \`main.leakUnbufferedSend\` <- \`main.handleOrder.func1\` <- \`runtime/pprof.Do\` <- \`main.handleOrder\` | \`handler=/api/orders\`, \`tenant=t1\` |
| recv | \`main.leakReceiveNoSender\` <- \`main.handleInventory.func1\` <- \`runtime/pprof.Do\` <- \`main.handleInventory\` | \`handler=/api/inventory\`, \`tenant=t2\` |
| select | \`main.leakSelectNoReady\` <- \`main.handleSearch.func1\` <- \`runtime/pprof.Do\` <- \`main.handleSearch\` | \`handler=/api/search\`, \`tenant=t1\` |
| mutex | \`internal/sync.runtime_SemacquireMutex\` <- \`internal/sync.(*Mutex).lockSlow\` <- \`internal/sync.(*Mutex).Lock\` <- \`sync.(*Mutex).Lock\` <- \`main.leakLockNeverReleased\` <- \`main.handleCheckout\` | none |
| loop | \`time.Sleep\` <- \`main.leakLoopNeverExits\` <- \`main.handleReport\` | none |

Benign goroutines (constant in number, or short-lived): 8 \`main.runWorker\` (\`pool=worker\`, blocked receiving jobs
fed every 100 ms by \`main.feedJobs\`), \`main.runMetricsTicker\` (time.NewTicker), \`main.runBursts\` and its 50
\`main.handleBurstRequest\` (sleep 1-2 s, every 5 s), \`main.runLeakSpawner\` (leaking runs only), the HTTP server
(\`net/http.(*Server).Serve\`, connection goroutines, the goroutine writing the profile itself), \`main.main\`, and the
os/signal goroutines. \`-distinct\`/\`-hostile\` goroutines park in \`main.parkUntilShutdown\`.

Things parsers must expect:

- In the protobuf (debug=0) every parked goroutine's leaf frame is \`runtime.gopark\`, followed by runtime internals that
  debug=1 hides: \`runtime.chansend\`, \`runtime.chansend1\` (send); \`runtime.chanrecv\`, \`runtime.chanrecv1\` (recv;
  \`chanrecv2\` for \`range\`/\`v, ok :=\`); \`runtime.selectgo\` (select); \`runtime.goparkunlock\`, \`runtime.semacquire1\`
  (mutex); \`time.Sleep\` (loop, and the bursts). debug=1 drops the leading \`runtime.*\`/\`internal/runtime/*\` frames (so
  it starts at \`time.Sleep\` for loop, \`internal/sync.runtime_SemacquireMutex\` for mutex) and \`runtime.goexit\`, but its
  \`@\` line still lists those PCs. The protobuf has no \`runtime.goexit\` frame. Not every
  leaf is gopark: the signal goroutine sits in \`runtime.notetsleepg\`, the goroutine writing the profile in
  \`runtime.goroutineProfileWithLabels\`, a connection reader may be in \`syscall.Syscall\`.
- \`sync.(*Mutex).Lock\` and \`internal/sync.(*Mutex).Lock\` are inlined into \`main.leakLockNeverReleased\`: in the protobuf
  they are extra \`Line\`s of one \`Location\` (innermost first); in debug=1 they are separate lines with PCs one apart.
- debug=1 prints labels as \`# labels: {"key":"value", ...}\`, sorted by key, keys and values Go-quoted (\`%q\`, so
  \`\\n\` and \`\\"\` escapes; not strictly JSON for control or invalid UTF-8 bytes); debug=2 prints no labels at all.
- debug=2 names each goroutine's creator: \`created by main.spawnLeak in goroutine 33\`.
- debug=2 wait reasons have no duration yet (\`[chan send]\`, not \`[chan send, 5 minutes]\`): the run is shorter than a minute.
`;
// Sections about fixtures captured outside this script start with "## Captured by hand"; keep them.
const handWritten = await readFile(join(outDir, 'README.md'), 'utf8').then(
  (old) => (old.includes('\n## Captured by hand') ? old.slice(old.indexOf('\n## Captured by hand')) : ''),
  () => '',
);
await writeFile(join(outDir, 'README.md'), readme + handWritten);

for (const e of entries) console.log(`${e.file.padEnd(22)} ${String(e.goroutines ?? '').padStart(5)} goroutines ${String(e.samples ?? '').padStart(4)} samples ${e.bytes} B`);
console.log(`wrote ${entries.length} fixtures, manifest.json and README.md to ${outDir}`);
