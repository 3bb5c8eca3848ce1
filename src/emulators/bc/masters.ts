/**
 * Master data rules of the API pages and tables: required customer name, contacts' company link,
 * opportunities, and the unit groups BC keeps for every item and resource (docs/custom-api.md).
 */
import type { Company } from './company.js';
import { errors } from './errors.js';
import type { Hooks } from './hooks.js';
import type { Rec, Row } from './store.js';
import { newGuid } from './values.js';

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

// ---------------------------------------------------------------------------------------------
// Unit groups: BC creates one per item/resource (`ITEM <No.> UOM GR`) and keeps it in step.

type UnitSource = { set: 'items' | 'resources'; uomSet: 'itemUnitsOfMeasure' | 'resourceUnitsOfMeasure'; type: 'Item' | 'Resource'; idField: string; numberField: string };
const ITEM_SOURCE: UnitSource = { set: 'items', uomSet: 'itemUnitsOfMeasure', type: 'Item', idField: 'itemId', numberField: 'itemNumber' };
const RESOURCE_SOURCE: UnitSource = {
  set: 'resources',
  uomSet: 'resourceUnitsOfMeasure',
  type: 'Resource',
  idField: 'resourceId',
  numberField: 'resourceNumber',
};

export function unitGroupCode(type: 'Item' | 'Resource', number: string): string {
  return `${type.toUpperCase()} ${number} UOM GR`;
}

function unitGroupOf(c: Company, sourceId: string): Row | undefined {
  const id = c.store.findBy('unitGroups', 'sourceId', sourceId)[0];
  return id === undefined ? undefined : c.store.get('unitGroups', id);
}

/** Creates or refreshes the unit group of an item/resource and its base unit of measure row. */
export function syncUnitGroup(c: Company, source: UnitSource, owner: Readonly<Rec>): void {
  const description = String(source.type === 'Item' ? owner.displayName : owner.name);
  const wanted = {
    code: unitGroupCode(source.type, String(owner.number)),
    sourceType: source.type,
    sourceId: owner.id,
    sourceNumber: owner.number,
    description,
  };
  const group = unitGroupOf(c, owner.id as string);
  if (!group) {
    const id = newGuid();
    c.store.put('unitGroups', id, { id, ...wanted, lastModifiedDateTime: c.nowText() });
  } else if (Object.entries(wanted).some(([k, v]) => group.data[k] !== v)) {
    c.touch('unitGroups', group.data.id as string, wanted);
  }
  const base = String(owner.baseUnitOfMeasureCode ?? '');
  if (base === '') return;
  const existing = c.store.findBy(source.uomSet, source.idField, owner.id as string).map((id) => c.get(source.uomSet, id)!);
  if (existing.some((r) => String(r.data.code).toUpperCase() === base.toUpperCase())) return;
  const id = newGuid();
  c.store.put(source.uomSet, id, {
    id,
    [source.idField]: owner.id,
    [source.numberField]: owner.number,
    code: base,
    qtyPerUnitOfMeasure: 1,
    lastModifiedDateTime: c.nowText(),
  });
}

function unitSourceHooks(source: UnitSource): Hooks {
  return {
    afterInsert(c, row) {
      syncUnitGroup(c, source, row.data);
    },
    afterUpdate(c, row) {
      syncUnitGroup(c, source, row.data);
    },
    beforeDelete(c, row) {
      if (source.set === 'items') {
        for (const [set, kind] of [
          ['salesQuoteLines', 'Quote'],
          ['salesOrderLines', 'Order'],
        ] as const) {
          for (const line of c.store.rows(set)) {
            if (line.data.itemId === row.data.id) {
              throw errors.dialog(
                `You cannot delete Item ${String(row.data.number)} because there is at least one outstanding Sales ${kind} that includes this item.`,
              );
            }
          }
        }
      }
    },
    afterDelete(c, row) {
      const group = unitGroupOf(c, row.data.id as string);
      if (group) c.store.delete('unitGroups', group.data.id as string);
      for (const id of c.store.findBy(source.uomSet, source.idField, row.data.id as string)) c.store.delete(source.uomSet, id);
    },
  };
}

