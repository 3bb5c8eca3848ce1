import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ScriptedPrompter } from '../../src/io/prompter.js';
import type { MappingDescription } from '../../src/mapping/index.js';
import { startCoupleHarness, type CoupleHarness } from './couple-harness.js';

interface ListRow {
  name: string;
  bcTable: string;
  dataverseTable: string;
  direction: string;
  schedule: string;
  couplings: number;
  customized: boolean;
}

describe('mappings list | show | set | reset', () => {
  let h: CoupleHarness;
  let profileFile: string;
  const profile = (): { mappingOverrides: Record<string, unknown> } => JSON.parse(fs.readFileSync(profileFile, 'utf8'));
  const show = async (name: string): Promise<MappingDescription> => JSON.parse((await h.cli(['mappings', 'show', name, '--json'])).stdout) as MappingDescription;
  const list = async (): Promise<ListRow[]> => (JSON.parse((await h.cli(['mappings', 'list', '--json'])).stdout) as { mappings: ListRow[] }).mappings;

  beforeAll(async () => {
    h = await startCoupleHarness();
    profileFile = path.join(h.home, 'profiles', 'default.json');
    await h.engine([{ mapping: 'CUSTOMER', match: ['name'] }]);
  });
  afterAll(async () => h?.close());

  test('list: every mapping of the profile with tables, direction, schedule, couplings and customized', async () => {
    h.emu.resetLog();
    const rows = await list();
    expect(rows.map((r) => r.name)).toEqual([
      'SALESPEOPLE', 'CUSTOMER', 'VENDOR', 'CONTACT', 'CURRENCY', 'PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT',
      'UNIT GROUP', 'ITEM UOM', 'RESOURCE UOM', 'ITEM-PRODUCT', 'RESOURCE-PRODUCT', 'PLHEADER-PRICE', 'PLLINE-PRODPRICE', 'OPPORTUNITY',
    ]);
    expect(rows.find((r) => r.name === 'CUSTOMER')).toEqual({
      name: 'CUSTOMER',
      kind: 'record',
      bcTable: 'customers',
      dataverseTable: 'accounts',
      direction: 'bidirectional',
      schedule: 'every 30 min, idle after 720 min (BCI CUST)',
      couplings: 10,
      customized: false,
    });
    expect(rows.find((r) => r.name === 'PAYMENT TERMS')?.dataverseTable).toBe('account.paymenttermscode');
    expect(rows.filter((r) => r.couplings > 0).map((r) => r.name)).toEqual(['CUSTOMER']);
    // Local only: no connection is made.
    expect(h.emu.requestLog).toEqual([]);
    const tsv = await h.cli(['mappings', 'list']);
    expect(tsv.stdout.split('\n')[0]).toBe('name\tbcTable\tdataverseTable\tdirection\tschedule\tcouplings\tcustomized');
    expect(tsv.stdout).toContain('CUSTOMER\tcustomers\taccounts\tbidirectional\tevery 30 min, idle after 720 min (BCI CUST)\t10\tno');
  });

  test('show: every field mapping, including the ones the BC API does not expose, with filters, dependencies and schedule', async () => {
    const d = await show('customer');
    expect(d.name).toBe('CUSTOMER');
    const fax = d.fields.find((f) => f.id === 'fax')!;
    expect(fax).toMatchObject({ available: false, unavailableReason: 'BC API v2.0 "customers" has no property for "Fax No."' });
    expect(d.unavailable.map((u) => u.id)).toEqual(expect.arrayContaining(['fax', 'contact', 'mobilePhone', 'primaryContact', 'shippingAgent']));
    expect(d.dependencies).toEqual(['SALESPEOPLE', 'CURRENCY', 'PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT']);
    expect(d.schedule).toEqual({ intervalMinutes: 30, inactivityTimeoutMinutes: 720, category: 'BCI CUST' });

    const text = (await h.cli(['mappings', 'show', 'CUSTOMER'])).stdout;
    expect(text).toContain("  BC filter         blocked eq ' '");
    expect(text).toContain('  Dataverse filter  statecode eq 0 and customertypecode eq 3 and company is this company or none');
    expect(text).toContain('  Dependencies      SALESPEOPLE, CURRENCY, PAYMENT TERMS, SHIPMENT METHOD, SHIPPING AGENT');
    expect(text).toContain('  Schedule          every 30 min, idle after 720 min (BCI CUST)');
    expect(text).toContain('fax\t(Fax No.)\tfax\tbidirectional\tcopy\tunavailable: BC API v2.0 "customers" has no property for "Fax No."');
    expect(text).toContain('currency\tcurrencyCode\ttransactioncurrencyid\tbidirectional\tcurrency via CURRENCY (blank = LCY = Dataverse base currency)\tenabled');
  });

  test('on a terminal the mapping name is asked for when left out', async () => {
    const prompter = new ScriptedPrompter([[/mapping to show/, 'CURRENCY']]);
    const r = await h.cli(['mappings', 'show'], { tty: true, prompter });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('CURRENCY  (record mapping)');
  });

  test('set: conflict rules, field status and direction, filters are saved in the profile and shown', async () => {
    const r = await h.cli([
      'mappings', 'set', 'CUSTOMER',
      '--update-conflict', 'send',
      '--deletion-conflict', 'remove-coupling',
      '--disable-field', 'phone',
      '--field-direction', 'name=to-dataverse',
      '--bc-filter', "currencyCode in EUR,'USD'",
      '--dataverse-filter', 'creditlimit ge 1000',
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(profile().mappingOverrides).toEqual({
      CUSTOMER: {
        updateConflict: 'send',
        deletionConflict: 'remove-coupling',
        fields: { phone: { status: 'disabled' }, name: { direction: 'to-dataverse' } },
        bcFilter: [{ field: 'currencyCode', op: 'in', value: ['EUR', 'USD'] }],
        dataverseFilter: [{ field: 'creditlimit', op: 'ge', value: 1000 }],
      },
    });
    const d = await show('CUSTOMER');
    expect(d).toMatchObject({ updateConflict: 'send', deletionConflict: 'remove-coupling', customized: true });
    expect(d.fields.find((f) => f.id === 'phone')).toMatchObject({ status: 'disabled', customized: true });
    expect(d.fields.find((f) => f.id === 'name')).toMatchObject({ direction: 'to-dataverse', customized: true });
    expect(d.bc.filter).toContainEqual({ field: 'currencyCode', op: 'in', value: ['EUR', 'USD'] });
    expect(d.dataverse.filter).toContainEqual({ field: 'creditlimit', op: 'ge', value: 1000 });
    // remove-coupling with only-coupled on is fine; turning only-coupled off earns a warning.
    const warned = await h.cli(['mappings', 'set', 'CUSTOMER', '--only-coupled', 'false']);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('warning: CUSTOMER: deletion conflicts remove the coupling while uncoupled records are synchronized too');
    expect((await list()).find((x) => x.name === 'CUSTOMER')?.customized).toBe(true);
  });

  test('set refuses what the mapping cannot do, naming what is valid, and saves nothing', async () => {
    const before = fs.readFileSync(profileFile, 'utf8');
    const cases: Array<[string[], RegExp]> = [
      [['--disable-field', 'telefone'], /^error: Unknown field mapping "telefone" in mapping CUSTOMER; valid field mappings: ownerType, owner, name,/],
      [['--enable-field', 'mobilePhone'], /^error: Field mapping mobilePhone of CUSTOMER cannot be enabled: BC API v2.0 "customers" has no property for "Mobile Phone No\."/],
      [['--field-direction', 'ownerType=from-dataverse'], /^error: Field mapping ownerType of CUSTOMER cannot be from-dataverse; allowed: to-dataverse\./],
      [['--direction', 'sideways'], /^error: --direction "sideways" is not valid; use one of to-dataverse, from-dataverse, bidirectional\./],
      [['--update-conflict', 'merge'], /^error: --update-conflict "merge" is not valid; use one of none, send, get\./],
      [['--bc-filter', "colour eq 'red'"], /^error: BC filter of CUSTOMER: "colour" is not a property of customers; properties: id, number,/],
      [['--bc-filter', 'blocked'], /^error: --bc-filter "blocked" is not a condition; write FIELD OP VALUE/],
      [['--only-coupled', 'maybe'], /^error: --only-coupled "maybe" is not valid; use one of true, false\./],
      [[], /^error: Nothing to change; pass at least one of --direction/],
    ];
    for (const [flags, pattern] of cases) {
      const r = await h.cli(['mappings', 'set', 'CUSTOMER', ...flags]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(pattern);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const unknown = await h.cli(['mappings', 'set', 'CUSTOMERS', '--update-conflict', 'get']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: Unknown mapping "CUSTOMERS"/);
    expect(fs.readFileSync(profileFile, 'utf8')).toBe(before);
  });

  test('reset M restores one mapping; reset restores all; reset works on overrides that no longer validate', async () => {
    expect((await h.cli(['mappings', 'set', 'VENDOR', '--update-conflict', 'get'])).code).toBe(0);
    const one = await h.cli(['mappings', 'reset', 'customer', '--yes', '--json']);
    expect(JSON.parse(one.stdout)).toEqual({ ok: true, dryRun: false, reset: ['CUSTOMER'] });
    expect(profile().mappingOverrides).toEqual({ VENDOR: { updateConflict: 'get' } });
    expect((await show('CUSTOMER')).updateConflict).toBe('none');

    const all = await h.cli(['mappings', 'reset', '--yes']);
    expect(all.code).toBe(0);
    expect(all.stderr).toBe('Restored the defaults of VENDOR.\n');
    expect(profile().mappingOverrides).toEqual({});

    // A profile edited by hand with an override that does not fit: every command says how to get out of it.
    const p = JSON.parse(fs.readFileSync(profileFile, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(profileFile, JSON.stringify({ ...p, mappingOverrides: { CUSTOMER: { fields: { nope: { status: 'disabled' } } } } }));
    const broken = await h.cli(['mappings', 'list']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^error: Unknown field mapping "nope" in mapping CUSTOMER/);
    expect((await h.cli(['mappings', 'reset', 'CUSTOMER', '--yes'])).code).toBe(0);
    expect((await h.cli(['mappings', 'list'])).code).toBe(0);
  });
});
