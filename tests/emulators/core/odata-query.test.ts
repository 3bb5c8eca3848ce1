import { describe, test, expect } from '@jest/globals';
import {
  parseSelect,
  applySelect,
  parseOrderBy,
  orderByComparator,
  parseExpand,
  parsePrefer,
  preferenceApplied,
  parseTop,
  encodeDataverseSkipToken,
  decodeDataverseSkipToken,
  encodeBcSkipToken,
  decodeBcSkipToken,
  linkWithQueryParam,
  ODataQueryError,
} from '../../../src/emulators/core/odata-query.js';

describe('$select', () => {
  test('parses names, absent means all', () => {
    expect(parseSelect('name, accountnumber,name')).toEqual(['name', 'accountnumber']);
    expect(parseSelect(null)).toBeUndefined();
    expect(parseSelect('*')).toBeUndefined();
    expect(() => parseSelect('name,revenue desc')).toThrow(ODataQueryError);
  });

  test('keeps the key, @odata annotations and annotations of selected columns only', () => {
    const row = {
      '@odata.etag': 'W/"1"',
      accountid: 'k',
      name: 'n',
      revenue: 1,
      _primarycontactid_value: 'c',
      '_primarycontactid_value@OData.Community.Display.V1.FormattedValue': 'Ann',
      'revenue@OData.Community.Display.V1.FormattedValue': '$1.00',
    };
    expect(applySelect(row, ['name', '_primarycontactid_value'], 'accountid')).toEqual({
      '@odata.etag': 'W/"1"',
      accountid: 'k',
      name: 'n',
      _primarycontactid_value: 'c',
      '_primarycontactid_value@OData.Community.Display.V1.FormattedValue': 'Ann',
    });
    expect(applySelect(row, undefined, 'accountid')).toEqual(row);
  });
});

describe('$orderby', () => {
  test('parses and sorts with nulls first, dates as instants, key as tie-breaker', () => {
    const items = parseOrderBy('modifiedon desc,name');
    expect(items).toEqual([
      { property: 'modifiedon', direction: 'desc' },
      { property: 'name', direction: 'asc' },
    ]);
    const rows = [
      { id: '3', name: 'b', modifiedon: '2024-01-01T00:00:00Z' },
      { id: '1', name: 'B', modifiedon: '2024-01-02T00:00:00Z' },
      { id: '2', name: 'a', modifiedon: '2024-01-01T00:00:00Z' },
      { id: '4', name: null, modifiedon: null },
      { id: '0', name: 'a', modifiedon: '2024-01-01T00:00:00.000Z' },
    ];
    rows.sort(orderByComparator(items, { caseInsensitive: true, tieBreaker: 'id' }));
    expect(rows.map((r) => r.id)).toEqual(['1', '0', '2', '3', '4']);
    const numeric = [{ n: 10 }, { n: 9 }, { n: 100 }];
    numeric.sort(orderByComparator(parseOrderBy('n'), { caseInsensitive: false }));
    expect(numeric.map((r) => r.n)).toEqual([9, 10, 100]);
  });

  test('case sensitivity follows the dialect', () => {
    const rows = [{ s: 'b' }, { s: 'B' }, { s: 'a' }];
    rows.sort(orderByComparator(parseOrderBy('s asc'), { caseInsensitive: false }));
    expect(rows.map((r) => r.s)).toEqual(['B', 'a', 'b']);
  });

  test('refuses garbage', () => {
    expect(() => parseOrderBy('name sideways')).toThrow(ODataQueryError);
    expect(() => parseOrderBy('name asc extra')).toThrow(ODataQueryError);
  });
});

describe('$expand', () => {
  test('top-level names with nested ;-separated options', () => {
    const items = parseExpand(
      "order_details($select=quantity,priceperunit;$filter=contains(productdescription,'a;b');$orderby=quantity desc;$top=5),customerid_account($select=name),ownerid",
    );
    expect(items).toHaveLength(3);
    expect(items[0]).toMatchObject({
      name: 'order_details',
      select: ['quantity', 'priceperunit'],
      filter: "contains(productdescription,'a;b')",
      orderby: [{ property: 'quantity', direction: 'desc' }],
      top: 5,
    });
    expect(items[1]).toMatchObject({ name: 'customerid_account', select: ['name'] });
    expect(items[2]).toEqual({ name: 'ownerid', options: {} });
  });

  test('nested expand and unknown options kept for the module', () => {
    const [item] = parseExpand('salesOrderLines($expand=item($expand=itemCategory);$count=true)');
    expect(item!.expand).toEqual([{ name: 'item', options: { $expand: 'itemCategory' }, expand: [{ name: 'itemCategory', options: {} }] }]);
    expect(item!.options['$count']).toBe('true');
  });

  test('unbalanced parentheses are refused', () => {
    expect(() => parseExpand('lines($select=a')).toThrow(ODataQueryError);
  });
});

