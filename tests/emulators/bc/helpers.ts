import type { EmuRequest } from '../../../src/emulators/core/http-types.js';
import { createBcModule, type BcModule } from '../../../src/emulators/bc/index.js';
import type { BcSeed, SeedRecord } from '../../../src/emulators/seed/types.js';

export const BASE_URL = 'http://127.0.0.1:7048/v2.0/tenant-1/production/api';
export const COMPANY_ID = '11111111-2222-3333-4444-555555555555';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  // Tests read answers loosely, as a client would after JSON.parse.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  operations: number;
  rows: number;
}

/** A module over a small company, or over `records` when given; the clock is under the test's control. */
export function makeModule(records: Record<string, SeedRecord[]> = {}, clock: { now: number } = { now: Date.parse('2026-11-02T09:00:00.000Z') }): BcModule {
  const seed: BcSeed = {
    companies: [{ id: COMPANY_ID, name: 'Test Company', displayName: 'Test Company', records: { ...baseRecords(), ...records } }],
  };
  return createBcModule({ now: () => clock.now, tenantId: 'tenant-1', environment: 'production', seed });
}

/** Reference data a document test needs: currency, payment terms, unit, item, two customers. */
export function baseRecords(): Record<string, SeedRecord[]> {
  return {
    companyInformation: [{ id: 'a0000000-0000-4000-8000-000000000001', displayName: 'Test Company', currencyCode: 'USD' }],
    currencies: [{ id: 'c0000000-0000-4000-8000-000000000001', code: 'EUR', displayName: 'Euro', symbol: '€', amountDecimalPlaces: '2:2', amountRoundingPrecision: 0.01 }],
    paymentTerms: [{ id: 'b0000000-0000-4000-8000-000000000001', code: '14 DAYS', displayName: 'Net 14 days', dueDateCalculation: '14D' }],
    unitsOfMeasure: [{ id: 'd0000000-0000-4000-8000-000000000001', code: 'PCS', displayName: 'Piece' }],
    items: [
      {
        id: 'e0000000-0000-4000-8000-000000000001',
        number: '1000',
        displayName: 'Office Desk',
        type: 'Inventory',
        unitPrice: 100,
        inventory: 50,
        baseUnitOfMeasureCode: 'PCS',
      },
      { id: 'e0000000-0000-4000-8000-000000000002', number: '1001', displayName: 'Chair', type: 'Inventory', unitPrice: 40, baseUnitOfMeasureCode: 'PCS' },
    ],
    customers: [
      { id: 'f0000000-0000-4000-8000-000000000001', number: '10000', displayName: 'Adatum', paymentTermsId: 'b0000000-0000-4000-8000-000000000001' },
      { id: 'f0000000-0000-4000-8000-000000000002', number: '20000', displayName: 'Trey Research', taxLiable: true },
    ],
  };
}

export const CUSTOMER_1 = 'f0000000-0000-4000-8000-000000000001';
export const CUSTOMER_2 = 'f0000000-0000-4000-8000-000000000002';
export const ITEM_1 = 'e0000000-0000-4000-8000-000000000001';
export const ITEM_2 = 'e0000000-0000-4000-8000-000000000002';

/** Calls the module's handler as the listener would, with a path relative to `…/api/`. */
export async function call(
  module: BcModule,
  method: string,
  pathAndQuery: string,
  opts: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<Reply> {
  const q = pathAndQuery.indexOf('?');
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const rawQuery = q < 0 ? '' : pathAndQuery.slice(q + 1);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
  if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
  const req: EmuRequest = {
    method,
    path: decodeURIComponent(path),
    rawQuery,
    query: new URLSearchParams(rawQuery),
    headers,
    body: opts.body === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(opts.body), 'utf8'),
    caller: { clientId: 'client', userId: 'client' },
    baseUrl: BASE_URL,
  };
  const res = await module.handler(req);
  return {
    status: res.status,
    headers: Object.fromEntries(Object.entries(res.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    body: res.body,
    operations: res.operations ?? 1,
    rows: res.rows ?? 0,
  };
}

/** Path of a company resource in the standard API. */
export function v2(rest: string): string {
  return `v2.0/companies(${COMPANY_ID})/${rest}`;
}

/** Path of a company resource in the custom API. */
export function custom(rest: string): string {
  return `bcsync/integration/v1.0/companies(${COMPANY_ID})/${rest}`;
}

/** Follows an absolute @odata.nextLink back into a handler path. */
export function pathOfLink(link: string): string {
  const prefix = `${BASE_URL}/`;
  if (!link.startsWith(prefix)) throw new Error(`nextLink ${link} does not start with ${prefix}`);
  return link.slice(prefix.length);
}
