import { describe, expect, test } from '@jest/globals';
import { defaultMappings } from '../../src/mapping/defaults/index.js';
import { defaultIntegrationOptions } from '../../src/mapping/integration-options.js';
import { planFieldTransfer, type TransferContext } from '../../src/mapping/transfer.js';

/** Issue 8: without unit groups, ITEM-PRODUCT writes defaultuomid from the unit group coupled to the BC base unit. */

const GROUP = '11111111-0000-0000-0000-000000000001';
const UNIT = '22222222-0000-0000-0000-000000000002';

const itemProduct = defaultMappings({ ...defaultIntegrationOptions, unitGroups: false }).find((m) => m.name === 'ITEM-PRODUCT')!;

function context(baseUnits: Record<string, string>): TransferContext {
  return {
    bcLcyCode: 'USD',
    dataverseBaseCurrencyId: '33333333-0000-0000-0000-000000000003',
    lookupCoupled: (mapping, _direction, value) => (mapping === 'UNIT OF MEASURE' && value === 'PCS' ? GROUP : undefined),
    lookupOption: () => undefined,
    baseUnitOfCoupledGroup: (mapping, code) => (mapping === 'UNIT OF MEASURE' && code === 'PCS' ? baseUnits[GROUP] : undefined),
  };
}

const item = { id: '44444444-0000-0000-0000-000000000004', number: '1000', displayName: 'Desk', baseUnitOfMeasureCode: 'PCS', unitPrice: 1, unitCost: 1, blocked: false };

describe('defaultuomid without unit groups', () => {
  test('an insert binds both the unit group and its base unit', () => {
    const plan = planFieldTransfer(itemProduct, 'to-dataverse', item, undefined, context({ [GROUP]: UNIT }));
    expect(plan.values).toMatchObject({
      'defaultuomscheduleid@odata.bind': `/uomschedules(${GROUP})`,
      'defaultuomid@odata.bind': `/uoms(${UNIT})`,
    });
    expect(plan.errors).toEqual([]);
  });

  test('a unit group without a known base unit is a field error naming what to synchronize, not a silent gap', () => {
    const plan = planFieldTransfer(itemProduct, 'to-dataverse', item, undefined, context({}));
    expect(plan.errors).toEqual([
      { fieldId: 'baseUnitOfGroup', message: 'baseUnitOfMeasureCode: the Dataverse unit group coupled to PCS has no base unit; synchronize UNIT OF MEASURE again.' },
    ]);
  });

  test('with unit groups the ITEM UOM lookup sets defaultuomid and the rule row is absent', () => {
    const withGroups = defaultMappings(defaultIntegrationOptions).find((m) => m.name === 'ITEM-PRODUCT')!;
    expect(withGroups.fields.some((f) => f.transform.kind === 'groupBaseUnit')).toBe(false);
    expect(itemProduct.fields.filter((f) => f.dataverse === 'defaultuomid').map((f) => f.transform.kind)).toEqual(['groupBaseUnit']);
  });
});
