import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { matchFieldsFor, parseMatch, type FullSyncMappingResult } from '../../src/commands/full-sync/full-sync.js';
import { counterpartId } from '../../src/engine/ids.js';
import { recommend, type ReviewLine } from '../../src/engine/review.js';
import { defaultIntegrationOptions, defaultMappings, type IntegrationTableMapping } from '../../src/mapping/index.js';
import { JOURNAL_FILE, SNAPSHOT_FILE, StateStore } from '../../src/state/index.js';
import { startCli, writesIn, type CliHarness } from './sync-cli-helper.js';

interface FullSyncDoc {
  ok: boolean;
  dryRun: boolean;
  review: ReviewLine[];
  mappings: FullSyncMappingResult[];
}

const mappings = defaultMappings(defaultIntegrationOptions);
const byName = (name: string): IntegrationTableMapping => mappings.find((m) => m.name === name)!;

describe('review recommendations (pure)', () => {
  const counts = (bc: number, dv: number, coupled = 0) => ({
    bcRecords: bc,
    dataverseRecords: dv,
    coupled,
    uncoupledBc: bc - coupled,
    uncoupledDataverse: dv - coupled,
  });
  test('both sides with uncoupled data: couple first, except where BC couples by itself', () => {
    expect(recommend(byName('CUSTOMER'), counts(27, 21)).recommendation).toBe('couple-first');
    expect(recommend(byName('CURRENCY'), counts(4, 3))).toMatchObject({ recommendation: 'full-sync', autoCoupling: { fields: ['code'] } });
    expect(recommend(byName('SALESPEOPLE'), counts(6, 6))).toMatchObject({ recommendation: 'full-sync', autoCoupling: { fields: ['email'] } });
    expect(recommend(byName('PAYMENT TERMS'), counts(7, 4)).recommendation).toBe('full-sync');
  });
  test('one side only, nothing at all, all coupled, blocked dependency', () => {
    expect(recommend(byName('CUSTOMER'), counts(27, 0)).recommendation).toBe('full-sync');
    expect(recommend(byName('CUSTOMER'), counts(0, 0)).recommendation).toBe('no-records');
    expect(recommend(byName('PAYMENT TERMS'), counts(0, 5)).recommendation).toBe('no-records');
    expect(recommend(byName('CUSTOMER'), counts(10, 10, 10)).recommendation).toBe('full-sync');
    expect(recommend(byName('CONTACT'), counts(5, 5), ['CUSTOMER'])).toMatchObject({ recommendation: 'dependency-not-satisfied', reason: expect.stringContaining('CUSTOMER') });
  });
  test('--match: per mapping, global fields where they all exist, else the saved criteria', () => {
    const plan = parseMatch(['name', 'ITEM-PRODUCT=number'], mappings);
    expect(matchFieldsFor(byName('ITEM-PRODUCT'), plan)).toEqual(['number']);
    expect(matchFieldsFor(byName('CUSTOMER'), plan)).toEqual(['name']);
    expect(matchFieldsFor(byName('UNIT GROUP'), parseMatch([], mappings))).toEqual(['name']);
    expect(matchFieldsFor(byName('CONTACT'), plan)).toBeUndefined();
    expect(() => parseMatch(['CUSTOMER=nosuchfield'], mappings)).toThrow(/Unknown match field "nosuchfield" for mapping CUSTOMER/);
    expect(() => parseMatch(['NOPE=name'], mappings)).toThrow(/Unknown mapping "NOPE"/);
  });
});

