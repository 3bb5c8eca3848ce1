/**
 * Issue 4 acceptance for the engine, through the real clients to the emulators over loopback HTTP:
 * conflicts and field-level merges, crash safety under SIGKILL, request counts from the emulators' own log,
 * failed records skipped after two identical failures, and ambiguous matches that create nothing.
 * The engine is driven directly (syncMapping, matchBasedCoupling), as the commands drive it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { counterpartId } from '../../src/engine/ids.js';
import { matchBasedCoupling, type MatchReport } from '../../src/engine/match-coupling.js';
import { syncMapping } from '../../src/engine/run.js';
import { StateStore } from '../../src/state/index.js';
import { startEngineHarness, type EngineHarness } from '../helpers/engine-harness.js';
import {
  SCALE_CUSTOMER_DISABLED_FIELDS,
  describeRequests,
  expectClean,
  requestsBy,
  syncDemoCustomers,
  syncDemoReferenceData,
  withFieldsDisabled,
} from '../helpers/engine-acceptance.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHILD = path.join(ROOT, 'tests/acceptance/fixtures/engine-full-sync-child.mjs');

type Row = Record<string, unknown>;

function customerByNumber(h: EngineHarness, number: string): Row {
  const row = h.emu.bc.list('customers').find((c) => c.number === number);
  if (!row) throw new Error(`demo seed has no customer ${number}`);
  return row;
}

// ------------------------------------------------------------------------------------------------
describe('update conflicts and field-level merge (CUSTOMER, demo seed)', () => {
  let h: EngineHarness;
  let bcId: string;
  let dvId: string;
  const bcRow = () => h.emu.bc.get('customers', bcId)!;
  const dvRow = () => h.emu.dataverse.get('accounts', dvId)!;

  beforeAll(async () => {
    h = await startEngineHarness({ seed: 'demo' });
    await syncDemoCustomers(h);
    bcId = String(customerByNumber(h, '20000').id);
    const coupling = h.state.byBcId('CUSTOMER', bcId);
    if (!coupling) throw new Error('customer 20000 (Trey Research) was not coupled by the full sync');
    dvId = coupling.dataverseId;
  });
  afterAll(async () => h?.close());

  test('a name edit in BC and a phone edit in Dataverse on one customer both arrive', async () => {
    h.emu.bc.update('customers', bcId, { displayName: 'Trey Research Group' });
    h.emu.dataverse.update('accounts', dvId, { telephone1: '+1 312 555 0999' });

    const r = await syncMapping(h.ctx, h.mapping('CUSTOMER'), {});

    expect(r.counts['to-dataverse'].conflicts + r.counts['from-dataverse'].conflicts).toBe(0);
    expect(r.records.filter((o) => o.bcId === bcId)).toEqual([]);
    expect(r.counts['to-dataverse'].modified).toBeGreaterThanOrEqual(1);
    expect(r.counts['from-dataverse'].modified).toBeGreaterThanOrEqual(1);
    expect([bcRow().displayName, bcRow().phoneNumber]).toEqual(['Trey Research Group', '+1 312 555 0999']);
    expect([dvRow().name, dvRow().telephone1]).toEqual(['Trey Research Group', '+1 312 555 0999']);
  });

  test('the same field edited on both sides with rule none: a conflict, nothing written on either side', async () => {
    h.emu.bc.update('customers', bcId, { displayName: 'Trey Research (BC)' });
    h.emu.dataverse.update('accounts', dvId, { name: 'Trey Research (Dataverse)' });
    const before = { bc: bcRow().lastModifiedDateTime, dv: dvRow().modifiedon, dvVersion: dvRow().versionnumber };
    const m = h.mapping('CUSTOMER');
    expect(m.updateConflict).toBe('none');

    const r = await syncMapping(h.ctx, m, {});

    expect(r.counts['to-dataverse'].conflicts + r.counts['from-dataverse'].conflicts).toBe(1);
    expect(r.counts['to-dataverse'].modified + r.counts['from-dataverse'].modified).toBe(0);
    const outcomes = r.records.filter((o) => o.bcId === bcId);
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ mapping: 'CUSTOMER', bcId, dataverseId: dvId, outcome: 'conflict', fields: ['name'] });
    expect(outcomes[0]!.error).toMatch(/both sides changed name/);
    expect(bcRow().displayName).toBe('Trey Research (BC)');
    expect(dvRow().name).toBe('Trey Research (Dataverse)');
    expect({ bc: bcRow().lastModifiedDateTime, dv: dvRow().modifiedon, dvVersion: dvRow().versionnumber }).toEqual(before);
  });

  test("rule send: Business Central's value ends up on both sides", async () => {
    const r = await syncMapping(h.ctx, { ...h.mapping('CUSTOMER'), updateConflict: 'send' }, {});

    expect(r.counts['to-dataverse'].conflicts + r.counts['from-dataverse'].conflicts).toBe(0);
    expect(r.records.filter((o) => o.bcId === bcId)).toEqual([]);
    expect(bcRow().displayName).toBe('Trey Research (BC)');
    expect(dvRow().name).toBe('Trey Research (BC)');
  });

  test("rule get: Dataverse's value ends up on both sides", async () => {
    h.emu.bc.update('customers', bcId, { displayName: 'Trey Research (BC, again)' });
    h.emu.dataverse.update('accounts', dvId, { name: 'Trey Research (Dataverse, again)' });

    const r = await syncMapping(h.ctx, { ...h.mapping('CUSTOMER'), updateConflict: 'get' }, {});

    expect(r.counts['to-dataverse'].conflicts + r.counts['from-dataverse'].conflicts).toBe(0);
    expect(bcRow().displayName).toBe('Trey Research (Dataverse, again)');
    expect(dvRow().name).toBe('Trey Research (Dataverse, again)');
    // Settled: the next run changes nothing on this record.
    const again = await syncMapping(h.ctx, h.mapping('CUSTOMER'), {});
    expect(again.records.filter((o) => o.bcId === bcId)).toEqual([]);
    expect(again.counts['to-dataverse'].modified + again.counts['from-dataverse'].modified).toBe(0);
  });
});

// ------------------------------------------------------------------------------------------------
describe('failed records are skipped after two identical failures (CUSTOMER, demo seed)', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: 'demo' });
    await syncDemoCustomers(h);
  });
  afterAll(async () => h?.close());

  test('skipped, not retried by a plain run, picked up again with retrySkipped', async () => {
    // Northwind Traders (80000) is in EUR: without the EUR currency coupling its update cannot be written.
    const customer = customerByNumber(h, '80000');
    expect(customer.currencyCode).toBe('EUR');
    const bcId = String(customer.id);
    const dvId = h.state.byBcId('CUSTOMER', bcId)!.dataverseId;
    const eur = h.emu.bc.list('currencies').find((c) => c.code === 'EUR')!;
    const eurCoupling = h.state.byBcId('CURRENCY', String(eur.id));
    expect(eurCoupling).toBeDefined();
    h.state.uncouple('CURRENCY', { bcId: String(eur.id) });
    await h.state.commit();
    h.emu.bc.update('customers', bcId, { displayName: 'Northwind Traders GmbH' });
    const m = h.mapping('CUSTOMER');
    const outcomeOf = (r: Awaited<ReturnType<typeof syncMapping>>) => r.records.filter((o) => o.bcId === bcId && o.direction === 'to-dataverse');

    const first = await syncMapping(h.ctx, m, {});
    expect(outcomeOf(first)).toEqual([expect.objectContaining({ outcome: 'failed', error: expect.stringMatching(/EUR must be coupled first/) })]);
    expect(first.counts['to-dataverse'].failed).toBe(1);

    // Failed records are retried every run; the same error a second time marks the record skipped.
    const second = await syncMapping(h.ctx, m, {});
    expect(outcomeOf(second)).toEqual([expect.objectContaining({ outcome: 'skipped', error: expect.stringMatching(/EUR must be coupled first/) })]);
    expect(second.counts['to-dataverse'].skipped).toBe(1);
    expect(second.counts['to-dataverse'].failed).toBe(0);
    const failure = h.state.failures('CUSTOMER').find((f) => f.bcId === bcId && f.direction === 'to-dataverse');
    expect(failure).toMatchObject({ skipped: true, failureCount: 2, coupled: true });

    // The cause is fixed, but a plain run leaves a skipped record alone.
    h.state.couple({ mapping: 'CURRENCY', bcId: eurCoupling!.bcId, dataverseId: eurCoupling!.dataverseId });
    await h.state.commit();
    const third = await syncMapping(h.ctx, m, {});
    expect(outcomeOf(third)).toEqual([]);
    expect(third.counts['to-dataverse'].modified + third.counts['to-dataverse'].failed).toBe(0);
    expect(h.emu.dataverse.get('accounts', dvId)!.name).not.toBe('Northwind Traders GmbH');
    expect(h.state.byBcId('CUSTOMER', bcId)!.skipped).toBe(true);

    const retried = await syncMapping(h.ctx, m, { retrySkipped: true });
    expect(outcomeOf(retried)).toEqual([]);
    expect(retried.counts['to-dataverse'].modified).toBe(1);
    expect(h.emu.dataverse.get('accounts', dvId)!.name).toBe('Northwind Traders GmbH');
    expect(h.emu.dataverse.get('accounts', dvId)!._transactioncurrencyid_value).toBe(eurCoupling!.dataverseId);
    expect(h.state.byBcId('CUSTOMER', bcId)).toMatchObject({ skipped: false, lastResultToDataverse: 'success' });
    expect(h.state.failures('CUSTOMER').some((f) => f.bcId === bcId && f.direction === 'to-dataverse')).toBe(false);
  });
});

// ------------------------------------------------------------------------------------------------
describe('ambiguous matches create nothing (CUSTOMER, demo seed)', () => {
  let h: EngineHarness;
  let match: MatchReport;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: 'demo' });
    await syncDemoReferenceData(h);
    match = await matchBasedCoupling(h.ctx, h.mapping('CUSTOMER'), { fields: ['name'] });
  });
  afterAll(async () => h?.close());

  test('match on name reports Adatum and Litware as ambiguous with their candidates', () => {
    const ambiguous = [...match.ambiguous].sort((a, b) => a.label.localeCompare(b.label));
    expect(ambiguous.map((a) => a.label)).toEqual(['10000 Adatum Corporation', '120000 Litware, Inc.']);
    for (const a of ambiguous) {
      const name = String(h.emu.bc.get('customers', a.bcId)!.displayName).toLowerCase();
      expect(a.candidates.length).toBeGreaterThanOrEqual(2);
      for (const c of a.candidates) {
        expect(String(h.emu.dataverse.get('accounts', c.dataverseId)?.name).toLowerCase()).toBe(name);
        expect(h.state.byDataverseId('CUSTOMER', c.dataverseId)).toBeUndefined();
      }
      expect(h.state.byBcId('CUSTOMER', a.bcId)).toBeUndefined();
    }
    expect(match.coupled.length).toBeGreaterThan(0);
  });

  test('a following incremental sync creates no account for them, nor customers for their candidates', async () => {
    const accountsBefore = h.emu.dataverse.count('accounts');
    const customersBefore = h.emu.bc.count('customers');

    const r = await syncMapping(h.ctx, h.mapping('CUSTOMER'), {});

    expect(r.counts['to-dataverse'].inserted + r.counts['from-dataverse'].inserted).toBe(0);
    expect(h.emu.dataverse.count('accounts')).toBe(accountsBefore);
    expect(h.emu.bc.count('customers')).toBe(customersBefore);
    for (const a of match.ambiguous) {
      expect(h.state.byBcId('CUSTOMER', a.bcId)).toBeUndefined();
      expect(h.emu.dataverse.get('accounts', counterpartId('CUSTOMER', 'dataverse', a.bcId))).toBeUndefined();
      for (const c of a.candidates) expect(h.state.byDataverseId('CUSTOMER', c.dataverseId)).toBeUndefined();
    }
  });

  test('a full sync told to leave them alone (as full-sync does after matching) creates nothing for them either', async () => {
    const exclude = {
      bc: match.ambiguous.map((a) => a.bcId),
      dataverse: match.ambiguous.flatMap((a) => a.candidates.map((c) => c.dataverseId)),
    };
    const r = expectClean(await syncMapping(h.ctx, h.mapping('CUSTOMER'), { full: true, exclude }));

    // Only the records without a match (and those whose match is coupled to another customer) are created.
    expect(r.counts['to-dataverse'].inserted).toBe(match.noMatch.length + match.takenByOther.length);
    for (const a of match.ambiguous) {
      expect(h.state.byBcId('CUSTOMER', a.bcId)).toBeUndefined();
      expect(h.emu.dataverse.get('accounts', counterpartId('CUSTOMER', 'dataverse', a.bcId))).toBeUndefined();
      for (const c of a.candidates) {
        expect(h.state.byDataverseId('CUSTOMER', c.dataverseId)).toBeUndefined();
        expect(h.emu.bc.get('customers', counterpartId('CUSTOMER', 'bc', c.dataverseId))).toBeUndefined();
      }
    }
  });
});

// ------------------------------------------------------------------------------------------------
describe('request counts from the emulators\' log (CUSTOMER BC→Dataverse, scale:20000)', () => {
  const N = 20_000;
  let h: EngineHarness;
  beforeAll(async () => {
    h = await startEngineHarness({ seed: `scale:${N}` });
  }, 60_000);
  afterAll(async () => h?.close());
  const mapping = () => withFieldsDisabled(h.mapping('CUSTOMER'), SCALE_CUSTOMER_DISABLED_FIELDS);

  test('a full sync of 20,000 customers BC→Dataverse sends at most 25 requests to Dataverse', async () => {
    const accountsBefore = h.emu.dataverse.count('accounts');
    h.emu.resetLog();

    const r = expectClean(await syncMapping(h.ctx, mapping(), { full: true, direction: 'to-dataverse' }));

    expect(r.counts['to-dataverse'].inserted).toBe(N);
    expect(h.emu.dataverse.count('accounts')).toBe(accountsBefore + N);
    const dv = requestsBy(h.emu.requestLog, 'dataverse');
    if (dv.length > 25) throw new Error(`${dv.length} Dataverse requests:\n${describeRequests(dv).join('\n')}`);
    expect(dv.length).toBeLessThanOrEqual(25);
    expect(dv.reduce((n, e) => n + e.operations, 0)).toBeGreaterThanOrEqual(N);
  }, 150_000);

  test('an incremental sync with no changes over 20,000 couplings uses at most 2 requests per side', async () => {
    expect(h.state.counts('CUSTOMER').couplings).toBe(N);
    // One settling run reads back what the full sync left at the watermarks; then nothing has changed.
    expectClean(await syncMapping(h.ctx, mapping(), {}));
    h.emu.resetLog();

    const r = await syncMapping(h.ctx, mapping(), {});

    for (const d of r.directions) {
      const c = r.counts[d];
      expect(c.inserted + c.modified + c.failed + c.conflicts + c.skipped).toBe(0);
    }
    for (const api of ['bc', 'dataverse'] as const) {
      const entries = requestsBy(h.emu.requestLog, api);
      if (entries.length > 2) throw new Error(`${entries.length} ${api} requests:\n${describeRequests(entries).join('\n')}`);
      expect(entries.length).toBeLessThanOrEqual(2);
      expect(entries.every((e) => e.method === 'GET')).toBe(true);
    }
  }, 30_000);
});

// ------------------------------------------------------------------------------------------------
interface ChildResult {
  signal: NodeJS.Signals | null;
  code: number | null;
  lines: string[];
  stderr: string;
}

/** When to kill: at a progress line, after a share of the run's writes, or a delay after a line. */
type KillPoint =
  | { at: 'opened' | 'phase reading' }
  | { afterWritten: number }
  | { delayAfter: 'opened' | 'phase reading'; ms: number };

