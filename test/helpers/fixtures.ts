import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/fixtures, found from dist/test/helpers (compiled) or test/helpers (source). */
export const FIXTURES = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    try {
      readFileSync(join(dir, 'package.json'));
      return join(dir, 'test', 'fixtures');
    } catch {
      // keep walking up
    }
  }
  throw new Error('repo root not found');
})();

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURES, name));
}

export interface Debug1Block {
  count: number;
  labels: Record<string, string>;
  functions: string[];
}

/** Go's debug=1 goroutine text: "N @ pcs", optional "# labels: {json}", then "#\tpc\tfunc+off\tfile:line". */
export function parseDebug1(text: string): { total: number; blocks: Debug1Block[] } {
  const total = Number(/^goroutine profile: total (\d+)/m.exec(text)?.[1]);
  const blocks: Debug1Block[] = [];
  for (const chunk of text.split(/\n\n+/)) {
    const m = /^(\d+) @ /m.exec(chunk);
    if (!m) continue;
    const labelLine = /^# labels: (.*)$/m.exec(chunk)?.[1];
    const functions = [...chunk.matchAll(/^#\t0x[0-9a-f]+\t(\S+?)\+0x[0-9a-f]+\t/gm)].map((x) => x[1]);
    blocks.push({ count: Number(m[1]), labels: labelLine ? JSON.parse(labelLine) : {}, functions });
  }
  return { total, blocks };
}
