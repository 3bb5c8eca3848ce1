/**
 * Price lists: CUSTPRCGRP-PRICE + SALESPRC-PRODPRICE (old pricing) or PLHEADER-PRICE + PLLINE-PRODPRICE
 * (new pricing), docs/integration.md §2.1, §2.2.
 */
import { field, productByType, tableMapping } from '../build.js';
import type { IntegrationOptions } from '../integration-options.js';
import type { FieldMapping, IntegrationTableMapping } from '../types.js';

const PRICE_SCHEDULE = { intervalMinutes: 30, inactivityTimeoutMinutes: 1440 } as const;

const LIST_CURRENCY_NOTE =
  'The Dataverse list currency is the currency of the first price line; every line must have that currency, a coupled (or syncable) item/resource and a resolvable unit, otherwise the header fails. A list without lines uses LCY; on modify the existing Dataverse currency must equal it. After insert, modify or unchanged, all lines of the list are pushed.';

function pricelevelTable(): IntegrationTableMapping['dataverse'] {
  return {
    table: 'pricelevel',
    entitySet: 'pricelevels',
    key: 'pricelevelid',
    modifiedField: 'modifiedon',
    nameField: 'name',
    filter: [],
    companyFilter: true,
    // pricelevel is stamped with the company only when BC inserts it (docs/integration.md §2).
    companyIdStamp: 'insert',
    ownerTeamOnInsert: false,
  };
}

function productpricelevelTable(): IntegrationTableMapping['dataverse'] {
  return {
    table: 'productpricelevel',
    entitySet: 'productpricelevels',
    key: 'productpricelevelid',
    modifiedField: 'modifiedon',
    nameField: 'productnumber',
    filter: [],
    companyFilter: false,
    companyIdStamp: 'always',
    ownerTeamOnInsert: false,
  };
}

function priceLineCommon(priceListMapping: string, priceListProperty: string): FieldMapping[] {
  return [
    field({
      id: 'priceList',
      bcField: priceListMapping === 'CUSTPRCGRP-PRICE' ? 'Sales Code' : 'Price List Code',
      bc: priceListProperty,
      dataverse: 'pricelevelid',
      direction: 'to-dataverse',
      transform: {
        kind: 'lookup',
        mapping: priceListMapping,
        key: { bcProperty: 'code' },
        target: 'pricelevels',
        navigation: 'pricelevelid',
      },
      bcType: 'code',
      // Dataverse accepts pricelevelid on create only.
      insertOnly: true,
    }),
  ];
}

/** Currency Code → transactioncurrencyid (blank BC currency = the Dataverse base currency) of price lists and prices. */
function currencyField(): FieldMapping {
  return field({
    id: 'currency',
    bcField: 'Currency Code',
    bc: 'currencyCode',
    dataverse: 'transactioncurrencyid',
    direction: 'to-dataverse',
    transform: { kind: 'currency' },
    bcType: 'code',
  });
}

/** A product price's currency and its pricing method (always Currency Amount, docs/integration.md §2.5): SALESPRC-PRODPRICE and PLLINE-PRODPRICE. */
function priceLineCurrencyFields(): FieldMapping[] {
  return [
    currencyField(),
    field({ id: 'pricingMethod', dataverse: 'pricingmethodcode', direction: 'to-dataverse', transform: { kind: 'constant', value: 1 }, bcType: 'integer' }),
  ];
}

export function customerPriceGroupMapping(): IntegrationTableMapping {
  return tableMapping({
    name: 'CUSTPRCGRP-PRICE',
    bc: {
      api: 'custom',
      entitySet: 'customerPriceGroups',
      table: 'Customer Price Group (6)',
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: 'code',
      nameField: 'description',
      filter: [],
      properties: ['id', 'code', 'description', 'lastModifiedDateTime'],
    },
    dataverse: pricelevelTable(),
    direction: 'to-dataverse',
    dependencies: ['CURRENCY', 'ITEM-PRODUCT'],
    schedule: { ...PRICE_SCHEDULE },
    fields: [
      field({ id: 'name', bcField: 'Code', bc: 'code', dataverse: 'name', direction: 'to-dataverse', bcType: 'code', bcMaxLength: 10, dataverseMaxLength: 100 }),
      field({ id: 'description', bcField: 'Description', bc: 'description', dataverse: 'description', direction: 'to-dataverse', bcMaxLength: 100 }),
    ],
    notes: [LIST_CURRENCY_NOTE],
  });
}