describe('SIGKILL during a full sync of 5,000 customers, then a rerun (scale:5000)', () => {
  const N = 5000;
  let h: EngineHarness;
  let accountsBefore: number;
  let customersBefore: number;

  beforeAll(async () => {
    if (!existsSync(path.join(ROOT, 'dist/engine/run.js'))) {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
    }
    // A little Dataverse latency and batches of 50 make the run last long enough to be killed in the middle.
    h = await startEngineHarness({ seed: `scale:${N}`, latency: { dataverse: { baseMs: 30, perOperationMs: 0.3, perRowMs: 0 } } });
    accountsBefore = h.emu.dataverse.count('accounts');
    customersBefore = h.emu.bc.count('customers');
    // The children take the state lock: this process lets go of it until the final rerun.
    await h.state.close();
  }, 60_000);
  afterAll(async () => h?.close());

  function runChild(kill: KillPoint): Promise<ChildResult> {
    const config = {
      stateDir: h.dir,
      mapping: 'CUSTOMER',
      disabledFields: SCALE_CUSTOMER_DISABLED_FIELDS,
      tokenUrl: h.emu.tokenUrl,
      tenantId: h.emu.credentials.tenantId,
      clientId: h.emu.credentials.clientId,
      bcUrl: h.emu.bc.url,
      companyId: h.emu.bc.companyId,
      companyName: h.emu.bc.companyName,
      dataverseUrl: h.emu.dataverse.url,
      dataverseBatchSize: 50,
    };
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CHILD], {
        cwd: ROOT,
        env: { ...process.env, NODE_OPTIONS: '', BCSYNC_CHILD_CONFIG: JSON.stringify(config), BCSYNC_CLIENT_SECRET: h.emu.credentials.clientSecret },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const lines: string[] = [];
      let stderr = '';
      let buffered = '';
      let killed = false;
      const killNow = () => {
        if (!killed) {
          killed = true;
          child.kill('SIGKILL');
        }
      };
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        buffered += chunk;
        let i: number;
        while ((i = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, i);
          buffered = buffered.slice(i + 1);
          lines.push(line);
          if ('at' in kill && line === kill.at) killNow();
          if ('delayAfter' in kill && line === kill.delayAfter) setTimeout(killNow, kill.ms);
          if ('afterWritten' in kill && line.startsWith('written ')) {
            const [, done, total] = line.split(' ').map(Number);
            if (done! >= Math.max(1, Math.floor(total! * kill.afterWritten))) killNow();
          }
        }
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => (stderr += chunk));
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve({ code, signal, lines, stderr }));
    });
  }

  async function readState(): Promise<StateStore> {
    return StateStore.open(h.dir, { lock: false });
  }

  test('10 kills at different moments leave no duplicate, and the rerun couples every customer exactly once', async () => {
    const points: KillPoint[] = [
      { at: 'opened' },
      { at: 'phase reading' },
      { afterWritten: 0 },
      { delayAfter: 'phase reading', ms: 40 },
      // Shares of what is left to write: each run writes only what the killed ones did not.
      { afterWritten: 0.05 },
      { afterWritten: 0.15 },
      { delayAfter: 'phase reading', ms: 120 },
      { afterWritten: 0.25 },
      { afterWritten: 0.3 },
      { afterWritten: 0.35 },
    ];
    const coupledAfterKill: number[] = [];
    for (const point of points) {
      const result = await runChild(point);
      // A late kill point may find nothing left to write: the earlier runs' creates were all found and coupled.
      const nothingLeft = result.code === 0 && result.lines.some((l) => l.startsWith('done ') && JSON.parse(l.slice(5)).inserted === 0);
      if (result.signal !== 'SIGKILL' && !nothingLeft) {
        throw new Error(`the child was not killed at ${JSON.stringify(point)} (exit ${result.code}): ${result.lines.slice(-3).join(' | ')} ${result.stderr}`);
      }
      // After every kill: the state opens, couples no record twice, and claims no write that did not land.
      const state = await readState();
      const couplings = [...state.couplings('CUSTOMER')];
      await state.close();
      const dvIds = couplings.map((c) => c.dataverseId);
      expect(new Set(dvIds).size).toBe(dvIds.length);
      expect(dvIds.filter((id) => !h.emu.dataverse.get('accounts', id))).toEqual([]);
      expect(h.emu.dataverse.count('accounts')).toBeLessThanOrEqual(accountsBefore + N);
      coupledAfterKill.push(couplings.length);
    }
    // The kills really fell at different moments: before anything was written and part-way through (a late kill
    // may land after the last batch, while the run moves its watermarks: that is a moment too).
    expect(Math.min(...coupledAfterKill.slice(0, 2))).toBe(0);
    expect(coupledAfterKill.filter((n) => n > 0 && n < N).length).toBeGreaterThanOrEqual(3);

    // The final rerun, in this process, to completion.
    await h.reopen();
    const r = expectClean(await syncMapping(h.ctx, withFieldsDisabled(h.mapping('CUSTOMER'), SCALE_CUSTOMER_DISABLED_FIELDS), { full: true, direction: 'to-dataverse' }));
    expect(r.counts['to-dataverse'].inserted + r.counts['to-dataverse'].unchanged + r.counts['to-dataverse'].modified).toBe(N);
    await h.state.close();

    expect(h.emu.dataverse.count('accounts')).toBe(accountsBefore + N);
    expect(h.emu.bc.count('customers')).toBe(customersBefore);
    const state = await readState();
    try {
      const couplings = [...state.couplings('CUSTOMER')];
      expect(couplings).toHaveLength(N);
      expect(new Set(couplings.map((c) => c.dataverseId)).size).toBe(N);
      const uncoupled = h.emu.bc.list('customers').filter((c) => !state.byBcId('CUSTOMER', String(c.id)));
      expect(uncoupled.map((c) => c.number)).toEqual([]);
      // Each coupled account carries its own customer's name: no account stands in for two customers.
      const wrong = couplings.filter((c) => h.emu.dataverse.get('accounts', c.dataverseId)?.name !== h.emu.bc.get('customers', c.bcId)?.displayName);
      expect(wrong).toEqual([]);
      const names = h.emu.dataverse.list('accounts').map((a) => String(a.name));
      expect(new Set(names).size).toBe(names.length);
    } finally {
      await state.close();
    }
    await h.reopen();
  }, 90_000);
});
