import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { ClientCredentialsTokenProvider } from '../../src/clients/auth/token-provider.js';
import { BcClient } from '../../src/clients/bc/client.js';
import { DataverseClient } from '../../src/clients/dataverse/client.js';
import { startEmulators, type RunningEmulators } from '../../src/emulators/index.js';
import { BcSide } from '../../src/sides/bc-side.js';
import { DataverseSide } from '../../src/sides/dataverse-side.js';
import type { SideTable } from '../../src/sides/types.js';
import { Slots } from '../../src/util/pool.js';

/** Issue 11: requests in flight follow the service (Dataverse's x-ms-dop-hint), else the profile, never beyond the limits. */
describe('requests in flight', () => {
  const open: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (open.length) await open.pop()!();
  });
  afterAll(async () => {
    while (open.length) await open.pop()!();
  });

  async function dataverse(dopHint?: number): Promise<{ emu: RunningEmulators; client: DataverseClient }> {
    const emu = await startEmulators({ seed: 'empty', limits: dopHint === undefined ? undefined : { dataverse: { dopHint } } });
    const tokens = new ClientCredentialsTokenProvider({ tokenUrl: emu.tokenUrl, ...emu.credentials });
    const client = new DataverseClient({ url: emu.dataverse.url, tokens });
    open.push(async () => {
      await Promise.all([client.close(), tokens.close()]);
      await emu.close();
    });
    return { emu, client };
  }

  const accounts: SideTable = { entitySet: 'accounts', key: 'accountid', modifiedField: 'modifiedon', filter: [] };

  test('Dataverse: the configured number until an answer carries x-ms-dop-hint, then the hint (at most 52)', async () => {
    const { emu, client } = await dataverse(7);
    const side = new DataverseSide(client, { parallelRequests: 20 });
    expect(side.limits.parallelRequests).toBe(20);
    await side.count(accounts);
    expect(emu.requestLog.length).toBeGreaterThan(0);
    expect(side.limits.parallelRequests).toBe(7);
  });

  test("Dataverse: a hint above the profile's number does not raise it (the profile leaves room for other integrations)", async () => {
    const { emu, client } = await dataverse();
    const side = new DataverseSide(client, { parallelRequests: 10 });
    await side.count(accounts);
    expect(emu.requestLog.length).toBeGreaterThan(0);
    expect(client.dopHint).toBe(52);
    expect(side.limits.parallelRequests).toBe(10);
    expect(side.sendingNow()).toBe(10);
  });

  test('Dataverse: the emulator sends its concurrency limit as the hint by default; a hint above 52 is held to 52', async () => {
    const { client } = await dataverse();
    const side = new DataverseSide(client);
    expect(side.limits.parallelRequests).toBe(52);
    await side.count(accounts);
    expect(client.dopHint).toBe(52);
    client.dopHint = 500;
    expect(side.limits.parallelRequests).toBe(52);
  });

  test('Business Central: 5 unless the profile asks for fewer', () => {
    const client = new BcClient({ url: 'https://api.businesscentral.dynamics.com/v2.0/t/production/api/v2.0', tokens: { getToken: async () => 't', invalidate: () => undefined } });
    expect(new BcSide(client).limits.parallelRequests).toBe(5);
    expect(new BcSide(client, { parallelRequests: 2 }).limits.parallelRequests).toBe(2);
    expect(new BcSide(client, { parallelRequests: 9 }).limits.parallelRequests).toBe(5);
  });

  test('Slots: callers share one bound, served in order, and the bound is read again as slots free up', async () => {
    let bound = 3;
    const slots = new Slots(() => bound);
    let active = 0;
    let peak = 0;
    const started: number[] = [];
    const releases: Array<() => void> = [];
    const job = (i: number) =>
      slots.run(async () => {
        started.push(i);
        active++;
        peak = Math.max(peak, active);
        await new Promise<void>((resolve) => releases.push(resolve));
        active--;
        return i;
      });
    const all = Array.from({ length: 8 }, (_, i) => job(i));
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    bound = 1;
    // Three finish; with the bound lowered to 1 only one more starts.
    for (const r of releases.splice(0, 3)) r();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2, 3]);
    bound = 8;
    while (started.length < 8 || releases.length) {
      releases.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
    const aborted = new AbortController();
    aborted.abort();
    expect(await slots.run(async () => 'ran', aborted.signal)).toBeUndefined();
  });
});
