import { describe, test, expect } from '@jest/globals';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createBcModule } from '../../../src/emulators/bc/index.js';
import { createDataverseModule } from '../../../src/emulators/dataverse/index.js';
import type { BcSeed, DataverseSeed } from '../../../src/emulators/seed/types.js';

/**
 * A module keeps the rows it loaded, not the seed they came from: a retained seed (80 MB at scale:100000) is held
 * for the module's whole life and marked by every major GC of the process serving the requests.
 */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Whether `ref`'s target is gone once the current job ended and the GC ran (WeakRefs hold their target until then). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  await new Promise((resolve) => setImmediate(resolve));
  gc();
  return ref.deref() === undefined;
}

describe('seeds are released once loaded', () => {
  test('Business Central', async () => {
    const customers = Array.from({ length: 50 }, (_, i) => ({ id: `f1000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`, number: String(10000 + i), displayName: `C${i}` }));
    let seed: BcSeed | undefined = { companies: [{ id: '11111111-2222-3333-4444-555555555555', name: 'Test', displayName: 'Test', records: { customers } }] };
    const records = new WeakRef(seed.companies[0]!.records);
    const module = createBcModule({ now: () => Date.parse('2026-11-02T09:00:00.000Z'), tenantId: 't', environment: 'production', seed });
    seed = undefined;
    expect(await collected(records)).toBe(true);
    expect(module.data.count('customers')).toBe(50);
  });

  test('Dataverse', async () => {
    const accounts = Array.from({ length: 50 }, (_, i) => ({ accountid: `a1000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`, name: `A${i}` }));
    let seed: DataverseSeed | undefined = { records: { accounts } };
    const records = new WeakRef(seed.records);
    const module = createDataverseModule({ now: () => Date.parse('2026-11-02T09:00:00.000Z'), orgUrl: 'http://127.0.0.1:5555', applicationClientId: '11111111-2222-3333-4444-555555555555', seed });
    seed = undefined;
    expect(await collected(records)).toBe(true);
    expect(module.data.count('accounts')).toBe(50);
  });
});
