import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { COMPUTED_PER_CUSTOMER, RESOURCES } from '../../../src/emulators/bc/resources.js';
import { buildSchema, readName } from '../../../src/emulators/dataverse/schema.js';
import { bcEntitySchemas, dataverseTables } from '../../../src/emulators/seed/schemas.js';

/**
 * One catalog per emulated API: the seed loader derives its schemas from bc/resources.ts and dataverse/schema.ts
 * instead of listing the columns again.
 */

const bcFields = new Set(RESOURCES.flatMap((d) => Object.keys(d.fields)));
const dvTables = [...buildSchema().bySet.values()];
const dvColumns = new Set(dvTables.flatMap((t) => [...t.columns.values()].map(readName)));

/** Names the seed loader may spell out, each for a reason that is not a column list. */
const ALLOWED = new Map<string, string>([
  ['id', 'the BC primary key every record must carry'],
  ['name', 'a property of the company object around the records, not of an entity set'],
  ['displayName', 'a property of the company object around the records, not of an entity set'],
  ['number', 'a candidate for naming a record in an error message'],
  ['code', 'a candidate for naming a record in an error message'],
  ['fullname', 'a candidate for naming a record in an error message'],
  ['systemuserroleid', 'the N:N intersect rows of user roles, which the catalog models as a relationship, not a table'],
  ['systemuserid', 'the N:N intersect rows of user roles'],
  ['roleid', 'the N:N intersect rows of user roles'],
  ['companyName', 'a fact about the demo seed that tests look records up by'],
]);

/** Property names of object literals and identifier-like string literals (switch labels and imports left out). */
function namesIn(file: string): Set<string> {
  const path = new URL(`../../../src/emulators/seed/${file}`, import.meta.url);
  const source = ts.createSourceFile(file, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if ((ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) && (ts.isIdentifier(node.name) || ts.isStringLiteral(node.name))) {
      names.add(node.name.text);
    }
    if (ts.isStringLiteral(node) && !ts.isCaseClause(node.parent) && !ts.isImportDeclaration(node.parent) && !ts.isExportDeclaration(node.parent)) {
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(node.text)) names.add(node.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return names;
}

describe('one catalog per emulated API', () => {
  test.each(['schemas.ts', 'load.ts'])('seed/%s spells out no column of the catalogs (beyond a few names kept for a reason)', (file) => {
    const repeated = [...namesIn(file)].filter((n) => (bcFields.has(n) || dvColumns.has(n)) && !ALLOWED.has(n));
    expect(repeated).toEqual([]);
  });

  test('the seed accepts exactly what the emulators store, property for property', () => {
    for (const def of RESOURCES.filter((d) => d.set !== 'companies' && !COMPUTED_PER_CUSTOMER.has(d.set))) {
      const schema = bcEntitySchemas[def.set] as unknown as { shape: Record<string, unknown> };
      expect(Object.keys(schema.shape).sort()).toEqual(Object.keys(def.fields).sort());
    }
    for (const table of dvTables) {
      const schema = dataverseTables[table.entitySet]!.schema as unknown as { shape: Record<string, unknown> };
      expect(Object.keys(schema.shape).sort()).toEqual([...table.columns.values()].map(readName).sort());
    }
  });

  test('a column the catalog does not have is refused, with the entity set named', () => {
    const bad = bcEntitySchemas['customers']!.safeParse({ id: 'f0000000-0000-4000-8000-000000000001', nickname: 'x' });
    expect(bad.success).toBe(false);
    const dv = dataverseTables['accounts']!.schema.safeParse({ accountid: 'f0000000-0000-4000-8000-000000000001', nickname: 'x' });
    expect(dv.success).toBe(false);
  });
});
