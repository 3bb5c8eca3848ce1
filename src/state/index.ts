/** Local state of bcsync: couplings, watermarks, failures, lock (store.ts) and the sync log (sync-log.ts). */
export * from './types.js';
export { StateStore, SNAPSHOT_FILE, JOURNAL_FILE, MAX_ERROR_MESSAGE, type StateStoreOptions } from './store.js';
export { CouplingConflictError, CouplingNotFoundError } from './errors.js';
export { STATE_SCHEMA_VERSION, normalizeId, isIsoTime } from './schema.js';
export { LOCK_DIR_NAME, LOCK_OWNER_NAME, DEFAULT_LOCK_STALE_MS, readLockOwner, type LockOwner } from './lock.js';
export { maskSecrets } from './mask.js';
export {
  SyncLog,
  SyncRunWriter,
  SYNC_LOG_FILE,
  SYNC_LOG_PREVIOUS_FILE,
  COUNT_NAMES,
  emptyCounts,
  type SyncCounts,
  type SyncRun,
  type SyncRecordEntry,
  type LoggedRun,
  type RunFilter,
  type RunStart,
  type RunFinish,
  type RunKind,
  type RecordOutcome,
} from './sync-log.js';
export { IntentJournal, readOpenIntents, INTENTS_FILE, type Intent, type IntentRange, type NewIntent } from './intents.js';
export { ENVIRONMENT_FILE, readEnvironmentCache, writeEnvironmentCache } from './environment.js';
export { PROCESS_MARKS_FILE, advanceProcessMark, readProcessMark } from './process-marks.js';
