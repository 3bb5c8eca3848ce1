/**
 * The full synchronization review (docs/integration.md §7.3, BC's "Dataverse Full Synch. Review" page):
 * per mapping, how many records each side holds in scope, how many are coupled, and what to do first.
 * BC's own full synchronization creates a counterpart for every uncoupled record, so where both sides
 * already hold uncoupled data it makes duplicates; the review says "couple first" there.
 */
import type { Direction, IntegrationTableMapping } from '../mapping/index.js';
import type { EngineContext } from './context.js';
import { dryRunContext } from './dry-run.js';
import { resolveOpenIntents } from './intents.js';
import { unavailableReason } from './report.js';
import { bcTable, dataverseTable } from './tables.js';

export type Recommendation = 'full-sync' | 'couple-first' | 'no-records' | 'dependency-not-satisfied' | 'unavailable';

/**
 * Coupling that full-sync does by itself before it synchronizes, as BC does: option mappings by the option
 * label, CURRENCY by ISO code, price list lines within their list by product, SALESPEOPLE by email.
 */
export interface AutoCoupling {
  /** Field mapping ids compared; empty for option mappings (they couple by label while synchronizing). */
  fields: string[];
  description: string;
}

export interface ReviewLine {
  mapping: string;
  direction: Direction;
  dependencies: string[];
  /** BC records in the mapping's table filter. */
  bcRecords: number;
  /** Dataverse rows in the integration table filter (option mappings: options of the option set). */
  dataverseRecords: number;
  /** Couplings of the mapping. */
  coupled: number;
  uncoupledBc: number;
  uncoupledDataverse: number;
  recommendation: Recommendation;
  autoCoupling?: AutoCoupling;
  /** Why, in a sentence. */
  reason: string;
}

/** BC's automatic couplings (docs/integration.md §5.3 step 2, §7.1 "Option mappings match the BC code against option labels"). */
export function autoCouplingOf(m: IntegrationTableMapping): AutoCoupling | undefined {
  if (m.kind === 'option') return { fields: [], description: 'codes are coupled to options with the same label' };
  if (m.name === 'CURRENCY') return { fields: ['code'], description: 'currencies are coupled by ISO code' };
  // BC's table-specific matcher (docs/integration.md §5.3 step 2): an existing line of the same price list and product is reused.
  if (m.name === 'PLLINE-PRODPRICE' && m.fields.some((f) => f.id === 'productNumber' && f.status === 'enabled')) {
    return { fields: ['productNumber'], description: 'price list lines are coupled to lines of the same price list and product' };
  }
  if (m.name === 'SALESPEOPLE' && m.fields.some((f) => f.id === 'email' && f.status === 'enabled')) {
    return { fields: ['email'], description: 'salespeople are coupled to users by email' };
  }
  return undefined;
}

export interface ReviewCounts {
  bcRecords: number;
  dataverseRecords: number;
  coupled: number;
  uncoupledBc: number;
  uncoupledDataverse: number;
}

/**
 * Reads the ids in scope on both sides (keys only) and compares them with the couplings. Open intents are
 * resolved first: a record an interrupted run of ours created is coupled, never counted as someone else's data.
 */
export async function reviewCounts(ctx: EngineContext, m: IntegrationTableMapping): Promise<ReviewCounts> {
  const state = ctx.state;
  const dataverse = dataverseTable(m, ctx.dataverseCompanyId);
  if (m.kind !== 'option') await resolveOpenIntents({ ...ctx, tables: { bc: bcTable(m), dataverse } }, m);
  if (m.kind !== 'option' && state.counts(m.name).couplings === 0) {
    // Nothing coupled yet (a first full synchronization): every record in scope is uncoupled, so the counts are
    // the answer; one `$count` per side instead of reading every key (docs/integration.md §7.3).
    const [bcRecords, dataverseRecords] = await Promise.all([ctx.bc.count(bcTable(m)), ctx.dataverse.count(dataverse)]);
    return { bcRecords, dataverseRecords, coupled: 0, uncoupledBc: bcRecords, uncoupledDataverse: dataverseRecords };
  }
  // The two services' keys are read at once: each side's pages follow one another, the sides need not (a second full
  // sync of 100,000 customers read Dataverse's 20 pages of keys only after Business Central's 5).
  const countDataverse = async (): Promise<KeyCount> => {
    if (m.kind !== 'option') return countKeys(ctx.dataverse.list({ ...dataverse, select: [dataverse.key] }), (id) => state.byDataverseId(m.name, id) !== undefined);
    const set = m.dataverse.optionSet;
    const options = set && ctx.dataverse.optionSets ? await ctx.dataverse.optionSets.list(set.table, set.attribute) : [];
    return { records: options.length, uncoupled: options.filter((o) => !state.byDataverseId(m.name, String(o.value))).length };
  };
  // Both settle before an error is raised: a side that failed leaves no read of the other still running.
  const [bc, dv] = await Promise.allSettled([
    countKeys(ctx.bc.list({ ...bcTable(m), select: ['id'] }), (id) => state.byBcId(m.name, id) !== undefined),
    countDataverse(),
  ]);
  if (bc.status === 'rejected') throw bc.reason;
  if (dv.status === 'rejected') throw dv.reason;
  return {
    bcRecords: bc.value.records,
    dataverseRecords: dv.value.records,
    coupled: state.counts(m.name).couplings,
    uncoupledBc: bc.value.uncoupled,
    uncoupledDataverse: dv.value.uncoupled,
  };
}

