/**
 * Units (UNIT OF MEASURE, or UNIT GROUP + ITEM UOM + RESOURCE UOM) and products (ITEM-PRODUCT,
 * RESOURCE-PRODUCT) with the product rules of docs/integration.md §2.2.
 */
import { field, notInV2, tableMapping } from '../build.js';
import type { IntegrationOptions } from '../integration-options.js';
import type { FieldMapping, IntegrationTableMapping } from '../types.js';

const UNIT_SCHEDULE = { intervalMinutes: 30, inactivityTimeoutMinutes: 720 } as const;
const CREATE_AND_SYNC = { syncAfterCoupling: true, createNewIfNoMatch: true } as const;

function uomscheduleTable(): IntegrationTableMapping['dataverse'] {
  return {
    table: 'uomschedule',
    entitySet: 'uomschedules',
    key: 'uomscheduleid',
    modifiedField: 'modifiedon',
    nameField: 'name',
    filter: [],
    companyFilter: false,
    companyIdStamp: 'never',
    ownerTeamOnInsert: false,
  };
}

export function unitOfMeasureMapping(): IntegrationTableMapping {
  return tableMapping({
    name: 'UNIT OF MEASURE',
    bc: {
      api: 'v2.0',
      entitySet: 'unitsOfMeasure',
      table: 'Unit of Measure (204)',
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: 'code',
      nameField: 'displayName',
      filter: [],
      properties: ['id', 'code', 'displayName', 'internationalStandardCode', 'symbol', 'lastModifiedDateTime'],
    },
    dataverse: uomscheduleTable(),
    direction: 'to-dataverse',
    dependencies: [],
    schedule: { ...UNIT_SCHEDULE },
    fields: [
      // baseuomname creates the group's base unit and is accepted on create only.
      field({ id: 'code', bcField: 'Code', bc: 'code', dataverse: 'baseuomname', direction: 'to-dataverse', bcType: 'code', insertOnly: true, bcMaxLength: 10, dataverseMaxLength: 100 }),
      field({
        id: 'groupName',
        bcField: 'Code',
        bc: 'code',
        dataverse: 'name',
        direction: 'to-dataverse',
        origin: 'rule',
        transform: { kind: 'format', template: 'NAV {}' },
        bcType: 'code',
        dataverseMaxLength: 200,
      }),
    ],
    notes: [
      'The unit group must be active and hold exactly one unit, renamed to the BC code if it differs.',
      'An uncoupled BC unit is coupled to an existing "NAV <code>" unit group instead of creating a duplicate.',
    ],
  });
}

export function unitGroupMapping(): IntegrationTableMapping {
  return tableMapping({
    name: 'UNIT GROUP',
    bc: {
      api: 'custom',
      entitySet: 'unitGroups',
      table: 'Unit Group (5400)',
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: 'code',
      nameField: 'description',
      filter: [],
      properties: ['id', 'code', 'sourceType', 'sourceId', 'sourceNumber', 'description', 'lastModifiedDateTime'],
    },
    dataverse: uomscheduleTable(),
    direction: 'to-dataverse',
    dependencies: [],
    schedule: { ...UNIT_SCHEDULE },
    matchBased: { ...CREATE_AND_SYNC },
    fields: [
      field({
        id: 'name',
        bcField: 'Source No.',
        bc: 'code',
        dataverse: 'name',
        direction: 'to-dataverse',
        bcType: 'code',
        match: true,
        dataverseMaxLength: 200,
        notes: 'the value written is the group code ITEM <No.> UOM GR / RESOURCE <No.> UOM GR',
      }),
      field({
        id: 'baseUnitName',
        bcField: 'Source No.',
        bc: 'sourceNumber',
        dataverse: 'baseuomname',
        direction: 'to-dataverse',
        bcType: 'code',
        insertOnly: true,
        bcMaxLength: 20,
        dataverseMaxLength: 100,
      }),
    ],
    notes: ['An inactive Dataverse unit group is an error.'],
  });
}

