import { describe, test, expect } from '@jest/globals';
import { harness, json, header, IDS, BASE } from './helpers.js';
import type { Harness } from './helpers.js';

const TRACK = { Prefer: 'odata.track-changes' };

function relative(link: string): string {
  return link.slice(BASE.length + 1);
}

async function initialSync(h: Harness, path = 'accounts?$select=name,telephone1', prefer = 'odata.track-changes'): Promise<{ rows: Array<Record<string, any>>; deltaLink: string; pages: number }> {
  const rows: Array<Record<string, any>> = [];
  let next: string | undefined = path;
  let pages = 0;
  for (;;) {
    const res = await h.send('GET', next!, { headers: { Prefer: prefer } });
    expect(res.status).toBe(200);
    pages++;
    const body = json(res);
    rows.push(...body['value']);
    if (body['@odata.nextLink']) {
      expect(body['@odata.deltaLink']).toBeUndefined();
      next = relative(body['@odata.nextLink']);
      continue;
    }
    return { rows, deltaLink: body['@odata.deltaLink'], pages };
  }
}

describe('Dataverse change tracking', () => {
  test('the initial query answers every row, Preference-Applied and a delta link with <version>!<MM/dd/yyyy HH:mm:ss>', async () => {
    const h = harness();
    const res = await h.send('GET', 'accounts?$select=name', { headers: TRACK });
    expect(header(res, 'Preference-Applied')).toBe('odata.track-changes');
    const body = json(res);
    expect(body['value']).toHaveLength(2);
    const link = new URL(body['@odata.deltaLink'] as string);
    expect(link.origin + link.pathname).toBe(`${BASE}/accounts`);
    expect(link.searchParams.get('$select')).toBe('name');
    expect(link.searchParams.get('$deltatoken')).toMatch(/^\d+!01\/15\/2026 09:30:00$/);
  });

  test('a delta link returns only the rows changed and deleted since it was issued, deletions last, then a new delta link', async () => {
    const h = harness();
    const { deltaLink } = await initialSync(h);
    const created = json(await h.send('POST', 'accounts', { body: { name: 'New one' }, headers: { Prefer: 'return=representation' } }));
    await h.send('PATCH', `accounts(${IDS.contoso})`, { body: { telephone1: '555-7777' } });
    await h.send('DELETE', `accounts(${IDS.fabrikam})`);
    h.module.data.update('contacts', IDS.alice, { jobtitle: 'Buyer' });

    const delta = await h.send('GET', relative(deltaLink));
    expect(delta.status).toBe(200);
    const body = json(delta);
    expect(body['@odata.context']).toBe(`${BASE}/$metadata#accounts(name,telephone1)/$delta`);
    const value = body['value'] as Array<Record<string, any>>;
    expect(value).toHaveLength(3);
    expect(value.slice(0, 2).map((r) => r['accountid']).sort()).toEqual([created['accountid'], IDS.contoso].sort());
    expect(value.find((r) => r['accountid'] === IDS.contoso)!['telephone1']).toBe('555-7777');
    expect(value[2]).toEqual({ '@odata.context': `${BASE}/$metadata#accounts/$deletedEntity`, id: IDS.fabrikam, reason: 'deleted' });

    const next = body['@odata.deltaLink'] as string;
    expect(next).not.toBe(deltaLink);
    const nothing = json(await h.send('GET', relative(next)));
    expect(nothing['value']).toEqual([]);
    await h.send('PATCH', `accounts(${IDS.contoso})`, { body: { name: 'Contoso 2' } });
    const again = json(await h.send('GET', relative(nothing['@odata.deltaLink'])));
    expect(again['value'].map((r: Record<string, unknown>) => r['name'])).toEqual(['Contoso 2']);
    // The first link still works and still reports everything since it was issued (tombstones are kept).
    expect(json(await h.send('GET', relative(deltaLink)))['value']).toHaveLength(3);
  });

  test('changes made while the initial result is paged are not lost: the delta link starts where the first page was read', async () => {
    const h = harness();
    for (let i = 0; i < 25; i++) h.module.data.insert('accounts', { name: `Row ${i}` });
    const first = json(await h.send('GET', 'accounts?$select=name', { headers: { Prefer: 'odata.track-changes,odata.maxpagesize=10' } }));
    expect(first['value']).toHaveLength(10);
    const servedId = first['value'][0]['accountid'];
    await h.send('PATCH', `accounts(${servedId})`, { body: { name: 'Changed mid-sync' } });
    let next: string | undefined = relative(first['@odata.nextLink']);
    let deltaLink = '';
    let pages = 1;
    while (next) {
      const body = json(await h.send('GET', next, { headers: { Prefer: 'odata.track-changes,odata.maxpagesize=10' } }));
      pages++;
      next = body['@odata.nextLink'] ? relative(body['@odata.nextLink']) : undefined;
      deltaLink = body['@odata.deltaLink'] ?? deltaLink;
    }
    expect(pages).toBe(3);
    const delta = json(await h.send('GET', relative(deltaLink)));
    expect(delta['value'].map((r: Record<string, unknown>) => r['name'])).toContain('Changed mid-sync');
  });

  test('$filter, $orderby, $expand and $top are rejected with change tracking', async () => {
    const h = harness();
    for (const q of [`$filter=${encodeURIComponent("name eq 'x'")}`, '$orderby=name', '$expand=primarycontactid', '$top=1']) {
      const res = await h.send('GET', `accounts?$select=name&${q}`, { headers: TRACK });
      expect(res.status).toBe(400);
      expect(json(res).error.message).toMatch(/^The "\$\w+" query parameter isn't supported when Change Tracking is enabled\.$/);
    }
  });

  test('a row deleted and created again with the same id is reported as a change, not a deletion', async () => {
    const h = harness();
    const { deltaLink } = await initialSync(h);
    await h.send('DELETE', `accounts(${IDS.fabrikam})`);
    await h.send('PATCH', `accounts(${IDS.fabrikam})`, { body: { name: 'Fabrikam again' } });
    const body = json(await h.send('GET', relative(deltaLink)));
    expect(body['value']).toEqual([expect.objectContaining({ accountid: IDS.fabrikam, name: 'Fabrikam again' })]);
  });

  test('/$count with a delta token counts the changes; an expired or foreign token is refused', async () => {
    const h = harness();
    const { deltaLink } = await initialSync(h);
    await h.send('PATCH', `accounts(${IDS.contoso})`, { body: { name: 'C' } });
    await h.send('DELETE', `accounts(${IDS.fabrikam})`);
    const token = new URL(deltaLink).searchParams.get('$deltatoken')!;
    expect((await h.send('GET', `accounts/$count?$deltatoken=${encodeURIComponent(token)}`)).body).toBe('2');
    expect((await h.send('GET', 'accounts?$deltatoken=garbage')).status).toBe(400);
    h.clock.ms += 8 * 86_400_000;
    const expired = await h.send('GET', relative(deltaLink));
    expect(expired.status).toBe(400);
    expect(json(expired).error.message).toContain('full sync');
  });
});