interface KeyCount {
  records: number;
  uncoupled: number;
}

/** Records in the pages of one side's keys, and how many of them have no coupling. */
async function countKeys(pages: AsyncIterable<ReadonlyArray<{ id: string }>>, coupled: (id: string) => boolean): Promise<KeyCount> {
  let records = 0;
  let uncoupled = 0;
  for await (const page of pages) {
    for (const rec of page) {
      records++;
      if (!coupled(rec.id)) uncoupled++;
    }
  }
  return { records, uncoupled };
}

/** The recommendation of docs/integration.md §7.3, adapted: "couple first" wherever both sides hold uncoupled data. */
export function recommend(
  m: IntegrationTableMapping,
  counts: ReviewCounts,
  unsatisfied: readonly string[] = [],
): Pick<ReviewLine, 'recommendation' | 'reason' | 'autoCoupling'> {
  const auto = autoCouplingOf(m);
  if (unsatisfied.length) {
    return { recommendation: 'dependency-not-satisfied', reason: `depends on ${unsatisfied.join(', ')}, which did not synchronize`, autoCoupling: auto };
  }
  // Option mappings only ever write to Dataverse: nothing in BC, nothing to do (PAYMENT TERMS etc. in docs/integration.md §7.3).
  const empty = m.kind === 'option' ? counts.bcRecords === 0 : counts.bcRecords === 0 && counts.dataverseRecords === 0;
  if (empty) return { recommendation: 'no-records', reason: 'no records in scope on either side' };
  if (counts.uncoupledBc > 0 && counts.uncoupledDataverse > 0) {
    if (auto) return { recommendation: 'full-sync', reason: `both sides hold uncoupled data; ${auto.description} first`, autoCoupling: auto };
    return {
      recommendation: 'couple-first',
      reason: `both sides hold uncoupled data (${counts.uncoupledBc} in Business Central, ${counts.uncoupledDataverse} in Dataverse); a full synchronization would duplicate the records they share`,
    };
  }
  if (counts.uncoupledBc === 0 && counts.uncoupledDataverse === 0) {
    return { recommendation: 'full-sync', reason: 'every record in scope is coupled; a full synchronization rewrites them', autoCoupling: auto };
  }
  return { recommendation: 'full-sync', reason: 'only one side holds uncoupled records; they are created on the other', autoCoupling: auto };
}

/** The review of `mappings` (in the order given); dependencies named in `unsatisfied` mark their dependents. */
export async function fullSyncReview(
  engine: EngineContext,
  mappings: readonly IntegrationTableMapping[],
  options: { dryRun?: boolean; unsatisfied?: ReadonlySet<string> } = {},
): Promise<ReviewLine[]> {
  // Resolving open intents couples what an interrupted run created: in a dry run, only in memory.
  const ctx = options.dryRun ? dryRunContext(engine) : engine;
  const unsatisfied = options.unsatisfied ?? new Set<string>();
  const lines: ReviewLine[] = [];
  for (const m of mappings) {
    const line = { mapping: m.name, direction: m.direction, dependencies: [...m.dependencies] };
    let counts: ReviewCounts;
    try {
      counts = await reviewCounts(ctx, m);
    } catch (error) {
      // One mapping that cannot be read is not a broken review: it is marked unavailable, with the fix.
      const unavailable = unavailableReason(error, m);
      if (!unavailable) throw error;
      const none = { bcRecords: 0, dataverseRecords: 0, coupled: ctx.state.counts(m.name).couplings, uncoupledBc: 0, uncoupledDataverse: 0 };
      lines.push({ ...line, ...none, recommendation: 'unavailable', reason: `${unavailable.reason}; ${unavailable.fix}` });
      continue;
    }
    const blocked = m.dependencies.filter((d) => unsatisfied.has(d));
    lines.push({ ...line, ...counts, ...recommend(m, counts, blocked) });
  }
  return lines;
}
