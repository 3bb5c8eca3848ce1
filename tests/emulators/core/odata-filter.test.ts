import { describe, test, expect } from '@jest/globals';
import {
  parseFilter,
  evaluateFilter,
  referencedProperties,
  FilterSyntaxError,
  BC_OR_DISTINCT_FIELDS_MESSAGE,
  type FilterDialect,
} from '../../../src/emulators/core/odata-filter.js';

const account = {
  accountid: 'a1b2c3d4-0000-0000-0000-000000000001',
  name: "Fourth Coffee's Shop",
  revenue: 5000,
  numberofemployees: 12,
  statecode: 0,
  donotphone: false,
  telephone1: null,
  _primarycontactid_value: '11111111-2222-3333-4444-555555555555',
  modifiedon: '2024-06-01T10:00:00Z',
  birthday: '2024-06-01',
  primarycontactid: { fullname: 'Yvonne McKay' },
  contact_customer_accounts: [{ fullname: 'Ann' }, { fullname: 'Bob' }],
};

function matches(filter: string, dialect: FilterDialect = 'dataverse', record: Record<string, unknown> = account): boolean {
  return evaluateFilter(parseFilter(filter, dialect), record, dialect);
}

describe('comparison operators and literals', () => {
  test.each([
    ['revenue eq 5000', true],
    ['revenue ne 5000', false],
    ['revenue gt 4999.5', true],
    ['revenue ge 5000', true],
    ['revenue lt 5000', false],
    ['revenue le 5000', true],
    ['statecode eq 0', true],
    ['donotphone eq false', true],
    ['telephone1 eq null', true],
    ['telephone1 ne null', false],
    ['revenue gt null', false],
    ['missingcolumn eq null', true],
    ["name eq 'Fourth Coffee''s Shop'", true],
    ["name eq 'fourth coffee''s shop'", true],
    ['_primarycontactid_value eq 11111111-2222-3333-4444-555555555555', true],
    ['_primarycontactid_value eq 11111111-2222-3333-4444-55555555555A', false],
    ['modifiedon ge 2024-06-01T00:00:00Z', true],
    ['modifiedon gt 2024-06-01T10:00:00.000Z', false],
    ['modifiedon lt 2024-06-01T11:00:00+01:00', false],
    ['modifiedon lt 2024-06-01T12:00:00+01:00', true],
    ['modifiedon gt 2024-06-01', true],
    ['birthday eq 2024-06-01', true],
    ['birthday lt 2024-06-02', true],
    ["primarycontactid/fullname eq 'Yvonne McKay'", true],
    ['numberofemployees eq revenue', false],
  ])('%s -> %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  test('GUID literals compare case-insensitively even in BC', () => {
    expect(matches('id eq 0A1B2C3D-0000-0000-0000-00000000000F', 'bc', { id: '0a1b2c3d-0000-0000-0000-00000000000f' })).toBe(true);
  });

  test('a + offset decoded to a space by the query string is read as +', () => {
    expect(matches('modifiedon eq 2024-06-01T11:00:00 01:00')).toBe(true);
  });
});

describe('logical operators and precedence', () => {
  test.each([
    ['revenue eq 5000 and statecode eq 0', true],
    ['revenue eq 1 and statecode eq 0', false],
    ['revenue eq 1 or statecode eq 0', true],
    ['revenue eq 1 or revenue eq 2 and statecode eq 0', false],
    ['revenue eq 5000 or revenue eq 2 and statecode eq 1', true],
    ['(revenue eq 5000 or revenue eq 2) and statecode eq 1', false],
    ['not revenue eq 5000', false],
    ["not contains(name,'tea')", true],
    ['not (revenue eq 1 or statecode eq 1)', true],
  ])('%s -> %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });
});

describe('string functions', () => {
  test.each([
    ["contains(name,'coffee')", 'dataverse', true],
    ["contains(name,'coffee')", 'bc', false],
    ["contains(name,'Coffee')", 'bc', true],
    ["startswith(name,'FOURTH')", 'dataverse', true],
    ["startswith(name,'Coffee')", 'dataverse', false],
    ["endswith(name,'shop')", 'dataverse', true],
    ["endswith(name,'Shop')", 'bc', true],
    ["contains(name,'Fo%Shop')", 'dataverse', true],
    ["contains(name,'C_ffee')", 'dataverse', true],
    ["contains(name,'C[aeiou]ffee')", 'dataverse', true],
    ["contains(name,'C[^o]ffee')", 'dataverse', false],
    ["contains(telephone1,'1')", 'dataverse', false],
    ["tolower(name) eq 'fourth coffee''s shop'", 'bc', true],
    ["length(name) eq 20", 'dataverse', true],
  ] as const)('%s (%s) -> %s', (filter, dialect, expected) => {
    expect(matches(filter, dialect)).toBe(expected);
  });

  test('BC refuses nested function calls (schema version 2.0)', () => {
    expect(() => parseFilter("contains(tolower(name),'x')", 'bc')).toThrow(FilterSyntaxError);
    expect(matches("contains(tolower(name),'fourth')", 'dataverse')).toBe(true);
  });
});

describe('Dataverse query functions and lambdas', () => {
  test.each([
    ["Microsoft.Dynamics.CRM.In(PropertyName='statecode',PropertyValues=['0','1'])", true],
    ["Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=[\"x\",\"FOURTH COFFEE'S SHOP\"])", true],
    ["Microsoft.Dynamics.CRM.NotIn(PropertyName='statecode',PropertyValues=['0','1'])", false],
    ["Microsoft.Dynamics.CRM.Between(PropertyName='numberofemployees',PropertyValues=[\"5\",\"2000\"])", true],
    ["Microsoft.Dynamics.CRM.NotBetween(PropertyName='numberofemployees',PropertyValues=[\"5\",\"2000\"])", false],
    ["Microsoft.Dynamics.CRM.Null(PropertyName='telephone1')", true],
    ["Microsoft.Dynamics.CRM.On(PropertyName='modifiedon',PropertyValue='2024-06-01')", true],
    ["Microsoft.Dynamics.CRM.OnOrAfter(PropertyName='modifiedon',PropertyValue='2024-06-02')", false],
    ["contact_customer_accounts/any(c: c/fullname eq 'bob')", true],
    ["contact_customer_accounts/all(c: c/fullname eq 'bob')", false],
    ['contact_customer_accounts/any()', true],
  ])('%s -> %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected);
  });

  test('BC ignores lambda operators', () => {
    expect(matches("salesOrderLines/any(l: l/quantity gt 100) and number eq '1'", 'bc', { number: '1', salesOrderLines: [] })).toBe(true);
  });

  test('BC does not know Dataverse query functions', () => {
    expect(() => parseFilter("Microsoft.Dynamics.CRM.In(PropertyName='a',PropertyValues=['1'])", 'bc')).toThrow(FilterSyntaxError);
  });
});