function unitOfMeasureRowHooks(source: UnitSource): Hooks {
  const ownerCaption = source.type;
  return {
    beforeInsert(c, data) {
      if (data.code === '') throw errors.fieldValidation(`Code must have a value in ${ownerCaption} Unit of Measure. It cannot be zero or empty.`);
      if (!c.getByKey('unitsOfMeasure', data.code as string)) {
        throw errors.tableRelation('Code', `${ownerCaption} Unit of Measure`, String(data.code), 'Unit of Measure');
      }
      if (num(data.qtyPerUnitOfMeasure) === 0) data.qtyPerUnitOfMeasure = 1;
      if (num(data.qtyPerUnitOfMeasure) < 0) throw errors.fieldValidation('Qty. per Unit of Measure must be greater than 0.');
    },
    beforeUpdate(c, data, _sent, previous) {
      if (data[source.idField] !== previous[source.idField]) throw errors.dialog(`The "${source.idField}" cannot be changed.`);
      if (data.code !== previous.code && !c.getByKey('unitsOfMeasure', data.code as string)) {
        throw errors.tableRelation('Code', `${ownerCaption} Unit of Measure`, String(data.code), 'Unit of Measure');
      }
      if (num(data.qtyPerUnitOfMeasure) <= 0) throw errors.fieldValidation('Qty. per Unit of Measure must be greater than 0.');
    },
    beforeDelete(c, row, opts) {
      if (opts.person) return;
      const owner = c.get(source.set, row.data[source.idField] as string);
      if (owner && String(owner.data.baseUnitOfMeasureCode).toUpperCase() === String(row.data.code).toUpperCase()) {
        throw errors.dialog(
          `You cannot delete ${ownerCaption} Unit of Measure ${String(row.data.code)} because it is the base unit of measure of ${ownerCaption} ${String(owner.data.number)}.`,
        );
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Contacts and opportunities

function companyContact(c: Company, number: string): Row {
  const company = c.getByKey('contacts', number);
  if (!company || company.data.type !== 'Company') throw errors.tableRelation('Company No.', 'Contact', number, 'Contact');
  return company;
}

const contactHooks: Hooks = {
  beforeInsert(c, data, sent) {
    if ('companyNumber' in sent && data.companyNumber !== '' && data.type === 'Person') {
      data.companyName = companyContact(c, data.companyNumber as string).data.displayName;
    }
    if (!('searchName' in sent)) data.searchName = String(data.displayName).toUpperCase().slice(0, 100);
  },
  afterInsert(c, row) {
    // A company contact is its own company.
    if (row.data.type === 'Company') {
      c.patchSilently('contacts', row.data.id as string, { companyNumber: row.data.number, companyName: row.data.displayName });
    }
  },
  beforeUpdate(c, data, sent, previous) {
    if (data.type === 'Company') {
      data.companyNumber = data.number;
      data.companyName = data.displayName;
    } else if ('companyNumber' in sent || 'type' in sent) {
      data.companyName = data.companyNumber === '' ? '' : companyContact(c, data.companyNumber as string).data.displayName;
    }
    if (!('searchName' in sent) && data.displayName !== previous.displayName) data.searchName = String(data.displayName).toUpperCase().slice(0, 100);
  },
  afterUpdate(c, row, previous) {
    if (row.data.type !== 'Company') return;
    if (row.data.displayName === previous.displayName && row.data.number === previous.number) return;
    for (const person of [...c.store.rows('contacts')]) {
      if (person.data.type === 'Person' && person.data.companyNumber === previous.number) {
        c.touch('contacts', person.data.id as string, { companyNumber: row.data.number, companyName: row.data.displayName });
      }
    }
  },
};

function applyOpportunityContact(c: Company, data: Rec): void {
  const contact = data.contactNumber === '' ? undefined : c.getByKey('contacts', data.contactNumber as string);
  data.contactName = contact?.data.displayName ?? '';
  data.contactCompanyName = contact?.data.companyName ?? '';
}

const opportunityHooks: Hooks = {
  beforeInsert(c, data, sent) {
    if (!('status' in sent)) data.status = 'Not Started';
    if (!('creationDate' in sent)) data.creationDate = c.today();
    if (!('systemCreatedAt' in sent)) data.systemCreatedAt = c.nowText();
    applyOpportunityContact(c, data);
  },
  beforeUpdate(c, data, sent, previous) {
    const closed = previous.status === 'Won' || previous.status === 'Lost';
    if (closed && 'salespersonCode' in sent && data.salespersonCode !== previous.salespersonCode) {
      throw errors.dialog('The "salespersonCode" of a Won or Lost Opportunity cannot be changed');
    }
    if (closed && 'contactNumber' in sent && data.contactNumber !== previous.contactNumber) {
      throw errors.dialog('The "contactNumber of a Won or Lost Opportunity cannot be changed');
    }
    if ('status' in sent) data.closed = data.status === 'Won' || data.status === 'Lost';
    applyOpportunityContact(c, data);
  },
};

// ---------------------------------------------------------------------------------------------
// Customers and vendors

/**
 * A new customer or vendor gets a company contact with a business relation to it, as BC does when Marketing
 * Setup has business relation codes for customers and vendors (CRONUS has): contacts of that company are then
 * linked to the customer/vendor (`contactsInformation`).
 */
function createCompanyContact(c: Company, row: Row, relatedType: 'Customer' | 'Vendor'): void {
  const contactId = newGuid();
  const number = c.nextNumber('contacts', 'contacts');
  const displayName = String(row.data.displayName ?? '');
  c.store.put('contacts', contactId, {
    ...c.blank(c.def('contacts')),
    id: contactId,
    number,
    type: 'Company',
    displayName,
    companyNumber: number,
    companyName: displayName,
    contactBusinessRelation: relatedType,
    searchName: displayName.toUpperCase().slice(0, 100),
    lastModifiedDateTime: c.nowText(),
  });
  const relationId = newGuid();
  c.store.put('contactsInformation', relationId, {
    id: relationId,
    contactId,
    contactNumber: number,
    contactName: displayName,
    contactType: 'Company',
    relatedId: row.data.id,
    relatedType,
    lastModifiedDateTime: c.nowText(),
  });
}

const vendorHooks: Hooks = {
  afterInsert(c, row) {
    createCompanyContact(c, row, 'Vendor');
  },
};

const customerHooks: Hooks = {
  afterInsert(c, row) {
    createCompanyContact(c, row, 'Customer');
  },
  beforeInsert(_c, data, sent) {
    if (!('displayName' in sent)) throw errors.dialog('A "displayName" must be provided.');
    if (String(data.displayName).trim() === '') throw errors.dialog('The blank "displayName" is not allowed.');
  },
  beforeUpdate(_c, data, sent) {
    if ('displayName' in sent && String(data.displayName).trim() === '') throw errors.dialog('The blank "displayName" is not allowed.');
  },
  beforeDelete(c, row) {
    for (const [set, kind] of [
      ['salesQuotes', 'Sales Quote'],
      ['salesOrders', 'Sales Order'],
    ] as const) {
      for (const doc of c.store.rows(set)) {
        if (doc.data.customerId === row.data.id || doc.data.billToCustomerId === row.data.id) {
          throw errors.dialog(`You cannot delete Customer ${String(row.data.number)} because there is at least one outstanding ${kind} for this customer.`);
        }
      }
    }
  },
};

const priceListLineHooks: Hooks = {
  beforeInsert(c, data, sent) {
    if (data.priceListCode === '') throw errors.fieldValidation('Price List Code must have a value in Price List Line. It cannot be zero or empty.');
    if (!c.getByKey('priceListHeaders', data.priceListCode as string)) {
      throw errors.tableRelation('Price List Code', 'Price List Line', String(data.priceListCode), 'Price List Header');
    }
    if (!('lineNumber' in sent) || data.lineNumber === 0) {
      let max = 0;
      for (const row of c.store.rows('priceListLines')) if (row.data.priceListCode === data.priceListCode) max = Math.max(max, num(row.data.lineNumber));
      data.lineNumber = max + 10000;
    }
  },
};

export const masterHooks: Readonly<Record<string, Hooks>> = {
  customers: customerHooks,
  vendors: vendorHooks,
  contacts: contactHooks,
  opportunities: opportunityHooks,
  items: unitSourceHooks(ITEM_SOURCE),
  resources: unitSourceHooks(RESOURCE_SOURCE),
  itemUnitsOfMeasure: unitOfMeasureRowHooks(ITEM_SOURCE),
  resourceUnitsOfMeasure: unitOfMeasureRowHooks(RESOURCE_SOURCE),
  priceListLines: priceListLineHooks,
};

export { ITEM_SOURCE, RESOURCE_SOURCE };
export type { UnitSource };
