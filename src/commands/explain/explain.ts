/**
 * `bcsync explain`: why a record did or did not synchronize, in the order a person checks it: does it exist
 * and pass each side's table filter, is it coupled and to what, what changed since the last synchronization
 * and who changed it (an echo of the integration user is never sent back), its last error and skip state,
 * records it refers to that are not coupled, and the command that would fix it. Reads only.
 */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';
import { isGuid } from '../../engine/ids.js';
import { bcTable, dataverseTable } from '../../engine/tables.js';
import { UsageError } from '../../errors.js';
import type { IntegrationTableMapping } from '../../mapping/index.js';
import type { Rec } from '../../sides/types.js';
import type { Coupling } from '../../state/index.js';
import { missingDependencies, parseBcRef, resolveBcId, type MissingDependency } from '../couple/records.js';
import type { RegisterCommand } from '../registry.js';
import { findMapping, openReadSession, type ReadSession } from '../../app/session.js';

export interface SideFacts {
  id: string;
  /** The record exists on this side. */
  exists: boolean;
  /** It passes this side's table filter (BC Table Filter / Integration Table Filter with the company filter). */
  inFilter: boolean;
  /** Number or code (BC) / primary name (Dataverse), when the mapping has one. */
  label?: string;
  modifiedAt?: string;
  /** Dataverse: who changed it last. */
  modifiedBy?: string;
  /** Dataverse: the last change was the integration user's own write, which is never synchronized back. */
  echo?: boolean;
  /** Modified after the version last synchronized (coupled records). */
  changedSinceSync?: boolean;
}

export interface ExplainDocument {
  mapping: string;
  record: string;
  bc: SideFacts | null;
  dataverse: SideFacts | null;
  coupling: {
    bcId: string;
    dataverseId: string;
    coupledAt: string;
    /** The versions the last synchronization wrote or read. */
    lastSynced: { bc: string | null; dataverse: string | null };
    lastResult: { toDataverse: string | null; toBc: string | null };
  } | null;
  skipped: boolean;
  failed: boolean;
  lastError: { direction: string; message: string; at: string } | null;
  /** Referenced records that are not coupled (a lookup would fail). */
  unmetDependencies: MissingDependency[];
  /** Why, one finding a line. */
  reasons: string[];
  /** The command that would fix it, when one would. */
  fix: string | null;
}

function labelOf(rec: Rec | undefined, field: string | undefined): string | undefined {
  const value = rec && field ? rec.fields[field] : undefined;
  return value === undefined || value === null || value === '' ? undefined : String(value);
}

async function facts(side: 'bc' | 'dataverse', s: ReadSession, m: IntegrationTableMapping, id: string | undefined, c: Coupling | undefined): Promise<{ facts: SideFacts | null; rec?: Rec }> {
  if (!id) return { facts: null };
  const table = side === 'bc' ? bcTable(m) : dataverseTable(m, s.ctx.dataverseCompanyId);
  const api = side === 'bc' ? s.ctx.bc : s.ctx.dataverse;
  const [rec] = await api.get(table, [id]);
  if (!rec) return { facts: { id, exists: false, inFilter: false } };
  const inFilter = (await api.count(table, [{ field: table.key, op: 'eq', value: id }])) > 0;
  const synced = side === 'bc' ? c?.bcModifiedAt : c?.dataverseModifiedAt;
  const f: SideFacts = {
    id,
    exists: true,
    inFilter,
    ...(labelOf(rec, side === 'bc' ? (m.bc.naturalKey ?? m.bc.nameField) : m.dataverse.nameField) ? { label: labelOf(rec, side === 'bc' ? (m.bc.naturalKey ?? m.bc.nameField) : m.dataverse.nameField) } : {}),
    modifiedAt: rec.modifiedAt,
  };
  if (side === 'dataverse' && rec.modifiedBy) {
    f.modifiedBy = rec.modifiedBy;
    f.echo = rec.modifiedBy.toLowerCase() === s.ctx.integrationUserId.toLowerCase();
  }
  if (c) f.changedSinceSync = synced === undefined || Date.parse(rec.modifiedAt) > Date.parse(synced);
  return { facts: f, rec };
}

