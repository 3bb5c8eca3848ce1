/**
 * What the quote tests share: the demo sandbox made ready as an administrator would (customers, items and their
 * units coupled by `bcsync couple --match`), and a salesperson's
 * quote actions in Sales (ReviseQuote, WinQuote, an order created from the quote), sent over HTTP like the app does.
 */
import { ClientCredentialsTokenProvider } from '../../src/clients/auth/token-provider.js';
import type { RunningEmulators } from '../../src/emulators/types.js';
import type { CliHarness } from './sync-cli-helper.js';

/** Couples the demo's customers, items and their units as a script would (the demo's setup names write-in item 9000). */
export async function prepareDemo(h: CliHarness): Promise<void> {
  for (const args of [
    ['couple', '--mapping', 'CUSTOMER', '--match', 'name'],
    ['couple', '--mapping', 'UNIT GROUP', '--match', 'name'],
    ['couple', '--mapping', 'ITEM-PRODUCT', '--match', 'number'],
    ['couple', '--mapping', 'ITEM UOM', '--match', 'name'],
  ]) {
    const r = await h.cli(args);
    if (r.code !== 0) throw new Error(`${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  }
}

/** An unbound Dataverse action (ReviseQuote, WinQuote) as the Sales app sends it. */
export async function dataverseAction(emu: RunningEmulators, name: string, body: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  const tokens = new ClientCredentialsTokenProvider({ tokenUrl: emu.tokenUrl, ...emu.credentials });
  try {
    const token = await tokens.getToken(`${emu.dataverse.orgUrl}/.default`);
    const res = await fetch(`${emu.dataverse.url}/${name}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${name}: ${res.status} ${text}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } finally {
    await tokens.close();
  }
}

/** ReviseQuote, then the new revision's lines changed and the revision activated, as a salesperson does. */
export async function reviseInSales(emu: RunningEmulators, quoteId: string, change: (revisionId: string) => void): Promise<string> {
  const revised = await dataverseAction(emu, 'ReviseQuote', { QuoteId: quoteId, ColumnSet: { AllColumns: true } });
  const revisionId = String(revised!.quoteid);
  change(revisionId);
  emu.dataverse.update('quotes', revisionId, { statecode: 1, statuscode: 2 });
  return revisionId;
}

/** WinQuote, and the order made from it (Create Order) submitted, as a salesperson does. */
export async function winInSales(emu: RunningEmulators, quoteId: string): Promise<string> {
  await dataverseAction(emu, 'WinQuote', { QuoteClose: { subject: 'Won', 'quoteid@odata.bind': `/quotes(${quoteId})` }, Status: -1 });
  const quote = emu.dataverse.get('quotes', quoteId)!;
  const order = emu.dataverse.insert('salesorders', {
    name: quote.name,
    _customerid_value: quote._customerid_value,
    _pricelevelid_value: quote._pricelevelid_value,
    _quoteid_value: quoteId,
  });
  const orderId = String(order.salesorderid);
  for (const line of emu.dataverse.list('quotedetails').filter((l) => l._quoteid_value === quoteId)) {
    emu.dataverse.insert('salesorderdetails', {
      _salesorderid_value: orderId,
      _productid_value: line._productid_value,
      _uomid_value: line._uomid_value,
      isproductoverridden: line.isproductoverridden,
      productdescription: line.productdescription,
      quantity: line.quantity,
      priceperunit: line.priceperunit,
      ispriceoverridden: true,
      sequencenumber: line.sequencenumber,
    });
  }
  emu.dataverse.update('salesorders', orderId, { statecode: 1, statuscode: 3 });
  return orderId;
}
