import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { MappingReport } from '../../src/engine/report.js';
import { ScriptedPrompter } from '../../src/io/prompter.js';
import { defaultIntegrationOptions, defaultMappings } from '../../src/mapping/index.js';
import { JOURNAL_FILE, SNAPSHOT_FILE, StateStore, SyncLog, type LoggedRun } from '../../src/state/index.js';
import { startCli, writesIn, type CliHarness } from './sync-cli-helper.js';

const BASE = ['SALESPEOPLE', 'CURRENCY', 'PAYMENT TERMS', 'SHIPMENT METHOD', 'SHIPPING AGENT', 'CUSTOMER'];

async function stateBytes(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of [SNAPSHOT_FILE, JOURNAL_FILE]) {
    files[name] = await fs.readFile(path.join(dir, name), 'utf8').catch(() => '(missing)');
  }
  return files;
}

async function runs(dir: string): Promise<LoggedRun[]> {
  const out: LoggedRun[] = [];
  for await (const r of new SyncLog(dir).readRuns()) out.push(r);
  return out;
}

async function coupledCustomers(h: CliHarness, count: number): Promise<Array<{ bcId: string; dataverseId: string }>> {
  const state = await StateStore.open(h.stateDir, { lock: false });
  try {
    return [...state.couplings('CUSTOMER')]
      .filter((c) => h.emu.bc.get('customers', c.bcId) && h.emu.dataverse.get('accounts', c.dataverseId))
      .slice(0, count)
      .map((c) => ({ bcId: c.bcId, dataverseId: c.dataverseId }));
  } finally {
    await state.close();
  }
}