describe('bcsync full-sync against the emulators', () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCli();
  });
  afterAll(async () => h?.close());

  test('--dry-run prints the review and the plan and writes nothing', async () => {
    h.emu.resetLog();
    const accounts = h.emu.dataverse.count('accounts');
    const customers = h.emu.bc.count('customers');
    const r = await h.cli(['--json', 'full-sync', '--dry-run']);
    // Refused mappings (both sides hold uncoupled data) make the real run exit 4, and a dry run exits as the real run would.
    expect(r.code).toBe(4);
    const doc = JSON.parse(r.stdout) as FullSyncDoc;
    expect(doc.dryRun).toBe(true);
    const customer = doc.review.find((l) => l.mapping === 'CUSTOMER')!;
    expect(customer).toMatchObject({ bcRecords: 27, dataverseRecords: 21, coupled: 0, recommendation: 'couple-first' });
    expect(doc.review.find((l) => l.mapping === 'CURRENCY')).toMatchObject({ recommendation: 'full-sync', autoCoupling: { fields: ['code'] } });
    expect(doc.mappings.find((m) => m.mapping === 'CUSTOMER')!.status).toBe('refused');
    const currency = doc.mappings.find((m) => m.mapping === 'CURRENCY')!;
    expect(currency.match!.coupled.length).toBe(2);
    expect(currency.report!.counts['to-dataverse'].inserted).toBe(2);
    expect(writesIn(h.emu)).toEqual([]);
    expect(h.emu.dataverse.count('accounts')).toBe(accounts);
    expect(h.emu.bc.count('customers')).toBe(customers);
    for (const file of [SNAPSHOT_FILE, JOURNAL_FILE]) {
      const text = await fs.readFile(path.join(h.stateDir, file), 'utf8').catch(() => '');
      expect(text).not.toContain('"bcId"');
    }
  });

  test('without --match it refuses where both sides hold uncoupled data, and skips what depends on it (exit 4)', async () => {
    const accounts = h.emu.dataverse.count('accounts');
    const r = await h.cli(['full-sync', '--mapping', 'SALESPEOPLE', '--mapping', 'CURRENCY', '--mapping', 'PAYMENT TERMS', '--mapping', 'SHIPMENT METHOD', '--mapping', 'SHIPPING AGENT', '--mapping', 'CUSTOMER', '--mapping', 'CONTACT']);
    expect(r.code).toBe(4);
    expect(r.stdout).toContain('Full synchronization review');
    expect(r.stderr).toMatch(/CUSTOMER did not run: both sides hold uncoupled data .* pass --match "CUSTOMER=FIELD\[,FIELD\.\.\.\]"/);
    expect(r.stderr).toMatch(/CONTACT did not run: dependency not satisfied: CUSTOMER/);
    expect(r.stderr).toMatch(/CURRENCY: match-based coupling on code: 2 coupled/);
    expect(h.emu.dataverse.count('accounts')).toBe(accounts);
    const state = await StateStore.open(h.stateDir, { lock: false });
    try {
      expect(state.counts('CURRENCY').couplings).toBe(4);
      expect(state.counts('CUSTOMER').couplings).toBe(0);
    } finally {
      await state.close();
    }
  });

  test('--match couples first and never creates the ambiguous records or their candidates', async () => {
    const litwareInBc = () => h.emu.bc.list('customers').filter((c) => c.displayName === 'Litware, Inc.').length;
    const before = litwareInBc();
    const r = await h.cli(['--json', 'full-sync', '--mapping', 'CUSTOMER', '--match', 'name']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as FullSyncDoc;
    const customer = doc.mappings.find((m) => m.mapping === 'CUSTOMER')!;
    expect(customer.status).toBe('synchronized');
    expect(customer.match!.coupled).toHaveLength(10);
    expect(customer.match!.ambiguous.map((a) => a.label).sort()).toEqual(['10000 Adatum Corporation', '120000 Litware, Inc.']);
    expect(customer.match!.takenByOther).toHaveLength(1);
    for (const a of [...customer.match!.ambiguous, ...customer.match!.takenByOther]) {
      expect(h.emu.dataverse.get('accounts', counterpartId('CUSTOMER', 'dataverse', a.bcId))).toBeUndefined();
    }
    for (const candidate of customer.match!.ambiguous.flatMap((a) => a.candidates)) {
      expect(h.emu.bc.get('customers', counterpartId('CUSTOMER', 'bc', candidate.dataverseId))).toBeUndefined();
    }
    expect(litwareInBc()).toBe(before);
    expect(customer.report!.counts['to-dataverse'].inserted).toBe(14);
    expect(customer.report!.counts['to-dataverse'].failed).toBe(0);
  });

  test('--force-create creates every uncoupled record and warns about duplicates; it does not combine with --match', async () => {
    const bad = await h.cli(['full-sync', '--mapping', 'VENDOR', '--force-create', '--match', 'name']);
    expect(bad.code).toBe(2);
    const r = await h.cli(['--json', 'full-sync', '--mapping', 'VENDOR', '--force-create', '--yes']);
    expect(r.stderr).toMatch(/VENDOR: both sides hold uncoupled data and --force-create .* will be duplicated/);
    const doc = JSON.parse(r.stdout) as FullSyncDoc;
    const line = doc.review.find((l) => l.mapping === 'VENDOR')!;
    const vendor = doc.mappings.find((m) => m.mapping === 'VENDOR')!;
    expect(vendor.match).toBeUndefined();
    expect(vendor.report!.counts['to-dataverse'].inserted).toBe(line.uncoupledBc);
    expect(vendor.report!.counts['from-dataverse'].inserted).toBe(line.uncoupledDataverse);
  });

  test('--restart clears the watermarks of that mapping and runs only it', async () => {
    const r = await h.cli(['--json', 'full-sync', '--restart', 'CURRENCY', '--yes']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as FullSyncDoc;
    expect(doc.mappings.map((m) => m.mapping)).toEqual(['CURRENCY']);
    expect(doc.mappings[0]!.report!.counts['to-dataverse'].inserted).toBe(0);
    const state = await StateStore.open(h.stateDir, { lock: false });
    try {
      expect(state.watermark('CURRENCY').bc).toBeDefined();
    } finally {
      await state.close();
    }
  });
});
