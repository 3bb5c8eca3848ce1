/**
 * Wiring of the item availability process (src/processes/availability): the ITEM-AVAILABILITY job-queue process
 * of `sync --all` when the profile switches item availability on (`setup --item-availability`;
 * docs/integration.md §8.6, §9: every 30 minutes).
 */
import type { MappingReport } from '../engine/report.js';
import { ITEM_MAPPING, pushItemAvailability, AVAILABILITY_PROCESS } from '../processes/availability/availability.js';
import { processReport } from '../processes/statistics/report.js';
import type { Session } from './session.js';
import { countingRequests, unlessUnavailable } from './statistics.js';

export async function availabilityJob(session: Session, options: { dryRun?: boolean }): Promise<MappingReport> {
  const now = (): string => new Date(session.ctx.clock.now()).toISOString();
  const startedAt = now();
  const dryRun = Boolean(options.dryRun);
  const hasItems = session.mappings.some((m) => m.name === ITEM_MAPPING);
  const tables = { bc: { api: 'v2.0' as const, entitySet: 'itemLedgerEntries' }, dataverse: { entitySet: 'products' } };
  return unlessUnavailable(AVAILABILITY_PROCESS, tables, { startedAt, now, dryRun }, async () => {
    const counted = await countingRequests(session, async () =>
      hasItems
        ? pushItemAvailability({ bc: session.ctx.bc, dataverse: session.ctx.dataverse, state: session.state, integrationUserId: session.ctx.integrationUserId, dryRun })
        : { items: [] },
    );
    const outcomes = counted.value.items.map((i) => ({ bcId: i.itemId, dataverseId: i.productid, label: i.itemNumber, result: i.result, error: i.message }));
    return processReport(AVAILABILITY_PROCESS, outcomes, { ...counted, startedAt, finishedAt: now(), dryRun });
  });
}
