import { describe, expect, test } from '@jest/globals';
import {
  and,
  buildQuery,
  expandValue,
  idFilterChunks,
  not,
  odataDate,
  odataDateTime,
  odataGuid,
  odataLiteral,
  odataString,
  or,
  nextLinkAtEnd,
  pageThrough,
  PageText,
  parseCollection,
  preferHeader,
  resolveLink,
  withQuery,
  type PageRequest,
} from '../../src/clients/odata/index.js';

describe('literals', () => {
  test('strings are single-quoted with embedded quotes doubled', () => {
    expect(odataString("O'Brien & Sons")).toBe("'O''Brien & Sons'");
    expect(odataString("''")).toBe("''''''");
  });

  test('GUIDs are bare and lower-case; braces are dropped; anything else is refused', () => {
    expect(odataGuid('{D6F193FC-CE85-E611-80D8-00155D2A68DE}')).toBe('d6f193fc-ce85-e611-80d8-00155d2a68de');
    expect(() => odataGuid("x' or 1 eq 1")).toThrow(/not a GUID/);
  });

  test('date-times are bare ISO-8601 UTC, with ms (BC) or whole seconds (Dataverse)', () => {
    const d = new Date(Date.UTC(2024, 5, 1, 10, 0, 5, 603));
    expect(odataDateTime(d)).toBe('2024-06-01T10:00:05.603Z');
    expect(odataDateTime(d, 's')).toBe('2024-06-01T10:00:05Z');
    expect(odataDate(d)).toBe('2024-06-01');
    expect(() => odataDate('01/06/2024')).toThrow();
    expect(odataLiteral(null)).toBe('null');
    expect(odataLiteral(false)).toBe('false');
    expect(odataLiteral(12.5)).toBe('12.5');
  });

  test('and/or parenthesise each clause and skip empty ones', () => {
    expect(and("statecode eq 0", undefined, '', "customertypecode eq 3")).toBe('(statecode eq 0) and (customertypecode eq 3)');
    expect(or('a eq 1')).toBe('a eq 1');
    expect(and()).toBe('');
    expect(and(or('a eq 1', 'a eq 2'), 'b eq 3')).toBe('((a eq 1) or (a eq 2)) and (b eq 3)');
    expect(not('a eq 1')).toBe('not (a eq 1)');
  });
});

describe('id filter chunks', () => {
  const ids = Array.from({ length: 5 }, (_, i) => `0000000${i}-0000-0000-0000-000000000000`);

  test('or-style chunks of at most N ids', () => {
    const chunks = idFilterChunks('accountid', ids, { maxPerChunk: 2 });
    expect(chunks).toEqual([
      'accountid eq 00000000-0000-0000-0000-000000000000 or accountid eq 00000001-0000-0000-0000-000000000000',
      'accountid eq 00000002-0000-0000-0000-000000000000 or accountid eq 00000003-0000-0000-0000-000000000000',
      'accountid eq 00000004-0000-0000-0000-000000000000',
    ]);
  });

  test('Dataverse In() chunks; non-GUID keys are quoted; duplicates dropped', () => {
    expect(idFilterChunks('accountid', [ids[0] as string, ids[0] as string, ids[1] as string], { style: 'in' })).toEqual([
      `Microsoft.Dynamics.CRM.In(PropertyName='accountid',PropertyValues=["${ids[0]}","${ids[1]}"])`,
    ]);
    expect(idFilterChunks('number', ["10'000"])).toEqual(["number eq '10''000'"]);
  });

  test('400 ids per chunk by default', () => {
    const many = Array.from({ length: 1001 }, (_, i) => `id${i}`);
    expect(idFilterChunks('number', many).map((c) => c.split(' or ').length)).toEqual([400, 400, 201]);
  });
});

