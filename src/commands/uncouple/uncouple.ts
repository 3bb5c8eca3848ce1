import type { Command } from 'commander';
import { confirmDestructive, type Deps } from '../../deps.js';
import { BcsyncError, UsageError } from '../../errors.js';
import type { RegisterCommand } from '../registry.js';
import type { IntegrationTableMapping } from '../../mapping/index.js';
import { StateStore, SyncLog, type Coupling } from '../../state/index.js';
import { chooseMapping, parseBcRef, parseDataverseId, resolveBcId, type BcRef } from '../couple/records.js';
import { loadProfileMappings, openSession } from '../../app/session.js';

/**
 * `bcsync uncouple`: removes couplings (BC's "Delete Coupling" / "Delete Couplings"), never records. Works on
 * the local state alone, except when a BC record is named by its number or code (then BC is asked for its id).
 */

export interface UncoupleOptions {
  mapping?: string;
  bc?: string;
  dataverse?: string;
  all?: boolean;
  /** Confirms --all without asking. */
  yes?: boolean;
  /** Report what would be removed; change nothing. */
  dryRun?: boolean;
}

export interface UncoupleResult {
  mapping: string;
  /** Couplings removed. */
  removed: number;
  /** The removed coupling (single-record form). */
  coupling?: { bcId: string; dataverseId: string };
  dryRun?: boolean;
}

/** Uncoupling a record that is not coupled: nothing to remove, most likely a wrong id. */
export class NotCoupledError extends BcsyncError {}

function checkFlags(opts: UncoupleOptions): void {
  const given = [opts.bc !== undefined && '--bc', opts.dataverse !== undefined && '--dataverse', opts.all && '--all'].filter(Boolean) as string[];
  if (given.length > 1) {
    throw new UsageError(`${given.join(' and ')} cannot be combined; pass exactly one of --bc ID, --dataverse ID or --all.`);
  }
  if (given.length === 0) {
    throw new UsageError('Missing --bc, --dataverse or --all: which couplings to remove. Pass --bc ID, --dataverse ID or --all.');
  }
}

export async function uncoupleRun(deps: Deps, opts: UncoupleOptions): Promise<UncoupleResult> {
  checkFlags(opts);
  const { profile, mappings } = loadProfileMappings(deps);
  const m: IntegrationTableMapping = await chooseMapping(deps, mappings, opts.mapping, 'to uncouple');
  let bcRef: BcRef | undefined;
  let dataverseId: string | undefined;
  if (opts.bc !== undefined) bcRef = parseBcRef('--bc', opts.bc);
  if (opts.dataverse !== undefined) dataverseId = parseDataverseId('--dataverse', opts.dataverse, m);
  const command = `uncouple --mapping ${m.name}`;

  let state: StateStore;
  let log: SyncLog;
  let close: () => Promise<void>;
  let bcId: string | undefined = bcRef?.kind === 'id' ? bcRef.id : undefined;
  if (bcRef?.kind === 'key') {
    // A number or code: BC knows the id (the state keeps ids only).
    const session = await openSession(deps, command);
    try {
      bcId = await resolveBcId(session.ctx, m, bcRef);
    } catch (error) {
      await session.close();
      throw error;
    }
    state = session.state;
    log = session.log;
    close = () => session.close();
  } else {
    const dir = deps.layout.stateDir(profile.name);
    state = await StateStore.open(dir, { lock: true, clock: deps.clock, command });
    log = new SyncLog(dir, { clock: deps.clock });
    close = () => state.close();
  }
  try {
    let removed = 0;
    let coupling: Coupling | undefined;
    if (opts.dryRun) {
      const found = opts.all ? undefined : bcId !== undefined ? state.byBcId(m.name, bcId) : state.byDataverseId(m.name, dataverseId!);
      if (!opts.all && !found) {
        const which = bcId !== undefined ? `BC record ${opts.bc}` : `Dataverse row ${dataverseId}`;
        throw new NotCoupledError(`${which} is not coupled in ${m.name}; nothing would be removed. Check the id and the mapping (--mapping).`);
      }
      const count = opts.all ? state.counts(m.name).couplings : 1;
      return { mapping: m.name, removed: count, dryRun: true, ...(found ? { coupling: { bcId: found.bcId, dataverseId: found.dataverseId } } : {}) };
    }
    if (opts.all) {
      const count = state.counts(m.name).couplings;
      if (count > 0) await confirmDestructive(deps, opts.yes, `Remove all ${count} couplings of ${m.name} (the records stay; the next full sync has to couple them again)`);
      removed = state.uncoupleAll(m.name);
    } else {
      const ids = bcId !== undefined ? { bcId } : { dataverseId: dataverseId! };
      coupling = state.uncouple(m.name, ids);
      if (!coupling) {
        const which = bcId !== undefined ? `BC record ${opts.bc}` : `Dataverse row ${dataverseId}`;
        throw new NotCoupledError(`${which} is not coupled in ${m.name}; nothing was removed. Check the id and the mapping (--mapping).`);
      }
      removed = 1;
    }
    await state.commit();
    const run = await log.startRun({ mapping: m.name, kind: 'uncoupling' });
    await run.finish({ counts: { uncoupled: removed }, message: opts.all ? `all ${removed} couplings removed` : `${coupling!.bcId} uncoupled from ${coupling!.dataverseId}` });
    return { mapping: m.name, removed, ...(coupling ? { coupling: { bcId: coupling.bcId, dataverseId: coupling.dataverseId } } : {}) };
  } finally {
    await close();
  }
}

