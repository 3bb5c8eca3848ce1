/**
 * The pure planner: given the records read from both sides, their couplings and the policy of the run, decide
 * per record what to write where (spec bc-integration.md §5.2-§5.5). No I/O; the single writer (apply.ts)
 * carries the plan out.
 */
import { createHash } from 'node:crypto';
import { planFieldTransfer, selectFields } from '../mapping/index.js';
import type { IntegrationTableMapping, PassDirection, TransferContext, TransferPlan } from '../mapping/index.js';
import type { Rec } from '../sides/types.js';
import type { Coupling } from '../state/index.js';
import { counterpartId } from './ids.js';

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
  /** Full synchronization: every record in scope is written, uncoupled records are created (ForceModify). */
  full: boolean;
  /** Synch. Only Coupled Records: uncoupled changed records are ignored. */
  onlyCoupled: boolean;
  /** "Synchronize Now" for one record: this side wins. */
  overwrite?: 'dataverse' | 'bc';
  /** Dataverse rows last modified by this user are our own writes (echo suppression, §5.2). */
  integrationUserId?: string;
  echoByModifiedBy: boolean;
}

export type Action = 'insert' | 'modify' | 'unchanged' | 'echo' | 'conflict' | 'skip' | 'fail' | 'uncouple' | 'ignore';

export interface DirectionPlan {
  action: Action;
  /** Id of the destination record (for inserts: the deterministic id it will get). */
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
  /** New merge base (hashes of the synced ⇄ values) to store once the writes succeed. */
  base?: string;
  /** Timestamps as read, to store when nothing needs writing. */
  bcModifiedAt?: string;
  dataverseModifiedAt?: string;
}

export interface SyncPlan {
  mapping: string;
  records: RecordPlan[];
}

const BASE_KEY = 'base';

// ------------------------------------------------------------------------------------------------
// Merge base: per ⇄ field, a short hash of the value both sides held after the last sync. With it a record
// changed on both sides merges field by field (a name edit in BC and a phone edit in Dataverse both arrive),
// and only a field edited on both sides is a conflict. Without it (older couplings) BC's rule applies.
// ------------------------------------------------------------------------------------------------

function bidirectionalFields(m: IntegrationTableMapping) {
  return selectFields(m, 'to-dataverse').filter((f) => f.direction === 'bidirectional' && f.bc !== undefined);
}

function normalize(value: unknown, code: boolean): string {
  if (value === undefined || value === null) return '';
  let text = typeof value === 'string' ? value.trim() : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (code) text = text.toUpperCase();
  if (text === '00000000-0000-0000-0000-000000000000' || text === '0001-01-01') return '';
  return text;
}

function shortHash(text: string): string {
  return createHash('sha1').update(text).digest('base64url').slice(0, 6);
}

export function mergeBase(m: IntegrationTableMapping, bcSide: Record<string, unknown>): string {
  const fields = bidirectionalFields(m);
  const signature = shortHash(fields.map((f) => f.id).join(','));
  return signature + ':' + fields.map((f) => shortHash(normalize(bcSide[f.bc!], f.bcType === 'code'))).join('');
}

function baseHashes(m: IntegrationTableMapping, coupling: Coupling | undefined): Map<string, string> | undefined {
  const stored = coupling?.extra?.[BASE_KEY];
  if (typeof stored !== 'string') return undefined;
  const fields = bidirectionalFields(m);
  const [signature, hashes] = stored.split(':');
  if (signature !== shortHash(fields.map((f) => f.id).join(',')) || hashes === undefined) return undefined;
  const result = new Map<string, string>();
  fields.forEach((f, i) => result.set(f.id, hashes.slice(i * 6, i * 6 + 6)));
  return result;
}

export { BASE_KEY };

// ------------------------------------------------------------------------------------------------

function label(m: IntegrationTableMapping, pair: Pair): string {
  const bc = pair.bc?.fields;
  const dv = pair.dv?.fields;
  const fromBc = bc && (bc[m.bc.naturalKey ?? ''] ?? bc[m.bc.nameField ?? '']);
  const fromDv = dv && dv[m.dataverse.nameField ?? ''];
  const text = fromBc ?? fromDv ?? pair.bc?.id ?? pair.dv?.id ?? '';
  return String(text);
}

function later(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined) return false;
  if (b === undefined) return true;
  return Date.parse(a) > Date.parse(b);
}

/** Coupling flag: the stored Dataverse modified-on is the one our own write produced. */
export const DATAVERSE_WRITTEN_KEY = 'dvw';

/**
 * Dataverse `modifiedon` has whole seconds: a person's edit in the same second as our write carries the stored
 * timestamp. The row then names someone else as its last modifier, which our own write never does. Only
 * meaningful when the stored time came from our write (a time stored from a person's row proves nothing).
 */