describe('buildQuery', () => {
  test('builds the system query options in a stable order, percent-encoded', () => {
    const qs = buildQuery({
      select: ['name', 'accountnumber'],
      filter: "name eq 'A&B' and modifiedon gt 2024-06-01T00:00:00Z",
      orderby: ['modifiedon asc', 'accountid'],
      top: 10,
      count: true,
    });
    expect(qs).toBe(
      "$select=name,accountnumber&$filter=name%20eq%20'A%26B'%20and%20modifiedon%20gt%202024-06-01T00:00:00Z&$orderby=modifiedon%20asc,accountid&$top=10&$count=true",
    );
    const decoded = new URLSearchParams(qs);
    expect(decoded.get('$filter')).toBe("name eq 'A&B' and modifiedon gt 2024-06-01T00:00:00Z");
  });

  test('nested $expand options are separated by ; inside parentheses', () => {
    expect(
      expandValue([
        'paymentTerm',
        { property: 'salesOrderLines', select: ['quantity'], filter: "lineType eq 'Item'", expand: [{ property: 'item', expand: ['itemCategory'] }] },
      ]),
    ).toBe("paymentTerm,salesOrderLines($select=quantity;$filter=lineType eq 'Item';$expand=item($expand=itemCategory))");
  });

  test('withQuery appends to URLs with or without an existing query', () => {
    expect(withQuery('https://x/accounts', { top: 1 })).toBe('https://x/accounts?$top=1');
    expect(withQuery('https://x/accounts?a=1', { top: 1 })).toBe('https://x/accounts?a=1&$top=1');
    expect(withQuery('https://x/accounts', {})).toBe('https://x/accounts');
    expect(() => buildQuery({ top: -1 })).toThrow(RangeError);
  });
});

