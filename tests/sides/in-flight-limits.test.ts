import { afterAll, afterEach, describe, expect, test } from '@jest/globals';
import { ClientCredentialsTokenProvider } from '../../src/clients/auth/token-provider.js';
import { BcClient } from '../../src/clients/bc/client.js';
import { DataverseClient } from '../../src/clients/dataverse/client.js';
import { DEFAULT_LATENCY, startEmulators, type RunningEmulators } from '../../src/emulators/index.js';
import { BcSide } from '../../src/sides/bc-side.js';
import { DataverseSide, EXECUTION_BUDGET_MS, MIN_EXECUTION_MS_PER_CREATE, PACED_PARALLEL } from '../../src/sides/dataverse-side.js';
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

  async function dataverse(dopHint?: number, batchMs?: number): Promise<{ emu: RunningEmulators; client: DataverseClient }> {
    const emu = await startEmulators({
      seed: 'empty',
      limits: dopHint === undefined ? undefined : { dataverse: { dopHint } },
      ...(batchMs === undefined ? {} : { latency: { dataverse: { baseMs: batchMs, perOperationMs: 0, perRowMs: 0 } } }),
    });
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

  const creates = (n: number, from: number) =>
    Array.from({ length: n }, (_, i) => ({ kind: 'create' as const, id: `00000000-0000-4000-8000-${String(from + i).padStart(12, '0')}`, fields: { name: `A ${from + i}` } }));

  test("Dataverse: a run whose writes need more than the execution budget narrows to PACED_PARALLEL from its first answer, and says so once", async () => {
    // Each batch answers after at least 40 ms: 4 writes answered in >= 40 ms, so 2,000 creates need >= 20 s of execution.
    const { client } = await dataverse(undefined, 40);
    let paced = 0;
    const side = new DataverseSide(client, { executionBudgetMs: 10_000, onPaced: () => paced++ });
    side.expectCreates(2_000);
    expect(side.sendingNow()).toBe(52);
    const results = await side.write(accounts, creates(4, 0));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(client.transport.stats().answeredMs.batch).toBeGreaterThanOrEqual(40);
    expect(side.pacedByBudget).toBe(true);
    expect(side.sendingNow()).toBe(PACED_PARALLEL);
    // The limits stay the service's and the profile's: the pipeline hands over what the side sends now.
    expect(side.limits.parallelRequests).toBe(52);
    expect(paced).toBe(1);
    await side.write(accounts, creates(4, 4));
    expect(paced).toBe(1);
    // The next run expects nothing (an incremental sync): full width again.
    side.expectCreates(0);
    expect(side.pacedByBudget).toBe(false);
    expect(side.sendingNow()).toBe(52);
  });

  test('Dataverse: a run whose creates need more than the budget even at MIN_EXECUTION_MS_PER_CREATE is paced before its first request', () => {
    const client = new DataverseClient({ url: 'https://org.crm.dynamics.com', tokens: { getToken: async () => 't', invalidate: () => undefined } });
    let paced = 0;
    const side = new DataverseSide(client, { onPaced: () => paced++ });
    const atFloor = EXECUTION_BUDGET_MS / MIN_EXECUTION_MS_PER_CREATE;
    side.expectCreates(atFloor);
    expect(side.pacedByBudget).toBe(false);
    expect(side.sendingNow()).toBe(52);
    side.expectCreates(atFloor + 1);
    expect(side.pacedByBudget).toBe(true);
    expect(side.sendingNow()).toBe(PACED_PARALLEL);
    expect(paced).toBe(1);
    // The floor is below what the emulator models for a create: a run predicted paced at it is paced there too.
    expect(MIN_EXECUTION_MS_PER_CREATE).toBeLessThan(DEFAULT_LATENCY.dataverse.perOperationMs);
  });

  test('Dataverse: a run whose writes fit in the execution budget keeps its width; a profile below PACED_PARALLEL stays below it', async () => {
    const { client } = await dataverse(undefined, 40);
    let paced = 0;
    // 8 creates at >= 10 ms a write is >= 80 ms: far inside a 1-hour budget; ~50x inside even on a slow machine.
    const side = new DataverseSide(client, { executionBudgetMs: 3_600_000, onPaced: () => paced++ });
    side.expectCreates(8);
    await side.write(accounts, creates(4, 100));
    await side.write(accounts, creates(4, 104));
    expect(side.pacedByBudget).toBe(false);
    expect(side.sendingNow()).toBe(52);
    expect(paced).toBe(0);
    const narrow = new DataverseSide(client, { parallelRequests: 3, executionBudgetMs: 1, onPaced: () => paced++ });
    narrow.expectCreates(1_000);
    await narrow.write(accounts, creates(2, 200));
    expect(narrow.pacedByBudget).toBe(true);
    expect(narrow.sendingNow()).toBe(3);
    expect(paced).toBe(1);
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
