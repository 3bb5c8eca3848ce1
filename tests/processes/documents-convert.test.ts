/**
 * The shared conversion of a Dataverse sales document into a BC one (src/processes/documents): header and
 * line rules over hand-made lookups, nothing read or written.
 */
import { describe, expect, test } from '@jest/globals';
import { convertDocument, externalDocumentNumber, splitText, type BcDocument, type ConversionLookups, type DataverseDocument, type DataverseDocumentLine } from '../../src/processes/documents/index.js';

const address = { name: '', line1: '', line2: '', city: '', stateOrProvince: '', postalCode: '', country: '' };

function doc(over: Partial<DataverseDocument> = {}): DataverseDocument {
  return {
    kind: 'order',
    id: 'o1',
    number: 'ORD-1',
    name: 'Lodge furniture',
    description: '',
    customerId: 'acc1',
    currencyId: 'usd',
    requestDeliveryBy: null,
    discountAmount: 0,
    discountPercentage: 0,
    freightAmount: 0,
    totalLineItemAmount: 0,
    totalAmountLessFreight: 0,
    billTo: address,
    shipTo: address,
    paymentTermsCode: null,
    freightTermsCode: null,
    shippingMethodCode: null,
    statecode: 1,
    lastBackOfficeSubmit: null,
    companyId: null,
    modifiedAt: '2026-12-01T00:00:00Z',
    lines: [],
    ...over,
  };
}

function line(over: Partial<DataverseDocumentLine>): DataverseDocumentLine {
  return { id: 'l1', sequenceNumber: 1, productId: 'p1', uomId: 'u1', quantity: 2, pricePerUnit: 10, manualDiscountAmount: 0, volumeDiscountAmount: 0, description: '', productDescription: '', ...over };
}

function lookups(over: Partial<ConversionLookups> = {}): ConversionLookups {
  return {
    lcyCode: 'USD',
    customers: new Map([
      ['acc1', { id: 'acc1', kind: 'account', name: 'Alpine Ski House', accountId: 'acc1', accountName: 'Alpine Ski House' }],
      ['con1', { id: 'con1', kind: 'contact', name: 'Priya Shah', accountId: 'acc1', accountName: 'Alpine Ski House' }],
      ['acc2', { id: 'acc2', kind: 'account', name: 'Adatum Corporation', accountId: 'acc2', accountName: 'Adatum Corporation' }],
    ]),
    coupledCustomers: new Map([['acc1', { id: 'c-10000', number: '10000', name: 'Alpine Ski House' }]]),
    products: new Map([
      ['p1', { id: 'p1', name: 'ORION Office Desk', number: '1000', statecode: 0, typeCode: 1, bc: { type: 'Item', id: 'i1', number: '1000', description: 'ORION Office Desk' } }],
      ['p2', { id: 'p2', name: 'Consulting', number: 'R1', statecode: 0, typeCode: 3, bc: { type: 'Resource', id: 'r1', number: 'LINDA', description: 'Linda' } }],
      ['p3', { id: 'p3', name: 'Old Lamp', number: '1099', statecode: 1, typeCode: 1 }],
      ['p4', { id: 'p4', name: 'Planter Box', number: 'P-2003', statecode: 0, typeCode: 1 }],
    ]),
    units: new Map([['u1', { name: 'PCS', bcCode: 'PCS' }], ['u2', { name: 'BOX' }]]),
    currencies: new Map([['usd', 'USD'], ['eur', 'EUR']]),
    paymentTerms: new Map([[1, 'pt-1']]),
    shipmentMethods: new Map([[3, 'sm-3']]),
    shippingAgents: new Map([[2, 'DHL']]),
    setup: { writeInProductType: 'Item', writeInProductNumber: '9000', writeInProductCoupled: false, writeInProductFound: true, freightAccountNumber: '40250' },
    ...over,
  };
}

const ok = (r: ReturnType<typeof convertDocument>): BcDocument => {
  if ('message' in r) throw new Error(r.message);
  return r;
};

