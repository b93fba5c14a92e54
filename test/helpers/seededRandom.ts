import { seededRandom } from '../../scripts/lib/seededRandom.js';

export { seededRandom };

/** Standard normal samples (Box–Muller) from a uniform generator. */
export function gaussian(rand: () => number): () => number {
  return () => {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}
