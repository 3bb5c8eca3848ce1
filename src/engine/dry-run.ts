/**
 * Dry runs in one place: the run is the real one (read, plan, apply, with the same counts, the same failures
 * and the same exit code) against sides whose writes are answered here instead of sent, a state whose changes
 * stay in memory, and intents that never reach the file. Only GET requests leave the machine.
 */
import type { Clock } from '../clock.js';
import type { Side, WriteResult } from '../sides/types.js';
import type { StateStore } from '../state/index.js';
import type { EngineContext } from './context.js';

/** Option values a dry run hands out for options it would add (never sent, never stored). */
const FIRST_SIMULATED_OPTION_VALUE = 990_000_000;

function simulatedSide(side: Side, clock: Clock): Side {
  let nextOption = FIRST_SIMULATED_OPTION_VALUE;
  const simulated: Side = {
    name: side.name,
    limits: side.limits,
    list: (table, query) => side.list(table, query),
    get: (table, ids) => side.get(table, ids),
    count: (table, where) => side.count(table, where),
    stats: () => side.stats(),
    async write(_table, ops): Promise<WriteResult[]> {
      const modifiedAt = new Date(clock.now()).toISOString();
      return ops.map((op) => (op.kind === 'delete' ? { op, ok: true } : { op, ok: true, record: { id: op.id.toLowerCase(), modifiedAt, fields: { ...op.fields } } }));
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

/** The store as a dry run sees it: every change lands in memory, `commit()` writes nothing. */
function uncommitted(state: StateStore): StateStore {
  return new Proxy(state, {
    get(target, property, receiver) {
      if (property === 'commit') return async () => 0;
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export function dryRunContext(ctx: EngineContext): EngineContext {
  return {
    ...ctx,
    bc: simulatedSide(ctx.bc, ctx.clock),
    dataverse: simulatedSide(ctx.dataverse, ctx.clock),
    state: uncommitted(ctx.state),
    intents: ctx.intents.detached(),
  };
}
