import { describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import { ResponseShapeError } from '../../src/errors.js';
import { recordValidator, validateRecord } from '../../src/clients/shape.js';
import { accounts, dataverseTables, tableByEntitySet, type AccountsRow } from '../../src/clients/dataverse/index.js';
import { bcResources, customers, resourceByEntitySet, salesOrderLines, type CustomersRow } from '../../src/clients/bc/index.js';

const ID = '00000000-0000-0000-0000-000000000001';

describe('response shapes', () => {
  test('loose schemas keep unknown properties and type the known ones', () => {
    const row: AccountsRow = validateRecord(accounts.schema, { accountid: ID, name: 'A', modifiedon: 'x', future_column: [1] }, {
      resource: 'accounts',
      key: 'accountid',
      alwaysPresent: accounts.alwaysPresent,
    });
    const id: string = row.accountid;
    expect(id).toBe(ID);
    expect(row['future_column']).toEqual([1]);
    const customer: CustomersRow = validateRecord(customers.schema, { id: ID, number: '1', displayName: 'D', lastModifiedDateTime: 't', extra: true }, {
      resource: 'customers',
      key: 'id',
      alwaysPresent: customers.alwaysPresent,
    });
    expect(customer.displayName).toBe('D');
  });

  test('errors name the resource, the record id and the first missing or invalid property', () => {
    const context = { resource: 'customers', key: 'id', alwaysPresent: customers.alwaysPresent };
    const missing = (() => {
      try {
        validateRecord(customers.schema, { id: ID, number: '1', lastModifiedDateTime: 't' }, context);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(missing).toBeInstanceOf(ResponseShapeError);
    expect(missing).toMatchObject({ resource: 'customers', recordId: ID, property: 'displayName' });
    expect(() => validateRecord(customers.schema, { id: ID, number: 7, displayName: 'x', lastModifiedDateTime: 't' }, context)).toThrow(
      /^customers record 00000000-0000-0000-0000-000000000001: property "number" is invalid \(expected string, received number; got number\)/,
    );
    expect(() => validateRecord(customers.schema, { number: '1', displayName: 'x', lastModifiedDateTime: 't' }, context)).toThrow(
      /^customers record \(no id\): property "id" is missing/,
    );
    expect(() => validateRecord(customers.schema, 'oops', context)).toThrow(/property "\(record\)" is string, not an object/);
  });

  test('with $select only the selected properties (and the key) must be present; null is a value', () => {
    const context = { resource: 'accounts', key: 'accountid', select: ['telephone1'], alwaysPresent: accounts.alwaysPresent };
    expect(validateRecord(accounts.schema, { accountid: ID, telephone1: null }, context)).toMatchObject({ telephone1: null });
    expect(() => validateRecord(accounts.schema, { accountid: ID }, context)).toThrow(/property "telephone1" is missing/);
  });

  test('nested schema paths are reported with dots', () => {
    const schema = z.looseObject({ id: z.string(), lines: z.array(z.looseObject({ quantity: z.number() })) });
    expect(() => validateRecord(schema, { id: ID, lines: [{ quantity: 1 }, { quantity: 'x' }] }, { resource: 'salesOrders', key: 'id' })).toThrow(
      /property "lines.1.quantity" is invalid/,
    );
  });

  test('rows of every resource and table schema pass or fail exactly as zod decides, and a passing row is not copied', () => {
    // A seeded mix of right and wrong values for each column: the validator's own checks (plain columns) must agree
    // with zod on every row and give zod's values (a failing row is handed to zod, which names what is wrong).
    let seed = 20261206;
    const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pool: unknown[] = [ID, 'ABCDEF01-2345-4789-8abc-def012345678', 'not-a-guid', '', 'text', 0, 7, -2.5, 1e21, 2 ** 53, Infinity, NaN, true, false, null, undefined, {}, [], [1], '7'];
    const schemas = [...bcResources.map((r) => ({ name: r.entitySet, schema: r.schema })), ...dataverseTables.map((t) => ({ name: t.entitySet, schema: t.schema }))];
    let passed = 0;
    let failed = 0;
    for (const { name, schema } of schemas) {
      const shape = (schema as unknown as { shape: Record<string, z.ZodType> }).shape;
      const columns = Object.keys(shape);
      // A value each column accepts (or none: left out when optional).
      const typical = new Map(columns.map((c) => [c, [ID, 'text', 3, true, null].find((v) => shape[c]!.safeParse(v).success)]));
      const validate = recordValidator(schema, { resource: name });
      for (let n = 0; n < 12; n++) {
        const row: Record<string, unknown> = { extra_column: 'kept' };
        for (const column of columns) if (typical.get(column) !== undefined) row[column] = typical.get(column);
        // One or two columns (none in the first row) get a value from the pool, right or wrong.
        for (let k = 0; k < (n === 0 ? 0 : 1 + (n % 2)); k++) {
          const column = columns[Math.floor(random() * columns.length)]!;
          const value = pool[Math.floor(random() * pool.length)];
          if (value === undefined) delete row[column];
          else row[column] = value;
        }
        const expected = schema.safeParse(row);
        let got: unknown;
        let error: unknown;
        try {
          got = validate(row);
        } catch (e) {
          error = e;
        }
        if (expected.success) {
          passed++;
          expect(error).toBeUndefined();
          expect(got).toEqual(expected.data);
        } else {
          failed++;
          expect(error).toBeInstanceOf(ResponseShapeError);
        }
      }
    }
    expect(passed).toBeGreaterThan(200);
    expect(failed).toBeGreaterThan(200);
    // A row of the plain customers schema comes back as it is: no copy of 20,000 rows per page.
    const row = { '@odata.etag': 'W/"1"', id: ID, number: 'C1', displayName: 'D', creditLimit: 5, taxLiable: true, blocked: null, lastModifiedDateTime: 't' };
    expect(recordValidator(customers.schema, { resource: 'customers', key: 'id' })(row)).toBe(row);
  });

  test('a schema that changes values (transform, default, coercion) still goes through zod', () => {
    const schema = z.looseObject({ id: z.string(), n: z.coerce.number(), d: z.string().default('x'), t: z.string().transform((v) => v.toUpperCase()) });
    const validate = recordValidator(schema, { resource: 'things', key: 'id' });
    expect(validate({ id: ID, n: '4', t: 'abc' })).toEqual({ id: ID, n: 4, d: 'x', t: 'ABC' });
    const strict = z.strictObject({ id: z.string() });
    expect(() => recordValidator(strict, { resource: 'things', key: 'id' })({ id: ID, other: 1 })).toThrow(ResponseShapeError);
    const stripping = z.object({ id: z.string() });
    expect(recordValidator(stripping, { resource: 'things', key: 'id' })({ id: ID, other: 1 })).toEqual({ id: ID });
    const lengthChecked = z.looseObject({ id: z.string().max(3) });
    expect(() => recordValidator(lengthChecked, { resource: 'things', key: 'id' })({ id: ID })).toThrow(/property "id" is invalid/);
  });

  test('every table and resource file is registered once, with a key and an entity set', () => {
    expect(dataverseTables).toHaveLength(23);
    expect(new Set(dataverseTables.map((t) => t.entitySet)).size).toBe(23);
    expect(tableByEntitySet('salesorderdetails')?.key).toBe('salesorderdetailid');
    expect(tableByEntitySet('cdm_companies')?.key).toBe('cdm_companyid');
    expect(bcResources.filter((r) => r.custom).map((r) => r.entitySet).sort()).toEqual(
      [
        'customerLedgerEntries', 'customerPriceGroups', 'customerStatistics', 'detailedCustLedgerEntries', 'integrationInfo', 'itemUnitsOfMeasure',
        'priceListHeaders', 'priceListLines', 'recordLinks', 'resourceUnitsOfMeasure', 'resources', 'salesHeaderArchives', 'salesHeaders',
        'salesLineArchives', 'salesLines', 'salesPrices', 'salesSetup', 'shippingAgents', 'unitGroups',
      ],
    );
    expect(resourceByEntitySet('salesOrderLines')).toBe(salesOrderLines);
    expect(resourceByEntitySet('companies')?.companyScoped).toBe(false);
  });
});
