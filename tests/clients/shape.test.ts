import { describe, expect, test } from '@jest/globals';
import { z } from 'zod';
import { ResponseShapeError } from '../../src/errors.js';
import { validateRecord } from '../../src/clients/shape.js';
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