export async function explainRun(deps: Deps, opts: { mapping?: string; record?: string }): Promise<ExplainDocument> {
  if (!opts.mapping) throw new UsageError('Missing --mapping M: the mapping of the record to explain (see "bcsync mappings list").');
  if (!opts.record) throw new UsageError('Missing --record ID|NUMBER: the record to explain (BC id, BC number/code or Dataverse id).');
  const s = await openReadSession(deps);
  try {
    const m = findMapping(s.mappings, opts.mapping);
    const text = opts.record.trim().replace(/^\{|\}$/g, '');
    let bcId: string | undefined;
    let dataverseId: string | undefined;
    let c: Coupling | undefined;
    if (isGuid(text)) {
      const id = text.toLowerCase();
      c = s.state.byBcId(m.name, id) ?? s.state.byDataverseId(m.name, id);
      if (c) ({ bcId, dataverseId } = c);
      else if ((await s.ctx.bc.get(bcTable(m), [id])).length) bcId = id;
      else dataverseId = id;
    } else {
      bcId = await resolveBcId(s.ctx, m, parseBcRef('--record', text), '--record');
      c = s.state.byBcId(m.name, bcId);
      dataverseId = c?.dataverseId;
    }
    const bc = await facts('bc', s, m, bcId, c);
    const dv = await facts('dataverse', s, m, dataverseId, c);
    const failures = s.state.failures(m.name).filter((f) => (bcId && f.bcId === bcId) || (dataverseId && f.dataverseId === dataverseId));
    const last = [...failures].sort((a, b) => b.at.localeCompare(a.at))[0];
    const skipped = failures.some((f) => f.skipped);
    const unmet: MissingDependency[] = [];
    if (bc.rec && m.direction !== 'from-dataverse') unmet.push(...(await missingDependencies(s.ctx, m, 'to-dataverse', bc.rec)));
    if (dv.rec && m.direction !== 'to-dataverse') unmet.push(...(await missingDependencies(s.ctx, m, 'from-dataverse', dv.rec)));

    const reasons: string[] = [];
    let fix: string | null = null;
    const ref = bc.facts?.label ?? bcId ?? dataverseId!;
    if (!bc.facts?.exists && !dv.facts?.exists) {
      reasons.push(`No ${m.name} record ${opts.record} exists in Business Central or Dataverse.`);
    }
    if (bc.facts?.exists && !bc.facts.inFilter) reasons.push(`The BC record is outside ${m.name}'s table filter, so no run reads it.`);
    if (dv.facts?.exists && !dv.facts.inFilter) reasons.push(`The Dataverse row is outside ${m.name}'s integration table filter (or belongs to another company), so no run reads it.`);
    if (unmet.length) {
      reasons.push(`It refers to records that are not coupled: ${unmet.map((d) => `${d.mapping} ${d.value} (${d.field})`).join(', ')}; its synchronization fails until they are.`);
      fix = `bcsync sync --mapping ${unmet[0]!.mapping}`;
    }
    if (skipped) {
      reasons.push(`It is skipped: it failed ${last?.failureCount ?? 2} times with the same error, and every run leaves it out until it is retried.`);
      fix ??= `bcsync retry --mapping ${m.name} --record ${ref}`;
    } else if (last) {
      reasons.push(`Its last synchronization ${last.direction} failed; the next run tries again.`);
    }
    if (!c && (bc.facts?.exists || dv.facts?.exists)) {
      if (m.synchOnlyCoupledRecords) {
        reasons.push(`It is not coupled, and ${m.name} synchronizes only coupled records.`);
        fix ??= bc.facts?.exists ? `bcsync couple --mapping ${m.name} --bc ${ref} --create-in dataverse` : `bcsync couple --mapping ${m.name} --dataverse ${dataverseId} --create-in bc`;
      } else {
        reasons.push('It is not coupled yet; the next run of the mapping creates its counterpart (or "bcsync couple" couples it to an existing one).');
        fix ??= `bcsync sync --mapping ${m.name}`;
      }
    }
    if (c) {
      if (dv.facts?.echo && !bc.facts?.changedSinceSync) {
        reasons.push("The last Dataverse change was bcsync's own write (the integration user's echo), so it is not synchronized back.");
      }
      const changed = [bc.facts?.changedSinceSync && 'BC', dv.facts?.changedSinceSync && !dv.facts.echo && 'Dataverse'].filter(Boolean);
      if (changed.length) {
        reasons.push(`Changed in ${changed.join(' and ')} since the last synchronization; the next run of ${m.name} carries it.`);
        fix ??= `bcsync sync --mapping ${m.name}`;
      } else if (!skipped && !last) {
        reasons.push('Nothing changed on either side since the last synchronization: both sides are in step.');
        fix ??= `bcsync sync --mapping ${m.name} --record ${ref} --overwrite dataverse`;
      }
    }
    return {
      mapping: m.name,
      record: opts.record,
      bc: bc.facts,
      dataverse: dv.facts,
      coupling: c
        ? {
            bcId: c.bcId,
            dataverseId: c.dataverseId,
            coupledAt: c.coupledAt,
            lastSynced: { bc: c.bcModifiedAt ?? null, dataverse: c.dataverseModifiedAt ?? null },
            lastResult: { toDataverse: c.lastResultToDataverse ?? null, toBc: c.lastResultToBc ?? null },
          }
        : null,
      skipped,
      failed: failures.some((f) => !f.skipped),
      lastError: last ? { direction: last.direction, message: last.message || 'no error text was recorded', at: last.at } : null,
      unmetDependencies: unmet,
      reasons,
      fix,
    };
  } finally {
    await s.close();
  }
}

