/**
 * "Lose nothing", as a user runs it (the real commands, clients and emulators over HTTP): a second full
 * synchronization writes nothing and never degrades richer Dataverse data; a dry run's counts and exit code are
 * the real run's and it sends only GETs (alone, or as the parts of a `$batch`: `writesIn` reads each batch's parts
 * from the emulators' request log).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { DEMO_MATCH } from '../../src/commands/demo/demo.js';
import type { FullSyncMappingResult } from '../../src/commands/full-sync/full-sync.js';
import type { MappingReport } from '../../src/engine/report.js';
import { IntentJournal, readOpenIntents, StateStore } from '../../src/state/index.js';
import { startCli, writesIn, type CliHarness } from '../commands/sync-cli-helper.js';

const matchArgs = DEMO_MATCH.flatMap((m) => ['--match', m]);

type FullSyncJson = { mappings: FullSyncMappingResult[]; settled: MappingReport[] };
type SyncJson = { mappings: MappingReport[] };

/** Per mapping: status and every counter of every direction (what a user compares between runs). */
function fullSyncCounts(json: FullSyncJson) {
  return json.mappings.map((r) => ({ mapping: r.mapping, status: r.status, counts: r.report?.counts, coupledByMatch: r.match?.coupled.length }));
}

describe('a second full synchronization (demo seed)', () => {
  let h: CliHarness;
  let accountsBefore: Map<string, Record<string, unknown>>;

  beforeAll(async () => {
    h = await startCli();
    accountsBefore = new Map(h.emu.dataverse.list('accounts').map((a) => [String(a.accountid), a]));
  });
  afterAll(async () => h?.close());

  test('writes 0 records, and Dataverse country and credit limit are never cut short or zeroed', async () => {
    const first = await h.cli(['--json', 'full-sync', ...matchArgs]);
    expect(first.code).toBe(4); // the documented record failures of the demo seed (full-sync acceptance)
    const afterFirst = new Map(h.emu.dataverse.list('accounts').map((a) => [String(a.accountid), a]));

    h.emu.resetLog();
    const second = await h.cli(['--json', 'full-sync', ...matchArgs]);
    expect(writesIn(h.emu)).toEqual([]);
    const reports = (JSON.parse(second.stdout) as FullSyncJson).mappings.flatMap((r) => (r.report ? [r.report] : []));
    for (const r of reports) {
      for (const d of r.directions) expect([r.mapping, d, r.counts[d].inserted, r.counts[d].modified]).toEqual([r.mapping, d, 0, 0]);
    }

    for (const account of h.emu.dataverse.list('accounts')) {
      const id = String(account.accountid);
      const was = afterFirst.get(id);
      if (!was) continue;
      expect([id, account.address1_country, account.creditlimit]).toEqual([id, was.address1_country, was.creditlimit]);
      const original = accountsBefore.get(id);
      if (original && Number(original.creditlimit) > 0) expect([id, Number(account.creditlimit) > 0]).toEqual([id, true]);
      expect(String(account.address1_country ?? '')).not.toMatch(/^UNITED STA$/);
    }
  }, 60_000);
});

describe('dry runs are the real run without the writes (demo seed)', () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCli();
  });
  afterAll(async () => h?.close());

  test('full-sync --dry-run: same counts and exit code as the real run, only GETs sent, nothing stored', async () => {
    h.emu.resetLog();
    const dry = await h.cli(['--json', 'full-sync', '--dry-run', ...matchArgs]);
    expect(writesIn(h.emu)).toEqual([]);
    const real = await h.cli(['--json', 'full-sync', ...matchArgs]);
    const dryJson = JSON.parse(dry.stdout) as FullSyncJson;
    const realJson = JSON.parse(real.stdout) as FullSyncJson;
    expect(fullSyncCounts(dryJson)).toEqual(fullSyncCounts(realJson));
    expect(dry.code).toBe(real.code);
    // What BC makes by itself (the unit group of a resource created from a Dataverse product) no dry run can
    // foresee: only the real run's settling pass finds it.
    expect(dryJson.settled).toEqual([]);
    expect(realJson.settled.map((r) => [r.mapping, r.counts['to-dataverse'].inserted])).toEqual([['UNIT GROUP', 1]]);
  }, 90_000);

  test('sync --all --dry-run after edits on both sides: same counts and exit code as the real run, only GETs sent', async () => {
    const customer = h.emu.bc.list('customers')[0]!;
    h.emu.bc.update('customers', String(customer.id), { phoneNumber: '+1 555 0142' });
    const account = h.emu.dataverse.list('accounts').find((a) => a.name && a.accountid)!;
    h.emu.dataverse.update('accounts', String(account.accountid), { websiteurl: 'https://changed.example' });
    h.emu.resetLog();
    const dry = await h.cli(['--json', 'sync', '--all', '--dry-run']);
    expect(writesIn(h.emu)).toEqual([]);
    const real = await h.cli(['--json', 'sync', '--all']);
    const counts = (json: SyncJson) => json.mappings.map((r) => ({ mapping: r.mapping, counts: r.counts }));
    expect(counts(JSON.parse(dry.stdout) as SyncJson)).toEqual(counts(JSON.parse(real.stdout) as SyncJson));
    expect(dry.code).toBe(real.code);
    const written = (JSON.parse(real.stdout) as SyncJson).mappings.reduce((n, r) => n + r.counts['to-dataverse'].modified + r.counts['from-dataverse'].modified, 0);
    expect(written).toBeGreaterThan(0);
  }, 90_000);
});

