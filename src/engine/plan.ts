/**
 * The planner (docs/integration.md §5.3, §5.4): pure. Given one window's read-only context it decides every
 * write of the window, each with its reason: inserts, modifies (field by field against the merge base),
 * conflicts, deletion-conflict outcomes, the contact's parent link, number-series codes, the Dataverse template
 * values and company stamp. Nothing here reads or writes; `apply.ts` carries the plan out.
 */
import { dataverseReadName, planFieldTransfer } from '../mapping/index.js';
import type { FieldMapping, IntegrationTableMapping, PassDirection, TransferContext, TransferPlan } from '../mapping/index.js';
import type { Rec } from '../sides/types.js';
import type { Coupling } from '../state/index.js';
import { counterpartId } from './ids.js';
import { coveredByBase, mergeBase, normalizeBcValue, storedBase } from './merge-base.js';
import { planParentLink, type ParentLinkContext } from './parent-link.js';

/** A BC record and a Dataverse row that belong together (coupled), or one uncoupled record. */
export interface Pair {
  coupling?: Coupling;
  bc?: Rec;
  dv?: Rec;
  /** Read because it changed since the watermark (or was retried, or is in full-sync scope). */
  bcRead: boolean;
  dvRead: boolean;
  /** Coupled, but the counterpart no longer exists. */
  bcMissing?: boolean;
  dvMissing?: boolean;
}

export interface PlanPolicy {
  toDataverse: boolean;
  fromDataverse: boolean;
  /** Full synchronization: every record in scope is considered, uncoupled records are created (ForceModify). */
  full: boolean;
  /** Synch. Only Coupled Records: uncoupled changed records are ignored. */
  onlyCoupled: boolean;
  /**
   * Whether an uncoupled record's create failed in an earlier run and is not skipped: it is retried even when
   * only coupled records are synchronized (a full sync's creates left behind by throttling, docs/integration.md §5.6).
   */
  failedCreate?: (direction: 'to-dataverse' | 'from-dataverse', sourceId: string) => boolean;
  /** "Synchronize Now" for one record: this side is overwritten with every differing value. */
  overwrite?: 'dataverse' | 'bc';
  /** Dataverse rows last modified by this user are our own writes (echo suppression, docs/integration.md §5.2). */
  integrationUserId?: string;
  echoByModifiedBy: boolean;
}

/** `couple`: coupled to a record that already exists, nothing written to the systems. */
export type Action = 'insert' | 'modify' | 'unchanged' | 'echo' | 'conflict' | 'skip' | 'fail' | 'uncouple' | 'couple';

/** Actions that send a write to Business Central or Dataverse. */
export const WRITE_ACTIONS: ReadonlySet<Action> = new Set(['insert', 'modify']);

export interface DirectionPlan {
  action: Action;
  /** Why, in a few words (printed by dry runs and `--verbose`). */
  reason: string;
  /** Id of the destination record (for inserts: the id it will get when the target accepts a chosen id). */
  targetId?: string;
  etag?: string;
  values?: Record<string, unknown>;
  /** Field mapping ids whose values are written. */
  changed?: string[];
  error?: string;
}

export interface RecordPlan {
  bcId?: string;
  dataverseId?: string;
  coupled: boolean;
  /** A name people recognise (number, code, name). */
  label: string;
  toDataverse?: DirectionPlan;
  toBc?: DirectionPlan;
  /** Field mapping ids changed on both sides (conflicts). */
  conflictFields?: string[];
  /** New merge base to store once the writes succeed. */
  base?: string;
  /** Timestamps as read, stored on the coupling. */
  bcModifiedAt?: string;
  dataverseModifiedAt?: string;
}

export interface SyncPlan {
  mapping: string;
  records: RecordPlan[];
  /** Number-series codes this plan gives out (the window after it must not give them again). */
  seriesCodesUsed?: number;
}

/** Everything the planner may consult about one window; built by the read step, never changed by the plan. */
export interface WindowContext {
  pairs: readonly Pair[];
  transfer: TransferContext;
  /** Contact parent links (CONTACT): business relations and couplings of customers/vendors. */
  parentLinks?: ParentLinkContext;
  /** The highest number of the BC series code given out so far (SALESPEOPLE "SP NO. 00001"). */
  seriesHighest?: number;
  /** Dataverse company row to stamp `bcbi_companyid` with (docs/integration.md §2). */
  dataverseCompanyId?: string;
}

/** Coupling flag: the stored Dataverse modified-on is the one our own write produced. */
export const WRITTEN_BY_US_KEY = 'dvw';

