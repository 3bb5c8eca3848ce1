/**
 * Option mappings (PAYMENT TERMS, SHIPMENT METHOD, SHIPPING AGENT; docs/integration.md §2.2, §5.8): a BC code
 * is coupled to an option value of a Dataverse choice column; a new BC code adds an option (labelled with the
 * code) and mirrors it into the same columns of orders, quotes and invoices; a renamed code relabels the
 * option. The same three steps as record mappings: read (changed codes, the option set), plan (pure), apply.
 */
import type { IntegrationTableMapping, PassDirection } from '../mapping/index.js';
import type { OptionSets, OptionValue, Rec } from '../sides/types.js';
import type { CouplingLookup, StateStore } from '../state/index.js';
import type { EngineContext, SyncOptions } from './context.js';
import type { RecordPlan, SyncPlan } from './plan.js';
import { emptyCounts, type DirectionCounts, type RecordOutcome } from './report.js';
import { bcTable } from './tables.js';

export interface OptionSyncResult {
  counts: Record<PassDirection, DirectionCounts>;
  records: RecordOutcome[];
  plan: SyncPlan;
}

/** Plans the changed BC codes against the option set as read (pure). */
export function planOptions(
  m: IntegrationTableMapping,
  changed: readonly Rec[],
  existing: readonly OptionValue[],
  couplings: CouplingLookup,
  scope: { full: boolean; records: boolean },
): SyncPlan {
  const codeField = m.bc.naturalKey ?? 'code';
  const records: RecordPlan[] = [];
  const labels = new Map(existing.map((o) => [o.label.toUpperCase(), o]));
  const values = new Map(existing.map((o) => [String(o.value), o]));
  for (const rec of changed) {
    const code = String(rec.fields[codeField] ?? '');
    const coupling = couplings.byBcId(m.name, rec.id);
    const record: RecordPlan = { bcId: rec.id, dataverseId: coupling?.dataverseId, coupled: !!coupling, label: code, bcModifiedAt: rec.modifiedAt };
    const current = coupling ? values.get(coupling.dataverseId) : undefined;
    if (coupling?.skipped) record.toDataverse = { action: 'skip', reason: 'skipped after two identical failures' };
    // BC codes are upper case; an option labelled with the same code in another case is the same option.
    else if (coupling && current && current.label.toUpperCase() === code.toUpperCase()) {
      const echo = coupling.bcModifiedAt === rec.modifiedAt;
      record.toDataverse = { action: echo ? 'echo' : 'unchanged', reason: echo ? 'our own write read back' : 'the option has this label', targetId: current.value.toString() };
    } else if (!coupling && m.synchOnlyCoupledRecords && !scope.full && !scope.records) continue;
    else if (current) record.toDataverse = { action: 'modify', reason: 'code renamed: the option is relabelled', targetId: String(current.value), values: { label: code }, changed: ['code'] };
    else {
      const same = labels.get(code.toUpperCase());
      // An option with this label exists already (made by hand or an earlier run): couple, do not duplicate.
      record.toDataverse = same
        ? { action: 'couple', reason: 'an option with this label exists', targetId: String(same.value) }
        : { action: 'insert', reason: 'new code: an option is added', values: { label: code }, changed: ['code'] };
      if (!same) labels.set(code.toUpperCase(), { value: Number.NaN, label: code });
    }
    records.push(record);
  }
  return { mapping: m.name, records };
}