function ownerUnitMapping(owner: 'item' | 'resource'): IntegrationTableMapping {
  const item = owner === 'item';
  const numberProperty = item ? 'itemNumber' : 'resourceNumber';
  return tableMapping({
    name: item ? 'ITEM UOM' : 'RESOURCE UOM',
    bc: {
      api: 'custom',
      entitySet: item ? 'itemUnitsOfMeasure' : 'resourceUnitsOfMeasure',
      table: item ? 'Item Unit of Measure (5404)' : 'Resource Unit of Measure (205)',
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: undefined,
      keyParts: [numberProperty, 'code'],
      nameField: 'code',
      filter: [],
      properties: ['id', item ? 'itemId' : 'resourceId', numberProperty, 'code', 'qtyPerUnitOfMeasure', 'lastModifiedDateTime'],
    },
    dataverse: {
      table: 'uom',
      entitySet: 'uoms',
      key: 'uomid',
      modifiedField: 'modifiedon',
      nameField: 'name',
      filter: [],
      companyFilter: false,
      companyIdStamp: 'never',
      ownerTeamOnInsert: false,
    },
    direction: 'to-dataverse',
    dependencies: ['UNIT GROUP'],
    schedule: { ...UNIT_SCHEDULE },
    matchBased: { ...CREATE_AND_SYNC },
    fields: [
      field({
        id: 'name',
        bcField: 'Code',
        bc: 'code',
        dataverse: 'name',
        direction: 'to-dataverse',
        bcType: 'code',
        match: true,
        bcMaxLength: 10,
        dataverseMaxLength: 100,
        notes: "matching is restricted to the owner's unit group",
      }),
      field({
        id: 'quantity',
        bcField: 'Qty. per Unit of Measure',
        bc: 'qtyPerUnitOfMeasure',
        dataverse: 'quantity',
        direction: 'to-dataverse',
        bcType: 'decimal',
      }),
      field({
        id: 'unitGroup',
        bcField: item ? 'Item No.' : 'Resource No.',
        bc: numberProperty,
        dataverse: 'uomscheduleid',
        direction: 'to-dataverse',
        origin: 'rule',
        transform: {
          kind: 'lookup',
          mapping: 'UNIT GROUP',
          key: { bcProperty: 'sourceNumber', scope: { sourceType: { value: item ? 'Item' : 'Resource' } } },
          target: 'uomschedules',
          navigation: 'uomscheduleid',
        },
        bcType: 'code',
        insertOnly: true,
        notes: "the owner's unit group; created and coupled on the fly when missing",
      }),
    ],
  });
}

export function itemUomMapping(): IntegrationTableMapping {
  return ownerUnitMapping('item');
}

export function resourceUomMapping(): IntegrationTableMapping {
  return ownerUnitMapping('resource');
}

/** docs/integration.md §2.2 extra product rules, as rule rows. */
function productRuleFields(owner: 'item' | 'resource', options: IntegrationOptions): FieldMapping[] {
  const rules: FieldMapping[] = [
    field({
      id: 'currency',
      dataverse: 'transactioncurrencyid',
      direction: 'to-dataverse',
      origin: 'rule',
      transform: { kind: 'baseCurrency' },
      notes: 'products are priced in LCY',
    }),
    field({
      id: 'quantityDecimal',
      dataverse: 'quantitydecimal',
      direction: 'to-dataverse',
      origin: 'rule',
      transform: { kind: 'constant', value: 2 },
      insertOnly: true,
      bcType: 'integer',
    }),
    field({
      id: 'productType',
      dataverse: 'producttypecode',
      direction: 'to-dataverse',
      origin: 'rule',
      // Sales Inventory (1) for items, Services (3) for resources (docs/integration.md §2.5).
      transform: { kind: 'constant', value: owner === 'item' ? 1 : 3 },
      bcType: 'integer',
    }),
    field({
      id: 'stateOnInsert',
      bcField: 'Blocked',
      bc: 'blocked',
      dataverse: 'statecode',
      direction: 'to-dataverse',
      origin: 'rule',
      transform: { kind: 'stateFromBlocked' },
      insertOnly: true,
      bcType: 'boolean',
    }),
    field({
      id: 'blockedFromState',
      bcField: 'Blocked',
      bc: 'blocked',
      dataverse: 'statecode',
      direction: 'from-dataverse',
      origin: 'rule',
      transform: { kind: 'blockedFromState', blockedValue: true },
      bcType: 'boolean',
    }),
  ];
  if (options.unitGroups) {
    rules.push(
      field({
        id: 'unitGroup',
        bcField: 'No.',
        bc: 'number',
        dataverse: 'defaultuomscheduleid',
        direction: 'to-dataverse',
        origin: 'rule',
        transform: {
          kind: 'lookup',
          mapping: 'UNIT GROUP',
          key: { bcProperty: 'sourceNumber', scope: { sourceType: { value: owner === 'item' ? 'Item' : 'Resource' } } },
          target: 'uomschedules',
          navigation: 'defaultuomscheduleid',
        },
        bcType: 'code',
        notes: "the product's unit group is the item's/resource's own unit group",
      }),
    );
  }
  return rules;
}

