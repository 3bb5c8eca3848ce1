import { z } from 'zod';
import type { Coupling, JsonValue, RecordError, UncoupledFailure } from './types.js';

/**
 * The on-disk shapes (validated with zod when read: the state file is a boundary a person may edit)
 * and the canonical in-memory objects built from them. See README.md in this folder for the format.
 */

/**
 * Bump when the file format changes; a newer bcsync must compact on first open after migrating.
 * 1: every coupling in couplings.json, one object per line. 2: couplings in one file per mapping, one row per line.
 */
export const STATE_SCHEMA_VERSION = 2;
export const STATE_FORMAT = 'bcsync-state';
/** The `format` of a mapping's couplings file (schema 2). */
export const COUPLINGS_FORMAT = 'bcsync-couplings';

// Ranges checked here, so no Date.parse per value (millions of values are checked on load).
const ISO_TIME =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

export function isIsoTime(value: string): boolean {
  return ISO_TIME.test(value);
}

const GUID = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/;
const NOT_NORMAL = /[A-F{}]/;

/** GUIDs compare case-insensitively in both systems; keep one spelling so Map lookups match. */
export function normalizeId(id: string): string {
  if (!NOT_NORMAL.test(id)) return id; // already lower-case without braces (nearly always)
  const m = GUID.exec(id);
  return m ? m[1]!.toLowerCase() : id;
}

const isoTime = z.string().refine(isIsoTime, { message: 'expected an ISO 8601 date-time like 2026-01-31T12:00:00Z' });
const direction = z.enum(['to-dataverse', 'from-dataverse']);
const syncResult = z.enum(['success', 'failure']);
const recordError = z.object({ message: z.string(), at: isoTime }).strict();
const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

const MAX_ID = 400;
const MAX_MAPPING = 200;
const id = z.string().min(1).max(MAX_ID);
const mappingName = z.string().min(1).max(MAX_MAPPING);
export const couplingSchema = z
  .object({
    mapping: mappingName,
    bcId: id,
    dataverseId: id,
    coupledAt: isoTime,
    bcModifiedAt: isoTime.optional(),
    dataverseModifiedAt: isoTime.optional(),
    lastResultToDataverse: syncResult.optional(),
    lastResultToBc: syncResult.optional(),
    lastErrorToDataverse: recordError.optional(),
    lastErrorToBc: recordError.optional(),
    skipped: z.boolean().default(false),
    failureCount: z.number().int().nonnegative().default(0),
    extra: z.record(z.string(), jsonValue).optional(),
  })
  .strict();
export type CouplingLine = z.infer<typeof couplingSchema>;

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

/** What makeCoupling accepts: a coupling line whose defaults may still be missing. */
export type CouplingFields = Omit<CouplingLine, 'skipped' | 'failureCount'> & { skipped?: boolean; failureCount?: number };

const PLAIN_COUPLING_KEYS = new Set([
  'mapping',
  'bcId',
  'dataverseId',
  'coupledAt',
  'bcModifiedAt',
  'dataverseModifiedAt',
  'lastResultToDataverse',
  'lastResultToBc',
  'skipped',
  'failureCount',
]);

const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;
const isTime = (v: unknown): boolean => typeof v === 'string' && ISO_TIME.test(v);
const isResult = (v: unknown): boolean => v === undefined || v === 'success' || v === 'failure';

/**
 * The common shape (no errors, no extra) checked by hand: a million lines through zod costs seconds on
 * load. Anything else, including every invalid line, goes through the zod schema, which also explains
 * what is wrong. It accepts a subset of what the schema accepts (tests/state check both agree).
 */
function plainCoupling(v: unknown): CouplingFields | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  for (const k in o) if (!PLAIN_COUPLING_KEYS.has(k)) return undefined;
  if (!isText(o.mapping, MAX_MAPPING) || !isText(o.bcId, MAX_ID) || !isText(o.dataverseId, MAX_ID) || !isTime(o.coupledAt)) {
    return undefined;
  }
  if ((o.bcModifiedAt !== undefined && !isTime(o.bcModifiedAt)) || (o.dataverseModifiedAt !== undefined && !isTime(o.dataverseModifiedAt))) {
    return undefined;
  }
  if (!isResult(o.lastResultToDataverse) || !isResult(o.lastResultToBc)) return undefined;
  if (o.skipped !== undefined && typeof o.skipped !== 'boolean') return undefined;
  if (o.failureCount !== undefined && !(Number.isInteger(o.failureCount) && (o.failureCount as number) >= 0)) return undefined;
  return o as unknown as CouplingFields;
}

