/**
 * Item ledger entries (API v2.0 `itemLedgerEntries`, read-only): inventory moves only through them. A person
 * posting an item journal line (positive or negative adjustment) adds one through the `data` access; posting a
 * shipment adds a Sale entry. The item's `inventory` is a FlowField over its entries, so it follows the entry
 * while the item's own lastModifiedDateTime stays (docs/integration.md §8.6: that is why item availability reads
 * the entries, not the items).
 */
import type { Company } from './company.js';
import { errors } from './errors.js';
import type { Hooks } from './hooks.js';
import type { Rec } from './store.js';
import { newGuid, round2 } from './values.js';

const ENTRY_SERIES = '_itemLedgerEntryNo';

function nextEntryNumber(c: Company): number {
  const next = Number(c.store.seriesGet(ENTRY_SERIES) ?? '0') + 1;
  c.store.seriesSet(ENTRY_SERIES, String(next));
  return next;
}

function addToInventory(c: Company, itemNumber: string, quantity: number): void {
  const item = c.getByKey('items', itemNumber);
  if (item) c.patchSilently('items', item.data.id as string, { inventory: round2(Number(item.data.inventory ?? 0) + quantity) });
}

/** A posted item movement: the entry, and the item's inventory moved by its quantity. */
export function postItemEntry(c: Company, entry: Rec & { itemNumber: string; quantity: number; entryType: string }): void {
  const id = newGuid();
  c.store.put('itemLedgerEntries', id, {
    ...c.blank(c.def('itemLedgerEntries')),
    postingDate: c.today(),
    ...entry,
    id,
    entryNumber: nextEntryNumber(c),
    lastModifiedDateTime: c.nowText(),
  });
  addToInventory(c, entry.itemNumber, entry.quantity);
}

export const inventoryHooks: Readonly<Record<string, Hooks>> = {
  itemLedgerEntries: {
    // A person posts an item journal line: the item must exist; the type follows the sign unless given.
    beforeInsert(c, data, sent) {
      const item = c.getByKey('items', String(data.itemNumber ?? ''));
      if (!item) throw errors.dialog(`The Item does not exist. Identification fields and values: No.='${String(data.itemNumber ?? '')}'`);
      if (!('entryType' in sent)) data.entryType = Number(data.quantity) < 0 ? 'Negative Adjmt.' : 'Positive Adjmt.';
      if (!('postingDate' in sent)) data.postingDate = c.today();
      data.entryNumber = nextEntryNumber(c);
    },
    afterInsert(c, row) {
      addToInventory(c, String(row.data.itemNumber), Number(row.data.quantity));
    },
  },
};