const PRODUCT_NOTES = [
  'Items and resources equal to the Write-in Product No. are never synchronized.',
  'pricelevelid is the default price list "<product> Default Price List" in LCY (created when missing; "Business Central <LCY> Default Price List" if the name is taken by another currency); on insert a price-list item is created or updated.',
];

function productTable(productTypeCode: 1 | 3): IntegrationTableMapping['dataverse'] {
  return {
    table: 'product',
    entitySet: 'products',
    key: 'productid',
    modifiedField: 'modifiedon',
    nameField: 'name',
    filter: [
      { field: 'producttypecode', op: 'eq', value: productTypeCode },
      { field: 'statecode', op: 'eq', value: 0 },
    ],
    companyFilter: true,
    companyIdStamp: 'always',
    ownerTeamOnInsert: false,
  };
}

/** Unit Price → price (negative written as 0, docs/integration.md §2.2) and Unit Cost → standard and current cost: items and resources alike. */
function priceAndCostFields(): FieldMapping[] {
  return [
      field({
        id: 'unitPrice',
        bcField: 'Unit Price',
        bc: 'unitPrice',
        dataverse: 'price',
        direction: 'to-dataverse',
        transform: { kind: 'nonNegative' },
        bcType: 'decimal',
      }),
      field({ id: 'standardCost', bcField: 'Unit Cost', bc: 'unitCost', dataverse: 'standardcost', direction: 'to-dataverse', bcType: 'decimal' }),
      field({ id: 'currentCost', bcField: 'Unit Cost', bc: 'unitCost', dataverse: 'currentcost', direction: 'to-dataverse', bcType: 'decimal' }),
  ];
}

export function itemProductMapping(options: IntegrationOptions): IntegrationTableMapping {
  const set = 'items';
  const fields: FieldMapping[] = [
    field({ id: 'number', bcField: 'No.', bc: 'number', dataverse: 'productnumber', direction: 'to-dataverse', bcType: 'code', bcMaxLength: 20, dataverseMaxLength: 100 }),
    field({ id: 'description', bcField: 'Description', bc: 'displayName', dataverse: 'name', direction: 'bidirectional', bcMaxLength: 100, dataverseMaxLength: 100 }),
    ...priceAndCostFields(),
    field({ id: 'unitVolume', bcField: 'Unit Volume', dataverse: 'stockvolume', direction: 'to-dataverse', bcType: 'decimal', unavailable: notInV2(set, 'Unit Volume') }),
    field({ id: 'grossWeight', bcField: 'Gross Weight', dataverse: 'stockweight', direction: 'to-dataverse', bcType: 'decimal', unavailable: notInV2(set, 'Gross Weight') }),
    field({ id: 'vendorNo', bcField: 'Vendor No.', dataverse: 'vendorid', direction: 'to-dataverse', bcType: 'code', unavailable: notInV2(set, 'Vendor No.'), bcMaxLength: 20, dataverseMaxLength: 100 }),
    field({
      id: 'vendorItemNo',
      bcField: 'Vendor Item No.',
      dataverse: 'vendorpartnumber',
      direction: 'to-dataverse',
      unavailable: notInV2(set, 'Vendor Item No.'),
      bcMaxLength: 50,
      dataverseMaxLength: 100,
    }),
    field({
      id: 'inventory',
      bcField: 'Inventory',
      bc: 'inventory',
      dataverse: 'quantityonhand',
      direction: 'to-dataverse',
      transform: { kind: 'nonNegative' },
      bcType: 'decimal',
      bcReadOnly: true,
    }),
    options.unitGroups
      ? field({
          id: 'baseUnit',
          bcField: 'Base Unit of Measure',
          bc: 'baseUnitOfMeasureCode',
          dataverse: 'defaultuomid',
          direction: 'bidirectional',
          transform: {
            kind: 'lookup',
            mapping: 'ITEM UOM',
            key: { bcProperty: 'code', scope: { itemNumber: { fromBc: 'number' } } },
            target: 'uoms',
            navigation: 'defaultuomid',
          },
          bcType: 'code',
        })
      : field({
          id: 'baseUnit',
          bcField: 'Base Unit of Measure',
          bc: 'baseUnitOfMeasureCode',
          dataverse: 'defaultuomscheduleid',
          direction: 'bidirectional',
          transform: {
            kind: 'lookup',
            mapping: 'UNIT OF MEASURE',
            key: { bcProperty: 'code' },
            target: 'uomschedules',
            navigation: 'defaultuomscheduleid',
          },
          bcType: 'code',
        }),
    // Dataverse also requires the default unit: the single unit of that "NAV <code>" unit group.
    ...(options.unitGroups
      ? []
      : [
          field({
            id: 'baseUnitOfGroup',
            bcField: 'Base Unit of Measure',
            bc: 'baseUnitOfMeasureCode',
            dataverse: 'defaultuomid',
            direction: 'to-dataverse',
            origin: 'rule',
            transform: { kind: 'groupBaseUnit', mapping: 'UNIT OF MEASURE' },
            bcType: 'code',
          }),
        ]),
    ...productRuleFields('item', options),
  ];
  return tableMapping({
    name: 'ITEM-PRODUCT',
    bc: {
      api: 'v2.0',
      entitySet: set,
      table: 'Item (27)',
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: 'number',
      nameField: 'displayName',
      filter: [{ field: 'blocked', op: 'eq', value: false }],
      properties: [
        'id', 'number', 'displayName', 'displayName2', 'type', 'itemCategoryId', 'itemCategoryCode', 'blocked', 'gtin',
        'inventory', 'unitPrice', 'priceIncludesTax', 'unitCost', 'taxGroupId', 'taxGroupCode', 'baseUnitOfMeasureId',
        'baseUnitOfMeasureCode', 'generalProductPostingGroupId', 'generalProductPostingGroupCode',
        'inventoryPostingGroupId', 'inventoryPostingGroupCode', 'lastModifiedDateTime',
      ],
    },
    dataverse: productTable(1),
    direction: 'bidirectional',
    dependencies: [options.unitGroups ? 'ITEM UOM' : 'UNIT OF MEASURE'],
    schedule: { intervalMinutes: 30, inactivityTimeoutMinutes: 1440 },
    fields,
    notes: [
      ...PRODUCT_NOTES,
      ...(options.unitGroups
        ? []
        : ['Without unit groups, defaultuomid is the single unit of the coupled "NAV <code>" unit group.']),
    ],
  });
}