describe('bcsync sync', () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCli();
    const args = ['full-sync', '--match', 'CUSTOMER=name'];
    for (const m of BASE) args.push('--mapping', m);
    const r = await h.cli(args);
    expect(r.stderr).not.toContain('error:');
    expect(r.code).toBe(0);
  });
  afterAll(async () => h?.close());

  test('usage errors are one line with exit code 2 and leave the state alone', async () => {
    const before = await stateBytes(h.stateDir);
    const cases: Array<[string[], RegExp]> = [
      [['sync'], /Missing --mapping M or --all/],
      [['sync', '--mapping', 'NOPE'], /Unknown mapping "NOPE"/],
      [['sync', '--all', '--mapping', 'CUSTOMER'], /--all and --mapping cannot be combined/],
      [['sync', '--mapping', 'CUSTOMER', '--record', 'not-a-number', '--overwrite', 'bc'], /No customers record has number "not-a-number" in Business Central; check the number, or pass --record with the record's id/],
      [['sync', '--mapping', 'CUSTOMER', '--record', '5d115c9c-44e3-ea11-bb43-000d3a2feca', '--overwrite', 'bc'], /--record "5d115c9c-44e3-ea11-bb43-000d3a2feca" is neither a record id/],
      [['sync', '--mapping', 'CUSTOMER', '--overwrite', 'bc'], /--overwrite only applies to --record/],
      [['sync', '--mapping', 'CURRENCY', '--direction', 'from-dataverse'], /synchronizes to-dataverse only/],
    ];
    for (const [args, message] of cases) {
      const r = await h.cli(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(await stateBytes(h.stateDir)).toEqual(before);
  });

  test('--record without --overwrite and without a terminal names --overwrite', async () => {
    const [c] = await coupledCustomers(h, 1);
    const r = await h.cli(['sync', '--mapping', 'CUSTOMER', '--record', c!.bcId]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: Missing --overwrite dataverse\|bc/);
  });

  test('--dry-run prints the plan per record and writes nothing; the real run then carries the edit', async () => {
    const [c] = await coupledCustomers(h, 1);
    const name = 'Dry Run Renamed Ltd.';
    h.emu.bc.update('customers', c!.bcId, { displayName: name });
    const before = await stateBytes(h.stateDir);
    const accounts = h.emu.dataverse.count('accounts');
    const oldName = h.emu.dataverse.get('accounts', c!.dataverseId)!.name;
    h.emu.resetLog();

    const dry = await h.cli(['sync', '--mapping', 'CUSTOMER', '--dry-run']);
    expect(dry.code).toBe(0);
    const planLine = dry.stdout.split('\n').find((l) => l.includes(c!.bcId) && l.includes('\tmodify\t'));
    expect(planLine).toBeDefined();
    expect(planLine).toContain('to-dataverse');
    expect(planLine).toContain(c!.dataverseId);
    expect(planLine).toContain('name');
    expect(writesIn(h.emu)).toEqual([]);
    expect(await stateBytes(h.stateDir)).toEqual(before);
    expect(h.emu.dataverse.count('accounts')).toBe(accounts);
    expect(h.emu.dataverse.get('accounts', c!.dataverseId)!.name).toBe(oldName);

    const real = await h.cli(['--json', 'sync', '--mapping', 'CUSTOMER']);
    expect(real.code).toBe(0);
    const doc = JSON.parse(real.stdout) as { ok: boolean; mappings: MappingReport[] };
    expect(doc.ok).toBe(true);
    expect(doc.mappings).toHaveLength(1);
    expect(doc.mappings[0]!.counts['to-dataverse'].modified).toBe(1);
    expect(h.emu.dataverse.get('accounts', c!.dataverseId)!.name).toBe(name);
    // Both runs are in the sync log; the dry one is marked as such.
    const logged = (await runs(h.stateDir)).filter((r) => r.run.mapping === 'CUSTOMER' && r.run.direction === 'to-dataverse');
    const last2 = logged.slice(-2);
    expect(last2.map((r) => r.run.dryRun)).toEqual([true, false]);
    expect(last2[1]!.run.counts.modified).toBe(1);
  });

  test('the same field edited on both sides is a conflict (exit 4); --record --overwrite bc lets Dataverse win', async () => {
    const [, c] = await coupledCustomers(h, 2);
    h.emu.bc.update('customers', c!.bcId, { phoneNumber: '111-111' });
    h.emu.dataverse.update('accounts', c!.dataverseId, { telephone1: '222-222' });
    const conflicted = await h.cli(['sync', '--mapping', 'CUSTOMER']);
    expect(conflicted.code).toBe(4);
    expect(conflicted.stderr).toMatch(/conflict/);
    expect(h.emu.bc.get('customers', c!.bcId)!.phoneNumber).toBe('111-111');
    expect(h.emu.dataverse.get('accounts', c!.dataverseId)!.telephone1).toBe('222-222');

    const now = await h.cli(['sync', '--mapping', 'CUSTOMER', '--record', c!.dataverseId, '--overwrite', 'bc']);
    expect(now.code).toBe(0);
    expect(h.emu.bc.get('customers', c!.bcId)!.phoneNumber).toBe('222-222');
    expect(h.emu.dataverse.get('accounts', c!.dataverseId)!.telephone1).toBe('222-222');
  });

  test('on a terminal --record asks which side wins', async () => {
    const [c] = await coupledCustomers(h, 1);
    h.emu.dataverse.update('accounts', c!.dataverseId, { telephone1: '333-333' });
    const prompter = new ScriptedPrompter([[/which side wins/, 'dataverse']]);
    const r = await h.cli(['sync', '--mapping', 'CUSTOMER', '--record', c!.bcId], { tty: true, prompter });
    expect(r.code).toBe(0);
    expect(prompter.asked).toHaveLength(1);
    // BC won: the Dataverse edit was overwritten with BC's phone number.
    expect(h.emu.dataverse.get('accounts', c!.dataverseId)!.telephone1).toBe(h.emu.bc.get('customers', c!.bcId)!.phoneNumber);
  });

  test('--record takes the BC number, as couple --bc does', async () => {
    const [c] = await coupledCustomers(h, 1);
    const number = String(h.emu.bc.get('customers', c!.bcId)!.number);
    h.emu.bc.update('customers', c!.bcId, { displayName: 'By Number Ltd.' });
    const r = await h.cli(['sync', '--mapping', 'CUSTOMER', '--record', number, '--overwrite', 'dataverse']);
    expect(r.stderr).not.toContain('error:');
    expect(r.code).toBe(0);
    expect(h.emu.dataverse.get('accounts', c!.dataverseId)!.name).toBe('By Number Ltd.');
  });

  test('a record that fails twice with the same error is skipped until --retry-skipped', async () => {
    const [, , c] = await coupledCustomers(h, 3);
    const salespeople = defaultMappings(defaultIntegrationOptions).find((m) => m.name === 'SALESPEOPLE')!.bc.entitySet;
    const state = await StateStore.open(h.stateDir, { lock: false });
    const uncoupled = h.emu.bc.list(salespeople).find((sp) => !state.byBcId('SALESPEOPLE', String(sp.id)));
    await state.close();
    expect(uncoupled).toBeDefined();
    h.emu.bc.update('customers', c!.bcId, { salespersonCode: uncoupled!.code });

    const first = await h.cli(['--json', 'sync', '--mapping', 'CUSTOMER']);
    expect(first.code).toBe(4);
    const failed = (JSON.parse(first.stdout) as { mappings: MappingReport[] }).mappings[0]!.records;
    expect(failed).toEqual([expect.objectContaining({ bcId: c!.bcId, outcome: 'failed', error: expect.stringMatching(/must be coupled first/) })]);
    const second = await h.cli(['--json', 'sync', '--mapping', 'CUSTOMER']);
    // A record left skipped is a record not synchronized: exit code 4.
    expect(second.code).toBe(4);
    expect((JSON.parse(second.stdout) as { mappings: MappingReport[] }).mappings[0]!.records).toEqual([
      expect.objectContaining({ bcId: c!.bcId, outcome: 'skipped' }),
    ]);
    const third = await h.cli(['--json', 'sync', '--mapping', 'CUSTOMER']);
    expect((JSON.parse(third.stdout) as { mappings: MappingReport[] }).mappings[0]!.records).toEqual([]);
    // Not read again (unchanged), but still skipped: the run does not pretend all is well.
    expect(third.code).toBe(4);
    expect((JSON.parse(third.stdout) as { mappings: MappingReport[] }).mappings[0]!.leftSkipped).toBe(1);
    // Retry clears the flag; the record is read again and, failing with the same error, skipped again (§5.6).
    const retried = await h.cli(['--json', 'sync', '--mapping', 'CUSTOMER', '--retry-skipped']);
    expect(retried.code).toBe(4);
    expect((JSON.parse(retried.stdout) as { mappings: MappingReport[] }).mappings[0]!.records).toEqual([
      expect.objectContaining({ bcId: c!.bcId, outcome: 'skipped', error: expect.stringMatching(/must be coupled first/) }),
    ]);
    // Fixed in BC: still skipped until retried; with --retry-skipped it synchronizes cleanly.
    h.emu.bc.update('customers', c!.bcId, { salespersonCode: '' });
    const stillSkipped = await h.cli(['--json', 'sync', '--mapping', 'CUSTOMER']);
    expect((JSON.parse(stillSkipped.stdout) as { mappings: MappingReport[] }).mappings[0]!.records).toEqual([
      expect.objectContaining({ bcId: c!.bcId, outcome: 'skipped' }),
    ]);
    const fixed = await h.cli(['--json', 'sync', '--mapping', 'CUSTOMER', '--retry-skipped']);
    expect(fixed.code).toBe(0);
    expect((JSON.parse(fixed.stdout) as { mappings: MappingReport[] }).mappings[0]!.records).toEqual([]);
    const logged = (await runs(h.stateDir)).filter((r) => r.run.mapping === 'CUSTOMER' && r.run.direction === 'to-dataverse').slice(-6);
    expect(logged.map((r) => [r.run.counts.failed, r.run.counts.skipped])).toEqual([[1, 0], [0, 1], [0, 0], [0, 1], [0, 1], [0, 0]]);
  });

  test('--all runs every mapping in dependency order; a second run writes nothing', async () => {
    const first = await h.cli(['--json', 'sync', '--all']);
    const doc = JSON.parse(first.stdout) as { mappings: MappingReport[] };
    const names = doc.mappings.map((m) => m.mapping);
    expect(names.indexOf('CURRENCY')).toBeLessThan(names.indexOf('CUSTOMER'));
    expect(names.indexOf('CUSTOMER')).toBeLessThan(names.indexOf('CONTACT'));
    expect(names).toContain('OPPORTUNITY');
    h.emu.resetLog();
    const second = await h.cli(['sync', '--all']);
    expect(second.stdout.split('\n')[0]).toBe('mapping\tdirection\tinserted\tmodified\tunchanged\techoSuppressed\tskipped\tfailed\tconflicts\trequests');
    const customer = second.stdout.split('\n').find((l) => l.startsWith('CUSTOMER\tto-dataverse'))!.split('\t');
    expect(customer.slice(2, 4)).toEqual(['0', '0']);
    expect(writesIn(h.emu)).toEqual([]);
  });
});
