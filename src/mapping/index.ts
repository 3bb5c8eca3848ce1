/**
 * The mapping layer: integration table mappings as data plus the pure functions the engine and the
 * `mappings` command use. No I/O here.
 */
export type * from './types.js';
export type { IntegrationOptions, OwnershipModel, OrderSyncMode, PricingModel } from './integration-options.js';
export { defaultIntegrationOptions } from './integration-options.js';
export { defaultMappings } from './defaults/index.js';
export { BIDIRECTIONAL_HEADER_PROPERTIES, BIDIRECTIONAL_ORDER_LINE_MAPPING, BIDIRECTIONAL_ORDER_MAPPING } from './defaults/orders-bidirectional.js';
export type { DefaultMappingSettings } from './defaults/index.js';
export { POSTED_INVOICE_LINE_MAPPING, POSTED_INVOICE_MAPPING, POSTED_INVOICE_STATUSES, postedInvoiceMappings } from './defaults/invoices.js';
export { dependencyOrder, transitiveDependencies } from './dependencies.js';
export type { DependencyOrderOptions } from './dependencies.js';
export { EMPTY_GUID, dataverseFilter, evaluateFilter } from './filters.js';
export {
  allowedFieldDirections,
  dataverseReadName,
  isLookupTransform,
  propertiesToRead,
  referencedMappings,
  selectFields,
  usesEchoSuppression,
} from './fields.js';
export { planFieldTransfer } from './transfer.js';
export type { FieldError, ResolvedLookupKey, TransferContext, TransferPlan } from './transfer.js';
export {
  MappingOverrideError,
  applyOverrides,
  fieldOverrideSchema,
  filterConditionSchema,
  mappingOverrideSchema,
  mappingOverridesSchema,
  mappingWarnings,
  mergeOverride,
  resetOverrides,
} from './overrides.js';
export type { FieldOverride, MappingOverride, MappingOverrides } from './overrides.js';
export { matchConditions, matchCriteria, rowMatches } from './match-criteria.js';
export type { MatchCondition, MatchCriterion, MatchGroup } from './match-criteria.js';
export { describeMapping, transformLabel } from './describe.js';
export type { FieldDescription, MappingDescription } from './describe.js';
export { nextSeriesCode } from './series.js';
