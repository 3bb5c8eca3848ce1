import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/** Shipping agents (SHIPPING AGENT option mapping). Custom API. */
export const shippingAgents = defineResource({
  entitySet: 'shippingAgents',
  custom: true,
  columns: {
    code: col.text(),
    name: col.text(),
  },
  alwaysPresent: ['code', 'lastModifiedDateTime'],
});

export type ShippingAgentsRow = BcRow<typeof shippingAgents>;
