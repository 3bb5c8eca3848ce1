/**
 * What a run of the engine is given (built by the wiring from a profile) and what it is asked to do.
 * The engine's only views of the two systems are the Sides; of the local state, the store and the intents.
 */
import type { Clock } from '../clock.js';
import type { IntegrationTableMapping, PassDirection } from '../mapping/index.js';
import type { Side } from '../sides/types.js';
import type { IntentJournal, StateStore } from '../state/index.js';
import { Lookups } from './lookups.js';

/**
 * `--max-changes` / `--max-deletes` over a whole command run (every mapping it runs): the engine counts the
 * writes it applies in `changes` / `deletes` and stops before a window would go past a maximum.
 */
export interface ChangeBudget {
  maxChanges?: number;
  maxDeletes?: number;
  changes?: number;
  deletes?: number;
}

export interface EngineContext {
  bc: Side;
  dataverse: Side;
  state: StateStore;
  /** Write-ahead intents of creates (in the state directory; in memory for dry runs). */
  intents: IntentJournal;
  clock: Clock;
  /** systemuserid of the integration identity (echo suppression). */
  integrationUserId: string;
  /** Dataverse company row of this BC company (company filter and stamp), when the solution is installed. */
  dataverseCompanyId?: string;
  /** Every mapping of the profile, for lookups into referenced mappings. */
  mappings: readonly IntegrationTableMapping[];
  bcLcyCode: string;
  dataverseBaseCurrencyId: string | undefined;
  exchangeRates?: Map<string, number>;
  dataverseCurrencyPrecision?: number;
  /** Sales & Receivables Setup's write-in item or resource: ITEM-PRODUCT / RESOURCE-PRODUCT never synchronize it (docs/integration.md §8.1). */
  writeInProduct?: { type: 'Item' | 'Resource'; number: string };
  changeBudget?: ChangeBudget;
  signal?: AbortSignal;
  onProgress?: (mapping: string, phase: string, done: number, total: number) => void;
}

export interface SyncOptions {
  /** Run only this pass of a ⇄ mapping. */
  direction?: PassDirection;
  /** Plan and report, write nothing (docs/design.md "dry run"). */
  dryRun?: boolean;
  /**
   * The settling pass of a full sync: only uncoupled records new since the mapping's watermark (records
   * Business Central made itself after the mapping ran) are created on the other side; nothing else is touched.
   */
  settle?: boolean;
  /** Also try again the records that failed in earlier runs (default true). */
  retryFailed?: boolean;
  /** Clear the skipped flags first (BC's Retry All). */
  retrySkipped?: boolean;
  /** Full synchronization: all records in scope, uncoupled ones created, coupled ones brought in line. */
  full?: boolean;
  /** "Synchronize Now" for these records only. */
  records?: { bc?: string[]; dataverse?: string[] };
  /** With `records`: which side is overwritten. */
  overwrite?: 'dataverse' | 'bc';
  /**
   * Records this run leaves alone: match-based coupling found them ambiguous, so a full synchronization
   * must not create a counterpart for them (that is how duplicates are made).
   */
  exclude?: { bc?: readonly string[]; dataverse?: readonly string[] };
  /**
   * What a full sync's review counted: the uncoupled records whose couplings the run makes (room for them is made
   * once, not grown and copied in steps as the run goes), and the creates each side gets from them (a side may hold
   * fewer requests in flight for a run its service will pace anyway: `Side.expectCreates`).
   */
  expected?: { newCouplings: number; creates: { bc: number; dataverse: number } };
}

export function passesOf(m: IntegrationTableMapping, restrict?: PassDirection): PassDirection[] {
  const passes: PassDirection[] = [];
  if (m.direction !== 'from-dataverse' && restrict !== 'from-dataverse') passes.push('to-dataverse');
  if (m.direction !== 'to-dataverse' && restrict !== 'to-dataverse') passes.push('from-dataverse');
  return passes;
}

export function lookupsFor(ctx: EngineContext): Lookups {
  return new Lookups({
    bc: ctx.bc,
    dataverse: ctx.dataverse,
    couplings: ctx.state,
    mappings: ctx.mappings,
    bcLcyCode: ctx.bcLcyCode,
    dataverseBaseCurrencyId: ctx.dataverseBaseCurrencyId,
    exchangeRates: ctx.exchangeRates,
    dataverseCurrencyPrecision: ctx.dataverseCurrencyPrecision,
  });
}