export function parseCoupling(v: unknown): Parsed<CouplingFields> {
  const plain = plainCoupling(v);
  if (plain) return { ok: true, value: plain };
  const parsed = couplingSchema.safeParse(v);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problem: describeZodError(parsed.error) };
}

export const uncoupledFailureSchema = z
  .object({
    mapping: mappingName,
    direction,
    sourceId: id,
    skipped: z.boolean().default(false),
    failureCount: z.number().int().positive(),
    lastError: recordError,
    firstFailedAt: isoTime,
  })
  .strict();

export const watermarksSchema = z.record(
  mappingName,
  z.object({ bc: isoTime.optional(), dataverse: isoTime.optional() }).strict(),
);

/** Only what is needed to decide whether this version can read the file at all. */
export const versionProbeSchema = z.object({ format: z.literal(STATE_FORMAT), schemaVersion: z.number().int().positive() });

const headerFields = {
  format: z.literal(STATE_FORMAT),
  savedAt: isoTime,
  /** Sequence number of the last journal entry contained in this snapshot. */
  journalSeq: z.number().int().nonnegative(),
  watermarks: watermarksSchema,
};

/** Schema 1 (read to migrate): the couplings follow in the same file. */
export const snapshotHeaderSchemaV1 = z.object({ ...headerFields, schemaVersion: z.literal(1) }).strict();

/** A file name inside the state directory's `couplings/` folder (never a path elsewhere). */
const mappingFileName = z.string().regex(/^couplings\/[^/\\]+\.json$/, { message: 'expected couplings/<file>.json' });

export const snapshotHeaderSchema = z
  .object({
    ...headerFields,
    schemaVersion: z.literal(STATE_SCHEMA_VERSION),
    /** Per mapping: the file holding its couplings and how many it holds. */
    mappings: z.record(mappingName, z.object({ file: mappingFileName, couplings: z.number().int().nonnegative() }).strict()),
  })
  .strict();
export type SnapshotHeader = z.infer<typeof snapshotHeaderSchema> | z.infer<typeof snapshotHeaderSchemaV1>;

/** The whole snapshot as one JSON document: the fallback for a file a person re-formatted. */
export const snapshotDocumentSchemaV1 = snapshotHeaderSchemaV1.extend({
  couplings: z.array(z.unknown()),
  uncoupledFailures: z.array(z.unknown()),
});
export const snapshotDocumentSchema = snapshotHeaderSchema.extend({ uncoupledFailures: z.array(z.unknown()) });

/** The first line of a mapping's couplings file. */
export const COUPLING_COLUMNS = ['bcId', 'dataverseId', 'coupledAt', 'bcModifiedAt', 'dataverseModifiedAt', 'results', 'more'] as const;
export const couplingsFileHeaderSchema = z
  .object({
    format: z.literal(COUPLINGS_FORMAT),
    schemaVersion: z.literal(STATE_SCHEMA_VERSION),
    mapping: mappingName,
    columns: z.tuple(COUPLING_COLUMNS.map((c) => z.literal(c)) as unknown as [z.ZodLiteral<string>]),
    count: z.number().int().nonnegative(),
  })
  .strict();

/** The 7th column of a row: whatever a coupling holds beyond the common case (absent when nothing). */
export const couplingMoreSchema = z
  .object({
    skipped: z.boolean().optional(),
    failureCount: z.number().int().nonnegative().optional(),
    lastErrorToDataverse: recordError.optional(),
    lastErrorToBc: recordError.optional(),
    extra: z.record(z.string(), jsonValue).optional(),
  })
  .strict();
export type CouplingMore = z.infer<typeof couplingMoreSchema>;

const RESULT_OF: Record<string, 'success' | 'failure' | undefined> = { s: 'success', f: 'failure', '-': undefined };

/** A coupling from a row's columns, already checked by `rowProblem` (ids normalized, times as written). */
export function couplingFromRow(mapping: string, cols: readonly string[], more: CouplingMore | undefined): Coupling {
  const [bcId, dataverseId, coupledAt, bcModifiedAt, dataverseModifiedAt, results] = cols as [string, string, string, string, string, string];
  return makeCoupling({
    mapping,
    bcId: normalizeId(bcId),
    dataverseId: normalizeId(dataverseId),
    coupledAt,
    bcModifiedAt: bcModifiedAt === '' ? undefined : bcModifiedAt,
    dataverseModifiedAt: dataverseModifiedAt === '' ? undefined : dataverseModifiedAt,
    lastResultToDataverse: RESULT_OF[results[0]!],
    lastResultToBc: RESULT_OF[results[1]!],
    lastErrorToDataverse: more?.lastErrorToDataverse,
    lastErrorToBc: more?.lastErrorToBc,
    skipped: more?.skipped,
    failureCount: more?.failureCount,
    extra: more?.extra,
  });
}