describe('convertDocument: header', () => {
  test('External Document No. is the name upper-cased and cut to 35; Your Reference the number; LCY is a blank currency', () => {
    const name = 'Alpine Ski House lodge furniture for the winter season';
    const r = ok(convertDocument(doc({ name, number: 'ORD-01004-A8L2P5' }), lookups()));
    expect(r.externalDocumentNumber).toBe('ALPINE SKI HOUSE LODGE FURNITURE FO');
    expect(r.externalDocumentNumber).toHaveLength(35);
    expect(externalDocumentNumber(name)).toBe(r.externalDocumentNumber);
    expect(r.yourReference).toBe('ORD-01004-A8L2P5');
    expect(r.currencyCode).toBe('');
    expect(ok(convertDocument(doc({ currencyId: 'eur' }), lookups())).currencyCode).toBe('EUR');
    expect([r.customerId, r.customerNumber]).toEqual(['c-10000', '10000']);
  });

  test('a contact customer converts through its parent account', () => {
    expect(ok(convertDocument(doc({ customerId: 'con1' }), lookups())).customerNumber).toBe('10000');
  });

  test('an uncoupled customer: one line naming the order, the customer and the couple command', () => {
    const r = convertDocument(doc({ customerId: 'acc2', name: 'Adatum lab benches', number: 'ORD-01006' }), lookups());
    expect('message' in r && r.message).toBe(
      'Order ORD-01006 "Adatum lab benches": customer Adatum Corporation is not coupled to a Business Central customer; couple account acc2 with ' +
        '"bcsync couple --mapping CUSTOMER --dataverse acc2 --bc <customer no.>" (or --create-in bc), then run the command again.',
    );
    expect('message' in r && r.message.includes('\n')).toBe(false);
  });

  test('options through their couplings, addresses only when set, requested delivery date, discounts', () => {
    const shipTo = { ...address, line1: '10 Deerfield Road', city: 'Denver', country: 'United States' };
    const r = ok(
      convertDocument(
        doc({ paymentTermsCode: 1, freightTermsCode: 3, shippingMethodCode: 2, shipTo, requestDeliveryBy: '2026-12-18', discountPercentage: 5, totalLineItemAmount: 3812, totalAmountLessFreight: 3621.4 }),
        lookups(),
      ),
    );
    expect([r.paymentTermsId, r.shipmentMethodId, r.shippingAgentCode]).toEqual(['pt-1', 'sm-3', 'DHL']);
    expect(r.billTo).toBeUndefined();
    expect(r.shipTo).toEqual({ name: '', addressLine1: '10 Deerfield Road', addressLine2: '', city: 'Denver', state: '', postCode: '', country: '' });
    expect(r.requestedDeliveryDate).toBe('2026-12-18');
    expect([r.paymentDiscountPercent, r.invoiceDiscountAmount]).toEqual([5, 190.6]);
    expect(ok(convertDocument(doc({ totalLineItemAmount: 10, totalAmountLessFreight: 5 }), lookups())).invoiceDiscountAmount).toBe(0);
  });
});

