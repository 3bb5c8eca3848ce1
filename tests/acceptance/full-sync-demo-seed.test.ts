/**
 * After a full synchronization of the demo seed, every record in scope of the master-data
 * mappings has exactly one coupled counterpart with equal mapped fields, except the records reported as
 * ambiguous; an immediate `sync --all` writes nothing and logs only unchanged and echo-suppressed records.
 * Everything goes through the real commands and clients to the emulators over HTTP.
 *
 * Two sets of records of the demo seed cannot be synchronized, for reasons in the data, and are asserted as
 * such (so a change in behaviour shows up here):
 * - ITEM-PRODUCT, Dataverse → BC: four products that exist only in Dataverse use the unit "Primary Unit" of
 *   Dataverse's "Default Unit" group. ITEM UOM is a BC → Dataverse mapping, so that unit never has a BC
 *   counterpart and the products cannot get a BC base unit (BC fails them the same way).
 * - PLLINE-PRODPRICE: line 1024 belongs to price list S00005, which PLHEADER-PRICE's table filter leaves out,
 *   so its price list is never coupled.
 * - CONTACT: two person contacts belong to companies whose customer is one of the ambiguous ones (Adatum,
 *   Trey Research), which are deliberately left uncoupled, so the contacts have no parent account to point to.
 * Records BC creates itself while a later mapping runs (the unit group of a resource created from a Dataverse
 * product) were not there when their own mapping ran; they are listed and asserted separately.
 * "Equal mapped fields" is checked with planFieldTransfer in the direction the pair was synchronized: BC → Dataverse
 * (no changed fields against the coupled row) for records from BC and every one-way BC → Dataverse mapping,
 * Dataverse → BC for records created from Dataverse rows (fields that only travel to Dataverse keep BC's own
 * values there, e.g. a credit limit, exactly as in BC).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { BcClient } from '../../src/clients/bc/client.js';
import { ClientCredentialsTokenProvider } from '../../src/clients/auth/token-provider.js';
import { DataverseClient } from '../../src/clients/dataverse/client.js';
import { systemClock } from '../../src/clock.js';
import { DEMO_MATCH } from '../../src/commands/demo/demo.js';
import type { FullSyncMappingResult } from '../../src/commands/full-sync/full-sync.js';
import { engineContext, loadEnvironment, profileMappings } from '../../src/app/engine-context.js';
import type { MappingReport } from '../../src/engine/report.js';
import { lookupsFor, type EngineContext } from '../../src/engine/run.js';
import { bcTable, dataverseTable } from '../../src/engine/tables.js';
import { defaultIntegrationOptions, planFieldTransfer, type IntegrationTableMapping } from '../../src/mapping/index.js';
import type { Rec } from '../../src/sides/types.js';
import { IntentJournal, StateStore, SyncLog, type LoggedRun } from '../../src/state/index.js';
import { startCli, writesIn, type CliHarness } from '../commands/sync-cli-helper.js';

const CHECKED = [
  'SALESPEOPLE',
  'CURRENCY',
  'PAYMENT TERMS',
  'SHIPMENT METHOD',
  'SHIPPING AGENT',
  'CUSTOMER',
  'VENDOR',
  'CONTACT',
  'UNIT GROUP',
  'ITEM UOM',
  'RESOURCE UOM',
  'ITEM-PRODUCT',
  'RESOURCE-PRODUCT',
  'PLHEADER-PRICE',
  'PLLINE-PRODPRICE',
  'OPPORTUNITY',
];

async function readAll(list: AsyncIterable<Rec[]>): Promise<Rec[]> {
  const out: Rec[] = [];
  for await (const page of list) out.push(...page);
  return out;
}

describe('full synchronization of the demo seed', () => {
  let h: CliHarness;
  let results: FullSyncMappingResult[];
  let state: StateStore;
  let ctx: EngineContext;
  let mappings: IntegrationTableMapping[];
  let closeClients: () => Promise<void>;

  beforeAll(async () => {
    h = await startCli();
    const args = ['--json', 'full-sync'];
    for (const m of DEMO_MATCH) args.push('--match', m);
    const r = await h.cli(args);
    results = (JSON.parse(r.stdout) as { mappings: FullSyncMappingResult[] }).mappings;
    // Only the documented record failures (see the top of this file) make the exit code 4.
    expect(r.code).toBe(4);

    state = await StateStore.open(h.stateDir, { lock: false });
    const tokens = new ClientCredentialsTokenProvider({ tokenUrl: h.emu.tokenUrl, ...h.emu.credentials });
    const bc = new BcClient({ url: h.emu.bc.url, companyId: h.emu.bc.companyId, tokens });
    const dataverse = new DataverseClient({ url: h.emu.dataverse.url, tokens });
    closeClients = async () => void (await Promise.all([bc.close(), dataverse.close(), tokens.close()]));
    mappings = profileMappings(defaultIntegrationOptions, {});
    const env = await loadEnvironment({ bc, dataverse }, h.stateDir, h.emu.bc.companyName, Date.now());
    ctx = engineContext({ bc, dataverse }, env, { state, intents: IntentJournal.inMemory(), clock: systemClock, mappings });
  });
  afterAll(async () => {
    await state?.close();
    await closeClients?.();
    await h?.close();
  });

  const result = (name: string) => results.find((r) => r.mapping === name)!;

  test('every checked mapping ran; the only record failures are the documented ones', () => {
    for (const name of CHECKED) expect([name, result(name).status]).toEqual([name, 'synchronized']);
    const failures = results.flatMap((r) => r.report?.records ?? []).map((f) => `${f.mapping} ${f.direction} ${f.outcome} ${f.label}`);
    expect(failures.sort()).toEqual(
      [
        'CONTACT to-dataverse failed CT000043',
        'CONTACT to-dataverse failed CT000055',
        'ITEM-PRODUCT from-dataverse failed Bar Stool',
        'ITEM-PRODUCT from-dataverse failed Executive Leather Sofa',
        'ITEM-PRODUCT from-dataverse failed Planter Box',
        'ITEM-PRODUCT from-dataverse failed Reception Desk',
        'PLLINE-PRODPRICE to-dataverse failed 1024',
      ].sort(),
    );
    const ambiguous = results.flatMap((r) => [...(r.match?.ambiguous ?? []), ...(r.match?.takenByOther ?? [])]).map((a) => a.label);
    expect(ambiguous.sort()).toEqual(['10000 Adatum Corporation', '120000 Litware, Inc.', '290000 Trey Research']);
  });

  test('every record in scope has exactly one coupled counterpart with equal mapped fields', async () => {
    const lookups = lookupsFor(ctx);
    const createdLater: string[] = [];
    const checks: Array<() => string[]> = [];
    for (const name of CHECKED) {
      const m = mappings.find((x) => x.name === name)!;
      const r = result(name);
      const ambiguousBc = new Set([...(r.match?.ambiguous ?? []), ...(r.match?.takenByOther ?? [])].map((a) => a.bcId));
      const candidates = new Set((r.match?.ambiguous ?? []).flatMap((a) => a.candidates.map((c) => c.dataverseId)));
      const failedBc = new Set((r.report?.records ?? []).filter((f) => f.direction === 'to-dataverse').map((f) => f.bcId));
      const failedDv = new Set((r.report?.records ?? []).filter((f) => f.direction === 'from-dataverse').map((f) => f.dataverseId));
      const bcRecords = await readAll(ctx.bc.list(bcTable(m)));
      expect(bcRecords.length).toBeGreaterThan(0);

      if (m.kind === 'option') {
        const set = m.dataverse.optionSet!;
        const options = await ctx.dataverse.optionSets!.list(set.table, set.attribute);
        for (const rec of bcRecords) {
          const c = state.byBcId(m.name, rec.id);
          expect([name, rec.fields.code, c !== undefined]).toEqual([name, rec.fields.code, true]);
          // BC codes compare upper-cased: an existing option "Net 30" is the code NET 30.
          expect(options.find((o) => String(o.value) === c!.dataverseId)?.label.toUpperCase()).toBe(String(rec.fields.code).toUpperCase());
        }
        continue;
      }

      const dvRows = new Map((await readAll(ctx.dataverse.list(dataverseTable(m, ctx.dataverseCompanyId)))).map((row) => [row.id, row]));
      const pairs: Array<{ bc: Rec; dv: Rec }> = [];
      for (const rec of bcRecords) {
        const c = state.byBcId(m.name, rec.id);
        if (ambiguousBc.has(rec.id)) {
          expect([name, rec.id, c]).toEqual([name, rec.id, undefined]);
          continue;
        }
        // A failed record may be coupled (by matching) but was not written; its failure is asserted above.
        if (failedBc.has(rec.id)) continue;
        // Sales & Receivables Setup's write-in item (9000) is never synchronized: it must stay uncoupled (docs/integration.md §8.1).
        if (name === 'ITEM-PRODUCT' && rec.fields.number === ctx.writeInProduct?.number) {
          expect([name, rec.fields.number, c]).toEqual([name, '9000', undefined]);
          continue;
        }
        // BC records are a source unless the mapping only reads from Dataverse (SALESPEOPLE: BC-only ones stay).
        if (m.direction === 'from-dataverse' && c === undefined) continue;
        if (c === undefined && Date.parse(rec.modifiedAt) > Date.parse(r.report!.finishedAt)) {
          createdLater.push(`${name} ${String(rec.fields[m.bc.nameField ?? 'id'])}`);
          continue;
        }
        expect([name, rec.id, rec.fields[m.bc.nameField ?? "id"], c !== undefined]).toEqual([name, rec.id, rec.fields[m.bc.nameField ?? "id"], true]);
        // Every coupled contact, also one created in Dataverse, has its parent account and so is in scope.
        const dv = dvRows.get(c!.dataverseId);
        expect([name, rec.id, dv !== undefined]).toEqual([name, rec.id, true]);
        expect(state.byDataverseId(m.name, dv!.id)?.bcId).toBe(rec.id);
        pairs.push({ bc: rec, dv: dv! });
      }
      // Dataverse rows are a source unless the mapping only writes to Dataverse: none may be left uncoupled.
      if (m.direction !== 'to-dataverse') {
        for (const row of dvRows.values()) {
          if (candidates.has(row.id) || failedDv.has(row.id)) continue;
          expect([name, row.id, state.byDataverseId(m.name, row.id) !== undefined]).toEqual([name, row.id, true]);
        }
      }
      // Compared in the direction the pair was synchronized: a record created from Dataverse matches its row
      // on the fields that travel Dataverse → BC (fields that only go to Dataverse keep BC's own values, as in BC).
      const passOf = (bcId: string) => {
        if (m.direction !== 'bidirectional') return m.direction;
        const c = state.byBcId(m.name, bcId)!;
        return c.lastResultToDataverse === undefined && c.lastResultToBc === 'success' ? 'from-dataverse' : 'to-dataverse';
      };
      const compare = () =>
        pairs.flatMap(({ bc, dv }) => {
          const pass = passOf(bc.id);
          const t = pass === 'to-dataverse'
            ? planFieldTransfer(m, pass, bc.fields, dv.fields, lookups.context())
            : planFieldTransfer(m, pass, dv.fields, bc.fields, lookups.context());
          return [...t.changed.map((f) => `${name} ${bc.id}: ${f} differs`), ...t.errors.map((e) => `${name} ${bc.id}: ${e.fieldId}: ${e.message}`)];
        });
      compare(); // asks for the lookup indexes it needs
      checks.push(compare);
    }
    await lookups.buildMissing();
    expect(checks.flatMap((c) => c())).toEqual([]);
    // Business Central makes some records itself after their mapping ran (the unit group of the resource that
    // RESOURCE-PRODUCT creates from a Dataverse product): the full sync's settling pass takes them, none is left.
    expect(createdLater.sort()).toEqual([]);
  });

  test('an immediate sync --all writes nothing, logs only unchanged, echo-suppressed and the documented skipped records, and exits 4 for them', async () => {
    // The account statistics' first upload is a write of its own (tests/commands/stats.test.ts); done here first.
    expect((await h.cli(['stats', '--all'])).code).toBe(0);
    h.emu.resetLog();
    const since = new Date().toISOString();
    const r = await h.cli(['--json', 'sync', '--all']);
    const reports = (JSON.parse(r.stdout) as { mappings: MappingReport[] }).mappings;
    expect(reports.map((x) => x.mapping)).toEqual(expect.arrayContaining(CHECKED));
    expect(writesIn(h.emu)).toEqual([]);

    const logged: LoggedRun[] = [];
    for await (const run of new SyncLog(h.stateDir).readRuns({ since })) logged.push(run);
    const synchronizations = logged.filter((l) => l.run.kind === 'synchronization');
    expect(synchronizations.length).toBeGreaterThanOrEqual(CHECKED.length);
    const counted = new Map<string, number>();
    for (const { run, finished } of synchronizations) {
      expect(finished).toBe(true);
      const { unchanged, echoSuppressed, skipped, ...rest } = run.counts;
      for (const [key, n] of Object.entries(rest)) expect([run.mapping, run.direction, key, n]).toEqual([run.mapping, run.direction, key, 0]);
      counted.set(run.mapping, (counted.get(run.mapping) ?? 0) + unchanged + echoSuppressed);
      // Every documented failure fails a second time with the same error: skipped, as BC does. The creates among
      // them (the four products, a contact) are retried too although these mappings synchronize only coupled
      // records: a failed create is retried like any failed record (docs/integration.md §5.6).
      const documented: Record<string, number> = { 'PLLINE-PRODPRICE to-dataverse': 1, 'CONTACT to-dataverse': 2, 'ITEM-PRODUCT from-dataverse': 4 };
      const skippedAgain = documented[`${run.mapping} ${run.direction}`] ?? 0;
      expect([run.mapping, run.direction, skipped]).toEqual([run.mapping, run.direction, skippedAgain]);
    }
    // CUSTOMER ran (its watermark already covers what the full sync wrote, so it may read nothing).
    expect(counted.has('CUSTOMER')).toBe(true);
    // Records left skipped are records not synchronized: the run says so with exit code 4.
    expect(r.code).toBe(4);
  });
});
