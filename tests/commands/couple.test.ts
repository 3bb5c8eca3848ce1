import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ScriptedPrompter } from '../../src/io/prompter.js';
import { StateStore } from '../../src/state/index.js';
import { accountsNamed, startCoupleHarness, type CoupleHarness } from './couple-harness.js';

interface MatchJson {
  ok: boolean;
  mode: 'match';
  coupled: Array<{ bcId: string; dataverseId: string; label: string }>;
  ambiguous: Array<{ bcId: string; label: string; candidates: Array<{ dataverseId: string; name: string }> }>;
  noMatch: Array<{ bcId: string; label: string }>;
  alreadyCoupled: number;
  takenByOther: Array<{ bcId: string; label: string; dataverseId: string }>;
  created: Array<{ bcId: string; dataverseId?: string; label: string; created: boolean; error?: string }>;
  blocked: Array<{ bcId: string; label: string; missing: Array<{ mapping: string }> }>;
}

const EXACT = [
  'Trey Research',
  'School of Fine Art',
  'Alpine Ski House',
  'Relecloud',
  'Coho Winery',
  'Fourth Coffee',
  'Northwind Traders',
  'Tailspin Toys',
  'Wingtip Toys',
  'Fabrikam, Inc.',
];

/** The dependency mappings of CUSTOMER, synchronized the way a full sync would before customers. */
const CUSTOMER_DEPENDENCIES = [
  { mapping: 'SALESPEOPLE', match: ['email'] },
  { mapping: 'SALESPEOPLE' },
  { mapping: 'CURRENCY' },
  { mapping: 'PAYMENT TERMS' },
  { mapping: 'SHIPMENT METHOD' },
  { mapping: 'SHIPPING AGENT' },
];

function writes(h: CoupleHarness): string[] {
  return h.emu.requestLog.filter((e) => e.method !== 'GET' && !e.path.includes('token')).map((e) => `${e.api} ${e.method} ${e.path}`);
}

async function couplings(h: CoupleHarness, mapping: string): Promise<Array<{ bcId: string; dataverseId: string }>> {
  const state = await StateStore.open(h.stateDir, { lock: false });
  try {
    return [...state.couplings(mapping)].map((c) => ({ bcId: c.bcId, dataverseId: c.dataverseId }));
  } finally {
    await state.close();
  }
}

function customerId(h: CoupleHarness, number: string): string {
  const c = h.emu.bc.list('customers').find((r) => r.number === number);
  if (!c) throw new Error(`no customer ${number}`);
  return String(c.id);
}

function accountId(h: CoupleHarness, name: string, index = 0): string {
  const rows = h.emu.dataverse.list('accounts').filter((r) => r.name === name);
  if (!rows[index]) throw new Error(`no account ${name}`);
  return String(rows[index]!.accountid);
}

