/** One file per Dataverse table the mappings and sales processes touch (docs/integration.md §2, §8). */
import type { DataverseTable } from '../table.js';
import { accounts } from './accounts.js';
import { contacts } from './contacts.js';
import { systemusers } from './systemusers.js';
import { roles } from './roles.js';
import { teams } from './teams.js';
import { transactioncurrencies } from './transactioncurrencies.js';
import { uomschedules } from './uomschedules.js';
import { uoms } from './uoms.js';
import { products } from './products.js';
import { pricelevels } from './pricelevels.js';
import { productpricelevels } from './productpricelevels.js';
import { opportunities } from './opportunities.js';
import { leads } from './leads.js';
import { salesorders } from './salesorders.js';
import { salesorderdetails } from './salesorderdetails.js';
import { quotes } from './quotes.js';
import { quotedetails } from './quotedetails.js';
import { invoices } from './invoices.js';
import { invoicedetails } from './invoicedetails.js';
import { annotations } from './annotations.js';
import { posts } from './posts.js';
import { navAccountstatistics } from './nav_accountstatistics.js';
import { cdmCompanies } from './cdm_companies.js';

export * from './accounts.js';
export * from './contacts.js';
export * from './systemusers.js';
export * from './roles.js';
export * from './teams.js';
export * from './transactioncurrencies.js';
export * from './uomschedules.js';
export * from './uoms.js';
export * from './products.js';
export * from './pricelevels.js';
export * from './productpricelevels.js';
export * from './opportunities.js';
export * from './leads.js';
export * from './salesorders.js';
export * from './salesorderdetails.js';
export * from './quotes.js';
export * from './quotedetails.js';
export * from './invoices.js';
export * from './invoicedetails.js';
export * from './annotations.js';
export * from './posts.js';
export * from './nav_accountstatistics.js';
export * from './cdm_companies.js';

export const dataverseTables: readonly DataverseTable[] = [
  accounts,
  contacts,
  systemusers,
  roles,
  teams,
  transactioncurrencies,
  uomschedules,
  uoms,
  products,
  pricelevels,
  productpricelevels,
  opportunities,
  leads,
  salesorders,
  salesorderdetails,
  quotes,
  quotedetails,
  invoices,
  invoicedetails,
  annotations,
  posts,
  navAccountstatistics,
  cdmCompanies,
];

const byEntitySet = new Map(dataverseTables.map((t) => [t.entitySet, t]));

/** The known table for an entity set, if any (names the key in shape errors). */
export function tableByEntitySet(entitySet: string): DataverseTable | undefined {
  return byEntitySet.get(entitySet);
}