export function printExplain(deps: Deps, d: ExplainDocument): void {
  const out = deps.out;
  if (out.json) return out.writeJson(d);
  const side = (name: string, f: SideFacts | null) =>
    !f
      ? `${name}: not coupled to anything there`
      : !f.exists
        ? `${name}: ${f.id} does not exist`
        : `${name}: ${f.label ? `${f.label} ` : ''}(${f.id}), ${f.inFilter ? 'in' : 'OUT OF'} the table filter, modified ${f.modifiedAt}${f.modifiedBy ? ` by ${f.modifiedBy}${f.echo ? ' (the integration user: an echo)' : ''}` : ''}`;
  out.line(`${d.mapping} ${d.record}`);
  out.line(`  ${side('Business Central', d.bc)}`);
  out.line(`  ${side('Dataverse', d.dataverse)}`);
  out.line(d.coupling ? `  Coupled since ${d.coupling.coupledAt}; last synchronized versions: BC ${d.coupling.lastSynced.bc ?? '-'}, Dataverse ${d.coupling.lastSynced.dataverse ?? '-'}` : '  Not coupled');
  if (d.lastError) out.line(`  Last error (${d.lastError.direction}, ${d.lastError.at}): ${d.lastError.message}${d.skipped ? ' [skipped]' : ''}`);
  out.line('');
  for (const r of d.reasons) out.line(`- ${r}`);
  if (d.fix) out.line(`\nTo fix: ${d.fix}`);
}

export const registerExplain: RegisterCommand = (program: Command, act) => {
  program
    .command('explain')
    .description('why a record did or did not synchronize: filters, coupling, changes and echoes, errors, unmet dependencies, the fix')
    .option('-m, --mapping <name>', 'integration table mapping of the record, e.g. CUSTOMER')
    .option('--record <id>', 'the record: BC id, BC number/code, or Dataverse id')
    .addHelpText(
      'after',
      `
Reads both services and the state (no lock, nothing written). --json prints
{mapping, record, bc, dataverse, coupling, skipped, failed, lastError,
unmetDependencies, reasons, fix}.

Examples:
  $ bcsync explain --mapping CUSTOMER --record 10000
  $ bcsync explain --mapping CUSTOMER --record <account-id> --json

Exit codes: 0 ok, 1 error, 2 usage, 3 configuration/authentication.`,
    )
    .action((options: { mapping?: string; record?: string }, cmd: Command) => act(cmd, async (deps) => printExplain(deps, await explainRun(deps, options))));
};