export function salesPriceMapping(options: IntegrationOptions): IntegrationTableMapping {
  return tableMapping({
    name: 'SALESPRC-PRODPRICE',
    bc: {
      api: 'custom',
      entitySet: 'salesPrices',
      table: 'Sales Price (7002)',
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: undefined,
      keyParts: ['itemNumber', 'salesType', 'salesCode', 'currencyCode', 'startingDate', 'unitOfMeasureCode', 'minimumQuantity'],
      nameField: 'itemNumber',
      filter: [
        { field: 'salesType', op: 'eq', value: 'Customer Price Group' },
        { field: 'salesCode', op: 'ne', value: '' },
      ],
      properties: [
        'id', 'itemNumber', 'salesType', 'salesCode', 'currencyCode', 'startingDate', 'unitOfMeasureCode',
        'minimumQuantity', 'unitPrice', 'lastModifiedDateTime',
      ],
    },
    dataverse: productpricelevelTable(),
    direction: 'to-dataverse',
    synchOnlyCoupledRecords: false,
    dependencies: ['CUSTPRCGRP-PRICE', 'ITEM-PRODUCT'],
    schedule: { ...PRICE_SCHEDULE },
    fields: [
      ...priceLineCommon('CUSTPRCGRP-PRICE', 'salesCode'),
      field({
        id: 'product',
        bcField: 'Item No.',
        bc: 'itemNumber',
        dataverse: 'productid',
        direction: 'to-dataverse',
        transform: { kind: 'lookup', mapping: 'ITEM-PRODUCT', key: { bcProperty: 'number' }, target: 'products', navigation: 'productid' },
        bcType: 'code',
      }),
      field({ id: 'productNumber', bcField: 'Item No.', bc: 'itemNumber', dataverse: 'productnumber', direction: 'to-dataverse', bcType: 'code', bcMaxLength: 20, dataverseMaxLength: 100 }),
      ...priceLineCurrencyFields(),
      field({ id: 'amount', bcField: 'Unit Price', bc: 'unitPrice', dataverse: 'amount', direction: 'to-dataverse', bcType: 'decimal' }),
      unitField(options, { single: { mapping: 'ITEM UOM', numberProperty: 'itemNumber', sourceProperty: 'itemNumber' } }),
    ],
    notes: ['An empty unit of measure code stands for the item\'s base unit.'],
  });
}

type UnitSource =
  | { single: { mapping: string; numberProperty: string; sourceProperty: string } }
  | { byAsset: true };

/** Price unit: uomid through item/resource unit couplings [UG] or uomscheduleid through UNIT OF MEASURE [noUG]. */
function unitField(options: IntegrationOptions, source: UnitSource): FieldMapping {
  if (!options.unitGroups) {
    return field({
      id: 'unit',
      bcField: 'Unit of Measure Code',
      bc: 'unitOfMeasureCode',
      dataverse: 'uomscheduleid',
      direction: 'to-dataverse',
      transform: { kind: 'lookup', mapping: 'UNIT OF MEASURE', key: { bcProperty: 'code' }, target: 'uomschedules', navigation: 'uomscheduleid' },
      bcType: 'code',
      notes: 'uomid is the single unit of the coupled "NAV <code>" unit group',
    });
  }
  if ('single' in source) {
    const { mapping, numberProperty, sourceProperty } = source.single;
    return field({
      id: 'unit',
      bcField: 'Unit of Measure Code',
      bc: 'unitOfMeasureCode',
      dataverse: 'uomid',
      direction: 'to-dataverse',
      transform: {
        kind: 'lookup',
        mapping,
        key: { bcProperty: 'code', scope: { [numberProperty]: { fromBc: sourceProperty } } },
        target: 'uoms',
        navigation: 'uomid',
      },
      bcType: 'code',
    });
  }
  const itemKey = { bcProperty: 'code', scope: { itemNumber: { fromBc: 'assetNumber' } } };
  return field({
    id: 'unit',
    bcField: 'Unit of Measure Code',
    bc: 'unitOfMeasureCode',
    dataverse: 'uomid',
    direction: 'to-dataverse',
    transform: {
      kind: 'lookup',
      mapping: 'ITEM UOM',
      key: itemKey,
      target: 'uoms',
      navigation: 'uomid',
      switchOn: {
        property: 'assetType',
        cases: {
          Item: { mapping: 'ITEM UOM', key: itemKey },
          Resource: { mapping: 'RESOURCE UOM', key: { bcProperty: 'code', scope: { resourceNumber: { fromBc: 'assetNumber' } } } },
        },
      },
    },
    bcType: 'code',
  });
}

