/**
 * Integration options of a connection (docs/integration.md §1, §2, §8). They choose which default
 * integration table mappings exist and how some fields map.
 */
export type OwnershipModel = 'person' | 'team';
export type OrderSyncMode = 'off' | 'legacy' | 'bidirectional';
export type PricingModel = 'groups' | 'lists';

export interface IntegrationOptions {
  /** Person: owner from salesperson couplings (SALESPEOPLE mapping exists). Team: owning team, no SALESPEOPLE. */
  ownershipModel: OwnershipModel;
  /** Unit groups (UNIT GROUP + ITEM UOM + RESOURCE UOM) instead of UNIT OF MEASURE. BC's default: on. */
  unitGroups: boolean;
  /** groups: CUSTPRCGRP-PRICE + SALESPRC-PRODPRICE; lists: PLHEADER-PRICE + PLLINE-PRODPRICE. */
  pricing: PricingModel;
  /** off | legacy (one-way SALESORDER-ORDER) | bidirectional (SALESORDER-ORDER ⇄ + SOLINE-ORDERDETAIL). */
  orderSync: OrderSyncMode;
  itemAvailability: boolean;
  autoCreateOrders: boolean;
  autoProcessQuotes: boolean;
  /** A disabled connection runs no synchronization. */
  enabled: boolean;
}

export const defaultIntegrationOptions: IntegrationOptions = {
  ownershipModel: 'person',
  unitGroups: true,
  pricing: 'lists',
  orderSync: 'off',
  itemAvailability: false,
  autoCreateOrders: false,
  autoProcessQuotes: false,
  enabled: true,
};