describe('convertDocument: lines', () => {
  test('sequence order, items and resources, units, line discounts, freight on the G/L account', () => {
    const d = doc({
      freightAmount: 125,
      lines: [
        line({ id: 'a', sequenceNumber: 1, quantity: 4, pricePerUnit: 279, manualDiscountAmount: 40, volumeDiscountAmount: 1.5 }),
        line({ id: 'b', sequenceNumber: 2, productId: 'p2', uomId: null, quantity: 3, pricePerUnit: 100 }),
      ],
    });
    expect(ok(convertDocument(d, lookups())).lines).toEqual([
      { lineNumber: 10000, lineType: 'Item', number: '1000', quantity: 4, unitPrice: 279, discountAmount: 46, unitOfMeasureCode: 'PCS', sourceLineId: 'a' },
      { lineNumber: 20000, lineType: 'Resource', number: 'LINDA', quantity: 3, unitPrice: 100, discountAmount: 0, sourceLineId: 'b' },
      { lineNumber: 30000, lineType: 'Account', number: '40250', description: 'Freight Amount', quantity: 1, unitPrice: 125 },
    ]);
  });

  test('write-in lines on the write-in item; long texts continue on attached comment lines of at most 100 characters', () => {
    const longName = 'Custom engraved brass name plates for every desk, with the Alpine Ski House logo and each instructor\'s name in block capitals';
    const longDescription = 'Desks for the ski school office: light oak top, cable tray fitted on the left-hand side, assembled on site before the season opens.';
    const d = doc({
      lines: [
        line({ id: 'w', sequenceNumber: 2, productId: null, uomId: null, productDescription: longName, quantity: 4, pricePerUnit: 35 }),
        line({ id: 'a', sequenceNumber: 1, description: longDescription }),
        line({ id: 'x', sequenceNumber: 3, description: 'ORION Office Desk' }),
      ],
    });
    const lines = ok(convertDocument(d, lookups())).lines;
    expect(lines.map((l) => [l.lineNumber, l.lineType, l.number, l.attachedToLineNumber ?? null])).toEqual([
      [10000, 'Item', '1000', null],
      [20000, 'Comment', '', 10000],
      [30000, 'Comment', '', 10000],
      [40000, 'Item', '9000', null],
      [50000, 'Comment', '', 40000],
      [60000, 'Item', '1000', null],
    ]);
    for (const l of lines) expect((l.description ?? '').length).toBeLessThanOrEqual(100);
    expect([lines[1]!.description, lines[2]!.description].join(' ')).toBe(longDescription);
    expect([lines[3]!.description, lines[4]!.description].join(' ')).toBe(longName);
    expect(lines[3]).toMatchObject({ quantity: 4, unitPrice: 35 });
  });

  test('memo lines each start a comment line; a word longer than 100 characters is cut', () => {
    expect(splitText('first line\nsecond line')).toEqual(['first line', 'second line']);
    expect(splitText('x'.repeat(150))).toEqual(['x'.repeat(100), 'x'.repeat(50)]);
    expect(splitText('')).toEqual([]);
  });

  test.each([
    ['no write-in product configured', { setup: { writeInProductType: ' ', writeInProductNumber: '', writeInProductCoupled: false, writeInProductFound: false, freightAccountNumber: '' } }, [line({ productId: null })], /write-in product but no write-in product is configured/],
    ['a coupled write-in product', { setup: { writeInProductType: 'Item', writeInProductNumber: '9000', writeInProductCoupled: true, writeInProductFound: true, freightAccountNumber: '' } }, [line({ productId: null })], /is coupled to a Dataverse product; uncouple it/],
    ['a retired product', {}, [line({ productId: 'p3' })], /product Old Lamp \(1099\) is not active/],
    ['an uncoupled product', {}, [line({ productId: 'p4' })], /product Planter Box \(P-2003\) is not coupled to a Business Central item; couple it with "bcsync couple --mapping ITEM-PRODUCT --dataverse p4/],
    ['an uncoupled unit', {}, [line({ uomId: 'u2' })], /unit BOX is not coupled/],
  ] as const)('%s: a one-line error naming the order', (_what, over, lines, message) => {
    const r = convertDocument(doc({ lines: [...lines] }), lookups(over as Partial<ConversionLookups>));
    expect('message' in r).toBe(true);
    if ('message' in r) {
      expect(r.message).toMatch(message);
      expect(r.message.startsWith('Order ORD-1 "Lodge furniture"')).toBe(true);
    }
  });

  test('freight without a freight account is refused', () => {
    const r = convertDocument(doc({ freightAmount: 10 }), lookups({ setup: undefined }));
    expect('message' in r && r.message).toMatch(/no freight G\/L account is configured/);
  });
});