export function editedInSameSecond(dv: Rec, c: Coupling, integrationUserId: string | undefined): boolean {
  const stored = c.dataverseModifiedAt;
  if (!stored || !integrationUserId || !dv.modifiedBy || c.extra?.[DATAVERSE_WRITTEN_KEY] !== true) return false;
  return dv.modifiedBy.toLowerCase() !== integrationUserId.toLowerCase() && Date.parse(dv.modifiedAt) === Date.parse(stored);
}

function withoutFields(m: IntegrationTableMapping, excluded: Set<string>): IntegrationTableMapping {
  return { ...m, fields: m.fields.filter((f) => !excluded.has(f.id)) };
}

function errorText(plan: TransferPlan): string {
  return plan.errors.map((e) => `${e.fieldId}: ${e.message}`).join('; ');
}

function insertPlan(
  m: IntegrationTableMapping,
  direction: PassDirection,
  source: Rec,
  ctx: TransferContext,
): DirectionPlan {
  const t = planFieldTransfer(m, direction, source.fields, undefined, ctx);
  const target = direction === 'to-dataverse' ? 'dataverse' : 'bc';
  const targetId = counterpartId(m.name, target, source.id);
  if (t.errors.length) return { action: 'fail', targetId, error: errorText(t) };
  return { action: 'insert', targetId, values: t.values, changed: t.changed };
}

function modifyPlan(t: TransferPlan, targetId: string, etag: string | undefined): DirectionPlan {
  if (t.errors.length) return { action: 'fail', targetId, error: errorText(t) };
  if (t.changed.length === 0) return { action: 'unchanged', targetId };
  return { action: 'modify', targetId, etag, values: t.values, changed: t.changed };
}

function deletionConflict(m: IntegrationTableMapping, policy: PlanPolicy, source: Rec, direction: PassDirection, ctx: TransferContext): DirectionPlan {
  const other = direction === 'to-dataverse' ? 'Dataverse' : 'Business Central';
  // Full synchronization (BC's ForceModify) does not apply deletion-conflict strategies: the write just fails.
  const rule = policy.full ? 'none' : m.deletionConflict;
  if (rule === 'remove-coupling') return { action: 'uncouple' };
  if (rule === 'restore') return insertPlan(m, direction, source, ctx);
  return {
    action: 'fail',
    error: `the coupled ${other} record was deleted, so this record cannot be updated; uncouple it (bcsync uncouple) or set the mapping's deletion-conflict rule to restore or remove-coupling`,
  };
}

