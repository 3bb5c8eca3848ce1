/**
 * Option mappings (PAYMENT TERMS, SHIPMENT METHOD, SHIPPING AGENT; spec §2.2, §5.8): a BC code is coupled to
 * an option value of a Dataverse choice column; inserting a BC record adds an option (labelled with the code)
 * and mirrors it into the same columns of orders, quotes and invoices; a renamed code relabels the option.
 */
import type { IntegrationTableMapping, PassDirection } from '../mapping/index.js';
import type { OptionValue, Rec } from '../sides/types.js';
import type { RecordPlan, SyncPlan } from './plan.js';
import { emptyCounts, type DirectionCounts, type RecordOutcome } from './report.js';
import type { EngineContext, SyncOptions } from './run.js';
import { bcTable } from './tables.js';

export interface OptionSyncResult {
  counts: Record<PassDirection, DirectionCounts>;
  records: RecordOutcome[];
  plan?: SyncPlan;
}

export async function syncOptionMapping(ctx: EngineContext, m: IntegrationTableMapping, options: SyncOptions): Promise<OptionSyncResult> {
  const counts = { 'to-dataverse': emptyCounts(), 'from-dataverse': emptyCounts() };
  const c = counts['to-dataverse'];
  const records: RecordOutcome[] = [];
  const optionSet = m.dataverse.optionSet;
  const sets = ctx.dataverse.optionSets;
  if (!optionSet || !sets || m.direction === 'from-dataverse' || options.direction === 'from-dataverse') {
    return { counts, records };
  }
  const state = ctx.state;
  const table = bcTable(m);
  const codeField = m.bc.naturalKey ?? 'code';
  const watermark = options.full ? undefined : state.watermark(m.name).bc;
  const changed: Rec[] = [];
  let maxBc: string | undefined;
  if (options.records?.bc?.length) changed.push(...(await ctx.bc.get(table, options.records.bc)));
  else {
    for await (const page of ctx.bc.list(table, { modifiedAfter: watermark })) {
      for (const rec of page) {
        changed.push(rec);
        if (!maxBc || Date.parse(rec.modifiedAt) > Date.parse(maxBc)) maxBc = rec.modifiedAt;
      }
    }
    const retry = state.failedNotSkipped(m.name, 'to-dataverse').map((f) => f.bcId).filter((id): id is string => !!id && !changed.some((r) => r.id === id));
    if (retry.length) changed.push(...(await ctx.bc.get(table, retry)));
  }
  const plan: SyncPlan = { mapping: m.name, records: [] };
  if (changed.length === 0) return { counts, records, plan: options.dryRun ? plan : undefined };

  const existing: OptionValue[] = await sets.list(optionSet.table, optionSet.attribute);
  for (const rec of changed) {
    const code = String(rec.fields[codeField] ?? '');
    const coupling = state.byBcId(m.name, rec.id);
    const record: RecordPlan = { bcId: rec.id, dataverseId: coupling?.dataverseId, coupled: !!coupling, label: code, bcModifiedAt: rec.modifiedAt };
    plan.records.push(record);
    if (coupling?.skipped) {
      record.toDataverse = { action: 'skip' };
      c.skipped++;
      continue;
    }
    const current = coupling ? existing.find((o) => String(o.value) === coupling.dataverseId) : undefined;
    if (coupling && current && current.label === code) {
      record.toDataverse = { action: coupling.bcModifiedAt === rec.modifiedAt ? 'echo' : 'unchanged' };
      if (record.toDataverse.action === 'echo') c.echoSuppressed++;
      else c.unchanged++;
      if (!options.dryRun) state.markSuccess(m.name, rec.id, 'to-dataverse', { bcModifiedAt: rec.modifiedAt });
      continue;
    }
    if (!coupling && m.synchOnlyCoupledRecords && !options.full && !options.records) continue;
    const sameLabel = existing.find((o) => o.label.toUpperCase() === code.toUpperCase());
    const action = current ? 'modify' : 'insert';
    record.toDataverse = { action, targetId: current ? String(current.value) : sameLabel ? String(sameLabel.value) : undefined, changed: ['code'] };
    if (options.dryRun) {
      if (action === 'insert') c.inserted++;
      else c.modified++;
      continue;
    }
    try {
      let value: number;
      if (current) {
        value = current.value;
        for (const target of [optionSet, ...optionSet.mirrors]) await sets.relabel(target.table, target.attribute, value, code);
        current.label = code;
        c.modified++;
      } else if (sameLabel) {
        // An option with this label exists already (made by hand or an earlier run): couple, do not duplicate.
        value = sameLabel.value;
        c.coupled++;
      } else {
        value = await sets.insert(optionSet.table, optionSet.attribute, code);
        for (const mirror of optionSet.mirrors) {
          await sets.insert(mirror.table, mirror.attribute, code, value).catch(() => undefined);
        }
        existing.push({ value, label: code });
        c.inserted++;
        c.coupled++;
      }
      state.couple(
        { mapping: m.name, bcId: rec.id, dataverseId: String(value), bcModifiedAt: rec.modifiedAt, syncedDirection: 'to-dataverse' },
        { replace: true },
      );
      record.dataverseId = String(value);
    } catch (error) {
      const message = (error as Error).message.split('\n')[0]!;
      const outcome = state.markFailure(m.name, { bcId: rec.id }, 'to-dataverse', message);
      if (outcome.skipped) c.skipped++;
      else c.failed++;
      records.push({ mapping: m.name, direction: 'to-dataverse', bcId: rec.id, label: code, outcome: outcome.skipped ? 'skipped' : 'failed', error: message });
    }
    await state.commit();
  }
  if (!options.dryRun && !options.records && maxBc) {
    state.setWatermark(m.name, 'bc', maxBc);
  }
  if (!options.dryRun) await state.commit();
  return { counts, records, plan: options.dryRun ? plan : undefined };
}
