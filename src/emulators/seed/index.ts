/**
 * Seed data for the emulators: the demo company + CRM org from fixtures/demo/, the "empty" seed a fresh
 * system starts from, and generated `scale:N` seeds for benchmarks. See fixtures/README.md.
 */
import type { SeedName } from '../types.js';
import type { SeedData } from './types.js';
import { demoSeed, emptySeedFrom, SeedDataError } from './load.js';
import { generateScaleSeed } from './scale.js';

export type { BcCompanySeed, BcSeed, DataverseSeed, SeedData, SeedRecord } from './types.js';
export { BLANK_GUID, dataverseKeys, dataverseLookups } from './schemas.js';
export type { BcEntitySet, DataverseEntitySet } from './schemas.js';
export { demoFacts, emptySeed, parseBcSeed, parseDataverseSeed, SeedDataError } from './load.js';
export { generateScaleSeed } from './scale.js';
export type { ScaleSeedOptions } from './scale.js';

/**
 * The named seed, as fresh objects the caller may mutate: 'demo' (fixtures/demo), 'empty' (companies and the
 * reference data of a fresh system, no mapped master data) or 'scale:N' (empty + N generated customers and items).
 */
export function loadSeed(name: SeedName): SeedData {
  if (name === 'demo') return structuredClone(demoSeed());
  if (name === 'empty') return emptySeedFrom(demoSeed());
  const scale = /^scale:(\d+)$/.exec(name);
  if (scale) return generateScaleSeed(Number(scale[1]));
  throw new SeedDataError(`Unknown seed "${String(name)}": use "demo", "empty" or "scale:<N>" (for example scale:1000).`);
}

