import { describe, test, expect, beforeAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import type { BcModule } from '../../../src/emulators/bc/index.js';
import { call, makeModule, pathOfLink, v2 } from './helpers.js';

const CUSTOMERS = 45_000;

describe('server-driven paging (protocols.md §2.4)', () => {
  let m: BcModule;
  beforeAll(() => {
    const customers = Array.from({ length: CUSTOMERS }, (_, i) => ({
      id: randomUUID(),
      number: `C${String(i + 1).padStart(6, '0')}`,
      displayName: `Customer ${i + 1}`,
    }));
    m = makeModule({ customers });
  });

  test('45,000 customers read at odata.maxpagesize=20000 take exactly 3 pages, each row once', async () => {
    const pageSizes: number[] = [];
    const ids = new Set<string>();
    let path: string | undefined = v2('customers?$select=id,number');
    let requests = 0;
    while (path) {
      const r = await call(m, 'GET', path, { headers: { Prefer: 'odata.maxpagesize=20000' } });
      requests++;
      expect(r.status).toBe(200);
      expect(r.headers['preference-applied']).toBe('odata.maxpagesize=20000');
      pageSizes.push(r.body.value.length);
      expect(r.rows).toBe(r.body.value.length);
      for (const row of r.body.value as Array<{ id: string }>) ids.add(row.id);
      const next = r.body['@odata.nextLink'] as string | undefined;
      if (next) expect(next).toContain('$skiptoken=');
      path = next ? pathOfLink(next) : undefined;
      if (requests > 5) break;
    }
    expect(requests).toBe(3);
    expect(pageSizes).toEqual([20_000, 20_000, 5_000]);
    expect(ids.size).toBe(CUSTOMERS);
  });

  test('without a preference the page is the 20,000 maximum', async () => {
    const r = await call(m, 'GET', v2('customers?$select=number'));
    expect(r.body.value).toHaveLength(20_000);
    expect(r.body['@odata.nextLink']).toEqual(expect.stringContaining('$skiptoken='));
    expect(r.body.value[0].number).toBe('C000001');
  });

  test('a page size above 20,000 is refused with 413', async () => {
    const r = await call(m, 'GET', v2('customers'), { headers: { Prefer: 'odata.maxpagesize=20001' } });
    expect(r.status).toBe(413);
    expect(r.body.error.message).toMatch(/20000/);
  });

  test('a smaller page keeps $filter, $orderby and $top across nextLinks', async () => {
    const seen: string[] = [];
    let path: string | undefined = v2("customers?$filter=startswith(number,'C0000')&$orderby=number desc&$top=25&$select=number");
    let requests = 0;
    while (path) {
      const r = await call(m, 'GET', path, { headers: { Prefer: 'odata.maxpagesize=10' } });
      requests++;
      seen.push(...(r.body.value as Array<{ number: string }>).map((x) => x.number));
      path = r.body['@odata.nextLink'] ? pathOfLink(r.body['@odata.nextLink'] as string) : undefined;
    }
    // C000001..C000099 match; descending, the first 25 are C000099..C000075.
    expect(requests).toBe(3);
    expect(seen).toHaveLength(25);
    expect(seen[0]).toBe('C000099');
    expect(seen[24]).toBe('C000075');
  });

  test('$count reports the filtered total on every page', async () => {
    const r = await call(m, 'GET', v2("customers?$count=true&$filter=number ge 'C044990'&$select=number"));
    expect(r.body['@odata.count']).toBe(11);
    expect(r.body.value).toHaveLength(11);
  });

  test('a skiptoken that this service did not issue is refused', async () => {
    const r = await call(m, 'GET', v2('customers?$skiptoken=not-a-token!'));
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('BadRequest_NotFound');
  });
});

describe('the pages of one read', () => {
  test('a write between two pages shows on the next page (the filtered rows are not kept past a change)', async () => {
    const customers = Array.from({ length: 30 }, (_, i) => ({
      id: `c0000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      number: `C${String(i + 1).padStart(6, '0')}`,
      displayName: `Customer ${i + 1}`,
      blocked: i === 17 ? 'All' : ' ',
    }));
    const m = makeModule({ customers });
    const read = async (path: string) => {
      const r = await call(m, 'GET', path, { headers: { Prefer: 'odata.maxpagesize=10' } });
      expect(r.status).toBe(200);
      const next = r.body['@odata.nextLink'] as string | undefined;
      return { numbers: (r.body.value as Array<{ number: string }>).map((c) => c.number), next: next ? pathOfLink(next) : undefined };
    };
    const first = await read(v2(`customers?$select=number&$filter=${encodeURIComponent("blocked eq ' '")}`));
    expect(first.numbers).toEqual(customers.slice(0, 10).map((c) => c.number));
    // The same read again, nothing written: the same page.
    expect((await read(v2(`customers?$select=number&$filter=${encodeURIComponent("blocked eq ' '")}`))).numbers).toEqual(first.numbers);
    m.data.update('customers', customers[12]!.id, { blocked: 'All' });
    m.data.update('customers', customers[17]!.id, { blocked: ' ' });
    m.data.insert('customers', { number: 'C000011A', displayName: 'Inserted between pages' });
    const second = await read(first.next!);
    expect(second.numbers).toEqual(['C000011', 'C000011A', 'C000012', 'C000014', 'C000015', 'C000016', 'C000017', 'C000018', 'C000019', 'C000020']);
    const third = await read(second.next!);
    expect(third.numbers).toEqual(customers.slice(20).map((c) => c.number));
    expect(third.next).toBeUndefined();
  });
});
