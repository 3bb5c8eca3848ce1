/**
 * POSTEDSALESINV-INV and POSTEDSALESLINE-INV as docs/integration.md §2.1/§2.2 define them: BC → Dataverse, header only
 * coupled with a 30-minute job, lines synchronized with their header; every §2.2 field row present, the ones API v2.0
 * lacks listed as unavailable; owner rows only under Person ownership.
 */
import { describe, expect, test } from '@jest/globals';
import { describeMapping } from '../../src/mapping/describe.js';
import { defaultIntegrationOptions } from '../../src/mapping/integration-options.js';
import { POSTED_INVOICE_LINE_MAPPING, POSTED_INVOICE_MAPPING, postedInvoiceMappings } from '../../src/mapping/index.js';

describe('posted invoice mappings', () => {
  const [header, lines] = postedInvoiceMappings(defaultIntegrationOptions);

  test('table-level defaults (§2.1)', () => {
    expect(header).toMatchObject({
      name: POSTED_INVOICE_MAPPING,
      direction: 'to-dataverse',
      synchOnlyCoupledRecords: true,
      dependencies: ['ITEM-PRODUCT', 'RESOURCE-PRODUCT', 'OPPORTUNITY'],
      schedule: { intervalMinutes: 30, inactivityTimeoutMinutes: 1440 },
      bc: { entitySet: 'salesInvoices', filter: [{ field: 'status', op: 'in', value: ['Open', 'Paid', 'Canceled', 'Corrective'] }] },
      dataverse: { entitySet: 'invoices', key: 'invoiceid', companyFilter: true, companyIdStamp: 'always' },
    });
    expect(lines).toMatchObject({ name: POSTED_INVOICE_LINE_MAPPING, synchOnlyCoupledRecords: false, dependencies: [POSTED_INVOICE_MAPPING], schedule: undefined });
  });

  test('field rows (§2.2): exposed ones with their API property, the others unavailable', () => {
    const rows = Object.fromEntries(header!.fields.map((f) => [f.dataverse, f.bcExposed ? f.bc : 'unavailable']));
    expect(rows).toMatchObject({
      invoicenumber: 'number',
      ownerid: 'salesperson',
      transactioncurrencyid: 'currencyCode',
      duedate: 'dueDate',
      shipto_name: 'shipToName',
      shipto_stateorprovince: 'shipToState',
      billto_postalcode: 'billToPostCode',
      datedelivered: 'unavailable',
      totalamountlessfreight: 'totalAmountExcludingTax',
      totalamount: 'totalAmountIncludingTax',
      discountamount: 'discountAmount',
      shippingmethodcode: 'unavailable',
      paymenttermscode: 'paymentTermsId',
      description: 'unavailable',
    });
    expect(Object.fromEntries(lines!.fields.map((f) => [f.dataverse, f.bc ?? f.transform]))).toEqual({
      quantity: 'quantity',
      manualdiscountamount: 'discountAmount',
      priceperunit: 'unitPrice',
      ispriceoverridden: { kind: 'constant', value: true },
      baseamount: 'netAmount',
      extendedamount: 'netAmountIncludingTax',
    });
    expect(describeMapping(header!).fields.length).toBe(header!.fields.length);
  });

  test('Team ownership: no owner rows', () => {
    const [team] = postedInvoiceMappings({ ...defaultIntegrationOptions, ownershipModel: 'team' });
    expect(team!.fields.map((f) => f.dataverse)).not.toContain('ownerid');
    expect(team!.dataverse.ownerTeamOnInsert).toBe(true);
  });
});
