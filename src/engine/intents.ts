/**
 * Resolving write-ahead intents (docs/design.md "Idempotent creates"): an open intent is a create whose outcome
 * nobody saw. Where the target accepted our chosen id (Dataverse; BC through the companion extension) the
 * record is read back by that id; where BC chose the id itself (standard API v2.0 refuses ours) it is found by
 * the key fields the create sent, among records modified at or after the intent and not coupled yet. Found:
 * the record is coupled, as if the answer had arrived. Not found: the create never happened; the source
 * record is still uncoupled and the plan creates it again. Either way the intent is closed.
 */
import type { IntegrationTableMapping } from '../mapping/index.js';
import type { Rec, Side, SideTable } from '../sides/types.js';
import type { Intent, IntentJournal, StateStore } from '../state/index.js';
import { WRITTEN_BY_US_KEY } from './plan.js';

export interface IntentTables {
  bc: SideTable;
  dataverse: SideTable;
}

export interface ResolveContext {
  bc: Side;
  dataverse: Side;
  tables: IntentTables;
  state: StateStore;
  intents: IntentJournal;
}

export interface Resolution {
  /** Creates that had landed: now coupled. */
  coupled: number;
  /** Creates that never happened. */
  absent: number;
}

/** A record found by its keys must have been modified at or after the intent, less BC's clock skew. */
const KEY_MATCH_TOLERANCE_MS = 2000;
const MAX_KEYS = 3;

/** The key fields a create sends that find it again: natural key and name first, else the first values. */
export function intentKeys(m: IntegrationTableMapping, values: Record<string, unknown>): Record<string, string> {
  const keys: Record<string, string> = {};
  const scalar = (v: unknown) => (typeof v === 'string' && v.trim() !== '') || typeof v === 'number';
  for (const property of [m.bc.naturalKey, m.bc.nameField]) {
    if (property && scalar(values[property])) keys[property] = String(values[property]);
  }
  if (Object.keys(keys).length === 0) {
    for (const [property, value] of Object.entries(values)) {
      if (Object.keys(keys).length >= MAX_KEYS) break;
      if (!property.includes('@') && scalar(value)) keys[property] = String(value);
    }
  }
  return keys;
}

const fold = (v: unknown) => String(v ?? '').trim().toUpperCase();

function couple(ctx: ResolveContext, m: IntegrationTableMapping, intent: Intent, found: Rec): boolean {
  const state = ctx.state;
  const toDv = intent.direction === 'to-dataverse';
  const bcId = toDv ? intent.sourceId : found.id;
  const dataverseId = toDv ? found.id : intent.sourceId;
  if (state.byBcId(m.name, bcId) || state.byDataverseId(m.name, dataverseId)) return true;
  state.couple({
    mapping: m.name,
    bcId,
    dataverseId,
    bcModifiedAt: (toDv ? intent.sourceModifiedAt : found.modifiedAt) || undefined,
    dataverseModifiedAt: (toDv ? found.modifiedAt : intent.sourceModifiedAt) || undefined,
    syncedDirection: intent.direction,
  });
  if (toDv) state.update(m.name, bcId, { extra: { [WRITTEN_BY_US_KEY]: true } });
  state.forgetFailure(m.name, intent.direction, intent.sourceId);
  return true;
}

async function byChosenId(ctx: ResolveContext, m: IntegrationTableMapping, intents: Intent[], result: Resolution): Promise<void> {
  for (const target of ['dataverse', 'bc'] as const) {
    const mine = intents.filter((i) => i.target === target);
    if (!mine.length) continue;
    const side = target === 'bc' ? ctx.bc : ctx.dataverse;
    const found = new Map((await side.get(ctx.tables[target], mine.map((i) => i.chosenId!))).map((r) => [r.id, r]));
    for (const intent of mine) {
      const rec = found.get(intent.chosenId!.toLowerCase());
      if (rec && couple(ctx, m, intent, rec)) result.coupled++;
      else result.absent++;
    }
  }
}

async function byKeys(ctx: ResolveContext, m: IntegrationTableMapping, intents: Intent[], result: Resolution): Promise<void> {
  const earliest = Math.min(...intents.map((i) => Date.parse(i.at))) - KEY_MATCH_TOLERANCE_MS;
  const table = ctx.tables.bc;
  const candidates: Rec[] = [];
  // One read of what changed since the earliest intent, whatever the number of intents.
  const where = [{ field: table.modifiedField, op: 'ge' as const, value: new Date(earliest).toISOString() }];
  for await (const page of ctx.bc.list(table, { where, ignoreTableFilter: true })) {
    for (const rec of page) if (!ctx.state.byBcId(m.name, rec.id)) candidates.push(rec);
  }
  const used = new Set<string>();
  for (const intent of [...intents].sort((a, b) => a.seq - b.seq)) {
    const keys = Object.entries(intent.keys ?? {});
    const since = Date.parse(intent.at) - KEY_MATCH_TOLERANCE_MS;
    const rec = keys.length
      ? candidates.find((r) => !used.has(r.id) && Date.parse(r.modifiedAt) >= since && keys.every(([k, v]) => fold(r.fields[k]) === fold(v)))
      : undefined;
    if (rec) {
      used.add(rec.id);
      if (couple(ctx, m, intent, rec)) result.coupled++;
    } else result.absent++;
  }
}

/** Resolves the given open intents of mapping `m`, commits the couplings, then closes the intents. */
export async function resolveIntents(ctx: ResolveContext, m: IntegrationTableMapping, intents: readonly Intent[]): Promise<Resolution> {
  const result: Resolution = { coupled: 0, absent: 0 };
  if (!intents.length) return result;
  const withId = intents.filter((i) => i.chosenId);
  const withKeys = intents.filter((i) => !i.chosenId && i.target === 'bc');
  if (withId.length) await byChosenId(ctx, m, withId, result);
  if (withKeys.length) await byKeys(ctx, m, withKeys, result);
  await ctx.state.commit();
  await ctx.intents.close(intents);
  return result;
}

/** Every open intent of `m` (left by a crash or a lost answer in an earlier run), resolved before planning. */
export async function resolveOpenIntents(ctx: ResolveContext, m: IntegrationTableMapping): Promise<Resolution> {
  return resolveIntents(ctx, m, ctx.intents.open(m.name));
}
