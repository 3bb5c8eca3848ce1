/**
 * CURRENCY and the option mappings PAYMENT TERMS, SHIPMENT METHOD, SHIPPING AGENT (docs/integration.md §2.1, §2.2, §5.8).
 */
import { field, tableMapping } from '../build.js';
import type { DataverseOptionSet, Direction, IntegrationTableMapping } from '../types.js';

const CREATE_AND_SYNC = { syncAfterCoupling: true, createNewIfNoMatch: true } as const;

export function currencyMapping(): IntegrationTableMapping {
  return tableMapping({
    name: 'CURRENCY',
    bc: {
      api: 'v2.0',
      entitySet: 'currencies',
      table: 'Currency (4)',
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: 'code',
      nameField: 'displayName',
      filter: [],
      properties: ['id', 'code', 'displayName', 'symbol', 'amountDecimalPlaces', 'amountRoundingPrecision', 'lastModifiedDateTime'],
    },
    dataverse: {
      table: 'transactioncurrency',
      entitySet: 'transactioncurrencies',
      key: 'transactioncurrencyid',
      modifiedField: 'modifiedon',
      nameField: 'currencyname',
      filter: [],
      companyFilter: false,
      companyIdStamp: 'never',
      ownerTeamOnInsert: false,
    },
    direction: 'to-dataverse',
    dependencies: [],
    schedule: { intervalMinutes: 30, inactivityTimeoutMinutes: 720 },
    matchBased: { ...CREATE_AND_SYNC },
    fields: [
      field({
        id: 'code',
        bcField: 'Code',
        bc: 'code',
        dataverse: 'isocurrencycode',
        direction: 'to-dataverse',
        bcType: 'code',
        match: true,
        // Dataverse accepts isocurrencycode on create only.
        insertOnly: true,
        bcMaxLength: 10,
        dataverseMaxLength: 5,
      }),
      field({
        id: 'symbol',
        bcField: 'Symbol',
        bc: 'symbol',
        dataverse: 'currencysymbol',
        direction: 'to-dataverse',
        // BC fills an empty symbol with the ISO code.
        transform: { kind: 'copy', emptyFallback: 'code' },
        bcMaxLength: 10,
        dataverseMaxLength: 10,
      }),
      field({ id: 'description', bcField: 'Description', bc: 'displayName', dataverse: 'currencyname', direction: 'to-dataverse', bcMaxLength: 30, dataverseMaxLength: 100 }),
      field({
        id: 'exchangeRate',
        bcField: 'Code',
        bc: 'code',
        dataverse: 'exchangerate',
        direction: 'to-dataverse',
        origin: 'rule',
        transform: { kind: 'exchangeRate' },
        bcType: 'code',
        notes: "BC's current LCY→FCY rate of the currency; the record fails if BC has no rate",
      }),
      field({
        id: 'precision',
        dataverse: 'currencyprecision',
        direction: 'to-dataverse',
        origin: 'rule',
        transform: { kind: 'currencyPrecision' },
        insertOnly: true,
        bcType: 'integer',
      }),
    ],
    notes: ['An uncoupled BC currency is coupled on the spot to the Dataverse currency with the same ISO code instead of creating a second one.'],
  });
}

interface OptionSpec {
  name: 'PAYMENT TERMS' | 'SHIPMENT METHOD' | 'SHIPPING AGENT';
  api: 'v2.0' | 'custom';
  entitySet: string;
  table: string;
  nameField: string;
  properties: string[];
  optionSet: DataverseOptionSet;
  fieldDirection: Direction;
}

function optionMapping(spec: OptionSpec): IntegrationTableMapping {
  return tableMapping({
    name: spec.name,
    kind: 'option',
    bc: {
      api: spec.api,
      entitySet: spec.entitySet,
      table: spec.table,
      key: 'id',
      modifiedField: 'lastModifiedDateTime',
      naturalKey: 'code',
      nameField: spec.nameField,
      filter: [],
      properties: spec.properties,
    },
    dataverse: {
      table: spec.optionSet.table,
      entitySet: 'accounts',
      key: spec.optionSet.attribute,
      modifiedField: null,
      nameField: undefined,
      filter: [],
      companyFilter: false,
      companyIdStamp: 'never',
      ownerTeamOnInsert: false,
      optionSet: spec.optionSet,
    },
    direction: 'to-dataverse',
    dependencies: [],
    schedule: { intervalMinutes: 30, inactivityTimeoutMinutes: 1440, category: 'BCI OPTION' },
    matchBased: { ...CREATE_AND_SYNC },
    fields: [
      field({
        id: 'code',
        bcField: 'Code',
        bc: 'code',
        dataverse: spec.optionSet.attribute,
        direction: spec.fieldDirection,
        bcType: 'code',
        match: true,
        bcMaxLength: 10,
        notes: 'BC code ↔ option label',
      }),
    ],
    notes: [
      `→DV adds an option (label = BC code) to ${spec.optionSet.table}.${spec.optionSet.attribute} through the metadata API, or relabels the coupled option, and mirrors value and label into ${spec.optionSet.mirrors
        .map((m) => `${m.table}.${m.attribute}`)
        .join(', ')}.`,
      '←DV inserts or renames the BC record with the option label as its code; every option is processed each run.',
      'Option couplings are kept apart from record couplings; the field direction is ignored, the table direction decides.',
    ],
  });
}

export function paymentTermsMapping(): IntegrationTableMapping {
  return optionMapping({
    name: 'PAYMENT TERMS',
    api: 'v2.0',
    entitySet: 'paymentTerms',
    table: 'Payment Terms (3)',
    nameField: 'displayName',
    properties: [
      'id', 'code', 'displayName', 'dueDateCalculation', 'discountDateCalculation', 'discountPercent',
      'calculateDiscountOnCreditMemos', 'lastModifiedDateTime',
    ],
    optionSet: {
      table: 'account',
      attribute: 'paymenttermscode',
      mirrors: [
        { table: 'salesorder', attribute: 'paymenttermscode' },
        { table: 'quote', attribute: 'paymenttermscode' },
        { table: 'invoice', attribute: 'paymenttermscode' },
      ],
    },
    fieldDirection: 'to-dataverse',
  });
}

export function shipmentMethodMapping(): IntegrationTableMapping {
  return optionMapping({
    name: 'SHIPMENT METHOD',
    api: 'v2.0',
    entitySet: 'shipmentMethods',
    table: 'Shipment Method (10)',
    nameField: 'displayName',
    properties: ['id', 'code', 'displayName', 'lastModifiedDateTime'],
    optionSet: {
      table: 'account',
      attribute: 'address1_freighttermscode',
      mirrors: [
        { table: 'salesorder', attribute: 'freighttermscode' },
        { table: 'quote', attribute: 'freighttermscode' },
      ],
    },
    // BC creates this row ←DV while the table mapping is →DV (docs/integration.md §2.2).
    fieldDirection: 'from-dataverse',
  });
}

export function shippingAgentMapping(): IntegrationTableMapping {
  return optionMapping({
    name: 'SHIPPING AGENT',
    api: 'custom',
    entitySet: 'shippingAgents',
    table: 'Shipping Agent (291)',
    nameField: 'name',
    properties: ['id', 'code', 'name', 'lastModifiedDateTime'],
    optionSet: {
      table: 'account',
      attribute: 'address1_shippingmethodcode',
      mirrors: [
        { table: 'salesorder', attribute: 'shippingmethodcode' },
        { table: 'quote', attribute: 'shippingmethodcode' },
        { table: 'invoice', attribute: 'shippingmethodcode' },
      ],
    },
    fieldDirection: 'from-dataverse',
  });
}
