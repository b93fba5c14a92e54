// A tiny seeded PRNG for reproducible synthetic data (mulberry32: 32-bit state, full period, good enough
// statistical quality for noise; not for cryptography). Shared by the tests, the synthetic report scenarios
// and the 30-day recording generator.

/** Uniform [0, 1) generator from a 32-bit seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