describe('BC specifics', () => {
  test('or across two different fields is refused with BC wording', () => {
    let caught: unknown;
    try {
      parseFilter("number eq '10000' or displayName eq 'Adatum'", 'bc');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FilterSyntaxError);
    expect((caught as FilterSyntaxError).message).toBe(BC_OR_DISTINCT_FIELDS_MESSAGE);
    expect((caught as FilterSyntaxError).position).toBe(18);
  });

  test('or inside a group that spans two fields is refused too', () => {
    expect(() => parseFilter("(number eq '1' and blocked eq ' ') or number eq '2'", 'bc')).toThrow(BC_OR_DISTINCT_FIELDS_MESSAGE);
  });

  test('or on the same field is accepted, combined with and on another', () => {
    const node = parseFilter("(number eq '10000' or number eq '20000') and blocked eq ' '", 'bc');
    expect(evaluateFilter(node, { number: '20000', blocked: ' ' }, 'bc')).toBe(true);
    expect(evaluateFilter(node, { number: '30000', blocked: ' ' }, 'bc')).toBe(false);
    expect(evaluateFilter(node, { number: '10000', blocked: 'All' }, 'bc')).toBe(false);
  });

  test('Dataverse accepts or across fields', () => {
    expect(() => parseFilter("name eq 'a' or revenue gt 1", 'dataverse')).not.toThrow();
  });

  test('enums compare as caption strings; lastModifiedDateTime as instants', () => {
    const rec = { status: 'Open', lastModifiedDateTime: '2019-08-18T20:05:51.603Z' };
    expect(matches("status eq 'Open'", 'bc', rec)).toBe(true);
    expect(matches("status eq 'open'", 'bc', rec)).toBe(false);
    expect(matches('lastModifiedDateTime gt 2019-08-18T20:05:51.602Z', 'bc', rec)).toBe(true);
    expect(matches('lastModifiedDateTime gt 2019-08-18T20:05:51.603Z', 'bc', rec)).toBe(false);
  });

  test("'in' is refused under schema version 2.0", () => {
    expect(() => parseFilter("number in ('1','2')", 'bc')).toThrow(/schemaversion=2.1/);
  });
});

describe('syntax errors carry a position', () => {
  test.each([
    ["name eq 'open", 8],
    ['name eq', 7],
    ['revenue eq 1 and', 16],
    ['(revenue eq 1', 13],
    ['revenue eq 1)', 12],
    ['revenue add 1 eq 2', 8],
    ['frobnicate(name)', 0],
    ['', 0],
    ['name # 1', 5],
  ])('%s at %d', (filter, position) => {
    let caught: unknown;
    try {
      parseFilter(filter, 'dataverse');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FilterSyntaxError);
    expect((caught as FilterSyntaxError).position).toBe(position);
  });
});

describe('referencedProperties', () => {
  test('lists every property path once, lambda variables excluded', () => {
    const node = parseFilter(
      "(name eq 'a' or revenue gt 1) and contains(name,'x') and _parentaccountid_value eq null and " +
        "Microsoft.Dynamics.CRM.In(PropertyName='statecode',PropertyValues=['0']) and contact_customer_accounts/any(c: c/fullname eq 'x')",
      'dataverse',
    );
    expect(referencedProperties(node).sort()).toEqual(
      ['_parentaccountid_value', 'contact_customer_accounts', 'name', 'revenue', 'statecode'].sort(),
    );
  });
});
