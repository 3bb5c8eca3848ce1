import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ClientCredentialsTokenProvider } from '../../src/clients/auth/token-provider.js';
import { DataverseClient } from '../../src/clients/dataverse/client.js';
import { startEmulators, type RunningEmulators } from '../../src/emulators/index.js';
import { DataverseSide } from '../../src/sides/dataverse-side.js';
import type { SideTable } from '../../src/sides/types.js';

/** The emulators (empty seed) and a Dataverse client on them, for the tests of one describe block. */
function emulatedDataverse(): { emu: RunningEmulators; client: DataverseClient } {
  const at = {} as { emu: RunningEmulators; client: DataverseClient };
  let tokens: ClientCredentialsTokenProvider;
  beforeAll(async () => {
    at.emu = await startEmulators({ seed: 'empty' });
    tokens = new ClientCredentialsTokenProvider({ tokenUrl: at.emu.tokenUrl, ...at.emu.credentials });
    at.client = new DataverseClient({ url: at.emu.dataverse.url, tokens });
  });
  afterAll(async () => {
    await Promise.all([at.client.close(), tokens.close()]);
    await at.emu.close();
  });
  return at;
}

/** Issue 11 "no work nobody asked for": a write returns what the engine keeps of it, not the row it just sent. */
describe('DataverseSide.write', () => {
  const dv = emulatedDataverse();

  const accounts: SideTable = { entitySet: 'accounts', key: 'accountid', modifiedField: 'modifiedon', filter: [] };

  test('creates and updates in one batch request; each result carries id, modified-on and ETag only', async () => {
    const { emu, client } = dv;
    const side = new DataverseSide(client);
    const ids = ['0b5c1d2e-0000-4000-8000-000000000001', '0b5c1d2e-0000-4000-8000-000000000002'];
    emu.resetLog();
    const created = await side.write(
      accounts,
      ids.map((id, i) => ({ kind: 'create' as const, id, fields: { name: `Account ${i}`, telephone1: '555-0100', description: 'x'.repeat(500) } })),
    );
    expect(emu.stats().requests.dataverse).toBe(1);
    expect(created.map((r) => r.ok)).toEqual([true, true]);
    for (const [i, r] of created.entries()) {
      expect(r.record?.id).toBe(ids[i]);
      expect(r.record?.modifiedAt).toBe(emu.dataverse.get('accounts', ids[i]!)?.modifiedon);
      expect(r.record?.etag).toMatch(/^W\/"\d+"$/);
      // Nothing of what was sent comes back (no name, phone, description).
      expect(Object.keys(r.record?.fields ?? {}).filter((k) => !k.startsWith('@')).sort()).toEqual(['_modifiedby_value', 'accountid', 'modifiedon']);
    }
    const updated = await side.write(accounts, [{ kind: 'update', id: ids[0]!, etag: created[0]!.record!.etag, fields: { name: 'Renamed' } }]);
    expect(updated[0]?.ok).toBe(true);
    expect(emu.dataverse.get('accounts', ids[0]!)?.name).toBe('Renamed');
    expect(Object.keys(updated[0]?.record?.fields ?? {})).not.toContain('name');
    expect(emu.stats().requests.dataverse).toBe(2);
  });

  test('reopenForWrite: a Submitted order is made Active, updated, and Submitted again in one batch; a refused update leaves it Submitted', async () => {
    const { emu, client } = dv;
    const side = new DataverseSide(client);
    const orders: SideTable = {
      entitySet: 'salesorders',
      key: 'salesorderid',
      modifiedField: 'modifiedon',
      filter: [],
      reopenForWrite: { lockedStates: [1], open: { statecode: 0, statuscode: 1 } },
    };
    const account = emu.dataverse.insert('accounts', { name: 'Relecloud' });
    const order = emu.dataverse.insert('salesorders', { name: 'Desks', 'customerid_account@odata.bind': `/accounts(${String(account.accountid)})` });
    const id = String(order.salesorderid);
    emu.dataverse.update('salesorders', id, { statecode: 1, statuscode: 3 });
    emu.resetLog();
    const [ok] = await side.write(orders, [{ kind: 'update', id, fields: { datefulfilled: '2026-11-04', shipto_city: 'Seattle' } }]);
    expect(ok?.ok).toBe(true);
    expect(emu.dataverse.get('salesorders', id)).toMatchObject({ datefulfilled: '2026-11-04', shipto_city: 'Seattle', statecode: 1, statuscode: 3 });
    // The state read, then one batch; the record returned is the row after it was Submitted again.
    expect(emu.requestLog.filter((e) => e.api === 'dataverse').map((e) => `${e.method} ${e.path.replace(/^.*\//, '').replace(/\?.*$/, '')}`)).toEqual(['GET salesorders', 'POST $batch']);
    expect(ok?.record?.modifiedAt).toBe(emu.dataverse.get('salesorders', id)?.modifiedon);

    const [refused] = await side.write(orders, [{ kind: 'update', id, fields: { discountpercentage: 250 } }]);
    expect(refused?.ok).toBe(false);
    expect(emu.dataverse.get('salesorders', id)).toMatchObject({ statecode: 1, statuscode: 3, discountpercentage: null });
    // A state change alone is written as it is (an Invoiced order needs no reopening).
    emu.resetLog();
    const [invoiced] = await side.write(orders, [{ kind: 'update', id, fields: { statecode: 4, statuscode: 100003 } }]);
    expect(invoiced?.ok).toBe(true);
    expect(emu.requestLog.filter((e) => e.api === 'dataverse')).toHaveLength(1);
    expect(emu.dataverse.get('salesorders', id)).toMatchObject({ statecode: 4, statuscode: 100003 });
  });
});

describe('DataverseSide.write releases what it sent', () => {
  const dv = emulatedDataverse();

  test('once the batch is encoded the ops hold no values (they are bytes on their way); the rows get every value', async () => {
    const { emu, client } = dv;
    const side = new DataverseSide(client);
    const accounts: SideTable = { entitySet: 'accounts', key: 'accountid', modifiedField: 'modifiedon', filter: [] };
    const ids = ['0b5c1d2e-0000-4000-8000-000000000011', '0b5c1d2e-0000-4000-8000-000000000012'];
    const values = ids.map((_, i) => ({ name: `Account ${i}`, telephone1: `555-010${i}` }));
    const ops = ids.map((id, i) => ({ kind: 'create' as const, id, fields: values[i]! }));
    const writing = side.write(accounts, ops);
    // Before any answer can arrive (the same task as the call, past the side's first await).
    await Promise.resolve();
    await Promise.resolve();
    expect(ops.map((op) => op.fields)).toEqual([{}, {}]);
    const results = await writing;
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(results.map((r) => r.op)).toEqual(ops);
    // The caller's own objects are untouched; the rows hold what they said.
    expect(values).toEqual([{ name: 'Account 0', telephone1: '555-0100' }, { name: 'Account 1', telephone1: '555-0101' }]);
    for (const [i, id] of ids.entries()) expect(emu.dataverse.get('accounts', id)).toEqual(expect.objectContaining(values[i]!));
  });
});