function label(m: IntegrationTableMapping, pair: Pair): string {
  const bc = pair.bc?.fields;
  const dv = pair.dv?.fields;
  const fromBc = bc && (bc[m.bc.naturalKey ?? ''] ?? bc[m.bc.nameField ?? '']);
  const fromDv = dv && dv[m.dataverse.nameField ?? ''];
  return String(fromBc ?? fromDv ?? pair.bc?.id ?? pair.dv?.id ?? '');
}

function later(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined) return false;
  if (b === undefined) return true;
  return Date.parse(a) > Date.parse(b);
}

/**
 * Dataverse `modifiedon` has whole seconds: a person's edit in the same second as our write carries the stored
 * timestamp. The row then names someone else as its last modifier, which our own write never does. Only
 * meaningful when the stored time came from our write (a time stored from a person's row proves nothing).
 */
export function editedInSameSecond(dv: Rec, c: Coupling, integrationUserId: string | undefined): boolean {
  const stored = c.dataverseModifiedAt;
  if (!stored || !integrationUserId || !dv.modifiedBy || c.extra?.[WRITTEN_BY_US_KEY] !== true) return false;
  return dv.modifiedBy.toLowerCase() !== integrationUserId.toLowerCase() && Date.parse(dv.modifiedAt) === Date.parse(stored);
}

function onlyFields(m: IntegrationTableMapping, ids: ReadonlySet<string>): IntegrationTableMapping {
  return { ...m, fields: m.fields.filter((f) => ids.has(f.id)) };
}

function errorText(plan: TransferPlan): string {
  return plan.errors.map((e) => `${e.fieldId}: ${e.message}`).join('; ');
}

function insertPlan(m: IntegrationTableMapping, direction: PassDirection, source: Rec, ctx: TransferContext, reason: string): DirectionPlan {
  const t = planFieldTransfer(m, direction, source.fields, undefined, ctx);
  const target = direction === 'to-dataverse' ? 'dataverse' : 'bc';
  const targetId = counterpartId(m.name, target, source.id);
  if (t.errors.length) return { action: 'fail', reason, targetId, error: errorText(t) };
  return { action: 'insert', reason, targetId, values: t.values, changed: t.changed };
}

function modifyPlan(t: TransferPlan, targetId: string, etag: string | undefined, reason: string): DirectionPlan {
  if (t.errors.length) return { action: 'fail', reason, targetId, error: errorText(t) };
  if (t.changed.length === 0) return { action: 'unchanged', reason: 'every mapped value is equal', targetId };
  return { action: 'modify', reason, targetId, etag, values: t.values, changed: t.changed };
}

function deletionConflict(m: IntegrationTableMapping, policy: PlanPolicy, source: Rec, direction: PassDirection, ctx: TransferContext): DirectionPlan {
  const other = direction === 'to-dataverse' ? 'Dataverse' : 'Business Central';
  // Full synchronization (BC's ForceModify) does not apply deletion-conflict strategies: the write just fails.
  const rule = policy.full ? 'none' : m.deletionConflict;
  if (rule === 'remove-coupling') return { action: 'uncouple', reason: `the coupled ${other} record was deleted (rule remove-coupling)` };
  if (rule === 'restore') return insertPlan(m, direction, source, ctx, `the coupled ${other} record was deleted (rule restore)`);
  return {
    action: 'fail',
    reason: `the coupled ${other} record was deleted`,
    error: `the coupled ${other} record was deleted, so this record cannot be updated; uncouple it (bcsync uncouple) or set the mapping's deletion-conflict rule to restore or remove-coupling`,
  };
}

/** A value a person would call "nothing": never written over a value the target has. */
function isPoor(value: unknown): boolean {
  return normalizeBcValue(value, false) === '' || value === 0 || value === false;
}

/**
 * Without a merge base (a coupling made by matching, or by hand, never synchronized since) the planner cannot
 * tell which side changed a field; it still never writes a lossy copy over the richer value: a ⇄ value the
 * target already holds in the source's terms (a country BC keeps cut to 10 characters), or a one-way value that
 * is "nothing" over something (a credit limit BC never had).
 */
function lossless(m: IntegrationTableMapping, direction: PassDirection, field: FieldMapping, source: Rec, target: Rec, ctx: TransferContext): boolean {
  if (field.direction === 'bidirectional') {
    // Only text can arrive lossy (cut to the shorter side's length); lookups and options are exact or fail.
    if (field.transform.kind !== 'copy' && field.transform.kind !== 'truncate') return true;
    const reverse: PassDirection = direction === 'to-dataverse' ? 'from-dataverse' : 'to-dataverse';
    const back = planFieldTransfer(onlyFields(m, new Set([field.id])), reverse, target.fields, source.fields, ctx);
    return !(back.errors.length === 0 && back.changed.length === 0);
  }
  const dvName = dataverseReadName(field) ?? '';
  const sourceValue = direction === 'to-dataverse' ? source.fields[field.bc ?? ''] : source.fields[dvName];
  const targetValue = direction === 'to-dataverse' ? target.fields[dvName] : target.fields[field.bc ?? ''];
  return !(isPoor(sourceValue) && !isPoor(targetValue));
}

