/**
 * Timeline posts on a Dataverse sales order (docs/integration.md §8.1, §12): one fixed sentence per event Business
 * Central reports for a coupled order. Posts can be created and deleted, never updated; each gets an id derived
 * from the order and the event, so a post whose answer was lost is found, not posted twice.
 */
import { counterpartId } from '../../engine/ids.js';
import type { Side, SideTable, WriteOp } from '../../sides/types.js';

/** The events of an order the Order Status job posts about, in the order they happen. */
export const ORDER_EVENTS = ['released', 'shipped', 'invoiced'] as const;
export type OrderEvent = (typeof ORDER_EVENTS)[number];

/** The sentence of each event (one fixed sentence per event type, as BC posts them). */
export const POST_TEXT: Readonly<Record<OrderEvent, string>> = {
  released: 'The order was released in Business Central.',
  shipped: 'Business Central posted a shipment for the order.',
  invoiced: 'Business Central posted an invoice for the order.',
};

/** post `source` Auto Post and `type` Status (docs/integration.md §12): the integration, not a person, reports a status. */
const AUTO_POST = 1;
const STATUS_POST = 7;

export const POSTS: SideTable = { entitySet: 'posts', key: 'postid', modifiedField: 'modifiedon', filter: [], select: ['postid'] };

/** The post's id: the same order and event always give the same id. */
export function postId(salesOrderId: string, event: OrderEvent): string {
  return counterpartId(`ORDER-STATUS ${event}`, 'dataverse', salesOrderId);
}

export interface PostToCreate {
  salesOrderId: string;
  event: OrderEvent;
}

export function postCreate(p: PostToCreate): WriteOp {
  return {
    kind: 'create',
    id: postId(p.salesOrderId, p.event),
    fields: {
      text: POST_TEXT[p.event],
      source: AUTO_POST,
      type: STATUS_POST,
      'regardingobjectid_salesorder@odata.bind': `/salesorders(${p.salesOrderId})`,
    },
  };
}

/**
 * Creates the posts not there yet (one read of their ids first: a post cannot be updated, so a create repeated
 * after a crash must not reach a post that exists). Returns, per post, whether it exists now, or the error.
 */
export async function createPosts(dataverse: Side, posts: readonly PostToCreate[]): Promise<Array<{ post: PostToCreate; ok: boolean; error?: string }>> {
  if (posts.length === 0) return [];
  const existing = new Set((await dataverse.get(POSTS, posts.map((p) => postId(p.salesOrderId, p.event)))).map((r) => r.id));
  const missing = posts.filter((p) => !existing.has(postId(p.salesOrderId, p.event)));
  const results = missing.length ? await dataverse.write(POSTS, missing.map(postCreate)) : [];
  const failed = new Map(results.filter((r) => !r.ok).map((r) => [r.op.id, r.error?.message ?? 'refused']));
  return posts.map((post) => {
    const error = failed.get(postId(post.salesOrderId, post.event));
    return error === undefined ? { post, ok: true } : { post, ok: false, error };
  });
}