describe('couple --match on the demo seed', () => {
  let h: CoupleHarness;
  beforeAll(async () => {
    h = await startCoupleHarness();
    // Caches the environment (integration user, company, currencies: read in a GET-only $batch) beside the state.
    await h.engine([]);
  });
  afterAll(async () => h?.close());

  test('reports Adatum and Litware as ambiguous with their candidates, creates nothing, couples the exact matches', async () => {
    const before = { adatum: accountsNamed(h.emu, 'Adatum Corporation'), litware: accountsNamed(h.emu, 'Litware, Inc.'), all: h.emu.dataverse.count('accounts') };
    expect(before).toEqual({ adatum: 2, litware: 2, all: 30 });
    h.emu.resetLog();

    const r = await h.cli(['couple', '--mapping', 'CUSTOMER', '--match', 'name', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as MatchJson;

    const ambiguous = new Map(report.ambiguous.map((a) => [a.label, a.candidates]));
    expect([...ambiguous.keys()].sort()).toEqual(['10000 Adatum Corporation', '120000 Litware, Inc.']);
    expect(ambiguous.get('10000 Adatum Corporation')!.map((c) => c.name).sort()).toEqual(['ADATUM CORPORATION', 'Adatum Corporation']);
    expect(ambiguous.get('120000 Litware, Inc.')!.map((c) => c.name)).toEqual(['Litware, Inc.', 'Litware, Inc.']);
    for (const candidates of ambiguous.values()) {
      for (const c of candidates) expect(h.emu.dataverse.get('accounts', c.dataverseId)).toBeDefined();
    }

    expect(report.coupled.map((c) => c.label.replace(/^\d+ /, '')).sort()).toEqual([...EXACT].sort());
    for (const c of report.coupled) expect(h.emu.dataverse.get('accounts', c.dataverseId)?.name).toBe(c.label.replace(/^\d+ /, ''));
    // The second "Trey Research" customer finds only the account the first one took.
    expect(report.takenByOther.map((t) => t.label)).toEqual(['290000 Trey Research']);
    expect(report.alreadyCoupled).toBe(0);

    // Nothing was created or changed on either side; the couplings are in the state.
    expect(writes(h)).toEqual([]);
    expect({ adatum: accountsNamed(h.emu, 'Adatum Corporation'), litware: accountsNamed(h.emu, 'Litware, Inc.'), all: h.emu.dataverse.count('accounts') }).toEqual(before);
    const stored = await couplings(h, 'CUSTOMER');
    expect(stored.map((c) => c.bcId).sort()).toEqual(report.coupled.map((c) => c.bcId).sort());
  });

  test('the table output names the outcome and candidates of every record, and a summary on stderr', async () => {
    const r = await h.cli(['couple', '--mapping', 'CUSTOMER', '--match', 'name', '--dry-run']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('result\trecord\tbcId\tdataverseId\tcandidates');
    const adatum = lines.find((l) => l.includes('Adatum Corporation'))!;
    expect(adatum.split('\t')[0]).toBe('ambiguous');
    expect(adatum).toContain(`${accountId(h, 'ADATUM CORPORATION')} (ADATUM CORPORATION)`);
    expect(r.stderr).toMatch(/0 would be coupled, 2 ambiguous \(nothing created for them\), 14 no match, .* 10 already coupled/);
  });

  test('a second run finds the exact matches already coupled', async () => {
    const r = await h.cli(['couple', '--mapping', 'CUSTOMER', '--match', 'name', '--json']);
    const report = JSON.parse(r.stdout) as MatchJson;
    expect(report.alreadyCoupled).toBe(10);
    expect(report.coupled).toEqual([]);
    expect(report.ambiguous).toHaveLength(2);
  });

  test('--match name,city couples Litware in Redmond and leaves Adatum ambiguous; --case-sensitive resolves Adatum', async () => {
    const byCity = JSON.parse((await h.cli(['couple', '--mapping', 'CUSTOMER', '--match', 'name,city', '--json'])).stdout) as MatchJson;
    expect(byCity.coupled.map((c) => c.label)).toEqual(['120000 Litware, Inc.']);
    expect(byCity.ambiguous.map((a) => a.label)).toEqual(['10000 Adatum Corporation']);
    const exact = JSON.parse((await h.cli(['couple', '--mapping', 'CUSTOMER', '--match', 'name', '--case-sensitive', '--json'])).stdout) as MatchJson;
    expect(exact.coupled.map((c) => c.label)).toEqual(['10000 Adatum Corporation']);
    expect(h.emu.dataverse.get('accounts', exact.coupled[0]!.dataverseId)?.name).toBe('Adatum Corporation');
  });

  test('SALESPEOPLE (from Dataverse) couples by e-mail; --create-if-no-match is refused for it', async () => {
    const r = await h.cli(['couple', '--mapping', 'SALESPEOPLE', '--match', 'email', '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as MatchJson;
    expect(report.coupled).toHaveLength(4);
    expect(report.ambiguous).toEqual([]);
    const refused = await h.cli(['couple', '--mapping', 'SALESPEOPLE', '--match', 'email', '--create-if-no-match']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^error: SALESPEOPLE records are never created in Dataverse/);
    expect((await couplings(h, 'SALESPEOPLE')).length).toBe(4);
  });

  test('on a terminal a missing --mapping is asked for; --quiet leaves only the data', async () => {
    const prompter = new ScriptedPrompter([[/mapping/i, 'VENDOR']]);
    const r = await h.cli(['couple', '--match', 'name', '--dry-run', '--quiet'], { tty: true, prompter });
    expect(prompter.asked).toEqual(['Integration table mapping to couple']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/would couple/);
  });

  test('the coupling run is in the log with the ambiguous records and their candidates', async () => {
    const r = await h.cli(['log', '--mapping', 'customer', '--json']);
    const runs = (JSON.parse(r.stdout) as { runs: Array<{ kind: string; counts: { coupled: number }; records: Array<{ error: string }> }> }).runs;
    expect(runs.map((x) => x.kind)).toEqual(['coupling', 'coupling', 'coupling', 'coupling']);
    expect((JSON.parse((await h.cli(['log', '--json'])).stdout) as { runs: unknown[] }).runs).toHaveLength(5);
    expect(runs[0]!.counts.coupled).toBe(10);
    expect(runs[0]!.records.some((x) => x.error.includes('2 Dataverse rows match on name'))).toBe(true);
  });
});

describe('couple an option mapping: BC code to option value', () => {
  let h: CoupleHarness;
  beforeAll(async () => {
    h = await startCoupleHarness();
  });
  afterAll(async () => h?.close());

  test('--bc CODE --dataverse VALUE couples; an unknown option value lists the valid ones', async () => {
    const wrong = await h.cli(['couple', '--mapping', 'payment terms', '--bc', 'NET 30', '--dataverse', '999']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe('error: Option value 999 does not exist in account.paymenttermscode; valid values: 1 (Net 30), 2 (2% 10, Net 30), 3 (Net 45), 4 (Net 60).\n');
    const notNumber = await h.cli(['couple', '--mapping', 'PAYMENT TERMS', '--bc', 'NET 30', '--dataverse', 'Net 30']);
    expect(notNumber.code).toBe(2);
    expect(notNumber.stderr).toMatch(/^error: --dataverse "Net 30" is not an option value; PAYMENT TERMS couples option values \(integers\)/);
    const r = await h.cli(['couple', '--mapping', 'PAYMENT TERMS', '--bc', 'NET 30', '--dataverse', '1', '--json']);
    expect(r.code).toBe(0);
    const netId = String(h.emu.bc.list('paymentTerms').find((x) => x.code === 'NET 30')!.id);
    expect(JSON.parse(r.stdout)).toMatchObject({ mode: 'couple', bcId: netId, dataverseId: '1', label: 'NET 30 Net 30 days', existed: false });
    expect(await couplings(h, 'PAYMENT TERMS')).toEqual([{ bcId: netId, dataverseId: '1' }]);
  });

  test('--match on an option mapping is refused: options couple by label when they synchronize', async () => {
    const r = await h.cli(['couple', '--mapping', 'PAYMENT TERMS', '--match', 'code']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: PAYMENT TERMS is an option mapping: its codes are coupled to option values by label when it synchronizes/);
  });
});

describe('couple one record, create-in, create-if-no-match', () => {
  let h: CoupleHarness;
  beforeAll(async () => {
    h = await startCoupleHarness();
    // Caches the environment (integration user, company, currencies: read in a GET-only $batch) beside the state.
    await h.engine([]);
  });
  afterAll(async () => h?.close());

  test('a customer whose salesperson and payment terms are not coupled is refused with what to couple first', async () => {
    h.emu.resetLog();
    const r = await h.cli(['couple', '--mapping', 'CUSTOMER', '--bc', '10000', '--dataverse', accountId(h, 'Adatum Corporation')]);
    expect(r.code).toBe(1);
    const line = r.stderr.trim();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(/^error: CUSTOMER 10000 Adatum Corporation refers to records that are not coupled; couple these first: /);
    expect(line).toContain('SALESPEOPLE AA (owner)');
    expect(line).toMatch(/PAYMENT TERMS [0-9a-f-]+ \(paymentTerms\)/);
    expect(writes(h)).toEqual([]);
    expect(await couplings(h, 'CUSTOMER')).toEqual([]);
  });

  test('after the dependencies are coupled, --bc NUMBER --dataverse ID couples the pair', async () => {
    await h.engine(CUSTOMER_DEPENDENCIES);
    const dv = accountId(h, 'Adatum Corporation');
    const r = await h.cli(['couple', '--mapping', 'CUSTOMER', '--bc', '10000', '--dataverse', dv, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, mode: 'couple', bcId: customerId(h, '10000'), dataverseId: dv, existed: false });
    expect(await couplings(h, 'CUSTOMER')).toEqual([{ bcId: customerId(h, '10000'), dataverseId: dv }]);

    const again = await h.cli(['couple', '--mapping', 'CUSTOMER', '--bc', customerId(h, '10000'), '--dataverse', dv.toUpperCase()]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already coupled');

    const upper = accountId(h, 'ADATUM CORPORATION');
    const other = await h.cli(['couple', '--mapping', 'CUSTOMER', '--bc', '10000', '--dataverse', upper]);
    expect(other.code).toBe(1);
    expect(other.stderr).toBe(
      `error: CUSTOMER: BC record 10000 Adatum Corporation is coupled to Dataverse row ${dv}; pass --replace to move the coupling, or uncouple first ("bcsync uncouple --mapping 'CUSTOMER' ...").\n`,
    );
    expect(await couplings(h, 'CUSTOMER')).toEqual([{ bcId: customerId(h, '10000'), dataverseId: dv }]);

    const moved = await h.cli(['couple', '--mapping', 'CUSTOMER', '--bc', '10000', '--dataverse', upper, '--replace', '--json']);
    expect(moved.code).toBe(0);
    expect(JSON.parse(moved.stdout)).toMatchObject({ existed: false, replaced: [{ bcId: customerId(h, '10000'), dataverseId: dv }] });
    expect(await couplings(h, 'CUSTOMER')).toEqual([{ bcId: customerId(h, '10000'), dataverseId: upper }]);
    // And back, so the rows below see the plain case.
    expect((await h.cli(['couple', '--mapping', 'CUSTOMER', '--bc', '10000', '--dataverse', dv, '--replace'])).code).toBe(0);
  });

  test('--create-in dataverse creates the account and couples it', async () => {
    const before = h.emu.dataverse.count('accounts');
    const r = await h.cli(['couple', '--mapping', 'CUSTOMER', '--bc', '150000', '--create-in', 'dataverse', '--json']);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { created: boolean; bcId: string; dataverseId: string };
    expect(result.created).toBe(true);
    expect(h.emu.dataverse.count('accounts')).toBe(before + 1);
    expect(h.emu.dataverse.get('accounts', result.dataverseId)?.name).toBe('Blue Yonder Airlines');
    expect(await couplings(h, 'CUSTOMER')).toContainEqual({ bcId: customerId(h, '150000'), dataverseId: result.dataverseId });

    const twice = await h.cli(['couple', '--mapping', 'CUSTOMER', '--bc', '150000', '--create-in', 'dataverse']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('is already coupled to Dataverse row');
    expect(h.emu.dataverse.count('accounts')).toBe(before + 1);
  });

  test('--create-in bc creates the customer from a Dataverse-only account and couples it', async () => {
    const dv = accountId(h, 'Baldwin Museum of Science');
    const before = h.emu.bc.count('customers');
    const r = await h.cli(['couple', '--mapping', 'CUSTOMER', '--dataverse', dv, '--create-in', 'bc', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout) as { created: boolean; bcId: string };
    expect(result.created).toBe(true);
    expect(h.emu.bc.count('customers')).toBe(before + 1);
    expect(h.emu.bc.get('customers', result.bcId)?.displayName).toBe('Baldwin Museum of Science');
  });

  test('--create-if-no-match creates only the records without a match; ambiguous ones get nothing', async () => {
    const adatum = accountsNamed(h.emu, 'Adatum Corporation');
    const litware = accountsNamed(h.emu, 'Litware, Inc.');
    const before = h.emu.dataverse.count('accounts');
    const r = await h.cli(['couple', '--mapping', 'CUSTOMER', '--match', 'name', '--create-if-no-match', '--json']);
    const report = JSON.parse(r.stdout) as MatchJson;
    expect(report.ambiguous.map((a) => a.label)).toEqual(['120000 Litware, Inc.']);
    expect(accountsNamed(h.emu, 'Litware, Inc.')).toBe(litware);
    expect(accountsNamed(h.emu, 'Adatum Corporation')).toBe(adatum);
    const created = report.created.filter((c) => c.created);
    expect(created.length).toBeGreaterThan(0);
    expect(created.length + report.created.filter((c) => !c.created).length + report.blocked.length).toBe(report.noMatch.length);
    expect(h.emu.dataverse.count('accounts')).toBe(before + created.length);
    for (const c of created) expect(h.emu.dataverse.get('accounts', c.dataverseId!)?.name).toBe(c.label.replace(/^\d+ /, ''));
    expect(r.code).toBe(report.created.some((c) => !c.created) ? 4 : 0);
  });
});
