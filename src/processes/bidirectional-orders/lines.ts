/**
 * Order lines both ways (docs/integration.md §8.2): which BC line a Dataverse line becomes (item, resource, or the
 * write-in product), which Dataverse line a BC line becomes (a product, or an overridden product for the write-in),
 * and the SOLINE-ORDERDETAIL field transfer for the rest.
 */
import { planFieldTransfer, type IntegrationTableMapping, type TransferContext } from '../../mapping/index.js';
import type { Rec } from '../../sides/types.js';
import type { StateStore } from '../../state/index.js';

/** BC's Sales Line Description is Text[100]. */
const DESCRIPTION_LENGTH = 100;

export interface WriteInProduct {
  /** v2.0 line type of the write-in product ("Item" or "Resource"); undefined when none is configured. */
  lineType: 'Item' | 'Resource' | undefined;
  number: string;
}

/** Sales & Receivables Setup's write-in product as the v2.0 line page names its type. */
export function writeInProduct(setup: Rec | undefined): WriteInProduct {
  const type = String(setup?.fields.writeInProductType ?? '');
  return { lineType: type === 'Item' ? 'Item' : type === 'Resource' ? 'Resource' : undefined, number: String(setup?.fields.writeInProductNumber ?? '') };
}

/** The line mapping without the product row: the product is resolved here (write-ins have none). */
function withoutProduct(mapping: IntegrationTableMapping): IntegrationTableMapping {
  return { ...mapping, fields: mapping.fields.filter((f) => f.id !== 'product') };
}

export type LineResult = { ok: true; values: Record<string, unknown> } | { ok: false; message: string };

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * The BC line values for a Dataverse line: its product (the coupled item or resource, or the write-in product for
 * a line without one) and the ⇄ fields that differ from `current` (all of them for a new line).
 */
export function bcLineValues(
  line: Rec,
  current: Rec | undefined,
  mapping: IntegrationTableMapping,
  ctx: { state: StateStore; transfer: TransferContext; writeIn: WriteInProduct; resourceNumbers: ReadonlyMap<string, string> },
): LineResult {
  const plan = planFieldTransfer(withoutProduct(mapping), 'from-dataverse', line.fields, current?.fields, ctx.transfer);
  if (plan.errors.length) return { ok: false, message: plan.errors.map((e) => e.message).join('; ') };
  const values: Record<string, unknown> = { ...plan.values };
  if (current) return { ok: true, values };
  const productId = text(line.fields._productid_value).toLowerCase();
  if (!productId || line.fields.isproductoverridden === true) {
    if (!ctx.writeIn.lineType || !ctx.writeIn.number) {
      return { ok: false, message: 'The order has a write-in product line, but no default write-in product is configured in Sales & Receivables Setup; set Write-in Product Type and No. in Business Central.' };
    }
    const description = text(line.fields.productdescription) || text(line.fields.description);
    return { ok: true, values: { ...values, lineType: ctx.writeIn.lineType, lineObjectNumber: ctx.writeIn.number, description: description.slice(0, DESCRIPTION_LENGTH) } };
  }
  const item = ctx.state.byDataverseId('ITEM-PRODUCT', productId);
  if (item) return { ok: true, values: { ...values, lineType: 'Item', itemId: item.bcId } };
  const resource = ctx.state.byDataverseId('RESOURCE-PRODUCT', productId);
  const number = resource ? ctx.resourceNumbers.get(resource.bcId) : undefined;
  if (number) return { ok: true, values: { ...values, lineType: 'Resource', lineObjectNumber: number } };
  return { ok: false, message: `Product ${productId} of the order line is not coupled to a Business Central item or resource; couple it (ITEM-PRODUCT or RESOURCE-PRODUCT) first.` };
}

/**
 * The Dataverse line values for a BC line: the coupled product, or for the write-in product an overridden
 * product named by the line's description, and the →DV fields that differ from `current`.
 */
export function dataverseLineValues(
  line: Rec,
  current: Rec | undefined,
  mapping: IntegrationTableMapping,
  ctx: { state: StateStore; transfer: TransferContext; writeIn: WriteInProduct; resourceIds: ReadonlyMap<string, string> },
): LineResult {
  const plan = planFieldTransfer(withoutProduct(mapping), 'to-dataverse', line.fields, current?.fields, ctx.transfer);
  if (plan.errors.length) return { ok: false, message: plan.errors.map((e) => e.message).join('; ') };
  const values: Record<string, unknown> = { ...plan.values };
  const f = line.fields;
  const writeIn = ctx.writeIn.number !== '' && String(f.lineObjectNumber ?? '').toUpperCase() === ctx.writeIn.number.toUpperCase();
  if (writeIn) {
    if (!current) Object.assign(values, { isproductoverridden: true, productdescription: text(f.description) });
    else if (text(current.fields.productdescription) !== text(f.description)) values.productdescription = text(f.description);
    return { ok: true, values };
  }
  const coupled =
    f.lineType === 'Item'
      ? ctx.state.byBcId('ITEM-PRODUCT', String(f.itemId ?? ''))
      : ctx.resourceIds.has(String(f.lineObjectNumber ?? '').toUpperCase())
        ? ctx.state.byBcId('RESOURCE-PRODUCT', ctx.resourceIds.get(String(f.lineObjectNumber).toUpperCase())!)
        : undefined;
  if (!coupled) {
    return { ok: false, message: `${String(f.lineType)} ${String(f.lineObjectNumber)} of the order line is not coupled to a Dataverse product; synchronize ${f.lineType === 'Item' ? 'ITEM-PRODUCT' : 'RESOURCE-PRODUCT'} first.` };
  }
  if (!current || text(current.fields._productid_value).toLowerCase() !== coupled.dataverseId) values['productid@odata.bind'] = `/products(${coupled.dataverseId})`;
  return { ok: true, values };
}
