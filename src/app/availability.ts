/**
 * Wiring of the item availability process (src/processes/availability): the ITEM-AVAILABILITY job-queue process
 * of `sync --all` when the profile switches item availability on (`setup --item-availability`;
 * docs/integration.md §8.6, §9: every 30 minutes).
 */
import type { MappingReport } from '../engine/report.js';
import { ITEM_MAPPING, pushItemAvailability, AVAILABILITY_PROCESS } from '../processes/availability/availability.js';
import type { Session } from './session.js';
import { processJob } from './statistics.js';

export function availabilityJob(session: Session, options: { dryRun?: boolean }): Promise<MappingReport> {
  const dryRun = Boolean(options.dryRun);
  const tables = { bc: { api: 'v2.0' as const, entitySet: 'itemLedgerEntries' }, dataverse: { entitySet: 'products' } };
  return processJob(session, { name: AVAILABILITY_PROCESS, mapping: ITEM_MAPPING, tables, dryRun }, async () => {
    const run = await pushItemAvailability({ bc: session.ctx.bc, dataverse: session.ctx.dataverse, state: session.state, integrationUserId: session.ctx.integrationUserId, dryRun });
    return run.items.map((i) => ({ bcId: i.itemId, dataverseId: i.productid, label: i.itemNumber, result: i.result, error: i.message }));
  });
}
