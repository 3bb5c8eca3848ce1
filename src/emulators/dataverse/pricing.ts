/**
 * Pricing rules: a price list item's unit belongs to its product's unit group, takes the price list's currency,
 * and is unique per product and unit in its list; a product's list price on a document line (docs/protocols.md §6.1).
 */
import { DvCodes, DvError, invalidArgument } from './errors.js';
import type { Organization } from './org.js';
import type { Row } from './store.js';
import type { TableDef } from './schema.js';
import { num, setLookup, setValue } from './row-values.js';
import { roundTo } from './values.js';

/** A price list item: product number, unit group and currency filled in; one price per product and unit in a list. */
export function priceListItemRules(org: Organization, values: Record<string, unknown>, targets: Record<string, string>, previous: Row | undefined): void {
  const productId = values['_productid_value'];
  const uomId = values['_uomid_value'];
  const priceListId = values['_pricelevelid_value'];
  const product = typeof productId === 'string' ? org.store.get('products', productId) : undefined;
  const uom = typeof uomId === 'string' ? org.store.get('uoms', uomId) : undefined;
  if (product) setValue(values, 'productnumber', (product.values['productnumber'] as string | undefined) ?? null);
  if (uom) {
    const schedule = uom.values['_uomscheduleid_value'];
    if (product && schedule !== product.values['_defaultuomscheduleid_value']) {
      throw invalidArgument(`The unit ${String(uomId)} does not belong to the unit group of product ${String(productId)}. Use a unit of the product's unit group.`);
    }
    if (typeof schedule === 'string') setLookup(values, targets, 'uomscheduleid', { id: schedule, logicalName: 'uomschedule' });
  }
  if (!values['_transactioncurrencyid_value'] && typeof priceListId === 'string') {
    const currencyId = org.store.get('pricelevels', priceListId)?.values['_transactioncurrencyid_value'];
    if (typeof currencyId === 'string') setLookup(values, targets, 'transactioncurrencyid', { id: currencyId, logicalName: 'transactioncurrency' });
  }
  const changedIdentity =
    !previous ||
    previous.values['_productid_value'] !== productId ||
    previous.values['_uomid_value'] !== uomId ||
    previous.values['_pricelevelid_value'] !== priceListId;
  if (changedIdentity && typeof priceListId === 'string') {
    for (const otherId of org.store.lookup('productpricelevels', '_pricelevelid_value', priceListId)) {
      if (otherId === values['productpricelevelid']) continue;
      const other = org.store.get('productpricelevels', otherId)!;
      if (other.values['_productid_value'] === productId && other.values['_uomid_value'] === uomId) {
        throw new DvError(400, DvCodes.duplicateProductPriceLevel, 'This product and unit combination has a price for this price list.');
      }
    }
  }
}

/** The price a price list gives a product in a unit (an amount, or a percentage of the product's list price). */
export function listPrice(org: Organization, priceListId: unknown, product: Row, uomId: unknown): number | undefined {
  if (typeof priceListId !== 'string') return undefined;
  for (const id of org.store.lookup('productpricelevels', '_pricelevelid_value', priceListId)) {
    const item = org.store.get('productpricelevels', id)!;
    if (item.values['_productid_value'] !== product.id || item.values['_uomid_value'] !== uomId) continue;
    const method = item.values['pricingmethodcode'];
    if (method === 2 && typeof item.values['percentage'] === 'number') {
      return roundTo((num(product.values['price']) * (item.values['percentage'] as number)) / 100, 4);
    }
    return typeof item.values['amount'] === 'number' ? (item.values['amount'] as number) : undefined;
  }
  return undefined;
}