export function printUncoupleResult(deps: Deps, result: UncoupleResult): void {
  const out = deps.out;
  if (out.json) {
    out.writeJson({ ok: true, ...result });
    return;
  }
  if (result.coupling) {
    out.table([{ mapping: result.mapping, bcId: result.coupling.bcId, dataverseId: result.coupling.dataverseId, result: result.dryRun ? 'would be uncoupled' : 'uncoupled' }], [
      { key: 'mapping', header: 'Mapping' },
      { key: 'bcId', header: 'BC id' },
      { key: 'dataverseId', header: 'Dataverse id' },
      { key: 'result', header: 'Result' },
    ]);
  } else {
    out.table([{ mapping: result.mapping, removed: result.removed }], [
      { key: 'mapping', header: 'Mapping' },
      { key: 'removed', header: result.dryRun ? 'Couplings that would be removed' : 'Couplings removed', align: 'right' },
    ]);
  }
  out.info(result.dryRun ? 'Dry run: nothing was changed.' : 'Both records are kept; only the coupling is gone.');
}

export const registerUncouple: RegisterCommand = (program: Command, act) => {
  program
    .command('uncouple')
    .description('remove couplings (never records): one BC record, one Dataverse row, or all of a mapping')
    .option('-m, --mapping <name>', 'integration table mapping, e.g. CUSTOMER')
    .option('--bc <id|number|code>', 'uncouple this Business Central record')
    .option('--dataverse <id>', 'uncouple this Dataverse row')
    .option('--all', 'remove every coupling of the mapping (asks first on a terminal)')
    .option('-y, --yes', 'with --all: confirm without asking (scripts)')
    .option('-n, --dry-run', 'report what would be removed; change nothing')
    .addHelpText(
      'after',
      `
Only the local state changes; both records stay as they are. No connection is
needed unless --bc names a record by its number or code. --all asks first on a
terminal; without one it needs --yes.

Examples:
  $ bcsync uncouple --mapping CUSTOMER --bc 10000
  $ bcsync uncouple --mapping CUSTOMER --dataverse <account-id> --json
  $ bcsync uncouple --mapping CONTACT --all --dry-run
  $ bcsync uncouple --mapping CONTACT --all --yes

Exit codes: 0 removed, 1 the record is not coupled or the question was
answered no, 2 usage (also --all without --yes and without a terminal), 5 state
locked or corrupt.`,
    )
    .action((options: UncoupleOptions, cmd: Command) => act(cmd, async (deps) => printUncoupleResult(deps, await uncoupleRun(deps, options))));
};
