/**
 * Seeded pseudo-random numbers (mulberry32) so fault injection repeats exactly for the same seed.
 * Each API gets its own stream, so concurrent traffic on one API never shifts another's draws.
 */
export type Rng = () => number;

export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stream per name derived from one seed (FNV-1a of the name mixed into the seed). */
export function createNamedRng(seed: number, name: string): Rng {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return createRng((seed ^ hash) >>> 0);
}
