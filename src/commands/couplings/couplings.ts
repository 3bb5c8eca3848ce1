/**
 * `bcsync couplings`: the couplings of a mapping as Business Central's coupled-records views show them: the
 * BC record (id and number), the Dataverse row (id and name), when it was last synchronized, and whether it
 * is skipped. Numbers and names are read from both services (by id, a page of ids per request); nothing is
 * written and the state is not locked.
 */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';
import { bcTable, dataverseTable } from '../../engine/tables.js';
import { UsageError } from '../../errors.js';
import type { RegisterCommand } from '../registry.js';
import { findMapping, openReadSession } from '../../app/session.js';

export interface CouplingRow {
  bcId: string;
  bcNumber: string | null;
  dataverseId: string;
  dataverseName: string | null;
  coupledAt: string;
  /** Versions of the last synchronization (ISO), per side. */
  lastSynced: { bc: string | null; dataverse: string | null };
  skipped: boolean;
}

export async function couplingsRun(deps: Deps, opts: { mapping?: string; record?: string }): Promise<{ mapping: string; couplings: CouplingRow[] }> {
  if (!opts.mapping) throw new UsageError('Missing --mapping M: whose couplings to list (see "bcsync mappings list").');
  const s = await openReadSession(deps);
  try {
    const m = findMapping(s.mappings, opts.mapping);
    const wanted = opts.record?.trim().replace(/^\{|\}$/g, '').toLowerCase();
    let couplings = [...s.state.couplings(m.name)];
    const bcTab = bcTable(m);
    const bcLabel = m.bc.naturalKey ?? m.bc.nameField;
    const dvLabel = m.dataverse.nameField;
    const bcRecs = new Map((m.kind === 'option' ? [] : await s.ctx.bc.get(bcTab, couplings.map((c) => c.bcId))).map((r) => [r.id, r]));
    if (wanted !== undefined) {
      couplings = couplings.filter(
        (c) => c.bcId === wanted || c.dataverseId === wanted || String(bcLabel ? (bcRecs.get(c.bcId)?.fields[bcLabel] ?? '') : '').toLowerCase() === wanted,
      );
    }
    const dvRecs = new Map(
      (m.kind === 'option' ? [] : await s.ctx.dataverse.get(dataverseTable(m, s.ctx.dataverseCompanyId), couplings.map((c) => c.dataverseId))).map((r) => [r.id, r]),
    );
    const text = (v: unknown) => (v === undefined || v === null || v === '' ? null : String(v));
    return {
      mapping: m.name,
      couplings: couplings.map((c) => ({
        bcId: c.bcId,
        bcNumber: bcLabel ? text(bcRecs.get(c.bcId)?.fields[bcLabel]) : null,
        dataverseId: c.dataverseId,
        dataverseName: dvLabel ? text(dvRecs.get(c.dataverseId)?.fields[dvLabel]) : null,
        coupledAt: c.coupledAt,
        lastSynced: { bc: c.bcModifiedAt ?? null, dataverse: c.dataverseModifiedAt ?? null },
        skipped: c.skipped,
      })),
    };
  } finally {
    await s.close();
  }
}

export const registerCouplings: RegisterCommand = (program: Command, act) => {
  program
    .command('couplings')
    .description('the couplings of a mapping: BC id and number, Dataverse id and name, last synchronized, skipped')
    .option('-m, --mapping <name>', 'integration table mapping, e.g. CUSTOMER')
    .option('--record <id>', 'only the coupling of this record: BC id, BC number/code or Dataverse id')
    .addHelpText(
      'after',
      `
Reads both services for numbers and names; nothing is written and the state is
not locked. --json prints {mapping, couplings: [{bcId, bcNumber, dataverseId,
dataverseName, coupledAt, lastSynced, skipped}]}.

Examples:
  $ bcsync couplings --mapping CUSTOMER
  $ bcsync couplings --mapping CUSTOMER --record 10000 --json

Exit codes: 0 ok, 1 error, 2 usage, 3 configuration/authentication.`,
    )
    .action((options: { mapping?: string; record?: string }, cmd: Command) =>
      act(cmd, async (deps) => {
        const r = await couplingsRun(deps, options);
        if (deps.out.json) return deps.out.writeJson(r);
        deps.out.table(
          r.couplings.map((c) => ({ ...c, bcNumber: c.bcNumber ?? '', dataverseName: c.dataverseName ?? '', lastBc: c.lastSynced.bc ?? '', lastDv: c.lastSynced.dataverse ?? '', skipped: c.skipped ? 'yes' : '' })),
          [
            { key: 'bcNumber', header: 'BC number' },
            { key: 'bcId', header: 'BC id' },
            { key: 'dataverseName', header: 'Dataverse name' },
            { key: 'dataverseId', header: 'Dataverse id' },
            { key: 'lastBc', header: 'Synced (BC version)' },
            { key: 'lastDv', header: 'Synced (Dataverse version)' },
            { key: 'skipped', header: 'Skipped' },
          ],
        );
        deps.out.info(`${r.couplings.length} coupling(s) of ${r.mapping}.`);
      }),
    );
};