let lastCheckedTime = '';

/**
 * What is wrong with a row already split into its columns, or undefined. Times are validated (a person may
 * edit the file); `more` is validated by the caller.
 */
export function rowProblem(bcId: string, dataverseId: string, coupledAt: string, bcModifiedAt: string, dataverseModifiedAt: string, results: string): string | undefined {
  if (bcId.length === 0 || bcId.length > MAX_ID) return 'bcId: expected a non-empty id of at most 400 characters';
  if (dataverseId.length === 0 || dataverseId.length > MAX_ID) return 'dataverseId: expected a non-empty id of at most 400 characters';
  if (coupledAt !== lastCheckedTime) {
    if (!isTime(coupledAt)) return 'coupledAt: expected an ISO 8601 date-time like 2026-01-31T12:00:00Z';
    lastCheckedTime = coupledAt;
  }
  if (bcModifiedAt !== '' && !isTime(bcModifiedAt)) return 'bcModifiedAt: expected an ISO 8601 date-time or ""';
  if (dataverseModifiedAt !== '' && !isTime(dataverseModifiedAt)) return 'dataverseModifiedAt: expected an ISO 8601 date-time or ""';
  if (results.length !== 2 || !(results[0]! in RESULT_OF) || !(results[1]! in RESULT_OF)) {
    return 'results: expected two of s (success), f (failure) or - (none), for to-Dataverse then to-BC';
  }
  return undefined;
}

const seq = z.number().int().positive();
export const journalEntrySchema = z.discriminatedUnion('op', [
  z.object({ seq, op: z.literal('put'), coupling: z.unknown() }).strict(),
  z.object({ seq, op: z.literal('delete'), mapping: mappingName, bcId: id }).strict(),
  z.object({ seq, op: z.literal('clearCouplings'), mapping: mappingName }).strict(),
  z.object({ seq, op: z.literal('watermark'), mapping: mappingName, side: z.enum(['bc', 'dataverse']), at: isoTime.nullable() }).strict(),
  z.object({ seq, op: z.literal('putFailure'), failure: z.unknown() }).strict(),
  z.object({ seq, op: z.literal('deleteFailure'), mapping: mappingName, direction, sourceId: id }).strict(),
  z.object({ seq, op: z.literal('commit'), at: isoTime, changes: z.number().int().nonnegative() }).strict(),
]);
export type JournalEntry = z.infer<typeof journalEntrySchema>;

/**
 * Builds the canonical coupling object. Every coupling has the same keys in the same order, so V8 gives
 * them one shape (less memory at a million) and JSON.stringify writes them in a stable, diffable order.
 */
export function makeCoupling(c: {
  mapping: string;
  bcId: string;
  dataverseId: string;
  coupledAt: string;
  bcModifiedAt?: string | undefined;
  dataverseModifiedAt?: string | undefined;
  lastResultToDataverse?: 'success' | 'failure' | undefined;
  lastResultToBc?: 'success' | 'failure' | undefined;
  lastErrorToDataverse?: RecordError | undefined;
  lastErrorToBc?: RecordError | undefined;
  skipped?: boolean | undefined;
  failureCount?: number | undefined;
  extra?: Readonly<Record<string, JsonValue>> | undefined;
}): Coupling {
  return {
    mapping: c.mapping,
    bcId: c.bcId,
    dataverseId: c.dataverseId,
    coupledAt: c.coupledAt,
    bcModifiedAt: c.bcModifiedAt,
    dataverseModifiedAt: c.dataverseModifiedAt,
    lastResultToDataverse: c.lastResultToDataverse,
    lastResultToBc: c.lastResultToBc,
    lastErrorToDataverse: c.lastErrorToDataverse,
    lastErrorToBc: c.lastErrorToBc,
    skipped: c.skipped ?? false,
    failureCount: c.failureCount ?? 0,
    extra: c.extra !== undefined && Object.keys(c.extra).length > 0 ? c.extra : undefined,
  };
}

