/**
 * The local state of one profile: couplings (docs/integration.md §3), per-mapping watermarks (§5.1)
 * and failure bookkeeping (§5.6). Structurally compatible with the mapping layer's `PassDirection`.
 */

/** Which system a value belongs to. */
export type SideName = 'bc' | 'dataverse';

/** One synchronization pass: BC→Dataverse or Dataverse→BC. */
export type SyncDirection = 'to-dataverse' | 'from-dataverse';

export type SyncResult = 'success' | 'failure';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** The newest error of one direction: what the auto-skip rule compares. */
export interface RecordError {
  message: string;
  /** ISO time of the failed attempt. */
  at: string;
}

/**
 * A coupling: one BC record and one Dataverse row of the same integration table mapping.
 * Objects handed out are never changed in place; every change replaces the object.
 */
export interface Coupling {
  /** Integration table mapping name, e.g. `CUSTOMER`. */
  readonly mapping: string;
  /** BC record `id` (SystemId). GUIDs are kept lower-case without braces. */
  readonly bcId: string;
  /** Dataverse row id. */
  readonly dataverseId: string;
  /** When the coupling was made (ISO). */
  readonly coupledAt: string;
  /** BC `lastModifiedDateTime` as of the last successful sync, in either direction (only moves forward). */
  readonly bcModifiedAt: string | undefined;
  /** Dataverse `modifiedon` as of the last successful sync (only moves forward). */
  readonly dataverseModifiedAt: string | undefined;
  /** Result of the last BC→Dataverse write ("Last Synch. CRM Result"). */
  readonly lastResultToDataverse: SyncResult | undefined;
  /** Result of the last Dataverse→BC write ("Last Synch. Result"). */
  readonly lastResultToBc: SyncResult | undefined;
  /** Newest error of the BC→Dataverse direction, while that direction is failing. */
  readonly lastErrorToDataverse: RecordError | undefined;
  /** Newest error of the Dataverse→BC direction, while that direction is failing. */
  readonly lastErrorToBc: RecordError | undefined;
  /** Excluded from every sync until retried (`sync --retry-skipped`). */
  readonly skipped: boolean;
  /** Failed attempts since the coupling last had no failing direction. */
  readonly failureCount: number;
  /** Small flags of later business processes (statistics uploaded, archived order, ...). */
  readonly extra: Readonly<Record<string, JsonValue>> | undefined;
}

/**
 * A record that failed while still uncoupled (typically its insert in the destination). BC keeps no trace
 * of those; bcsync does, so the record is retried next run even though the watermark has passed it, and
 * the auto-skip rule applies to it as well.
 */
export interface UncoupledFailure {
  readonly mapping: string;
  readonly direction: SyncDirection;
  /** Id of the source record: a BC id for to-dataverse, a Dataverse id for from-dataverse. */
  readonly sourceId: string;
  readonly skipped: boolean;
  readonly failureCount: number;
  readonly lastError: RecordError;
  /** First failure of the current streak (ISO). */
  readonly firstFailedAt: string;
}

/** A failed or skipped record in one direction, coupled or not. */
export interface FailedRecord {
  mapping: string;
  direction: SyncDirection;
  bcId: string | undefined;
  dataverseId: string | undefined;
  coupled: boolean;
  skipped: boolean;
  failureCount: number;
  message: string;
  at: string;
}

/** High-water marks of the change selection of one mapping (docs/integration.md §5.1): ISO times, each only moves forward. */
export interface Watermarks {
  bc?: string;
  dataverse?: string;
}

/** Identifies a record by either or both ids. */
export interface RecordIds {
  bcId?: string;
  dataverseId?: string;
}

export interface CoupleInput {
  mapping: string;
  bcId: string;
  dataverseId: string;
  /** BC modified time right after the write that made the pair equal (for echo suppression). */
  bcModifiedAt?: string;
  dataverseModifiedAt?: string;
  /** The direction whose write created the pair; recorded as its success. */
  syncedDirection?: SyncDirection;
  extra?: Record<string, JsonValue>;
}

export interface CoupleOptions {
  /**
   * Replace existing couplings of either record in this mapping instead of refusing (the replaced
   * couplings are returned). Without it, coupling an already coupled record throws CouplingConflictError.
   */
  replace?: boolean;
}

export interface CoupleResult {
  coupling: Coupling;
  /** True when the same pair was already coupled (nothing changed). */
  existed: boolean;
  /** Couplings removed because of `replace: true`. */
  replaced: Coupling[];
}

/** Changes to a coupling. Timestamps only move forward; `extra` is merged key by key (undefined deletes). */
export interface CouplingPatch {
  bcModifiedAt?: string;
  dataverseModifiedAt?: string;
  lastResultToDataverse?: SyncResult;
  lastResultToBc?: SyncResult;
  skipped?: boolean;
  failureCount?: number;
  extra?: Record<string, JsonValue | undefined>;
}

export interface FailureOutcome {
  /** The auto-skip rule fired: count the record as Skipped, not Failed. */
  skipped: boolean;
  /** The failure was recorded on a coupling (false: as an uncoupled failure). */
  coupled: boolean;
  failureCount: number;
}

export interface MappingCounts {
  couplings: number;
  /** Couplings or uncoupled records with a failing direction that are not skipped. */
  failed: number;
  skipped: number;
  /** Of the above, records that are not coupled. */
  uncoupledFailures: number;
}

/** The read side the planner needs (pure lookups, O(1)). */
export interface CouplingLookup {
  byBcId(mapping: string, bcId: string): Coupling | undefined;
  byDataverseId(mapping: string, dataverseId: string): Coupling | undefined;
}
