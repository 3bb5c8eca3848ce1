/**
 * Business Central's item availability job (docs/integration.md §8.6): the inventory of coupled, not skipped
 * items whose item ledger entries changed since the last run goes to the Dataverse product's `quantityonhand`
 * (negative as 0), in batched writes. Inventory is a FlowField: posting moves it without touching the item, so
 * the ITEM-PRODUCT mapping alone never sees it (README.md in this folder).
 */
import type { Coupling, StateStore } from '../../state/index.js';
import type { Rec, Side, SideTable } from '../../sides/types.js';
import { WRITTEN_BY_US_KEY } from '../../engine/plan.js';
import { hasUnsyncedChanges } from '../statistics/statistics.js';

/** The job-queue process and the name its watermark ("Item Availability Synch. Time") is kept under. */
export const AVAILABILITY_PROCESS = 'ITEM-AVAILABILITY';
/** The integration table mapping whose couplings pair an item with a product. */
export const ITEM_MAPPING = 'ITEM-PRODUCT';

/** Extra flag on an ITEM-PRODUCT coupling: its quantity still has to be written (a product edited meanwhile). */
const PENDING = 'availabilityPending';

export interface ItemAvailability {
  itemId: string;
  itemNumber: string;
  productid: string;
  quantityonhand: number;
  result: 'modified' | 'unchanged' | 'failed';
  message?: string;
}

export interface AvailabilitySources {
  bc: Side;
  dataverse: Side;
  state: StateStore;
  /** Dataverse systemuserid of the integration identity: its own edits of a product are not a person's. */
  integrationUserId: string;
  dryRun: boolean;
}

const bcTable = (entitySet: string, select: string[]): SideTable => ({ entitySet, api: 'v2.0', key: 'id', modifiedField: 'lastModifiedDateTime', filter: [], select });
/** API v2.0 itemLedgerEntries: read-only, filterable on lastModifiedDateTime. */
const ITEM_LEDGER_ENTRIES = bcTable('itemLedgerEntries', ['itemNumber']);
const ITEMS = bcTable('items', ['number', 'inventory']);
const PRODUCTS: SideTable = { entitySet: 'products', key: 'productid', modifiedField: 'modifiedon', filter: [], select: ['quantityonhand'] };

const IDS_PER_FILTER = 100;

/** Dataverse keeps `quantityonhand` at 0 or more; BC's job writes a negative inventory as 0. */
export function quantityOnHand(inventory: unknown): number {
  const n = typeof inventory === 'number' ? inventory : Number(inventory ?? 0);
  return n > 0 ? n : 0;
}

export interface AvailabilityRun {
  items: ItemAvailability[];
  watermark?: string;
}

export async function pushItemAvailability(src: AvailabilitySources): Promise<AvailabilityRun> {
  const { state } = src;
  const coupled = new Map([...state.couplings(ITEM_MAPPING)].filter((c) => !c.skipped).map((c) => [c.bcId, c]));
  // First run: the ITEM-PRODUCT mapping's BC watermark (its own run wrote the inventory as of then).
  const after = state.watermark(AVAILABILITY_PROCESS).bc ?? state.watermark(ITEM_MAPPING).bc;
  const numbers = new Set<string>();
  let seen = after;
  for await (const page of src.bc.list(ITEM_LEDGER_ENTRIES, { modifiedAfter: after })) {
    for (const r of page) {
      numbers.add(String(r.fields.itemNumber));
      if (r.modifiedAt && (!seen || Date.parse(r.modifiedAt) > Date.parse(seen))) seen = r.modifiedAt;
    }
  }
  const items = new Map<string, Rec>();
  const list = [...numbers];
  for (let i = 0; i < list.length; i += IDS_PER_FILTER) {
    const where = [{ field: 'number', op: 'in' as const, value: list.slice(i, i + IDS_PER_FILTER) }];
    for await (const page of src.bc.list(ITEMS, { where })) for (const r of page) if (coupled.has(r.id)) items.set(r.id, r);
  }
  const pending = [...coupled.values()].filter((c) => c.extra?.[PENDING] === true && !items.has(c.bcId)).map((c) => c.bcId);
  if (pending.length) for (const r of await src.bc.get(ITEMS, pending)) items.set(r.id, r);

  const targets = [...items.values()].map((item) => ({ item, coupling: coupled.get(item.id)! }));
  const products = targets.length ? new Map((await src.dataverse.get(PRODUCTS, targets.map((t) => t.coupling.dataverseId))).map((r) => [r.id, r])) : new Map<string, Rec>();
  const results: ItemAvailability[] = [];
  const writes: Array<{ result: ItemAvailability; product: Rec }> = [];
  for (const { item, coupling } of targets) {
    const quantity = quantityOnHand(item.fields.inventory);
    const result: ItemAvailability = { itemId: item.id, itemNumber: String(item.fields.number), productid: coupling.dataverseId, quantityonhand: quantity, result: 'unchanged' };
    results.push(result);
    const product = products.get(coupling.dataverseId);
    if (!product) {
      result.result = 'failed';
      result.message = `the coupled product ${coupling.dataverseId} no longer exists in Dataverse`;
      continue;
    }
    if (Number(product.fields.quantityonhand ?? 0) === quantity) continue;
    result.result = 'modified';
    writes.push({ result, product });
  }
  if (!src.dryRun) {
    await write(src, writes, coupled);
    for (const r of results) {
      if (r.result !== 'failed' && coupled.get(r.itemId)?.extra?.[PENDING] === true) state.update(ITEM_MAPPING, r.itemId, { extra: { [PENDING]: undefined } });
    }
    if (seen) state.setWatermark(AVAILABILITY_PROCESS, 'bc', seen);
    await state.commit();
  }
  return { items: results.sort((a, b) => a.itemNumber.localeCompare(b.itemNumber)), watermark: src.dryRun ? undefined : seen };
}

/**
 * One batched write of every changed quantity. A product written by us is not a change for the ITEM-PRODUCT
 * mapping: where it was otherwise unchanged since that mapping last synchronized it, the coupling's Dataverse
 * time moves to the write's. A product a person edited since is left for a later run (flagged pending), so the
 * write, made by the integration user, does not hide that edit from the mapping's echo filter.
 */
async function write(src: AvailabilitySources, writes: Array<{ result: ItemAvailability; product: Rec }>, coupled: Map<string, Coupling>): Promise<void> {
  const ready = writes.filter(({ result, product }) => {
    const edited = hasUnsyncedChanges(product, coupled.get(result.itemId)!, src.integrationUserId);
    if (edited) {
      result.result = 'failed';
      result.message = 'the product has changes the ITEM-PRODUCT mapping has not synchronized yet; its quantity is written on a later run';
      src.state.update(ITEM_MAPPING, result.itemId, { extra: { [PENDING]: true } });
    }
    return !edited;
  });
  if (ready.length === 0) return;
  const answers = await src.dataverse.write(
    PRODUCTS,
    ready.map(({ result, product }) => ({ kind: 'update', id: result.productid, etag: product.etag, fields: { quantityonhand: result.quantityonhand } })),
  );
  answers.forEach((a, i) => {
    const { result } = ready[i]!;
    if (!a.ok) {
      result.result = 'failed';
      result.message = a.error?.message ?? 'the write failed';
      src.state.update(ITEM_MAPPING, result.itemId, { extra: { [PENDING]: true } });
      return;
    }
    if (a.record?.modifiedAt) src.state.update(ITEM_MAPPING, result.itemId, { dataverseModifiedAt: a.record.modifiedAt, extra: { [WRITTEN_BY_US_KEY]: true } });
  });
}