describe('one broken mapping is not a broken run (demo seed, no companion extension)', () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCli({ scenario: { customApi: false } });
  });
  afterAll(async () => h?.close());

  test('sync --all: the custom-API mappings are unavailable with the fix, the others run, exit 6; --dry-run says the same', async () => {
    const dry = await h.cli(['--json', 'sync', '--all', '--dry-run']);
    const r = await h.cli(['--json', 'sync', '--all']);
    expect(r.code).toBe(6);
    expect(dry.code).toBe(6);
    const reports = (JSON.parse(r.stdout) as SyncJson).mappings;
    const unavailable = reports.filter((x) => x.unavailable).map((x) => x.mapping).sort();
    expect(unavailable.length).toBeGreaterThan(0);
    for (const x of reports.filter((y) => y.unavailable)) {
      expect(x.unavailable!.fix).toMatch(/install the companion extension/);
      expect(x.message).toMatch(/is unavailable/);
    }
    // The standard-API mappings ran: customers reached Dataverse.
    const customer = reports.find((x) => x.mapping === 'CUSTOMER')!;
    expect(customer.unavailable).toBeUndefined();
    expect((JSON.parse(dry.stdout) as SyncJson).mappings.filter((x) => x.unavailable).map((x) => x.mapping).sort()).toEqual(unavailable);
    // The sync log says so too, per mapping.
    const log = await h.cli(['--json', 'log', '--mapping', unavailable[0]!]);
    expect(log.stdout).toMatch(/unavailable|install the companion extension/);
  }, 60_000);
});

describe('a dry run resolves open intents in memory only', () => {
  let h: CliHarness;
  beforeAll(async () => {
    h = await startCli();
  });
  afterAll(async () => h?.close());

  test('full-sync --dry-run leaves the open intent and the couplings as they were; the real run couples the intent', async () => {
    // An interrupted run announced a create of this customer as this account, and the create landed.
    const customer = h.emu.bc.list('customers')[0]!;
    const account = h.emu.dataverse.list('accounts')[0]!;
    const journal = await IntentJournal.open(h.stateDir);
    await journal.record([
      { mapping: 'CUSTOMER', direction: 'to-dataverse', target: 'dataverse', entitySet: 'accounts', sourceId: String(customer.id), chosenId: String(account.accountid) },
    ]);
    const dry = await h.cli(['--json', 'full-sync', '--dry-run', ...matchArgs]);
    expect(JSON.parse(dry.stdout).dryRun).toBe(true);
    // The dry run found the intent's record (in memory) but changed neither the intent nor the couplings on disk.
    expect(await readOpenIntents(h.stateDir)).toHaveLength(1);
    const afterDry = await StateStore.open(h.stateDir, { lock: false });
    expect(afterDry.byBcId('CUSTOMER', String(customer.id))).toBeUndefined();
    await afterDry.close();

    await h.cli(['--json', 'full-sync', ...matchArgs]);
    expect(await readOpenIntents(h.stateDir)).toEqual([]);
    const state = await StateStore.open(h.stateDir, { lock: false });
    expect(state.byBcId('CUSTOMER', String(customer.id))?.dataverseId).toBe(String(account.accountid));
    await state.close();
  }, 60_000);
});
