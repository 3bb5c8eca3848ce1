/**
 * Match-based coupling (docs/integration.md §7.1): every uncoupled BC record in scope is compared with the uncoupled
 * Dataverse rows in scope on the chosen fields, priority by priority; exactly one candidate couples, more than
 * one is ambiguous (reported with its candidates, nothing is created for it), none is "no match".
 */
import { dataverseReadName, matchConditions, matchCriteria, planFieldTransfer, rowMatches } from '../mapping/index.js';
import type { FieldMapping, IntegrationTableMapping, MatchCriterion, TransferContext } from '../mapping/index.js';
import type { Rec } from '../sides/types.js';
import type { CouplingLookup } from '../state/index.js';
import { applyPlan } from './apply.js';
import { lookupsFor, type EngineContext } from './context.js';
import { dryRunContext } from './dry-run.js';
import type { SyncPlan } from './plan.js';
import { bcTable, dataverseTable } from './tables.js';

export interface MatchOptions {
  /** Field mapping ids, BC properties or Dataverse columns; default: the mapping's match fields. */
  fields?: string[];
  caseSensitive?: boolean;
  /** Only these BC records. */
  bcIds?: string[];
  dryRun?: boolean;
}

export interface MatchCandidate {
  dataverseId: string;
  name: string;
}

export interface MatchReport {
  mapping: string;
  fields: string[];
  coupled: Array<{ bcId: string; dataverseId: string; label: string }>;
  ambiguous: Array<{ bcId: string; label: string; candidates: MatchCandidate[] }>;
  noMatch: Array<{ bcId: string; label: string }>;
  /** BC records in scope that were coupled already. */
  alreadyCoupled: number;
  /** Unique match whose Dataverse row is coupled to another record: not coupled again. */
  takenByOther: Array<{ bcId: string; label: string; dataverseId: string }>;
}

function labelOf(m: IntegrationTableMapping, rec: Rec): string {
  return String(rec.fields[m.bc.naturalKey ?? ''] ?? rec.fields[m.bc.nameField ?? ''] ?? rec.id) +
    (m.bc.nameField && m.bc.naturalKey ? ` ${String(rec.fields[m.bc.nameField] ?? '')}` : '');
}

/**
 * A record whose natural key is composite (a unit of measure within its item, a price line within its list)
 * only matches rows of its owner's counterpart (docs/integration.md §7.1: "item/resource UoM also restricted to the owner's
 * unit group"): the lookup fields that carry a key part become extra match conditions.
 */
function ownerScopeFields(m: IntegrationTableMapping): FieldMapping[] {
  const parts = new Set(m.bc.keyParts ?? []);
  return m.fields.filter(
    (f) => f.status === 'enabled' && f.transform.kind === 'lookup' && f.bc !== undefined && parts.has(f.bc) && f.direction !== 'from-dataverse',
  );
}

/** The Dataverse ids the owner lookups of `rec` point at (undefined: an owner is not coupled, so no match). */
function ownerScope(m: IntegrationTableMapping, fields: FieldMapping[], rec: Rec, ctx: TransferContext): Map<string, string> | undefined {
  const scope = new Map<string, string>();
  for (const f of fields) {
    const t = planFieldTransfer({ ...m, fields: [f] }, 'to-dataverse', rec.fields, undefined, ctx);
    if (t.errors.length) return undefined;
    const bind = Object.values(t.values)[0];
    const id = typeof bind === 'string' ? /\(([^)]+)\)$/.exec(bind)?.[1] : undefined;
    if (!id) return undefined;
    scope.set(dataverseReadName(f)!, id.toLowerCase());
  }
  return scope;
}

/**
 * Couples what matches. A dry run couples in memory only, so the synchronization planned after it in the same
 * dry run sees the couplings the real run would make.
 */
export async function matchBasedCoupling(ctx: EngineContext, m: IntegrationTableMapping, options: MatchOptions = {}): Promise<MatchReport> {
  if (!options.dryRun) return coupleMatches(ctx, m, options);
  try {
    return await coupleMatches(dryRunContext(ctx), m, options);
  } finally {
    ctx.state.discardPending();
  }
}

/** What matching reads: the uncoupled BC records in scope and the Dataverse rows, indexed by the first criterion. */
interface MatchContext {
  uncoupled: Rec[];
  rows: Rec[];
  byValue: Map<string, Rec[]>;
  first: string;
  scopeFields: FieldMapping[];
  transfer?: TransferContext;
}

