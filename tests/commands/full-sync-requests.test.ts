import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { RequestLogEntry } from '../../src/emulators/types.js';
import { startCli, writesIn, type CliHarness } from './sync-cli-helper.js';

/**
 * The requests `bcsync full-sync --mapping CUSTOMER` sends, as a user runs it (review included), counted from the
 * emulators' request log: nothing is read that nobody asked for (issue 11). Request counts are deterministic;
 * timings are the bench's (npm run bench).
 */
const N = 2_500;

function kinds(log: readonly RequestLogEntry[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of log) {
    const path = e.path.replace(/\([^)]*\)/g, '(…)').replace(/^.*oauth2.*$/, 'token');
    const key = `${e.api} ${e.method} ${path}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

describe('full-sync of CUSTOMER: request count', () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCli({ seed: `scale:${N}` });
    // As the bench does: the scale seed's customers name salespeople nobody coupled.
    const set = await h.cli(['mappings', 'set', 'CUSTOMER', '--disable-field', 'owner', '--disable-field', 'ownerType']);
    expect(set.code).toBe(0);
  });
  afterAll(async () => h?.close());

  test('a first full sync counts with $count, writes in 1,000-operation batches and reads nothing back', async () => {
    h.emu.resetLog();
    const r = await h.cli(['full-sync', '--mapping', 'CUSTOMER']);
    expect(r.code).toBe(0);
    expect(h.emu.dataverse.count('accounts')).toBeGreaterThanOrEqual(N);
    expect(kinds(h.emu.requestLog)).toEqual({
      'token POST token': 2,
      // The environment (integration user, company row, currencies, exchange rates, the write-in product) is not
      // read: setup read it right after its connection test and cached it for the profile.
      // The review: nothing coupled yet, so one $count per side instead of every key.
      'bc GET companies(…)/customers/$count': 1,
      'dataverse GET accounts/$count': 1,
      // The sync: one page of customers, three batches, and the Dataverse pass without the rows just written.
      'bc GET companies(…)/customers': 1,
      'dataverse POST $batch': Math.ceil(N / 1000),
      'dataverse GET accounts': 1,
    });
    // Its batches carry writes (a batch is a read only when every part is a GET).
    expect(writesIn(h.emu)).toEqual(Array.from({ length: Math.ceil(N / 1000) }, () => 'dataverse POST $batch'));
    const dvRead = h.emu.requestLog.find((e) => e.api === 'dataverse' && e.method === 'GET' && e.path === 'accounts')!;
    expect(dvRead.rows).toBe(0);
  });

  test('a second full sync reads the keys for its review (couplings exist), the counterparts in one $batch of GETs, writes nothing, and no more', async () => {
    h.emu.resetLog();
    const r = await h.cli(['full-sync', '--mapping', 'CUSTOMER']);
    expect(r.code).toBe(0);
    expect(writesIn(h.emu)).toEqual([]);
    // Environment cached: none of its six reads. Review: the keys of each side (one page each at this size);
    // the sync: one BC page, the Dataverse counterparts of the coupled customers by id (GETs of ~1,400 ids each,
    // as long as a URL inside a $batch may be, in one $batch), and the Dataverse pass (every row is ours from the
    // first run, read once).
    expect(kinds(h.emu.requestLog)).toEqual({
      'token POST token': 2,
      'bc GET companies(…)/customers': 2,
      'dataverse GET accounts': 2,
      'dataverse POST $batch': 1,
    });
    const batch = h.emu.requestLog.find((e) => e.path === '$batch')!;
    expect([batch.partMethods, batch.operations, batch.rows]).toEqual([{ GET: 2 }, 2, N]);
  });

  test('a dry run of that second full sync sends the same reads: its $batch carries GETs only', async () => {
    h.emu.resetLog();
    const r = await h.cli(['full-sync', '--dry-run', '--mapping', 'CUSTOMER']);
    expect(r.code).toBe(0);
    expect(writesIn(h.emu)).toEqual([]);
    expect(kinds(h.emu.requestLog)['dataverse POST $batch']).toBe(1);
    expect(h.emu.requestLog.filter((e) => e.path === '$batch').map((e) => e.partMethods)).toEqual([{ GET: 2 }]);
  });

  test('setup caches the environment for the company it chose; a cache read for another company is not used', async () => {
    const file = path.join(h.stateDir, 'environment.json');
    const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as { readFor: string; integrationUserId: string };
    expect(cached.readFor).toContain(h.emu.bc.companyId.toLowerCase());
    expect(fs.statSync(file).mode & 0o077).toBe(0);
    expect(fs.statSync(h.stateDir).mode & 0o077).toBe(0);
    // As if setup had been run for another company since: the next run reads the environment afresh.
    fs.writeFileSync(file, JSON.stringify({ ...cached, readFor: 'another company' }), { mode: 0o600 });
    h.emu.resetLog();
    const r = await h.cli(['sync', '--mapping', 'CUSTOMER']);
    expect(r.code).toBe(0);
    const k = kinds(h.emu.requestLog);
    expect(k['dataverse GET WhoAmI']).toBe(1);
    expect(k['bc GET companies(…)/companyInformation']).toBe(1);
    expect((JSON.parse(fs.readFileSync(file, 'utf8')) as { readFor: string }).readFor).toBe(cached.readFor);
  });

  test('an incremental sync with no changes sends one request per side', async () => {
    h.emu.resetLog();
    const r = await h.cli(['sync', '--mapping', 'CUSTOMER']);
    expect(r.code).toBe(0);
    expect(kinds(h.emu.requestLog)).toEqual({ 'token POST token': 2, 'bc GET companies(…)/customers': 1, 'dataverse GET accounts': 1 });
  });
});
