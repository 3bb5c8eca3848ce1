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
 * Yields every page, starting with `first`. Each following request is `{ url: nextLink, headers: first.headers }`.
 * The next page is asked for as soon as this one's nextLink is known, before this one is handed out: a service
 * that pages one after another (BC's 20,000-row pages) is then never waiting for the reader's work on a page.
 * A nextLink that repeats the previous one would loop forever, so it is refused.
 */
export async function* pageThrough(
  first: PageRequest,
  fetchPage: (request: PageRequest) => Promise<unknown>,
): AsyncGenerator<CollectionPage, void, undefined> {
  const seen = new Set<string>([first.url]);
  let pending: Promise<unknown> | undefined = fetchPage(first);
  while (pending) {
    let page: CollectionPage | undefined = parseCollection(await pending);
    pending = undefined;
    const nextLink = page.nextLink;
    const repeated = nextLink !== undefined && seen.has(nextLink);
    if (nextLink !== undefined && !repeated) {
      seen.add(nextLink);
      pending = fetchPage({ url: nextLink, headers: first.headers });
      // Awaited on the next turn; a failure while the reader is busy must not count as unhandled meanwhile.
      pending.catch(() => undefined);
      // One turn of the event loop, so the request is on the wire before the reader's work on this page begins.
      await new Promise<void>((resolve) => setImmediate(resolve));
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