describe('paging', () => {
  test("a page's nextLink is read off the end of its text when it is the object's last member, and only then", () => {
    const link = 'https://api.businesscentral.dynamics.com/v2.0/t/production/api/v2.0/companies(1)/customers?$skiptoken=eyJvIjoyMH0%3D';
    const page = (tail: string) => `{"@odata.context":"c","value":[{"id":"1","name":"a \\"quoted\\" name"}]${tail}`;
    expect(nextLinkAtEnd(page(`,"@odata.nextLink":${JSON.stringify(link)}}`))).toBe(link);
    expect(nextLinkAtEnd(page(`, "@odata.nextLink" : ${JSON.stringify(link)} }\n`))).toBe(link);
    // Escapes in the link are decoded as JSON does.
    expect(nextLinkAtEnd(page(`,"@odata.nextLink":"https://x/a?b=\\u0026c\\/d"}`))).toBe('https://x/a?b=&c/d');
    // Not the last member, inside a record, absent, or cut off: no hint.
    expect(nextLinkAtEnd(`{"@odata.nextLink":${JSON.stringify(link)},"value":[]}`)).toBeUndefined();
    expect(nextLinkAtEnd(`{"value":[{"lines":[],"@odata.nextLink":"https://x/lines"}]}`)).toBeUndefined();
    expect(nextLinkAtEnd(page('}'))).toBeUndefined();
    expect(nextLinkAtEnd(page(`,"@odata.nextLink":"https://x/a`))).toBeUndefined();
    // A link beyond the tail that is looked at (9,000 characters): found only by the parse.
    expect(nextLinkAtEnd(page(`,"@odata.nextLink":"https://x/${'a'.repeat(9000)}"}`))).toBeUndefined();
  });

  test("given a page's text, the next page is asked for before this page is parsed; the parsed page has the last word", async () => {
    const events: string[] = [];
    class Watched extends PageText {
      constructor(
        text: string,
        private readonly name: string,
        private readonly parsed?: unknown,
      ) {
        super(text);
      }
      override parse(): unknown {
        events.push(`parse ${this.name}`);
        return this.parsed ?? super.parse();
      }
    }
    const texts: Record<string, () => PageText> = {
      u1: () => new Watched('{"value":[1,2],"@odata.nextLink":"u2"}', 'u1'),
      // Its text's end names u3, its parsed body u4 (no service answers so): u4 is followed, u3's answer dropped.
      u2: () => new Watched('{"value":[3],"@odata.nextLink":"u3"}', 'u2', { value: [3], '@odata.nextLink': 'u4' }),
      u3: () => new Watched('{"value":[99]}', 'u3'),
      u4: () => new Watched('{"value":[4]}', 'u4'),
    };
    const values: unknown[] = [];
    for await (const page of pageThrough({ url: 'u1', headers: {} }, async (r) => {
      events.push(`fetch ${r.url}`);
      return texts[r.url]!();
    })) {
      values.push(...page.value);
    }
    expect(values).toEqual([1, 2, 3, 4]);
    expect(events).toEqual(['fetch u1', 'fetch u2', 'parse u1', 'fetch u3', 'parse u2', 'fetch u4', 'parse u4']);
  });

  test("the next page is asked for when a page's text is in, while the reader still works on the one before; at most two wait unread", async () => {
    const fetched: string[] = [];
    const link = (n: number) => (n < 6 ? `,"@odata.nextLink":"u${n + 1}"` : '');
    const turns = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    };
    const pages = pageThrough({ url: 'u1', headers: {} }, async (r) => {
      fetched.push(r.url);
      return new PageText(`{"value":[${r.url.slice(1)}]${link(Number(r.url.slice(1)))}}`);
    });
    const first = await pages.next();
    expect(first.value?.value).toEqual([1]);
    // The reader holds page 1 and asks for nothing: page 2's text came in, so page 3 was asked for; page 3 is the
    // second page waiting unread, so page 4 is not asked for, however long the reader takes.
    await turns(50);
    expect(fetched).toEqual(['u1', 'u2', 'u3']);
    expect((await pages.next()).value?.value).toEqual([2]);
    await turns(50);
    expect(fetched).toEqual(['u1', 'u2', 'u3', 'u4']);
    const rest: unknown[] = [];
    for await (const page of { [Symbol.asyncIterator]: () => pages }) rest.push(...page.value);
    expect(rest).toEqual([3, 4, 5, 6]);
    expect(fetched).toEqual(['u1', 'u2', 'u3', 'u4', 'u5', 'u6']);
  });

  test('with pagesAhead 1, the next page is asked for as the reader takes one: one waits unread; read again as each page arrives', async () => {
    const fetched: string[] = [];
    const link = (n: number) => (n < 6 ? `,"@odata.nextLink":"u${n + 1}"` : '');
    const turns = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    };
    let ahead: 1 | 2 = 1;
    const pages = pageThrough(
      { url: 'u1', headers: {} },
      async (r) => {
        fetched.push(r.url);
        return new PageText(`{"value":[${r.url.slice(1)}]${link(Number(r.url.slice(1)))}}`);
      },
      { pagesAhead: () => ahead },
    );
    expect((await pages.next()).value?.value).toEqual([1]);
    // The reader holds page 1: page 2 was asked for as it took page 1, and waits unread; page 3 is not asked for.
    await turns(50);
    expect(fetched).toEqual(['u1', 'u2']);
    expect((await pages.next()).value?.value).toEqual([2]);
    await turns(50);
    expect(fetched).toEqual(['u1', 'u2', 'u3']);
    // Back to two (the writes caught up): page 4 is asked for as soon as page 3's text is in.
    ahead = 2;
    expect((await pages.next()).value?.value).toEqual([3]);
    await turns(50);
    expect(fetched).toEqual(['u1', 'u2', 'u3', 'u4', 'u5']);
    const rest: unknown[] = [];
    for await (const page of { [Symbol.asyncIterator]: () => pages }) rest.push(...page.value);
    expect(rest).toEqual([4, 5, 6]);
    expect(fetched).toEqual(['u1', 'u2', 'u3', 'u4', 'u5', 'u6']);
  });

  test("a page the reader holds no longer holds its text (megabytes): only the pages not yet taken keep theirs", async () => {
    const made: PageText[] = [];
    const turns = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    };
    const pages = pageThrough({ url: 'u1', headers: {} }, async (r) => {
      const n = Number(r.url.slice(1));
      const text = new PageText(`{"value":[${n}]${n < 3 ? `,"@odata.nextLink":"u${n + 1}"` : ''}}`);
      made.push(text);
      return text;
    });
    const first = await pages.next();
    await turns(10);
    expect(first.value?.value).toEqual([1]);
    // Page 1 is in the reader's hands, parsed; pages 2 and 3 came in and wait with their texts.
    expect(made.map((t) => t.released)).toEqual([true, false, false]);
    expect(() => made[0]!.text).toThrow('the page was parsed and its text let go');
    expect((await pages.next()).value?.value).toEqual([2]);
    expect(made.map((t) => t.released)).toEqual([true, true, false]);
    await pages.return(undefined);
  });

  test('a failed page fails the reader when it gets there, not before, and nothing is asked for after it', async () => {
    const fetched: string[] = [];
    const pages = pageThrough({ url: 'u1', headers: {} }, async (r) => {
      fetched.push(r.url);
      if (r.url === 'u2') throw new Error('connection reset on page 2');
      return new PageText(`{"value":[1],"@odata.nextLink":"u2"}`);
    });
    expect((await pages.next()).value?.value).toEqual([1]);
    await expect(pages.next()).rejects.toThrow('connection reset on page 2');
    expect(fetched).toEqual(['u1', 'u2']);
  });

  test('a reader that stops early leaves no request asked for on its behalf afterwards', async () => {
    const fetched: string[] = [];
    const gate: Array<() => void> = [];
    const pages = pageThrough({ url: 'u1', headers: {} }, async (r) => {
      fetched.push(r.url);
      const n = Number(r.url.slice(1));
      // Page 2 arrives only when released: the reader stops before that.
      if (n === 2) await new Promise<void>((resolve) => gate.push(resolve));
      return new PageText(`{"value":[${n}],"@odata.nextLink":"u${n + 1}"}`);
    });
    for await (const page of { [Symbol.asyncIterator]: () => pages }) {
      expect(page.value).toEqual([1]);
      break;
    }
    gate.splice(0).forEach((release) => release());
    for (let i = 0; i < 50; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(fetched).toEqual(['u1', 'u2']);
  });

  test('follows @odata.nextLink verbatim and re-sends the same Prefer header on every page', async () => {
    const seen: PageRequest[] = [];
    const next = 'https://org.crm.dynamics.com/api/data/v9.2/accounts?$select=name&$skiptoken=%3Ccookie%20pagenumber=%222%22%20/%3E';
    const pages: Record<string, unknown> = {
      'https://org/api/data/v9.2/accounts?$select=name': { value: [{ name: 'a' }, { name: 'b' }], '@odata.nextLink': next },
      [next]: { value: [{ name: 'c' }], '@odata.count': 3 },
    };
    const out: string[][] = [];
    for await (const page of pageThrough({ url: 'https://org/api/data/v9.2/accounts?$select=name', headers: { Prefer: 'odata.maxpagesize=2' } }, async (r) => {
      seen.push(r);
      return pages[r.url];
    })) {
      out.push(page.value.map((v) => (v as { name: string }).name));
    }
    expect(out).toEqual([['a', 'b'], ['c']]);
    expect(seen.map((r) => r.url)).toEqual(['https://org/api/data/v9.2/accounts?$select=name', next]);
    expect(seen.map((r) => r.headers['Prefer'])).toEqual(['odata.maxpagesize=2', 'odata.maxpagesize=2']);
  });

  test('a repeated nextLink is refused instead of looping', async () => {
    const iterate = async (): Promise<void> => {
      for await (const _page of pageThrough({ url: 'u1', headers: {} }, async () => ({ value: [], '@odata.nextLink': 'u1' }))) {
        // drain
      }
    };
    await expect(iterate()).rejects.toThrow(/same @odata.nextLink twice/);
  });

  test('absolute links are used verbatim; relative ones resolve against the service root', () => {
    const verbatim = 'https://org.crm.dynamics.com/api/data/v9.2/accounts?$skiptoken=%3Ccookie%20pagenumber%3D%222%22%20%2F%3E';
    expect(resolveLink(verbatim, 'https://elsewhere/api/data/v9.2')).toBe(verbatim);
    expect(resolveLink('accounts?$skiptoken=x', 'https://org/api/data/v9.2/')).toBe('https://org/api/data/v9.2/accounts?$skiptoken=x');
  });

  test('collections need a value array; deltaLink and count are read', () => {
    expect(() => parseCollection({ error: {} })).toThrow(/no "value" array/);
    expect(parseCollection({ value: [], '@odata.deltaLink': 'd', '@odata.count': 5 })).toEqual({ value: [], deltaLink: 'd', count: 5 });
    expect(preferHeader(['odata.track-changes', undefined, 'odata.maxpagesize=5000'])).toBe('odata.track-changes,odata.maxpagesize=5000');
  });
});
