// A sequential load loop for scenario 3 (its own process, so the bench's timers and child processes never
// delay a request): GET URL again and again on one keep-alive connection for DURATION_MS, and write every
// request's latency (microseconds, Float64 little-endian) to OUT_FILE.
//
//   node dist/scripts/bench/healthzLoad.js URL DURATION_MS OUT_FILE
import { writeFileSync } from 'node:fs';
import http from 'node:http';

function once(agent: http.Agent, url: URL): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent }, (res) => {
      res.on('data', () => {});
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

async function main(): Promise<void> {
  const [urlText, durationText, out] = process.argv.slice(2);
  if (!urlText || !durationText || !out) throw new Error('usage: healthzLoad.js URL DURATION_MS OUT_FILE');
  const url = new URL(urlText);
  if (url.hostname !== '127.0.0.1' && url.hostname !== 'localhost' && url.hostname !== '[::1]') throw new Error('loopback only');
  const duration = Number(durationText);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let lat = new Float64Array(1 << 18);
  let n = 0;
  let errors = 0;
  const end = performance.now() + duration;
  while (performance.now() < end) {
    const t0 = performance.now();
    try {
      await once(agent, url);
    } catch {
      errors++;
      if (errors > 1000) break;
      continue;
    }
    if (n === lat.length) {
      const bigger = new Float64Array(lat.length * 2);
      bigger.set(lat);
      lat = bigger;
    }
    lat[n++] = (performance.now() - t0) * 1000;
  }
  agent.destroy();
  writeFileSync(out, Buffer.from(lat.buffer, 0, n * 8));
  process.stdout.write(JSON.stringify({ requests: n, errors }) + '\n');
}

main().catch((e: unknown) => {
  console.error(`healthzLoad: ${(e as Error).message}`);
  process.exitCode = 1;
});