interface Changes {
  bcChanged: boolean;
  dvChanged: boolean;
  bcEcho: boolean;
  dvEcho: boolean;
}

/** Which sides changed since the last sync; a failed direction is always retried (docs/integration.md §5.3 step 4). */
function changesOf(pair: Pair, c: Coupling, policy: PlanPolicy): Changes {
  const { bc, dv } = pair;
  let bcChanged = !!bc && pair.bcRead && (c.lastResultToDataverse === 'failure' || c.bcModifiedAt === undefined || later(bc.modifiedAt, c.bcModifiedAt));
  let dvChanged =
    !!dv &&
    pair.dvRead &&
    (c.lastResultToBc === 'failure' ||
      c.dataverseModifiedAt === undefined ||
      later(dv.modifiedAt, c.dataverseModifiedAt) ||
      editedInSameSecond(dv, c, policy.integrationUserId));
  if (dvChanged && policy.echoByModifiedBy && policy.integrationUserId && dv!.modifiedBy === policy.integrationUserId && c.lastResultToBc !== 'failure') {
    dvChanged = false;
  }
  if (bcChanged && dvChanged && c.bcModifiedAt === undefined && c.dataverseModifiedAt === undefined) {
    // Coupled and never synchronized: as BC's "synchronize after coupling", the first sync copies one way
    // without conflict detection, from BC unless the mapping only reads from Dataverse.
    if (policy.toDataverse) dvChanged = false;
    else bcChanged = false;
  }
  const bcEcho = pair.bcRead && !bcChanged;
  const dvEcho = pair.dvRead && !dvChanged;
  if (policy.overwrite === 'dataverse') [bcChanged, dvChanged] = [true, false];
  else if (policy.overwrite === 'bc') [bcChanged, dvChanged] = [false, true];
  else if (policy.full) {
    // Full synchronization considers every record from BC for ⇄ and →DV mappings, from Dataverse for ←DV ones;
    // the merge base still decides which fields are written.
    bcChanged = policy.toDataverse;
    dvChanged = !policy.toDataverse && policy.fromDataverse;
  }
  if (!policy.toDataverse) bcChanged = false;
  if (!policy.fromDataverse) dvChanged = false;
  return { bcChanged, dvChanged, bcEcho, dvEcho };
}

function retriesFailedCreate(pair: Pair, policy: PlanPolicy): boolean {
  if (!policy.failedCreate) return false;
  if (pair.bc && policy.toDataverse) return policy.failedCreate('to-dataverse', pair.bc.id);
  if (pair.dv && policy.fromDataverse) return policy.failedCreate('from-dataverse', pair.dv.id);
  return false;
}

function uncoupledPlan(m: IntegrationTableMapping, pair: Pair, policy: PlanPolicy, ctx: TransferContext, record: RecordPlan): RecordPlan | undefined {
  // Uncoupled: create the counterpart unless only coupled records are synchronized (then ignored, uncounted),
  // except a create that failed before, which is retried like any failed record.
  if (policy.onlyCoupled && !policy.full && !retriesFailedCreate(pair, policy)) return undefined;
  if (pair.bc && policy.toDataverse) {
    record.toDataverse = insertPlan(m, 'to-dataverse', pair.bc, ctx, 'not coupled: created in Dataverse');
    if (record.toDataverse.action === 'insert') record.base = mergeBase(m, pair.bc.fields);
    return record;
  }
  if (pair.dv && policy.fromDataverse) {
    record.toBc = insertPlan(m, 'from-dataverse', pair.dv, ctx, 'not coupled: created in Business Central');
    if (record.toBc.action === 'insert') record.base = mergeBase(m, record.toBc.values ?? {});
    return record;
  }
  return undefined;
}

