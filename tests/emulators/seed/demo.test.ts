import { describe, test, expect, beforeAll, afterAll } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import {
  demoFacts,
  loadSeed,
  parseBcSeed,
  parseDataverseSeed,
  SeedDataError,
} from '../../../src/emulators/seed/index.js';
import type { SeedName } from '../../../src/emulators/types.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const readFixture = (name: string): unknown => JSON.parse(readFileSync(join(repoRoot, 'fixtures/demo', name), 'utf8')) as unknown;

describe('demo seed', () => {
  test('loads both companies and the CRM org from fixtures/demo', () => {
    const seed = loadSeed('demo');
    expect(seed.bc.companies.map((c) => c.name)).toEqual([demoFacts.companyName, demoFacts.secondCompanyName]);
    const usa = seed.bc.companies[0]!.records;
    expect(usa.customers).toHaveLength(30);
    expect(usa.vendors).toHaveLength(12);
    expect(usa.items).toHaveLength(32);
    expect(usa.companyInformation?.[0]?.currencyCode).toBe(demoFacts.lcyCode);
    const dv = seed.dataverse.records;
    expect(dv.accounts).toHaveLength(30);
    expect(dv.contacts).toHaveLength(25);
    expect(dv.products).toHaveLength(15);
    expect(dv.organizations?.[0]?.name).toBe(demoFacts.organizationName);
  });

  test('the fixture files pass validation as they are', () => {
    expect(() => parseBcSeed(readFixture('bc.json'), 'bc.json')).not.toThrow();
    expect(() => parseDataverseSeed(readFixture('dataverse.json'), 'dataverse.json')).not.toThrow();
  });

  test('every call returns a fresh deep copy', () => {
    const first = loadSeed('demo');
    const customer = first.bc.companies[0]!.records.customers![0]!;
    const name = customer.displayName;
    customer.displayName = 'Changed by a test';
    first.dataverse.records.accounts!.length = 0;
    const second = loadSeed('demo');
    expect(second.bc.companies[0]!.records.customers![0]!.displayName).toBe(name);
    expect(second.dataverse.records.accounts).toHaveLength(30);
  });

  test('an unknown seed name is refused with the names that work', () => {
    expect(() => loadSeed('demo2' as SeedName)).toThrow(SeedDataError);
    expect(() => loadSeed('demo2' as SeedName)).toThrow(/use "demo", "empty" or "scale:<N>"/);
  });
});

