/**
 * Test helpers: a Dataverse module on a small seed, and requests built the way the harness builds them.
 */
import { createDataverseModule } from '../../../src/emulators/dataverse/index.js';
import type { DataverseModule } from '../../../src/emulators/dataverse/index.js';
import type { EmuRequest, EmuResponse } from '../../../src/emulators/core/http-types.js';
import type { DataverseSeed } from '../../../src/emulators/seed/types.js';

export const BASE = 'http://127.0.0.1:5555/api/data/v9.2';
export const ORG_URL = 'http://127.0.0.1:5555';
export const CLIENT_ID = '11111111-2222-3333-4444-555555555555';

export const IDS = {
  usd: '00000000-0000-0000-0000-0000000000c1',
  eur: '00000000-0000-0000-0000-0000000000c2',
  schedule: '00000000-0000-0000-0000-0000000000d1',
  pcs: '00000000-0000-0000-0000-0000000000d2',
  box: '00000000-0000-0000-0000-0000000000d3',
  otherSchedule: '00000000-0000-0000-0000-0000000000d4',
  otherUnit: '00000000-0000-0000-0000-0000000000d5',
  contoso: '00000000-0000-0000-0000-0000000000a1',
  fabrikam: '00000000-0000-0000-0000-0000000000a2',
  alice: '00000000-0000-0000-0000-0000000000b1',
  person: '00000000-0000-0000-0000-0000000000e1',
  product: '00000000-0000-0000-0000-0000000000f1',
  priceList: '00000000-0000-0000-0000-0000000000f2',
  priceItem: '00000000-0000-0000-0000-0000000000f3',
  company: '00000000-0000-0000-0000-0000000000f4',
};

export function testSeed(): DataverseSeed {
  return {
    records: {
      transactioncurrencies: [
        { transactioncurrencyid: IDS.usd, isocurrencycode: 'USD', currencyname: 'US Dollar', currencysymbol: '$', exchangerate: 1, currencyprecision: 2 },
        { transactioncurrencyid: IDS.eur, isocurrencycode: 'EUR', currencyname: 'Euro', currencysymbol: '€', exchangerate: 0.5, currencyprecision: 2 },
      ],
      systemusers: [{ systemuserid: IDS.person, firstname: 'Pat', lastname: 'Person', internalemailaddress: 'pat@example.com' }],
      uomschedules: [
        { uomscheduleid: IDS.schedule, name: 'Default Unit', baseuomname: 'PCS' },
        { uomscheduleid: IDS.otherSchedule, name: 'Other', baseuomname: 'KG' },
      ],
      uoms: [
        { uomid: IDS.pcs, name: 'PCS', quantity: 1, isschedulebaseuom: true, _uomscheduleid_value: IDS.schedule, _baseuom_value: IDS.pcs },
        { uomid: IDS.box, name: 'BOX', quantity: 12, _uomscheduleid_value: IDS.schedule, _baseuom_value: IDS.pcs },
        { uomid: IDS.otherUnit, name: 'KG', quantity: 1, isschedulebaseuom: true, _uomscheduleid_value: IDS.otherSchedule, _baseuom_value: IDS.otherUnit },
      ],
      accounts: [
        { accountid: IDS.contoso, name: 'Contoso Ltd', accountnumber: 'C-1', customertypecode: 3, telephone1: '555-0100' },
        { accountid: IDS.fabrikam, name: 'Fabrikam Inc', accountnumber: 'F-1', customertypecode: 11 },
      ],
      contacts: [{ contactid: IDS.alice, firstname: 'Alice', lastname: 'Adams', _parentcustomerid_value: IDS.contoso }],
      products: [
        {
          productid: IDS.product,
          name: 'Widget',
          productnumber: 'W-100',
          quantitydecimal: 2,
          price: 10,
          _defaultuomscheduleid_value: IDS.schedule,
          _defaultuomid_value: IDS.pcs,
        },
      ],
      pricelevels: [{ pricelevelid: IDS.priceList, name: 'Default', _transactioncurrencyid_value: IDS.usd }],
      productpricelevels: [
        { productpricelevelid: IDS.priceItem, _pricelevelid_value: IDS.priceList, _productid_value: IDS.product, _uomid_value: IDS.pcs, amount: 12.5 },
      ],
      cdm_companies: [{ cdm_companyid: IDS.company, cdm_name: 'CRONUS', cdm_companycode: 'CRONUS' }],
    },
  };
}

export interface Harness {
  module: DataverseModule;
  clock: { ms: number };
  send(method: string, pathAndQuery: string, opts?: { body?: unknown; headers?: Record<string, string>; caller?: string }): Promise<EmuResponse>;
}