export function priceListHeaderMapping(extras: { defaultPriceListCodeSet: boolean }): IntegrationTableMapping {
  return tableMapping({
    name: 'PLHEADER-PRICE',
    bc: {
      api: 'custom',
      entitySet: 'priceListHeaders',
      table: 'Price List Header (7000)',
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: 'code',
      nameField: 'description',
      filter: [
        { field: 'priceType', op: 'eq', value: 'Sale' },
        { field: 'amountType', op: 'eq', value: 'Price' },
        // True only when Sales & Receivables Setup names a default price list code (docs/integration.md §2.1).
        { field: 'allowUpdatingDefaults', op: 'eq', value: extras.defaultPriceListCodeSet },
      ],
      properties: [
        'id', 'code', 'description', 'priceType', 'amountType', 'currencyCode', 'startingDate', 'endingDate', 'status',
        'allowUpdatingDefaults', 'lastModifiedDateTime',
      ],
    },
    dataverse: pricelevelTable(),
    direction: 'to-dataverse',
    dependencies: ['CURRENCY', 'ITEM-PRODUCT'],
    schedule: { ...PRICE_SCHEDULE },
    fields: [
      field({ id: 'name', bcField: 'Code', bc: 'code', dataverse: 'name', direction: 'to-dataverse', bcType: 'code', bcMaxLength: 20, dataverseMaxLength: 100 }),
      field({ id: 'description', bcField: 'Description', bc: 'description', dataverse: 'description', direction: 'to-dataverse', bcMaxLength: 250 }),
      currencyField(),
      field({ id: 'startingDate', bcField: 'Starting Date', bc: 'startingDate', dataverse: 'begindate', direction: 'to-dataverse', bcType: 'date', dataverseDateTime: true }),
      field({ id: 'endingDate', bcField: 'Ending Date', bc: 'endingDate', dataverse: 'enddate', direction: 'to-dataverse', bcType: 'date', dataverseDateTime: true }),
      field({
        id: 'stateOnInsert',
        bcField: 'Status',
        bc: 'status',
        dataverse: 'statecode',
        direction: 'to-dataverse',
        origin: 'rule',
        // pricelevel statecode: Active 0, Inactive 1.
        transform: { kind: 'valueMap', map: { Active: 0 }, otherwise: 1 },
        insertOnly: true,
        bcType: 'enum',
      }),
    ],
    notes: [LIST_CURRENCY_NOTE],
  });
}

export function priceListLineMapping(options: IntegrationOptions): IntegrationTableMapping {
  return tableMapping({
    name: 'PLLINE-PRODPRICE',
    bc: {
      api: 'custom',
      entitySet: 'priceListLines',
      table: 'Price List Line (7001)',
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: undefined,
      keyParts: ['priceListCode', 'lineNumber'],
      nameField: 'assetNumber',
      filter: [
        { field: 'priceType', op: 'eq', value: 'Sale' },
        { field: 'amountType', op: 'eq', value: 'Price' },
        { field: 'assetType', op: 'in', value: ['Item', 'Resource'] },
        { field: 'minimumQuantity', op: 'eq', value: 0 },
      ],
      properties: [
        'id', 'priceListCode', 'lineNumber', 'priceType', 'amountType', 'assetType', 'assetNumber', 'unitOfMeasureCode',
        'currencyCode', 'minimumQuantity', 'unitPrice', 'startingDate', 'endingDate', 'lastModifiedDateTime',
      ],
    },
    dataverse: productpricelevelTable(),
    direction: 'to-dataverse',
    synchOnlyCoupledRecords: false,
    dependencies: ['PLHEADER-PRICE', 'ITEM-PRODUCT'],
    schedule: { ...PRICE_SCHEDULE },
    fields: [
      ...priceLineCommon('PLHEADER-PRICE', 'priceListCode'),
      field({
        id: 'product',
        bcField: 'Asset No.',
        bc: 'assetNumber',
        dataverse: 'productid',
        direction: 'to-dataverse',
        transform: productByType('assetType'),
        bcType: 'code',
      }),
      field({ id: 'productNumber', bcField: 'Asset No.', bc: 'assetNumber', dataverse: 'productnumber', direction: 'to-dataverse', bcType: 'code', bcMaxLength: 20, dataverseMaxLength: 100 }),
      ...priceLineCurrencyFields(),
      unitField(options, { byAsset: true }),
      field({ id: 'amount', bcField: 'Unit Price', bc: 'unitPrice', dataverse: 'amount', direction: 'to-dataverse', bcType: 'decimal' }),
    ],
    notes: [
      'An uncoupled line is coupled to an existing productpricelevel with the same price list, product and unit instead of creating a duplicate.',
      "An empty unit of measure code stands for the asset's base unit.",
    ],
  });
}