/** Adds or relabels one option in its column and in every mirror; returns the option value. */
async function writeOption(m: IntegrationTableMapping, sets: OptionSets, r: RecordPlan): Promise<{ value: number; mirrorErrors: string[] }> {
  const optionSet = m.dataverse.optionSet!;
  const p = r.toDataverse!;
  const code = String(p.values?.label ?? r.label);
  const mirrorErrors: string[] = [];
  let value: number;
  if (p.action === 'modify') {
    value = Number(p.targetId);
    await sets.relabel(optionSet.table, optionSet.attribute, value, code);
  } else value = await sets.insert(optionSet.table, optionSet.attribute, code);
  for (const mirror of optionSet.mirrors) {
    try {
      if (p.action === 'modify') await sets.relabel(mirror.table, mirror.attribute, value, code);
      else await sets.insert(mirror.table, mirror.attribute, code, value);
    } catch (error) {
      mirrorErrors.push(`${mirror.table}.${mirror.attribute}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return { value, mirrorErrors };
}

/** Read step: the changed codes (and the ones that failed before), with the latest modified-on seen. */
async function readChangedCodes(ctx: EngineContext, m: IntegrationTableMapping, options: SyncOptions): Promise<{ changed: Rec[]; maxBc?: string }> {
  const table = bcTable(m);
  if (options.records?.bc?.length) return { changed: await ctx.bc.get(table, options.records.bc) };
  const changed: Rec[] = [];
  let maxBc: string | undefined;
  const watermark = options.full && !options.settle ? undefined : ctx.state.watermark(m.name).bc;
  for await (const page of ctx.bc.list(table, { modifiedAfter: watermark })) {
    for (const rec of page) {
      changed.push(rec);
      if (!maxBc || Date.parse(rec.modifiedAt) > Date.parse(maxBc)) maxBc = rec.modifiedAt;
    }
  }
  const seen = new Set(changed.map((r) => r.id));
  const retry = ctx.state.failedNotSkipped(m.name, 'to-dataverse').map((f) => f.bcId).filter((id): id is string => !!id && !seen.has(id));
  if (retry.length) changed.push(...(await ctx.bc.get(table, retry)));
  return { changed, maxBc };
}

/** Apply step for one planned option: the option set written (or not), the coupling and the counters. */
async function applyOption(m: IntegrationTableMapping, sets: OptionSets, state: StateStore, r: RecordPlan, c: DirectionCounts): Promise<RecordOutcome | undefined> {
  const p = r.toDataverse!;
  if (p.action === 'skip') c.skipped++;
  else if (p.action === 'echo' || p.action === 'unchanged') {
    if (p.action === 'echo') c.echoSuppressed++;
    else c.unchanged++;
    state.markSuccess(m.name, r.bcId!, 'to-dataverse', { bcModifiedAt: r.bcModifiedAt });
  } else {
    try {
      const { value, mirrorErrors } = p.action === 'couple' ? { value: Number(p.targetId), mirrorErrors: [] } : await writeOption(m, sets, r);
      state.couple({ mapping: m.name, bcId: r.bcId!, dataverseId: String(value), bcModifiedAt: r.bcModifiedAt, syncedDirection: 'to-dataverse' }, { replace: true });
      r.dataverseId = String(value);
      if (p.action === 'insert') c.inserted++;
      if (p.action === 'modify') c.modified++;
      if (p.action !== 'modify') c.coupled++;
      if (mirrorErrors.length) throw new Error(`the option was saved, but not in every mirrored column (${mirrorErrors.join('; ')})`);
    } catch (error) {
      const message = (error as Error).message.split('\n')[0]!;
      const outcome = state.markFailure(m.name, { bcId: r.bcId }, 'to-dataverse', message);
      if (outcome.skipped) c.skipped++;
      else c.failed++;
      return { mapping: m.name, direction: 'to-dataverse', bcId: r.bcId, label: r.label, outcome: outcome.skipped ? 'skipped' : 'failed', error: message };
    }
  }
  return undefined;
}

export async function syncOptionMapping(ctx: EngineContext, m: IntegrationTableMapping, options: SyncOptions): Promise<OptionSyncResult> {
  const counts = { 'to-dataverse': emptyCounts(), 'from-dataverse': emptyCounts() };
  const records: RecordOutcome[] = [];
  const empty: SyncPlan = { mapping: m.name, records: [] };
  const optionSet = m.dataverse.optionSet;
  const sets = ctx.dataverse.optionSets;
  if (!optionSet || !sets || m.direction === 'from-dataverse' || options.direction === 'from-dataverse') return { counts, records, plan: empty };
  const state = ctx.state;

  const { changed, maxBc } = await readChangedCodes(ctx, m, options);
  if (changed.length === 0) return { counts, records, plan: empty };
  const existing = await sets.list(optionSet.table, optionSet.attribute);
  const scope = options.settle ? changed.filter((r) => !state.byBcId(m.name, r.id)) : changed;
  const plan = planOptions(m, scope, existing, state, { full: Boolean(options.full), records: Boolean(options.records) });
  for (const r of plan.records) {
    const outcome = await applyOption(m, sets, state, r, counts['to-dataverse']);
    if (outcome) records.push(outcome);
    await state.commit();
  }
  if (!options.records && maxBc) state.setWatermark(m.name, 'bc', maxBc);
  await state.commit();
  return { counts, records, plan };
}