describe('Prefer', () => {
  test('comma-joined values, quoted annotations with commas', () => {
    const p = parsePrefer(
      'return=representation, odata.maxpagesize=500, odata.include-annotations="Microsoft.Dynamics.CRM.totalrecordcount,Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded", odata.track-changes, odata.continue-on-error',
    );
    expect(p).toEqual({
      returnRepresentation: true,
      maxPageSize: 500,
      trackChanges: true,
      continueOnError: true,
      includeAnnotations: 'Microsoft.Dynamics.CRM.totalrecordcount,Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded',
    });
  });

  test('absent and invalid values', () => {
    expect(parsePrefer(undefined)).toEqual({ returnRepresentation: false, trackChanges: false, continueOnError: false });
    expect(parsePrefer('odata.maxpagesize=abc')).toMatchObject({ invalidMaxPageSize: 'abc' });
    expect(parsePrefer('odata.maxpagesize=abc').maxPageSize).toBeUndefined();
    expect(parsePrefer('respond-async').returnRepresentation).toBe(false);
  });

  test('Preference-Applied', () => {
    expect(preferenceApplied({ maxPageSize: 10, returnRepresentation: true })).toBe('return=representation,odata.maxpagesize=10');
    expect(preferenceApplied({})).toBeUndefined();
  });
});

describe('$top', () => {
  test('non-negative integers only', () => {
    expect(parseTop('10')).toBe(10);
    expect(parseTop(null)).toBeUndefined();
    expect(() => parseTop('-1')).toThrow(ODataQueryError);
  });
});

describe('paging tokens', () => {
  test('Dataverse paging cookie round-trips and has the documented shape', () => {
    const token = encodeDataverseSkipToken({
      pageNumber: 2,
      offset: 5000,
      keyName: 'accountid',
      firstKey: '7d577253-3ef0-4a0a-bb7f-8335c2596e70',
      lastKey: 'f6a2c2d4-0000-4a0a-bb7f-8335c2596e70',
    });
    expect(token).toMatch(/^<cookie pagenumber="2" pagingcookie="%253ccookie%2520page%253d%25221%2522/);
    expect(token).toMatch(/istracking="False" \/>$/);
    expect(decodeDataverseSkipToken(token)).toEqual({
      pageNumber: 2,
      offset: 5000,
      keyName: 'accountid',
      firstKey: '7d577253-3ef0-4a0a-bb7f-8335c2596e70',
      lastKey: 'f6a2c2d4-0000-4a0a-bb7f-8335c2596e70',
    });
  });

  test('Dataverse cookie survives the trip through a nextLink', () => {
    const token = encodeDataverseSkipToken({ pageNumber: 3, offset: 10000 });
    const link = linkWithQueryParam('http://h/api/data/v9.2', 'accounts', '$select=name&$skiptoken=old', '$skiptoken', token);
    const url = new URL(link);
    expect(url.pathname).toBe('/api/data/v9.2/accounts');
    expect(url.searchParams.get('$select')).toBe('name');
    expect(url.searchParams.getAll('$skiptoken')).toEqual([token]);
    expect(decodeDataverseSkipToken(url.searchParams.get('$skiptoken')!)).toEqual({ pageNumber: 3, offset: 10000 });
  });

  test('BC token round-trips; forged tokens are refused', () => {
    const token = encodeBcSkipToken({ pageNumber: 2, offset: 20000, lastKey: 'abc' });
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeBcSkipToken(token)).toEqual({ pageNumber: 2, offset: 20000, lastKey: 'abc' });
    expect(() => decodeBcSkipToken('not a token!')).toThrow(ODataQueryError);
    expect(() => decodeBcSkipToken(Buffer.from('{"o":-5,"p":1}').toString('base64url'))).toThrow(ODataQueryError);
    expect(() => decodeDataverseSkipToken('<cookie pagenumber="2" />')).toThrow(ODataQueryError);
  });
});
