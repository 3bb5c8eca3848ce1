import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ExplainDocument } from '../../src/commands/explain/explain.js';
import type { StatusDocument } from '../../src/commands/status/status.js';
import { defaultIntegrationOptions, defaultMappings } from '../../src/mapping/index.js';
import { INTENTS_FILE, StateStore } from '../../src/state/index.js';
import { startCli, type CliHarness } from './sync-cli-helper.js';

/**
 * status, explain, couplings, skipped and retry against one seeded scenario: a skipped record whose
 * salesperson is not coupled (an unmet dependency), a record whose last Dataverse change is bcsync's echo,
 * an idle mapping, a mapping never run, an open intent and a held lock.
 */

const BASE = ['SALESPEOPLE', 'CURRENCY', 'PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT', 'CUSTOMER'];

describe('status, explain, couplings, skipped, retry', () => {
  let h: CliHarness;
  let skippedCustomer: { bcId: string; dataverseId: string; number: string };
  let echoCustomer: { bcId: string; dataverseId: string; number: string };
  let salesperson: string;

  beforeAll(async () => {
    h = await startCli();
    const args = ['full-sync', '--match', 'CUSTOMER=name'];
    for (const m of BASE) args.push('--mapping', m);
    expect((await h.cli(args)).code).toBe(0);
    const state = await StateStore.open(h.stateDir, { lock: false });
    const couplings = [...state.couplings('CUSTOMER')].filter((c) => h.emu.bc.get('customers', c.bcId) && h.emu.dataverse.get('accounts', c.dataverseId));
    const entitySet = defaultMappings(defaultIntegrationOptions).find((m) => m.name === 'SALESPEOPLE')!.bc.entitySet;
    salesperson = String(h.emu.bc.list(entitySet).find((sp) => !state.byBcId('SALESPEOPLE', String(sp.id)))!.code);
    await state.close();
    const pick = (i: number) => ({ bcId: couplings[i]!.bcId, dataverseId: couplings[i]!.dataverseId, number: String(h.emu.bc.get('customers', couplings[i]!.bcId)!.number) });
    skippedCustomer = pick(0);
    echoCustomer = pick(1);
    // A person gives a customer a salesperson that is not coupled: it fails twice with the same error, then is skipped.
    h.emu.bc.update('customers', skippedCustomer.bcId, { salespersonCode: salesperson });
    expect((await h.cli(['sync', '--mapping', 'CUSTOMER'])).code).toBe(4);
    expect((await h.cli(['sync', '--mapping', 'CUSTOMER'])).code).toBe(4);
    // bcsync writes the echo customer's account: its last Dataverse change is the integration user's.
    h.emu.bc.update('customers', echoCustomer.bcId, { phoneNumber: '+1 425 555 0111' });
    await h.cli(['sync', '--mapping', 'CUSTOMER']);
    // CURRENCY runs twice with nothing to do: idle (BC's "On Hold with Inactivity Timeout").
    expect((await h.cli(['sync', '--mapping', 'CURRENCY'])).code).toBe(0);
    // A create whose answer was never recorded (a crash): an open intent.
    fs.appendFileSync(
      path.join(h.stateDir, INTENTS_FILE),
      JSON.stringify({ open: { seq: 900, mapping: 'CUSTOMER', direction: 'to-dataverse', target: 'dataverse', entitySet: 'accounts', sourceId: '00000000-0000-4000-8000-000000000099', at: new Date().toISOString() } }) + '\n',
    );
  });
  afterAll(async () => h?.close());

  test('status --json: the fields listed, with the skipped record, the idle mapping, a never-run mapping, the intent and the lock', async () => {
    const holder = await StateStore.open(h.stateDir, { lock: true, command: 'sync --all' });
    let doc: StatusDocument;
    try {
      const r = await h.cli(['status', '--json']);
      expect(r.code).toBe(0);
      doc = JSON.parse(r.stdout) as StatusDocument;
    } finally {
      await holder.close();
    }
    expect(Object.keys(doc).sort()).toEqual(['enabled', 'lock', 'mappings', 'profile']);
    expect(doc).toMatchObject({ profile: 'default', enabled: true, lock: { pid: process.pid, command: 'sync --all' } });
    for (const m of doc.mappings) {
      for (const key of ['name', 'coupled', 'lastRun', 'watermarks', 'skipped', 'failed', 'openIntents', 'due', 'idle']) expect(m).toHaveProperty(key);
    }
    const by = (name: string) => doc.mappings.find((m) => m.name === name)!;
    expect(by('CUSTOMER')).toMatchObject({ skipped: 1, openIntents: 1, lastRun: { outcome: 'ok', counts: { modified: 1 } } });
    expect(by('CUSTOMER').coupled).toBeGreaterThan(1);
    expect(by('CUSTOMER').watermarks.bc).toEqual({ at: expect.any(String), ageMinutes: expect.any(Number) });
    expect(by('CURRENCY')).toMatchObject({ idle: true, due: false, lastRun: { outcome: 'ok', counts: { inserted: 0, modified: 0 } } });
    expect(by('VENDOR')).toMatchObject({ coupled: 0, lastRun: null, due: true, idle: false, watermarks: { bc: null, dataverse: null } });
    // Without a holder there is no lock.
    expect((JSON.parse((await h.cli(['status', '--json'])).stdout) as StatusDocument).lock).toBeNull();
  });

  test('status on a terminal-less stdout: one row per mapping, and where to look next', async () => {
    const r = await h.cli(['status']);
    expect(r.stdout).toMatch(/^Profile default: connection enabled\n/);
    expect(r.stdout).toMatch(/\nCURRENCY\t\d+\t\S+ ok\t.*\tidle\n/);
    expect(r.stderr).toMatch(/1 skipped record\(s\): see "bcsync skipped"/);
  });

  test('explain --json: a skipped record with an uncoupled salesperson; the fix comes first from the dependency', async () => {
    const r = await h.cli(['explain', '--mapping', 'CUSTOMER', '--record', skippedCustomer.number, '--json']);
    expect(r.code).toBe(0);
    const d = JSON.parse(r.stdout) as ExplainDocument;
    expect(Object.keys(d).sort()).toEqual(['bc', 'coupling', 'dataverse', 'failed', 'fix', 'lastError', 'mapping', 'reasons', 'record', 'skipped', 'unmetDependencies'].sort());
    expect(d).toMatchObject({
      mapping: 'CUSTOMER',
      bc: { id: skippedCustomer.bcId, exists: true, inFilter: true, label: skippedCustomer.number, changedSinceSync: true },
      dataverse: { id: skippedCustomer.dataverseId, exists: true, inFilter: true },
      coupling: { bcId: skippedCustomer.bcId, dataverseId: skippedCustomer.dataverseId },
      skipped: true,
      lastError: { direction: 'to-dataverse', message: expect.stringMatching(/must be coupled first/) },
      unmetDependencies: [expect.objectContaining({ mapping: 'SALESPEOPLE', value: salesperson })],
      fix: 'bcsync sync --mapping SALESPEOPLE',
    });
    expect(d.reasons.join('\n')).toMatch(/not coupled: SALESPEOPLE/);
    expect(d.reasons.join('\n')).toMatch(/It is skipped/);
  });

  test("explain: the echo of bcsync's own write is named; nothing to do", async () => {
    const r = await h.cli(['explain', '--mapping', 'CUSTOMER', '--record', echoCustomer.dataverseId, '--json']);
    const d = JSON.parse(r.stdout) as ExplainDocument;
    expect(d.dataverse).toMatchObject({ echo: true, changedSinceSync: false });
    expect(d.bc).toMatchObject({ changedSinceSync: false });
    expect(d.skipped).toBe(false);
    expect(d.reasons.join('\n')).toMatch(/integration user's echo/);
    const plain = await h.cli(['explain', '--mapping', 'CUSTOMER', '--record', echoCustomer.number]);
    expect(plain.stdout).toMatch(/the integration user: an echo/);
  });

  test('explain: a record that is not coupled where the mapping needs couplings says how to couple it', async () => {
    const created = h.emu.bc.insert('customers', { displayName: 'Explain Me Ltd.' });
    const d = JSON.parse((await h.cli(['explain', '--mapping', 'CUSTOMER', '--record', String(created.number), '--json'])).stdout) as ExplainDocument;
    expect(d.coupling).toBeNull();
    expect(d.dataverse).toBeNull();
    expect(d.fix).toMatch(/^bcsync (couple --mapping CUSTOMER --bc .* --create-in dataverse|sync --mapping CUSTOMER)$/);
  });

  test('couplings --mapping --record: BC id and number, Dataverse id and name, last synced, skipped', async () => {
    const r = await h.cli(['couplings', '--mapping', 'CUSTOMER', '--record', skippedCustomer.number, '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { mapping: string; couplings: Array<Record<string, unknown>> };
    expect(doc.couplings).toEqual([
      {
        bcId: skippedCustomer.bcId,
        bcNumber: skippedCustomer.number,
        dataverseId: skippedCustomer.dataverseId,
        dataverseName: String(h.emu.dataverse.get('accounts', skippedCustomer.dataverseId)!.name),
        coupledAt: expect.any(String),
        lastSynced: { bc: expect.any(String), dataverse: expect.any(String) },
        skipped: true,
      },
    ]);
    const all = JSON.parse((await h.cli(['couplings', '--mapping', 'CUSTOMER', '--json'])).stdout) as { couplings: unknown[] };
    expect(all.couplings.length).toBeGreaterThan(1);
  });

  test('skipped lists the record with its error; retry --record un-skips and synchronizes it once fixed', async () => {
    const listed = JSON.parse((await h.cli(['skipped', '--json'])).stdout) as { skipped: Array<Record<string, unknown>> };
    expect(listed.skipped).toEqual([
      expect.objectContaining({ mapping: 'CUSTOMER', direction: 'to-dataverse', bcId: skippedCustomer.bcId, error: expect.stringMatching(/must be coupled first/), since: expect.any(String) }),
    ]);
    expect((await h.cli(['retry', '--mapping', 'CUSTOMER'])).stderr).toMatch(/Pass exactly one of --record ID and --all/);
    h.emu.bc.update('customers', skippedCustomer.bcId, { salespersonCode: '' });
    const r = await h.cli(['retry', '--mapping', 'CUSTOMER', '--record', skippedCustomer.number]);
    expect(r.stderr).toMatch(/CUSTOMER: 1 skipped record\(s\) will be tried again/);
    expect(r.code).toBe(0);
    expect(JSON.parse((await h.cli(['skipped', '--json'])).stdout)).toEqual({ skipped: [] });
    const again = await h.cli(['retry', '--mapping', 'CUSTOMER', '--record', skippedCustomer.number]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is not skipped in CUSTOMER/);
  });
});
