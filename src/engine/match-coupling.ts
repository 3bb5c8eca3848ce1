/**
 * Match-based coupling (docs/integration.md §7.1): every uncoupled BC record in scope is compared with the uncoupled
 * Dataverse rows in scope on the chosen fields, priority by priority; exactly one candidate couples, more than
 * one is ambiguous (reported with its candidates, nothing is created for it), none is "no match".
 */
import { dataverseReadName, matchConditions, matchCriteria, planFieldTransfer, rowMatches } from '../mapping/index.js';
import type { FieldMapping, IntegrationTableMapping, TransferContext } from '../mapping/index.js';
import type { Rec } from '../sides/types.js';
import { lookupsFor, type EngineContext } from './context.js';
import { dryRunContext } from './dry-run.js';
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
 * only matches rows of its owner's counterpart (spec §7.1: "item/resource UoM also restricted to the owner's
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

async function coupleMatches(ctx: EngineContext, m: IntegrationTableMapping, options: MatchOptions): Promise<MatchReport> {
  const criteria = matchCriteria(m, options.fields, { caseSensitive: options.caseSensitive });
  const report: MatchReport = {
    mapping: m.name,
    fields: criteria.map((c) => c.fieldId),
    coupled: [],
    ambiguous: [],
    noMatch: [],
    alreadyCoupled: 0,
    takenByOther: [],
  };
  if (criteria.length === 0) return report;
  const state = ctx.state;
  const bcRecords: Rec[] = [];
  if (options.bcIds?.length) bcRecords.push(...(await ctx.bc.get(bcTable(m), options.bcIds)));
  else for await (const page of ctx.bc.list(bcTable(m))) bcRecords.push(...page);
  const uncoupled = bcRecords.filter((r) => {
    const coupled = state.byBcId(m.name, r.id) !== undefined;
    if (coupled) report.alreadyCoupled++;
    return !coupled;
  });
  if (uncoupled.length === 0) return report;

  // Read the Dataverse side once and index it by the first criterion's value (case-folded), so matching
  // 100,000 records is not 100,000 queries.
  const dvTable = dataverseTable(m, ctx.dataverseCompanyId);
  const select = [
    ...new Set([...(dvTable.select ?? []), ...criteria.map((c) => c.dataverse), ...ownerScopeFields(m).map((f) => dataverseReadName(f)!)]),
  ];
  const rows: Rec[] = [];
  for await (const page of ctx.dataverse.list({ ...dvTable, select })) rows.push(...page);
  const byValue = new Map<string, Rec[]>();
  const first = criteria[0]!.dataverse;
  for (const row of rows) {
    const key = String(row.fields[first] ?? '').trim().toLowerCase();
    const list = byValue.get(key) ?? [];
    list.push(row);
    byValue.set(key, list);
  }
  const scopeFields = ownerScopeFields(m);
  let transfer: TransferContext | undefined;
  if (scopeFields.length) {
    const lookups = lookupsFor(ctx);
    for (const rec of uncoupled) ownerScope(m, scopeFields, rec, lookups.context());
    if (lookups.missing.size) await lookups.buildMissing();
    transfer = lookups.context();
  }
  const usedNow = new Set<string>();
  for (const rec of uncoupled) {
    const label = labelOf(m, rec);
    let outcome: 'coupled' | 'ambiguous' | 'none' = 'none';
    const scope = transfer ? ownerScope(m, scopeFields, rec, transfer) : undefined;
    if (transfer && !scope) {
      report.noMatch.push({ bcId: rec.id, label });
      continue;
    }
    const inScope = (row: Rec) => !scope || [...scope].every(([column, id]) => String(row.fields[column] ?? '').toLowerCase() === id);
    for (const group of matchConditions(criteria, rec.fields)) {
      const firstCondition = group.conditions.find((c) => c.dataverse === first);
      const pool = firstCondition ? (byValue.get(String(firstCondition.value).trim().toLowerCase()) ?? []) : rows;
      const candidates = pool.filter((row) => rowMatches(group, row.fields) && inScope(row));
      if (candidates.length === 1) {
        const row = candidates[0]!;
        const other = state.byDataverseId(m.name, row.id);
        if (other || usedNow.has(row.id)) {
          report.takenByOther.push({ bcId: rec.id, label, dataverseId: row.id });
          outcome = 'ambiguous';
          break;
        }
        usedNow.add(row.id);
        state.couple({ mapping: m.name, bcId: rec.id, dataverseId: row.id });
        report.coupled.push({ bcId: rec.id, dataverseId: row.id, label });
        outcome = 'coupled';
        break;
      }
      if (candidates.length > 1) {
        report.ambiguous.push({
          bcId: rec.id,
          label,
          candidates: candidates.map((c) => ({ dataverseId: c.id, name: String(c.fields[m.dataverse.nameField ?? ''] ?? '') })),
        });
        outcome = 'ambiguous';
        break;
      }
    }
    if (outcome === 'none') report.noMatch.push({ bcId: rec.id, label });
  }
  await state.commit();
  return report;
}
