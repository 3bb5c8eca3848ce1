/**
 * Integration table mappings that a business process runs instead of the generic engine, because Business
 * Central runs them with table logic around the field transfer (docs/integration.md §8.2): the bidirectional
 * SALESORDER-ORDER with its lines. The process lives in src/processes/; here it is matched to the mapping.
 * A line mapping synchronized as part of its header (SOLINE-ORDERDETAIL) has no run of its own.
 */
import { emptyCounts, type MappingReport } from '../engine/report.js';
import type { SyncOptions } from '../engine/run.js';
import { BIDIRECTIONAL_ORDER_LINE_MAPPING, BIDIRECTIONAL_ORDER_MAPPING, type IntegrationTableMapping } from '../mapping/index.js';
import { syncBidirectionalOrders } from '../processes/bidirectional-orders/sync.js';
import type { Session } from './session.js';

export type MappingRunner = (session: Session, m: IntegrationTableMapping, options: SyncOptions) => Promise<MappingReport>;

function orderMappings(session: Session): { header: IntegrationTableMapping; lines: IntegrationTableMapping } | undefined {
  const header = session.mappings.find((x) => x.name === BIDIRECTIONAL_ORDER_MAPPING);
  const lines = session.mappings.find((x) => x.name === BIDIRECTIONAL_ORDER_LINE_MAPPING);
  if (session.profile.integration.orderSync !== 'bidirectional' || !header || !lines) return undefined;
  return { header, lines };
}

/** The report of a line mapping whose lines went with their orders. */
function withItsHeader(session: Session, m: IntegrationTableMapping, options: SyncOptions): MappingReport {
  const now = new Date(session.ctx.clock.now()).toISOString();
  return {
    mapping: m.name,
    directions: [],
    counts: { 'to-dataverse': emptyCounts(), 'from-dataverse': emptyCounts() },
    records: [],
    startedAt: now,
    finishedAt: now,
    durationMs: 0,
    requests: { bc: 0, dataverse: 0 },
    retries: 0,
    dryRun: Boolean(options.dryRun),
    message: `synchronized with ${BIDIRECTIONAL_ORDER_MAPPING} (lines travel with their order)`,
  };
}

/** The process that runs this mapping for this profile, or undefined for the engine. */
export function mappingRunner(session: Session, m: IntegrationTableMapping): MappingRunner | undefined {
  const orders = orderMappings(session);
  if (!orders) return undefined;
  if (m.name === BIDIRECTIONAL_ORDER_MAPPING) {
    return (s, _m, options) =>
      syncBidirectionalOrders(s.ctx, orders, { direction: options.direction, dryRun: options.dryRun, orderPriceLists: s.profile.integration.pricing === 'lists' });
  }
  if (m.name === BIDIRECTIONAL_ORDER_LINE_MAPPING) return (s, mapping, options) => Promise.resolve(withItsHeader(s, mapping, options));
  return undefined;
}
