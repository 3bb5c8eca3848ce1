import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Shipment methods (SHIPMENT METHOD option mapping). */
export const shipmentMethods = defineResource({
  entitySet: 'shipmentMethods',
  columns: {
    code: col.text(),
    displayName: col.text(),
  },
  alwaysPresent: ['code', 'lastModifiedDateTime'],
});

export type ShipmentMethodsRow = BcRow<typeof shipmentMethods>;