export function makeUncoupledFailure(f: {
  mapping: string;
  direction: 'to-dataverse' | 'from-dataverse';
  sourceId: string;
  skipped?: boolean | undefined;
  failureCount: number;
  lastError: RecordError;
  firstFailedAt: string;
}): UncoupledFailure {
  return {
    mapping: f.mapping,
    direction: f.direction,
    sourceId: f.sourceId,
    skipped: f.skipped ?? false,
    failureCount: f.failureCount,
    lastError: f.lastError,
    firstFailedAt: f.firstFailedAt,
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** What a change may touch: everything but the identity of the coupling. */
export type CouplingChanges = Partial<Omit<Mutable<Coupling>, 'mapping' | 'bcId' | 'dataverseId' | 'coupledAt'>>;

/** A copy of `c` with `changes` applied (a key present with `undefined` clears that field). No spread: this is hot. */
export function withChanges(c: Coupling, changes: CouplingChanges): Coupling {
  const has = (k: keyof CouplingChanges): boolean => k in changes;
  return {
    mapping: c.mapping,
    bcId: c.bcId,
    dataverseId: c.dataverseId,
    coupledAt: c.coupledAt,
    bcModifiedAt: has('bcModifiedAt') ? changes.bcModifiedAt : c.bcModifiedAt,
    dataverseModifiedAt: has('dataverseModifiedAt') ? changes.dataverseModifiedAt : c.dataverseModifiedAt,
    lastResultToDataverse: has('lastResultToDataverse') ? changes.lastResultToDataverse : c.lastResultToDataverse,
    lastResultToBc: has('lastResultToBc') ? changes.lastResultToBc : c.lastResultToBc,
    lastErrorToDataverse: has('lastErrorToDataverse') ? changes.lastErrorToDataverse : c.lastErrorToDataverse,
    lastErrorToBc: has('lastErrorToBc') ? changes.lastErrorToBc : c.lastErrorToBc,
    skipped: changes.skipped ?? c.skipped,
    failureCount: changes.failureCount ?? c.failureCount,
    extra: has('extra') ? (changes.extra !== undefined && Object.keys(changes.extra).length > 0 ? changes.extra : undefined) : c.extra,
  };
}

let lastCoupledAt = '';

/** The canonical coupling for a line read from disk (ids normalized, the mapping's shared name string). */
export function couplingFromLine(c: CouplingFields, mapping: string): Coupling {
  return {
    mapping,
    bcId: normalizeId(c.bcId),
    dataverseId: normalizeId(c.dataverseId),
    // Couplings made in one batch share their time: keep one copy of the string.
    coupledAt: c.coupledAt === lastCoupledAt ? lastCoupledAt : (lastCoupledAt = c.coupledAt),
    bcModifiedAt: c.bcModifiedAt,
    dataverseModifiedAt: c.dataverseModifiedAt,
    lastResultToDataverse: c.lastResultToDataverse,
    lastResultToBc: c.lastResultToBc,
    lastErrorToDataverse: c.lastErrorToDataverse,
    lastErrorToBc: c.lastErrorToBc,
    skipped: c.skipped ?? false,
    failureCount: c.failureCount ?? 0,
    extra: c.extra !== undefined && Object.keys(c.extra).length > 0 ? c.extra : undefined,
  };
}

/** Journal lines: the two frequent kinds (put, commit) checked by hand, the rest and every bad line by zod. */
export function parseJournalEntry(v: unknown): Parsed<JournalEntry> {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const seqOk = Number.isInteger(o.seq) && (o.seq as number) > 0;
    if (seqOk && o.op === 'put' && Object.keys(o).length === 3 && 'coupling' in o) return { ok: true, value: o as JournalEntry };
    if (
      seqOk &&
      o.op === 'commit' &&
      Object.keys(o).length === 4 &&
      isTime(o.at) &&
      Number.isInteger(o.changes) &&
      (o.changes as number) >= 0
    ) {
      return { ok: true, value: o as JournalEntry };
    }
  }
  const parsed = journalEntrySchema.safeParse(v);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problem: describeZodError(parsed.error) };
}

/** Formats the first zod issue as "path: message" for error messages. */
export function describeZodError(err: z.ZodError): string {
  const issue = err.issues[0];
  if (!issue) return 'invalid value';
  const where = issue.path.length > 0 ? issue.path.join('.') : 'value';
  return `${where}: ${issue.message}`;
}