/** Plans one pair. Exported for unit tests; `plan` maps it over all pairs. */
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

  if (!c) {
    // Uncoupled: create the counterpart unless only coupled records are synchronized (then ignored, uncounted).
    if (policy.onlyCoupled && !policy.full) return undefined;
    if (pair.bc && policy.toDataverse) {
      record.toDataverse = insertPlan(m, 'to-dataverse', pair.bc, ctx);
      if (record.toDataverse.action === 'insert') record.base = mergeBase(m, pair.bc.fields);
      return record;
    }
    if (pair.dv && policy.fromDataverse) {
      record.toBc = insertPlan(m, 'from-dataverse', pair.dv, ctx);
      if (record.toBc.action === 'insert') record.base = mergeBase(m, record.toBc.values ?? {});
      return record;
    }
    return undefined;
  }

  if (c.skipped) {
    if (pair.bcRead && policy.toDataverse) record.toDataverse = { action: 'skip' };
    else if (pair.dvRead && policy.fromDataverse) record.toBc = { action: 'skip' };
    else return undefined;
    return record;
  }

  if (pair.bcMissing && pair.dvMissing) {
    record.toDataverse = { action: 'uncouple' };
    return record;
  }
  if (pair.dvMissing) {
    if (!pair.bc || !pair.bcRead || !policy.toDataverse) return undefined;
    record.toDataverse = deletionConflict(m, policy, pair.bc, 'to-dataverse', ctx);
    if (record.toDataverse.action === 'insert') record.base = mergeBase(m, pair.bc.fields);
    return record;
  }
  if (pair.bcMissing) {
    if (!pair.dv || !pair.dvRead || !policy.fromDataverse) return undefined;
    record.toBc = deletionConflict(m, policy, pair.dv, 'from-dataverse', ctx);
    if (record.toBc.action === 'insert') record.base = mergeBase(m, record.toBc.values ?? {});
    return record;
  }
  const bc = pair.bc;
  const dv = pair.dv;

  // Which sides changed since the last sync? A failed direction is always retried (§5.3 step 4).
  let bcChanged =
    !!bc && pair.bcRead && (c.lastResultToDataverse === 'failure' || c.bcModifiedAt === undefined || later(bc.modifiedAt, c.bcModifiedAt));
  let dvChanged =
    !!dv &&
    pair.dvRead &&
    (c.lastResultToBc === 'failure' ||
      c.dataverseModifiedAt === undefined ||
      later(dv.modifiedAt, c.dataverseModifiedAt) ||
      editedInSameSecond(dv!, c, policy.integrationUserId));
  if (dvChanged && policy.echoByModifiedBy && policy.integrationUserId && dv!.modifiedBy === policy.integrationUserId && c.lastResultToBc !== 'failure') {
    dvChanged = false;
  }
  if (bcChanged && dvChanged && c.bcModifiedAt === undefined && c.dataverseModifiedAt === undefined) {
    // Coupled (by matching or by hand) and never synchronized: as BC's "synchronize after coupling", the first
    // sync copies one way without conflict detection, from BC unless the mapping only reads from Dataverse.
    if (policy.toDataverse) dvChanged = false;
    else bcChanged = false;
  }
  const bcEcho = pair.bcRead && !bcChanged;
  const dvEcho = pair.dvRead && !dvChanged;

  if (policy.overwrite === 'dataverse') {
    bcChanged = true;
    dvChanged = false;
  } else if (policy.overwrite === 'bc') {
    bcChanged = false;
    dvChanged = true;
  } else if (policy.full) {
    // Full synchronization rewrites from BC for ⇄ and →DV mappings, from Dataverse for ←DV ones.
    bcChanged = policy.toDataverse;
    dvChanged = !policy.toDataverse && policy.fromDataverse;
  }
  if (!policy.toDataverse) bcChanged = false;
  if (!policy.fromDataverse) dvChanged = false;

  if (!bcChanged && !dvChanged) {
    // Read again only because of our own write: no counterpart is needed to know nothing is to be done.
    if (bcEcho && policy.toDataverse) record.toDataverse = { action: 'echo', targetId: c.dataverseId };
    else if (dvEcho && policy.fromDataverse) record.toBc = { action: 'echo', targetId: c.bcId };
    else return undefined;
    return record;
  }
  if (!bc || !dv) return undefined;

  let toDv = bcChanged ? planFieldTransfer(m, 'to-dataverse', bc.fields, dv.fields, ctx) : undefined;
  let toBc = dvChanged ? planFieldTransfer(m, 'from-dataverse', dv.fields, bc.fields, ctx) : undefined;

  if (toDv && toBc && m.direction === 'bidirectional') {
    // Both sides changed: merge field by field against the base of the last sync (§5.4, done better).
    const base = baseHashes(m, c);
    const fields = new Map(bidirectionalFields(m).map((f) => [f.id, f]));
    const bcWins = new Set<string>();
    const dvWins = new Set<string>();
    const conflicts: string[] = [];
    const differing = new Set([...toDv.bidirectionalChanged, ...toBc.bidirectionalChanged]);
    for (const id of differing) {
      const f = fields.get(id);
      if (!f) continue;
      const code = f.bcType === 'code';
      const bcValue = bc.fields[f.bc!];
      const dvValueInBc = f.bc! in toBc.values ? toBc.values[f.bc!] : bcValue;
      const bcSideChanged = base ? shortHash(normalize(bcValue, code)) !== base.get(id) : true;
      const dvSideChanged = base ? shortHash(normalize(dvValueInBc, code)) !== base.get(id) : true;
      if (bcSideChanged && dvSideChanged) conflicts.push(id);
      else if (dvSideChanged) dvWins.add(id);
      else bcWins.add(id);
    }
    if (conflicts.length) {
      record.conflictFields = conflicts;
      if (m.updateConflict === 'none') {
        const message = `both sides changed ${conflicts.join(', ')} since the last synchronization; the update-conflict rule is "none", so nothing was written (set it to send or get with "bcsync mappings set ${m.name} --update-conflict send|get", or run "bcsync sync --mapping ${m.name} --record ${bc.id} --overwrite dataverse|bc")`;
        record.toDataverse = { action: 'conflict', targetId: dv.id, error: message };
        record.toBc = { action: 'conflict', targetId: bc.id, error: message };
        return record;
      }
      for (const id of conflicts) (m.updateConflict === 'send' ? bcWins : dvWins).add(id);
    }
    // Re-plan each direction without the fields the other side wins.
    toDv = planFieldTransfer(withoutFields(m, dvWins), 'to-dataverse', bc.fields, dv.fields, ctx);
    toBc = planFieldTransfer(withoutFields(m, bcWins), 'from-dataverse', dv.fields, bc.fields, ctx);
  }

  if (toDv) record.toDataverse = modifyPlan(toDv, dv.id, dv.etag);
  if (toBc) record.toBc = modifyPlan(toBc, bc.id, bc.etag);
  const finalBc = { ...bc.fields, ...(record.toBc?.action === 'modify' ? record.toBc.values : {}) };
  record.base = mergeBase(m, finalBc);
  return record;
}

export function plan(m: IntegrationTableMapping, pairs: Iterable<Pair>, policy: PlanPolicy, ctx: TransferContext): SyncPlan {
  const records: RecordPlan[] = [];
  for (const pair of pairs) {
    const r = planPair(m, pair, policy, ctx);
    if (r) records.push(r);
  }
  return { mapping: m.name, records };
}
