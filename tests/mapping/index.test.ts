import { describe, expect, test } from '@jest/globals';
import * as mapping from '../../src/mapping/index.js';

describe('public surface of src/mapping', () => {
  test('exports the functions the engine and the mappings command call', () => {
    const names = [
      'defaultMappings', 'dependencyOrder', 'transitiveDependencies', 'planFieldTransfer', 'selectFields',
      'usesEchoSuppression', 'propertiesToRead', 'referencedMappings', 'allowedFieldDirections', 'dataverseReadName',
      'evaluateFilter', 'dataverseFilter', 'applyOverrides', 'resetOverrides', 'mergeOverride', 'mappingWarnings',
      'matchCriteria', 'matchConditions', 'rowMatches', 'describeMapping', 'transformLabel', 'nextSeriesCode',
    ] as const;
    for (const name of names) expect([name, typeof mapping[name]]).toEqual([name, 'function']);
    expect(mapping.mappingOverridesSchema.safeParse({ CUSTOMER: { direction: 'to-dataverse' } }).success).toBe(true);
    expect(mapping.defaultMappings(mapping.defaultIntegrationOptions)).toHaveLength(16);
  });
});