describe('seed validation names the file and the record', () => {
  const bcWith = (mutate: (seed: { companies: Array<{ records: Record<string, Array<Record<string, unknown>>> }> }) => void): unknown => {
    const seed = readFixture('bc.json') as { companies: Array<{ records: Record<string, Array<Record<string, unknown>>> }> };
    mutate(seed);
    return seed;
  };
  const dvWith = (mutate: (records: Record<string, Array<Record<string, unknown>>>) => void): unknown => {
    const seed = readFixture('dataverse.json') as { records: Record<string, Array<Record<string, unknown>>> };
    mutate(seed.records);
    return seed;
  };

  test('a BC enum value that is not a caption', () => {
    const bad = bcWith((s) => {
      s.companies[0]!.records.customers![3]!.blocked = 'Yes';
    });
    expect(() => parseBcSeed(bad, 'fixtures/demo/bc.json')).toThrow(
      /^Seed file fixtures\/demo\/bc\.json has an invalid record at companies\[0\] "CRONUS USA, Inc\." customers\[3\] \(id "[0-9a-f-]{36}", number "40000"\): blocked: .*Fix that record in the seed file\.$/,
    );
  });

  test('a misspelt property, an upper-case GUID, a lower-case code', () => {
    const misspelt = bcWith((s) => {
      s.companies[0]!.records.items![0]!.dispalyName = 'x';
    });
    expect(() => parseBcSeed(misspelt, 'bc.json')).toThrow(/items\[0\].*dispalyName/);
    const upper = bcWith((s) => {
      const item = s.companies[0]!.records.items![1]!;
      item.id = String(item.id).toUpperCase();
    });
    expect(() => parseBcSeed(upper, 'bc.json')).toThrow(/items\[1\].*id: must be a lowercase GUID/);
    const lower = bcWith((s) => {
      s.companies[0]!.records.paymentTerms![0]!.code = 'net 10';
    });
    expect(() => parseBcSeed(lower, 'bc.json')).toThrow(/paymentTerms\[0\].*BC codes are upper case/);
  });

  test('an unknown entity set and a duplicate id', () => {
    const unknownSet = bcWith((s) => {
      s.companies[1]!.records.custmers = [];
    });
    expect(() => parseBcSeed(unknownSet, 'bc.json')).toThrow(/"CRONUS Canada, Inc\."\.records: unknown entity set "custmers"/);
    const duplicate = bcWith((s) => {
      const vendors = s.companies[0]!.records.vendors!;
      vendors[5]!.id = vendors[2]!.id;
    });
    expect(() => parseBcSeed(duplicate, 'bc.json')).toThrow(/vendors\[5\].*is used twice in vendors/);
  });

  test('a Dataverse option value outside the option set and a malformed lookup', () => {
    const badOption = dvWith((r) => {
      r.accounts![2]!.customertypecode = 13;
    });
    expect(() => parseDataverseSeed(badOption, 'fixtures/demo/dataverse.json')).toThrow(
      /^Seed file fixtures\/demo\/dataverse\.json has an invalid record at accounts\[2\] \(accountid "[0-9a-f-]{36}", name "Alpine Ski House"\): customertypecode: must be one of the option values 1, 2, .*12\. Fix that record/,
    );
    const badLookup = dvWith((r) => {
      r.contacts![0]!._parentcustomerid_value = 'not-a-guid';
    });
    expect(() => parseDataverseSeed(badLookup, 'dataverse.json')).toThrow(/contacts\[0\].*_parentcustomerid_value: must be a lowercase GUID/);
    const unknownTable = dvWith((r) => {
      r.acounts = [];
    });
    expect(() => parseDataverseSeed(unknownTable, 'dataverse.json')).toThrow(/unknown entity set "acounts"/);
  });

  test('a file of the wrong shape', () => {
    expect(() => parseBcSeed({ company: [] }, 'bc.json')).toThrow(/bc\.json must be an object with a "companies" array/);
    expect(() => parseDataverseSeed([], 'dataverse.json')).toThrow(/dataverse\.json must be an object with a "records" object/);
  });
});

describe('the seed module finds fixtures/ from the compiled dist/ layout too', () => {
  let dir: string;
  beforeAll(() => {
    // Compile src/emulators/{seed,bc,dataverse}/*.ts (the seed reads the catalogs of the other two) to
    // <tmp>/dist/emulators/.../*.js (as tsc does) next to a fixtures/ link.
    dir = mkdtempSync(join(tmpdir(), 'bcsync-seed-dist-'));
    for (const folder of ['seed', 'bc', 'dataverse']) {
      const out = join(dir, 'dist/emulators', folder);
      mkdirSync(out, { recursive: true });
      const srcDir = join(repoRoot, 'src/emulators', folder);
      for (const file of readdirSync(srcDir).filter((f) => f.endsWith('.ts'))) {
        const js = ts.transpileModule(readFileSync(join(srcDir, file), 'utf8'), {
          compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
        }).outputText;
        writeFileSync(join(out, file.replace(/\.ts$/, '.js')), js);
      }
    }
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    symlinkSync(join(repoRoot, 'fixtures'), join(dir, 'fixtures'), 'dir');
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('loadSeed("demo") and loadSeed("scale:20") work from dist/emulators/seed/index.js', () => {
    const script =
      "const m = await import('./dist/emulators/seed/index.js');" +
      "const d = m.loadSeed('demo'); const s = m.loadSeed('scale:20');" +
      'console.log(JSON.stringify([d.bc.companies.length, d.dataverse.records.accounts.length, s.bc.companies[0].records.customers.length]));';
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(JSON.parse(output.trim())).toEqual([2, 30, 20]);
  });
});
