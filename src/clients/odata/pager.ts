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
 * A nextLink that repeats the previous one would loop forever, so it is refused.
 */
export async function* pageThrough(
  first: PageRequest,
  fetchPage: (request: PageRequest) => Promise<unknown>,
): AsyncGenerator<CollectionPage, void, undefined> {
  let request: PageRequest | undefined = first;
  const seen = new Set<string>();
  while (request) {
    seen.add(request.url);
    let page: CollectionPage | undefined = parseCollection(await fetchPage(request));
    const nextLink = page.nextLink;
    yield page;
    // Not held while the next page is fetched: a page of 20,000 rows is megabytes, and its reader is done with it.
    page = undefined;
    if (nextLink === undefined) return;
    if (seen.has(nextLink)) {
      throw new CollectionShapeError(`the service returned the same @odata.nextLink twice (${nextLink})`);
    }
    request = { url: nextLink, headers: first.headers };
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
