/**
 * Dry runs in one place: the run is the real one (read, plan, apply, with the same counts, the same failures
 * and the same exit code) against sides whose writes are answered here instead of sent, a state whose changes
 * stay in memory, and intents that never reach the file. Only reads leave the machine: GETs, alone or as the
 * parts of a Dataverse `$batch` of reads by id.
 */
import type { Clock } from '../clock.js';
import type { Rec, Side, WriteResult } from '../sides/types.js';
import type { StateStore } from '../state/index.js';
import type { EngineContext } from './context.js';
import { BUSINESS_RELATIONS } from './parent-link.js';

/** Option values a dry run hands out for options it would add (never sent, never stored). */
const FIRST_SIMULATED_OPTION_VALUE = 990_000_000;

/** BC gives every new customer and vendor a company contact; a dry run's contacts need one to link to. */
const GETS_COMPANY_CONTACT = new Set(['customers', 'vendors']);

function simulatedSide(side: Side, clock: Clock): Side {
  let nextOption = FIRST_SIMULATED_OPTION_VALUE;
  const created: Rec[] = [];
  const simulated: Side = {
    name: side.name,
    limits: side.limits,
    async *list(table, query) {
      yield* side.list(table, query);
      if (side.name === 'bc' && table.entitySet === BUSINESS_RELATIONS.entitySet && created.length) {
        yield created.map((r) => ({ id: `company-contact-${r.id}`, modifiedAt: r.modifiedAt, fields: { contactNumber: `(company contact of ${r.id})`, relatedId: r.id } }));
      }
    },
    get: (table, ids) => side.get(table, ids),
    count: (table, where) => side.count(table, where),
    stats: () => side.stats(),
    acceptsChosenId: side.acceptsChosenId?.bind(side),
    async write(table, ops): Promise<WriteResult[]> {
      const modifiedAt = new Date(clock.now()).toISOString();
      return ops.map((op) => {
        if (op.kind === 'delete') return { op, ok: true };
        const record: Rec = { id: op.id.toLowerCase(), modifiedAt, fields: { ...op.fields } };
        if (op.kind === 'create' && GETS_COMPANY_CONTACT.has(table.entitySet)) created.push(record);
        return { op, ok: true, record };
      });
    },
  };
  if (side.optionSets) {
    const sets = side.optionSets;
    return {
      ...simulated,
      optionSets: {
        list: (table, attribute) => sets.list(table, attribute),
        insert: async (_table, _attribute, _label, value) => value ?? nextOption++,
        relabel: async () => undefined,
      },
    };
  }
  return simulated;
}

/** The store as a dry run sees it: every change lands in memory, `commit()` and compactions write nothing. */
function uncommitted(state: StateStore): StateStore {
  return new Proxy(state, {
    get(target, property, receiver) {
      if (property === 'commit') return async () => 0;
      if (property === 'compactIfWorthIt') return async () => false;
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** One simulated world per context: what a dry run "created" for one mapping is there for the next. */
const worlds = new WeakMap<EngineContext, Pick<EngineContext, 'bc' | 'dataverse' | 'state' | 'intents'>>();

export function dryRunContext(ctx: EngineContext): EngineContext {
  let world = worlds.get(ctx);
  if (!world) {
    world = {
      bc: simulatedSide(ctx.bc, ctx.clock),
      dataverse: simulatedSide(ctx.dataverse, ctx.clock),
      state: uncommitted(ctx.state),
      intents: ctx.intents.detached(),
    };
    worlds.set(ctx, world);
  }
  return { ...ctx, ...world };
}