export function harness(seed: DataverseSeed = testSeed()): Harness {
  const clock = { ms: Date.UTC(2026, 0, 15, 9, 30, 0, 250) };
  const module = createDataverseModule({ now: () => clock.ms, orgUrl: ORG_URL, applicationClientId: CLIENT_ID, seed });
  return {
    module,
    clock,
    async send(method, pathAndQuery, opts = {}) {
      const q = pathAndQuery.indexOf('?');
      const path = decodeURIComponent(q < 0 ? pathAndQuery : pathAndQuery.slice(0, q));
      const rawQuery = q < 0 ? '' : pathAndQuery.slice(q + 1);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
      let body: Buffer = Buffer.alloc(0);
      if (opts.body !== undefined) {
        body = Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body), 'utf8');
        headers['content-type'] ??= 'application/json';
      }
      const req: EmuRequest = {
        method,
        path,
        rawQuery,
        query: new URLSearchParams(rawQuery),
        headers,
        body,
        baseUrl: BASE,
        caller: { clientId: CLIENT_ID, userId: opts.caller ?? module.integrationUserId },
      };
      return module.handler(req);
    },
  };
}

/** A response body as JSON (objects pass through, strings are parsed). */
export function json(res: EmuResponse): Record<string, any> {
  if (typeof res.body === 'string') return JSON.parse(res.body) as Record<string, any>;
  if (Buffer.isBuffer(res.body)) return JSON.parse(res.body.toString('utf8')) as Record<string, any>;
  return res.body as Record<string, any>;
}

export function header(res: EmuResponse, name: string): string | undefined {
  const entry = Object.entries(res.headers ?? {}).find(([k]) => k.toLowerCase() === name.toLowerCase());
  return entry?.[1];
}

/** Id from an OData-EntityId header (`.../accounts(<id>)`). */
export function idFromEntityId(res: EmuResponse): string {
  const h = header(res, 'OData-EntityId');
  const m = h ? /\(([0-9a-f-]{36})\)$/.exec(h) : null;
  if (!m) throw new Error(`No OData-EntityId in response ${res.status}: ${JSON.stringify(res.body)}`);
  return m[1]!;
}

export interface BatchOp {
  method: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  contentId?: string;
}

/** A multipart/mixed $batch body (protocols.md §3.1), written independently of the module's parser. */
export function batchBody(items: Array<BatchOp | { changeset: BatchOp[] }>, boundary = 'batch_test'): string {
  const lines: string[] = [];
  const opLines = (op: BatchOp): string[] => {
    const out = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
    if (op.contentId) out.push(`Content-ID: ${op.contentId}`);
    out.push('', `${op.method} ${op.url} HTTP/1.1`);
    if (op.body !== undefined) out.push('Content-Type: application/json; type=entry');
    for (const [k, v] of Object.entries(op.headers ?? {})) out.push(`${k}: ${v}`);
    out.push('', op.body !== undefined ? JSON.stringify(op.body) : '');
    return out;
  };
  let n = 0;
  for (const item of items) {
    lines.push(`--${boundary}`);
    if ('changeset' in item) {
      const cs = `changeset_${++n}`;
      lines.push(`Content-Type: multipart/mixed; boundary=${cs}`, '');
      for (const op of item.changeset) lines.push(`--${cs}`, ...opLines(op));
      lines.push(`--${cs}--`);
    } else {
      lines.push(...opLines(item));
    }
  }
  lines.push(`--${boundary}--`, '');
  return lines.join('\r\n');
}

export interface BatchPartResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  contentId?: string;
}

/** Flattens a multipart batch response into its HTTP responses (changeset parts included, in order). */
export function parseBatchResponse(res: EmuResponse): BatchPartResult[] {
  const contentType = header(res, 'Content-Type') ?? '';
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`Not a multipart response: ${contentType}`);
  const text = typeof res.body === 'string' ? res.body : Buffer.isBuffer(res.body) ? res.body.toString('utf8') : '';
  return splitMultipart(text, boundary);
}

function splitMultipart(text: string, boundary: string): BatchPartResult[] {
  const out: BatchPartResult[] = [];
  const chunks = text.split(`--${boundary}`);
  for (const chunk of chunks.slice(1)) {
    if (chunk.startsWith('--')) break;
    const body = chunk.replace(/^\r\n/, '');
    const split = body.indexOf('\r\n\r\n');
    const mimeHeaders = body.slice(0, split);
    const content = body.slice(split + 4);
    const nested = /multipart\/mixed; boundary=([^\r\n;]+)/.exec(mimeHeaders);
    if (nested) {
      out.push(...splitMultipart(content, nested[1]!));
      continue;
    }
    const contentId = /Content-ID: (\S+)/.exec(mimeHeaders)?.[1];
    const httpSplit = content.indexOf('\r\n\r\n');
    const head = content.slice(0, httpSplit).split('\r\n');
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head[0]!)?.[1]);
    const headers: Record<string, string> = {};
    for (const line of head.slice(1)) {
      const c = line.indexOf(':');
      headers[line.slice(0, c).trim()] = line.slice(c + 1).trim();
    }
    const part: BatchPartResult = { status, headers, body: content.slice(httpSplit + 4).replace(/\r\n$/, '') };
    if (contentId) part.contentId = contentId;
    out.push(part);
  }
  return out;
}
