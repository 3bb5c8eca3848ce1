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
  #text: string | undefined;

  constructor(text: string) {
    this.#text = text;
  }

  /** The text as received; gone once the page is parsed. */
  get text(): string {
    if (this.#text === undefined) throw new Error('the page was parsed and its text let go');
    return this.#text;
  }

  /** Whether the text was let go (the page was parsed). */
  get released(): boolean {
    return this.#text === undefined;
  }

  /**
   * Parses the page, once, and lets the text go: whatever still refers to this page (the pager's frame while the
   * reader works on the page) no longer holds megabytes (11 MB for 20,000 BC rows) that nobody reads again.
   */
  parse(): unknown {
    const text = this.text;
    this.#text = undefined;
    return text.length === 0 ? undefined : (JSON.parse(text) as unknown);
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
 *
 * The chain of requests runs at the service's pace, not the reader's: when a page's text (`PageText`) arrives, its
 * nextLink is read off the end and the next page is asked for at once, also while the reader is still working on
 * the page before it; at most two pages the reader has not taken wait (one received, one on its way), or one
 * (`pagesAhead`, read as each page arrives: a reader held up by something else, whose pages would only wait). A service
 * that pages one after another (BC's 20,000-row pages) then does not wait for the reader: asked for only once the
 * reader wanted the page before, the next page waited whenever planning a page took longer than the service took
 * to answer the next. A page given as a parsed body is followed once the reader takes it. The parsed page has the
 * last word on its nextLink: a request sent on the text's word that differs is dropped, its answer unread. A
 * nextLink that repeats the previous one would loop forever, so it is refused.
 */
export async function* pageThrough(
  first: PageRequest,
  fetchPage: (request: PageRequest) => Promise<unknown>,
  options: { pagesAhead?: () => 1 | 2 } = {},
): AsyncGenerator<CollectionPage, void, undefined> {
  const seen = new Set<string>([first.url]);
  /** Pages asked for and not yet handed to the reader, by position. */
  const fetches: Array<Fetch | undefined> = [];
  /** Pages handed to the reader so far; a page's follower is asked for once the reader took the page before it. */
  let taken = 0;
  let stopped = false;
  const readerMoved: Array<() => void> = [];
  const twoAhead = (): boolean => (options.pagesAhead?.() ?? 2) === 2;

  const start = (index: number, url: string): void => {
    const fetch: Fetch = { arrival: Promise.resolve({ fetched: undefined }), dropped: false };
    fetch.arrival = fetchPage({ url, headers: first.headers }).then(async (fetched): Promise<Arrival> => {
      if (!(fetched instanceof PageText)) return { fetched };
      const ahead = nextLinkAtEnd(fetched.text);
      if (ahead === undefined || seen.has(ahead)) return { fetched };
      // Not beyond two pages the reader has not taken: this one, and the one asked for now. With one, the reader
      // asks for the next page as it takes this one (below: the text's word was not followed).
      while (taken < index && !stopped && !fetch.dropped && twoAhead()) await new Promise<void>((resolve) => readerMoved.push(resolve));
      if (stopped || fetch.dropped || !twoAhead()) return { fetched };
      await follow(index + 1, ahead);
      return { fetched, ahead };
    });
    // Awaited when the reader gets there; a failure meanwhile (or of a dropped request) is not unhandled.
    fetch.arrival.catch(() => undefined);
    fetches[index] = fetch;
  };
  const follow = async (index: number, nextLink: string): Promise<void> => {
    seen.add(nextLink);
    // undici gives a keep-alive socket back a turn after its answer is read, and writes on a reused socket only
    // after another turn (it first checks the socket was not closed meanwhile). Asked for at once, the next page
    // took a new connection; without the turns after, its request left only after this page was parsed.
    await turn();
    start(index, nextLink);
    await turn();
    await turn();
  };
  const moved = (): void => {
    for (const wake of readerMoved.splice(0)) wake();
  };

  start(0, first.url);
  try {
    for (let index = 0; fetches[index]; index++) {
      const { fetched, ahead } = await fetches[index]!.arrival;
      let page: CollectionPage | undefined = parseCollection(fetched instanceof PageText ? fetched.parse() : fetched);
      const nextLink = page.nextLink;
      const repeated = nextLink !== undefined && seen.has(nextLink) && nextLink !== ahead;
      if (nextLink !== ahead) {
        // The text's word was not followed (one page ahead only, or no link at the text's end), or it said otherwise
        // than the parsed page (never with either service): a request sent on it is dropped, its answer unread.
        const wrong = fetches[index + 1];
        if (wrong) wrong.dropped = true;
        fetches.length = index + 1;
        if (nextLink !== undefined && !repeated) await follow(index + 1, nextLink);
      }
      fetches[index] = undefined;
      taken = index + 1;
      moved();
      yield page;
      // Not held while the next page is fetched: a page of 20,000 rows is megabytes, and its reader is done with it.
      page = undefined;
      if (repeated) throw new CollectionShapeError(`the service returned the same @odata.nextLink twice (${nextLink})`);
    }
  } finally {
    stopped = true;
    moved();
  }
}

/** A page as fetched, and the nextLink already followed on its text's word. */
interface Arrival {
  fetched: unknown;
  ahead?: string;
}

/** A page asked for; `dropped` once the reader found that the link it was asked for by was wrong. */
interface Fetch {
  arrival: Promise<Arrival>;
  dropped: boolean;
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