export function resourceProductMapping(options: IntegrationOptions): IntegrationTableMapping {
  const fields: FieldMapping[] = [
    field({ id: 'number', bcField: 'No.', bc: 'number', dataverse: 'productnumber', direction: 'to-dataverse', bcType: 'code', bcMaxLength: 20, dataverseMaxLength: 100 }),
    field({ id: 'name', bcField: 'Name', bc: 'name', dataverse: 'name', direction: 'bidirectional', bcMaxLength: 100, dataverseMaxLength: 100 }),
    ...priceAndCostFields(),
    field({ id: 'vendorNo', bcField: 'Vendor No.', bc: 'vendorNumber', dataverse: 'vendorid', direction: 'to-dataverse', bcType: 'code', bcMaxLength: 20, dataverseMaxLength: 100 }),
    field({
      id: 'capacity',
      bcField: 'Capacity',
      bc: 'capacity',
      dataverse: 'quantityonhand',
      direction: 'to-dataverse',
      transform: { kind: 'nonNegative' },
      bcType: 'decimal',
    }),
  ];
  if (options.unitGroups) {
    fields.push(
      field({
        id: 'baseUnit',
        bcField: 'Base Unit of Measure',
        bc: 'baseUnitOfMeasureCode',
        dataverse: 'defaultuomid',
        direction: 'to-dataverse',
        transform: {
          kind: 'lookup',
          mapping: 'RESOURCE UOM',
          key: { bcProperty: 'code', scope: { resourceNumber: { fromBc: 'number' } } },
          target: 'uoms',
          navigation: 'defaultuomid',
        },
        bcType: 'code',
      }),
    );
  }
  fields.push(...productRuleFields('resource', options));
  return tableMapping({
    name: 'RESOURCE-PRODUCT',
    bc: {
      api: 'custom',
      entitySet: 'resources',
      table: 'Resource (156)',
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: 'number',
      nameField: 'name',
      filter: [{ field: 'blocked', op: 'eq', value: false }],
      properties: [
        'id', 'number', 'name', 'type', 'baseUnitOfMeasureCode', 'unitPrice', 'unitCost', 'vendorNumber', 'capacity',
        'blocked', 'lastModifiedDateTime',
      ],
    },
    dataverse: productTable(3),
    direction: 'bidirectional',
    dependencies: [options.unitGroups ? 'RESOURCE UOM' : 'UNIT OF MEASURE'],
    schedule: { intervalMinutes: 30, inactivityTimeoutMinutes: 720 },
    fields,
    notes: [
      ...PRODUCT_NOTES,
      ...(options.unitGroups ? [] : ['Without unit groups BC maps no unit for resources (Base Unit of Measure → defaultuomid exists only with unit groups: docs/integration.md §2.2).']),
    ],
  });
}
