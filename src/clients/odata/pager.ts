/**
 * Server-driven paging (docs/protocols.md §2.4): follow `@odata.nextLink` verbatim, re-send the same headers
 * (in particular `Prefer: odata.maxpagesize=N`, which the services do not remember), stop when there is
 * no nextLink. Pure: the caller supplies the function that performs one request.
 */

export interface CollectionPage {
  value: unknown[];
  nextLink?: string;
  deltaLink?: string;
  count?: number;
}

export interface PageRequest {
  url: string;
  headers: Record<string, string>;
}

export class CollectionShapeError extends Error {}

/** Reads `{ value: [...], @odata.nextLink?, @odata.deltaLink?, @odata.count? }`. */
export function parseCollection(body: unknown): CollectionPage {
  if (!body || typeof body !== 'object' || !Array.isArray((body as { value?: unknown }).value)) {
    throw new CollectionShapeError('the response is not an OData collection (no "value" array)');
  }
  const record = body as Record<string, unknown>;
  const page: CollectionPage = { value: record['value'] as unknown[] };
  const next = record['@odata.nextLink'];
  if (typeof next === 'string' && next !== '') page.nextLink = next;
  const delta = record['@odata.deltaLink'];
  if (typeof delta === 'string' && delta !== '') page.deltaLink = delta;
  const count = record['@odata.count'];
  if (typeof count === 'number') page.count = count;
  return page;
}

/**
 * A page as received, before it is parsed: `pageThrough` reads its nextLink off the end of the text first, so the
 * next request leaves before this page's JSON is parsed whole (~150 ms for one of BC's 20,000-row pages).
 */
export class PageText {
  constructor(readonly text: string) {}

  parse(): unknown {
    return this.text.length === 0 ? undefined : (JSON.parse(this.text) as unknown);
  }
}

/** One turn of the event loop (its check phase: after the I/O that was ready). */
const turn = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** How far from the end of a page's text its `@odata.nextLink` is looked for. */
const LINK_TAIL = 8192;
const LINK_KEY = '"@odata.nextLink"';

/**
 * The `@odata.nextLink` of a collection's text when it is the object's last member (where both services put it,
 * after `value`), without parsing the rest; undefined when it is not found there. Only a hint: `pageThrough`
 * checks it against the parsed page.
 */
export function nextLinkAtEnd(text: string): string | undefined {
  const at = text.lastIndexOf(LINK_KEY);
  if (at < 0 || at < text.length - LINK_TAIL) return undefined;
  const member = /^\s*:\s*("(?:[^"\\]|\\.)*")\s*\}\s*$/.exec(text.slice(at + LINK_KEY.length));
  if (!member) return undefined;
  try {
    const link = JSON.parse(member[1]!) as unknown;
    return typeof link === 'string' && link !== '' ? link : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Yields every page, starting with `first`. Each following request is `{ url: nextLink, headers: first.headers }`.
 * The next page is asked for as soon as this one's nextLink is known, before this one is handed out: a service
 * that pages one after another (BC's 20,000-row pages) is then never waiting for the reader's work on a page. When
 * `fetchPage` gives the page's text (`PageText`), its nextLink is read off the end and asked for before the text
 * is parsed. A nextLink that repeats the previous one would loop forever, so it is refused.
 */
export async function* pageThrough(
  first: PageRequest,
  fetchPage: (request: PageRequest) => Promise<unknown>,
): AsyncGenerator<CollectionPage, void, undefined> {
  const seen = new Set<string>([first.url]);
  let pending: Promise<unknown> | undefined = fetchPage(first);
  const follow = async (nextLink: string): Promise<void> => {
    seen.add(nextLink);
    // undici gives a keep-alive socket back a turn after its answer is read, and writes on a reused socket only
    // after another turn (it first checks the socket was not closed meanwhile). Asked for at once, the next page
    // took a new connection, and either way its request left only after this page was parsed and planned
    // (~0.2 to 0.35 s a page of BC's one-after-another chain, seen with undici's diagnostics channels).
    await turn();
    pending = fetchPage({ url: nextLink, headers: first.headers });
    // Awaited on the next turn; a failure while the reader is busy must not count as unhandled meanwhile.
    pending.catch(() => undefined);
    await turn();
    await turn();
  };
  while (pending) {
    const fetched = await pending;
    pending = undefined;
    let ahead: string | undefined;
    if (fetched instanceof PageText) {
      ahead = nextLinkAtEnd(fetched.text);
      if (ahead !== undefined && !seen.has(ahead)) await follow(ahead);
      else ahead = undefined;
    }
    let page: CollectionPage | undefined = parseCollection(fetched instanceof PageText ? fetched.parse() : fetched);
    const nextLink = page.nextLink;
    const repeated = nextLink !== undefined && seen.has(nextLink) && nextLink !== ahead;
    if (nextLink !== ahead) {
      // The text's end said otherwise than the parsed page (never with either service): the request sent on its
      // word is dropped, its answer unread.
      pending = undefined;
      if (nextLink !== undefined && !repeated) await follow(nextLink);
    }
    yield page;
    // Not held while the next page is fetched: a page of 20,000 rows is megabytes, and its reader is done with it.
    page = undefined;
    if (repeated) throw new CollectionShapeError(`the service returned the same @odata.nextLink twice (${nextLink})`);
  }
}

/** The `Prefer` header value for a page size, merged with other preferences. */
export function preferHeader(preferences: ReadonlyArray<string | undefined | false>): string | undefined {
  const present = preferences.filter((p): p is string => typeof p === 'string' && p !== '');
  return present.length > 0 ? present.join(',') : undefined;
}

/** Links are used verbatim when absolute (both services send absolute ones); OData also allows them relative to the service root. */
export function resolveLink(link: string, serviceRoot: string): string {
  return /^https?:\/\//i.test(link) ? link : new URL(link, `${serviceRoot.replace(/\/+$/, '')}/`).toString();
}