async function readMatchContext(ctx: EngineContext, m: IntegrationTableMapping, criteria: MatchCriterion[], options: MatchOptions, report: MatchReport): Promise<MatchContext | undefined> {
  const bcRecords: Rec[] = [];
  if (options.bcIds?.length) bcRecords.push(...(await ctx.bc.get(bcTable(m), options.bcIds)));
  else for await (const page of ctx.bc.list(bcTable(m))) bcRecords.push(...page);
  const uncoupled = bcRecords.filter((r) => {
    const coupled = ctx.state.byBcId(m.name, r.id) !== undefined;
    if (coupled) report.alreadyCoupled++;
    return !coupled;
  });
  if (uncoupled.length === 0) return undefined;
  // Read the Dataverse side once and index it by the first criterion's value (case-folded), so matching
  // 100,000 records is not 100,000 queries.
  const dvTable = dataverseTable(m, ctx.dataverseCompanyId);
  const scopeFields = ownerScopeFields(m);
  const select = [...new Set([...(dvTable.select ?? []), ...criteria.map((c) => c.dataverse), ...scopeFields.map((f) => dataverseReadName(f)!)])];
  const rows: Rec[] = [];
  for await (const page of ctx.dataverse.list({ ...dvTable, select })) rows.push(...page);
  const byValue = new Map<string, Rec[]>();
  const first = criteria[0]!.dataverse;
  for (const row of rows) {
    const key = String(row.fields[first] ?? '').trim().toLowerCase();
    byValue.set(key, [...(byValue.get(key) ?? []), row]);
  }
  let transfer: TransferContext | undefined;
  if (scopeFields.length) {
    const lookups = lookupsFor(ctx);
    for (const rec of uncoupled) ownerScope(m, scopeFields, rec, lookups.context());
    if (lookups.missing.size) await lookups.buildMissing();
    transfer = lookups.context();
  }
  return { uncoupled, rows, byValue, first, scopeFields, transfer };
}

/** Plans the couplings (pure): exactly one free candidate couples; more, or one taken, is ambiguous. */
function planMatches(m: IntegrationTableMapping, criteria: MatchCriterion[], read: MatchContext, couplings: CouplingLookup, report: MatchReport): SyncPlan {
  const plan: SyncPlan = { mapping: m.name, records: [] };
  const usedNow = new Set<string>();
  const reason = `matched on ${criteria.map((c) => c.fieldId).join(', ')}`;
  for (const rec of read.uncoupled) {
    const label = labelOf(m, rec);
    let outcome: 'coupled' | 'ambiguous' | 'none' = 'none';
    const scope = read.transfer ? ownerScope(m, read.scopeFields, rec, read.transfer) : undefined;
    if (read.transfer && !scope) {
      report.noMatch.push({ bcId: rec.id, label });
      continue;
    }
    const inScope = (row: Rec) => !scope || [...scope].every(([column, id]) => String(row.fields[column] ?? '').toLowerCase() === id);
    for (const group of matchConditions(criteria, rec.fields)) {
      const firstCondition = group.conditions.find((c) => c.dataverse === read.first);
      const pool = firstCondition ? (read.byValue.get(String(firstCondition.value).trim().toLowerCase()) ?? []) : read.rows;
      const candidates = pool.filter((row) => rowMatches(group, row.fields) && inScope(row));
      if (candidates.length === 1) {
        const row = candidates[0]!;
        outcome = couplings.byDataverseId(m.name, row.id) || usedNow.has(row.id) ? 'ambiguous' : 'coupled';
        if (outcome === 'ambiguous') report.takenByOther.push({ bcId: rec.id, label, dataverseId: row.id });
        else {
          usedNow.add(row.id);
          plan.records.push({ bcId: rec.id, dataverseId: row.id, coupled: false, label, toDataverse: { action: 'couple', reason, targetId: row.id } });
          report.coupled.push({ bcId: rec.id, dataverseId: row.id, label });
        }
        break;
      }
      if (candidates.length > 1) {
        const named = candidates.map((c) => ({ dataverseId: c.id, name: String(c.fields[m.dataverse.nameField ?? ''] ?? '') }));
        report.ambiguous.push({ bcId: rec.id, label, candidates: named });
        outcome = 'ambiguous';
        break;
      }
    }
    if (outcome === 'none') report.noMatch.push({ bcId: rec.id, label });
  }
  return plan;
}

async function coupleMatches(ctx: EngineContext, m: IntegrationTableMapping, options: MatchOptions): Promise<MatchReport> {
  const criteria = matchCriteria(m, options.fields, { caseSensitive: options.caseSensitive });
  const report: MatchReport = { mapping: m.name, fields: criteria.map((c) => c.fieldId), coupled: [], ambiguous: [], noMatch: [], alreadyCoupled: 0, takenByOther: [] };
  if (criteria.length === 0) return report;
  const read = await readMatchContext(ctx, m, criteria, options, report);
  if (!read) return report;
  const plan = planMatches(m, criteria, read, ctx.state, report);
  // The single writer records the couplings (nothing is written to either system).
  const tables = { bc: bcTable(m), dataverse: dataverseTable(m, ctx.dataverseCompanyId) };
  await applyPlan(m, plan, { bc: ctx.bc, dataverse: ctx.dataverse, tables, state: ctx.state, intents: ctx.intents });
  return report;
}