function missingCounterpartPlan(m: IntegrationTableMapping, pair: Pair, policy: PlanPolicy, ctx: TransferContext, record: RecordPlan): RecordPlan | undefined {
  if (pair.bcMissing && pair.dvMissing) {
    record.toDataverse = { action: 'uncouple', reason: 'both coupled records were deleted' };
    return record;
  }
  if (pair.dvMissing) {
    if (!pair.bc || !pair.bcRead || !policy.toDataverse) return undefined;
    record.toDataverse = deletionConflict(m, policy, pair.bc, 'to-dataverse', ctx);
    if (record.toDataverse.action === 'insert') record.base = mergeBase(m, pair.bc.fields);
    return record;
  }
  if (!pair.dv || !pair.dvRead || !policy.fromDataverse) return undefined;
  record.toBc = deletionConflict(m, policy, pair.dv, 'from-dataverse', ctx);
  if (record.toBc.action === 'insert') record.base = mergeBase(m, record.toBc.values ?? {});
  return record;
}

/**
 * The fields each direction writes. With a merge base: a field goes from the side that changed it since the
 * last sync; changed on both sides is a conflict, settled by the mapping's update-conflict rule. Without one:
 * BC's rules (every differing field; ⇄ changed on both sides is a conflict), minus lossy rewrites.
 */
function chooseFields(
  m: IntegrationTableMapping,
  pair: { bc: Rec; dv: Rec; coupling: Coupling },
  toDv: TransferPlan | undefined,
  toBc: TransferPlan | undefined,
  policy: PlanPolicy,
  ctx: TransferContext,
): { toDv?: Set<string>; toBc?: Set<string>; conflicts: string[] } {
  const { bc, dv } = pair;
  const byId = new Map(m.fields.map((f) => [f.id, f]));
  const base = policy.overwrite ? undefined : storedBase(m, pair.coupling);
  const bcWins = new Set<string>();
  const dvWins = new Set<string>();
  if (toDv) {
    for (const id of toDv.changed) {
      const f = byId.get(id)!;
      if (policy.overwrite || !coveredByBase(m, id)) bcWins.add(id);
      else if (base) {
        if (base.hash(bc.fields[f.bc!], f.bcType === 'code') !== base.get(id)) bcWins.add(id);
      } else if (lossless(m, 'to-dataverse', f, bc, dv, ctx)) bcWins.add(id);
    }
  }
  if (toBc) {
    for (const id of toBc.changed) {
      const f = byId.get(id)!;
      if (policy.overwrite || !coveredByBase(m, id)) dvWins.add(id);
      else if (base) {
        const incoming = f.bc! in toBc.values ? toBc.values[f.bc!] : bc.fields[f.bc!];
        if (base.hash(incoming, f.bcType === 'code') !== base.get(id)) dvWins.add(id);
      } else if (lossless(m, 'from-dataverse', f, dv, bc, ctx)) dvWins.add(id);
    }
  }
  const conflicts = [...bcWins].filter((id) => dvWins.has(id));
  if (conflicts.length && m.updateConflict !== 'none') {
    for (const id of conflicts) (m.updateConflict === 'send' ? dvWins : bcWins).delete(id);
  }
  return { toDv: toDv && bcWins, toBc: toBc && dvWins, conflicts };
}

function coupledPlan(m: IntegrationTableMapping, pair: Pair, c: Coupling, policy: PlanPolicy, ctx: TransferContext, record: RecordPlan): RecordPlan | undefined {
  const ch = changesOf(pair, c, policy);
  if (!ch.bcChanged && !ch.dvChanged) {
    // Read again only because of our own write: no counterpart is needed to know nothing is to be done.
    if (ch.bcEcho && policy.toDataverse) record.toDataverse = { action: 'echo', reason: 'our own write read back', targetId: c.dataverseId };
    else if (ch.dvEcho && policy.fromDataverse) record.toBc = { action: 'echo', reason: 'our own write read back', targetId: c.bcId };
    else return undefined;
    return record;
  }
  const bc = pair.bc;
  const dv = pair.dv;
  if (!bc || !dv) return undefined;

  const firstToDv = ch.bcChanged ? planFieldTransfer(m, 'to-dataverse', bc.fields, dv.fields, ctx) : undefined;
  const firstToBc = ch.dvChanged ? planFieldTransfer(m, 'from-dataverse', dv.fields, bc.fields, ctx) : undefined;
  const chosen = chooseFields(m, { bc, dv, coupling: c }, firstToDv, firstToBc, policy, ctx);
  if (chosen.conflicts.length) {
    record.conflictFields = chosen.conflicts;
    if (m.updateConflict === 'none') {
      const message = `both sides changed ${chosen.conflicts.join(', ')} since the last synchronization; the update-conflict rule is "none", so nothing was written (set it to send or get with "bcsync mappings set ${m.name} --update-conflict send|get", or run "bcsync sync --mapping ${m.name} --record ${bc.id} --overwrite dataverse|bc")`;
      record.toDataverse = { action: 'conflict', reason: 'changed on both sides', targetId: dv.id, error: message };
      record.toBc = { action: 'conflict', reason: 'changed on both sides', targetId: bc.id, error: message };
      return record;
    }
  }
  const why = policy.overwrite ? 'Synchronize Now' : policy.full ? 'full synchronization' : 'changed since the last sync';
  // Re-plan each direction with only the fields it wins: the values written are exactly those.
  if (firstToDv) {
    const t = firstToDv.errors.length ? firstToDv : planFieldTransfer(onlyFields(m, chosen.toDv!), 'to-dataverse', bc.fields, dv.fields, ctx);
    record.toDataverse = modifyPlan(t, dv.id, dv.etag, `${why} in Business Central`);
  }
  if (firstToBc) {
    const t = firstToBc.errors.length ? firstToBc : planFieldTransfer(onlyFields(m, chosen.toBc!), 'from-dataverse', dv.fields, bc.fields, ctx);
    record.toBc = modifyPlan(t, bc.id, bc.etag, `${why} in Dataverse`);
  }
  const finalBc = { ...bc.fields, ...(record.toBc?.action === 'modify' ? record.toBc.values : {}) };
  record.base = mergeBase(m, finalBc);
  return record;
}

