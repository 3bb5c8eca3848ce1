/**
 * The default integration table mappings for master data, chosen by the integration options exactly as
 * BC's "Use Default Synchronization Setup" chooses them (docs/integration.md §2). Sales-document mappings
 * (POSTEDSALESINV-INV, POSTEDSALESLINE-INV, SALESORDER-ORDER, SOLINE-ORDERDETAIL) are added by a later layer.
 */
import type { IntegrationOptions } from '../integration-options.js';
import type { IntegrationTableMapping } from '../types.js';
import { contactMapping, customerMapping, salespeopleMapping, vendorMapping } from './parties.js';
import {
  customerPriceGroupMapping,
  priceListHeaderMapping,
  priceListLineMapping,
  salesPriceMapping,
} from './pricing.js';
import {
  itemProductMapping,
  itemUomMapping,
  resourceProductMapping,
  resourceUomMapping,
  unitGroupMapping,
  unitOfMeasureMapping,
} from './products.js';
import { currencyMapping, paymentTermsMapping, shipmentMethodMapping, shippingAgentMapping } from './reference.js';
import { opportunityMapping } from './opportunity.js';
import { legacySalesOrderMapping } from './orders.js';
import { bidirectionalOrderLineMapping, bidirectionalOrderMapping } from './orders-bidirectional.js';

/** BC settings outside the integration options that change a default. */
export interface DefaultMappingSettings {
  /** Sales & Receivables Setup has a "Default Price List Code": PLHEADER-PRICE filters Allow Updating Defaults = true. */
  defaultPriceListCodeSet?: boolean;
}

/** Mappings in BC's creation order (docs/integration.md §2); dependencies on mappings not created are dropped. */
export function defaultMappings(
  options: IntegrationOptions,
  settings: DefaultMappingSettings = {},
): IntegrationTableMapping[] {
  const mappings: IntegrationTableMapping[] = [];
  // Team ownership deletes the SALESPEOPLE mapping (docs/integration.md §2.1).
  if (options.ownershipModel === 'person') mappings.push(salespeopleMapping());
  mappings.push(
    customerMapping(options),
    vendorMapping(options),
    contactMapping(options),
    currencyMapping(),
    paymentTermsMapping(),
    shipmentMethodMapping(),
    shippingAgentMapping(),
  );
  if (options.unitGroups) mappings.push(unitGroupMapping(), itemUomMapping(), resourceUomMapping());
  else mappings.push(unitOfMeasureMapping());
  mappings.push(itemProductMapping(options), resourceProductMapping(options));
  if (options.pricing === 'lists') {
    mappings.push(
      priceListHeaderMapping({ defaultPriceListCodeSet: settings.defaultPriceListCodeSet ?? false }),
      priceListLineMapping(options),
    );
  } else {
    mappings.push(customerPriceGroupMapping(), salesPriceMapping(options));
  }
  mappings.push(opportunityMapping(options));
  // Sales-order integration (docs/integration.md §2, §8.1): legacy pushes the order's progress to Dataverse.
  if (options.orderSync === 'legacy') mappings.push(legacySalesOrderMapping(options));
  // Bidirectional (docs/integration.md §8.2): SALESORDER-ORDER ⇄ and its lines, SOLINE-ORDERDETAIL ⇄.
  if (options.orderSync === 'bidirectional') mappings.push(bidirectionalOrderMapping(options), bidirectionalOrderLineMapping());

  const names = new Set(mappings.map((m) => m.name));
  for (const mapping of mappings) mapping.dependencies = mapping.dependencies.filter((d) => names.has(d));
  return mappings;
}
