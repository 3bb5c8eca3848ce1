/** One file per Business Central resource (standard API v2.0 and the bcsync/integration/v1.0 custom API). */
import type { BcResource } from '../resource.js';
import { companies } from './companies.js';
import { customers } from './customers.js';
import { vendors } from './vendors.js';
import { contacts } from './contacts.js';
import { items } from './items.js';
import { itemCategories } from './itemCategories.js';
import { unitsOfMeasure } from './unitsOfMeasure.js';
import { currencies } from './currencies.js';
import { paymentTerms } from './paymentTerms.js';
import { shipmentMethods } from './shipmentMethods.js';
import { salespeoplePurchasers } from './salespeoplePurchasers.js';
import { opportunities } from './opportunities.js';
import { customerFinancialDetails } from './customerFinancialDetails.js';
import { salesOrders, salesOrderLines } from './salesOrders.js';
import { salesQuotes, salesQuoteLines } from './salesQuotes.js';
import { salesInvoices, salesInvoiceLines } from './salesInvoices.js';
import { customerPaymentJournals } from './customerPaymentJournals.js';
import { customerPayments } from './customerPayments.js';
import { resources } from './resources.js';
import { unitGroups } from './unitGroups.js';
import { itemUnitsOfMeasure } from './itemUnitsOfMeasure.js';
import { resourceUnitsOfMeasure } from './resourceUnitsOfMeasure.js';
import { customerPriceGroups } from './customerPriceGroups.js';
import { salesPrices } from './salesPrices.js';
import { priceListHeaders } from './priceListHeaders.js';
import { priceListLines } from './priceListLines.js';
import { shippingAgents } from './shippingAgents.js';
import { currencyExchangeRates } from './currencyExchangeRates.js';
import { companyInformation } from './companyInformation.js';
import { integrationInfo } from './integrationInfo.js';
import { customerStatistics } from './customerStatistics.js';
import { itemLedgerEntries } from './itemLedgerEntries.js';
import { recordLinks } from './recordLinks.js';
import { customerLedgerEntries } from './customerLedgerEntries.js';
import { detailedCustLedgerEntries } from './detailedCustLedgerEntries.js';
import { salesSetup } from './salesSetup.js';
import { salesLines } from './salesLines.js';
import { salesLineArchives } from './salesLineArchives.js';
import { salesHeaderArchives } from './salesHeaderArchives.js';
import { salesHeaders } from './salesHeaders.js';

export * from './companies.js';
export * from './customers.js';
export * from './vendors.js';
export * from './contacts.js';
export * from './items.js';
export * from './itemCategories.js';
export * from './unitsOfMeasure.js';
export * from './currencies.js';
export * from './paymentTerms.js';
export * from './shipmentMethods.js';
export * from './salespeoplePurchasers.js';
export * from './opportunities.js';
export * from './customerFinancialDetails.js';
export * from './salesOrders.js';
export * from './salesQuotes.js';
export * from './salesInvoices.js';
export * from './customerPaymentJournals.js';
export * from './customerPayments.js';
export * from './resources.js';
export * from './unitGroups.js';
export * from './itemUnitsOfMeasure.js';
export * from './resourceUnitsOfMeasure.js';
export * from './customerPriceGroups.js';
export * from './salesPrices.js';
export * from './priceListHeaders.js';
export * from './priceListLines.js';
export * from './shippingAgents.js';
export * from './currencyExchangeRates.js';
export * from './companyInformation.js';
export * from './integrationInfo.js';
export * from './customerStatistics.js';
export * from './itemLedgerEntries.js';
export * from './recordLinks.js';
export * from './customerLedgerEntries.js';
export * from './detailedCustLedgerEntries.js';
export * from './salesSetup.js';
export * from './salesLines.js';
export * from './salesLineArchives.js';
export * from './salesHeaderArchives.js';
export * from './salesHeaders.js';

export const bcResources: readonly BcResource[] = [
  companies,
  customers,
  vendors,
  contacts,
  items,
  itemCategories,
  unitsOfMeasure,
  currencies,
  paymentTerms,
  shipmentMethods,
  salespeoplePurchasers,
  opportunities,
  customerFinancialDetails,
  salesOrders,
  salesOrderLines,
  salesQuotes,
  salesQuoteLines,
  salesInvoices,
  salesInvoiceLines,
  customerPaymentJournals,
  customerPayments,
  resources,
  unitGroups,
  itemUnitsOfMeasure,
  resourceUnitsOfMeasure,
  customerPriceGroups,
  salesPrices,
  priceListHeaders,
  priceListLines,
  shippingAgents,
  currencyExchangeRates,
  companyInformation,
  integrationInfo,
  salesHeaders,
  salesHeaderArchives,
  salesLineArchives,
  salesSetup,
  customerLedgerEntries,
  detailedCustLedgerEntries,
  recordLinks,
  customerStatistics,
  salesLines,
  itemLedgerEntries,
];

const byEntitySet = new Map(bcResources.map((r) => [r.entitySet, r]));

export function resourceByEntitySet(entitySet: string): BcResource | undefined {
  return byEntitySet.get(entitySet);
}