/** Plans one pair. Exported for unit tests; `plan` maps it over a window. */
export function planPair(m: IntegrationTableMapping, pair: Pair, policy: PlanPolicy, ctx: TransferContext): RecordPlan | undefined {
  const c = pair.coupling;
  const record: RecordPlan = {
    bcId: c?.bcId ?? pair.bc?.id,
    dataverseId: c?.dataverseId ?? pair.dv?.id,
    coupled: c !== undefined,
    label: label(m, pair),
    bcModifiedAt: pair.bc?.modifiedAt,
    dataverseModifiedAt: pair.dv?.modifiedAt,
  };
  if (!c) return uncoupledPlan(m, pair, policy, ctx, record);
  if (c.skipped) {
    if (pair.bcRead && policy.toDataverse) record.toDataverse = { action: 'skip', reason: 'skipped after two identical failures' };
    else if (pair.dvRead && policy.fromDataverse) record.toBc = { action: 'skip', reason: 'skipped after two identical failures' };
    else return undefined;
    return record;
  }
  if (pair.bcMissing || pair.dvMissing) return missingCounterpartPlan(m, pair, policy, ctx, record);
  return coupledPlan(m, pair, c, policy, ctx, record);
}

/** Template values and the company stamp (docs/integration.md §2) on the values written to Dataverse. */
function withDataverseExtras(m: IntegrationTableMapping, p: DirectionPlan, companyId: string | undefined): void {
  if (!WRITE_ACTIONS.has(p.action)) return;
  const insert = p.action === 'insert';
  const template = insert ? m.dataverse.template?.values : undefined;
  const stamp = m.dataverse.companyIdStamp;
  const stamped = Boolean(companyId && (stamp === 'always' || (stamp === 'insert' && insert)));
  if (!template && !stamped) return;
  // One new object, filled in place (as `{ ...template, ...values, stamp }`): two spreads per record were a
  // large share of a full sync's planning time.
  const values: Record<string, unknown> = {};
  // for-in, not Object.keys: no array of keys per record (both are plain objects of own properties).
  if (template) for (const key in template) values[key] = template[key];
  const own = p.values ?? {};
  for (const key in own) values[key] = own[key];
  if (stamped) values['bcbi_companyid@odata.bind'] = `/cdm_companies(${companyId})`;
  p.values = values;
}

/** Plans a window: every record's writes, with the table logic that goes beyond field mappings. */
export function plan(m: IntegrationTableMapping, window: WindowContext, policy: PlanPolicy): SyncPlan {
  const records: RecordPlan[] = [];
  const series = m.bc.insertCodeSeries;
  let seriesCodesUsed = 0;
  for (const pair of window.pairs) {
    const r = planPair(m, pair, policy, window.transfer);
    if (!r) continue;
    if (m.parentLink && window.parentLinks) planParentLink(m.parentLink, r, pair, window.parentLinks);
    if (series && r.toBc?.action === 'insert') {
      // BC numbers some records itself when they come from Dataverse (SALESPEOPLE: "SP NO. 00001").
      seriesCodesUsed++;
      const code = `${series.prefix}${String((window.seriesHighest ?? 0) + seriesCodesUsed).padStart(series.digits, '0')}`;
      r.toBc.values = { ...r.toBc.values, [series.property]: code };
    }
    if (r.toDataverse) withDataverseExtras(m, r.toDataverse, window.dataverseCompanyId);
    records.push(r);
  }
  return { mapping: m.name, records, seriesCodesUsed };
}
