/**
 * Dataverse's base currency against Business Central's local currency (LCY). bcsync, like Business Central
 * without its "different local currency" setup, writes LCY amounts as Dataverse base-currency amounts, so the
 * two must be the same ISO code; otherwise every price and amount would be stamped with the wrong currency.
 */
import { z } from 'zod';
import type { BcClient } from '../clients/bc/client.js';
import { companyInformation } from '../clients/bc/resources/companyInformation.js';
import type { DataverseClient } from '../clients/dataverse/client.js';
import { ConfigError } from '../errors.js';

export interface DataverseOrganizationCurrency {
  baseCurrencyId: string | undefined;
  /** ISO code of the base currency (`USD`). */
  baseCurrencyCode: string | undefined;
  pricingDecimalPrecision: number | undefined;
}

/** The path of one GET that reads the organization with its base currency's ISO code. */
export const ORGANIZATION_CURRENCY_QUERY = {
  select: ['_basecurrencyid_value', 'pricingdecimalprecision'],
  expand: [{ property: 'basecurrencyid', select: ['isocurrencycode'] }],
};

const orgRow = z.looseObject({
  _basecurrencyid_value: z.string().nullable().optional(),
  pricingdecimalprecision: z.number().nullable().optional(),
  basecurrencyid: z.looseObject({ isocurrencycode: z.string().nullable().optional() }).nullable().optional(),
});

/** Reads the answer to ORGANIZATION_CURRENCY_QUERY on `organizations` (`{ value: [org] }`). */
export function parseOrganizationCurrency(body: unknown): DataverseOrganizationCurrency {
  const value = body && typeof body === 'object' ? (body as { value?: unknown }).value : undefined;
  const row = Array.isArray(value) && value.length > 0 ? orgRow.safeParse(value[0]) : undefined;
  if (!row?.success) {
    throw new ConfigError('The Dataverse organization could not be read (no organizations row in the answer): check that the application user may read the Organization table.');
  }
  return {
    baseCurrencyId: row.data._basecurrencyid_value ?? undefined,
    baseCurrencyCode: row.data.basecurrencyid?.isocurrencycode?.toUpperCase() ?? undefined,
    pricingDecimalPrecision: row.data.pricingdecimalprecision ?? undefined,
  };
}

export async function readOrganizationCurrency(dataverse: DataverseClient): Promise<DataverseOrganizationCurrency> {
  let body: unknown;
  for await (const page of dataverse.list(
    'organizations',
    { select: ['_basecurrencyid_value', 'pricingdecimalprecision'], expand: [{ property: 'basecurrencyid', select: ['isocurrencycode'] }] },
    z.looseObject({}),
  )) {
    body = { value: page };
  }
  return parseOrganizationCurrency(body);
}

/** Business Central's local currency code (Company Information; General Ledger Setup "LCY Code"). */
export async function readBcLocalCurrency(bc: BcClient): Promise<string> {
  for await (const page of bc.list(companyInformation, { select: ['currencyCode'] })) {
    const code = page[0]?.currencyCode;
    if (typeof code === 'string' && code !== '') return code.toUpperCase();
  }
  throw new ConfigError('Business Central did not say its local currency (companyInformation has no currencyCode): set the LCY Code in General Ledger Setup.');
}

/** The one-line refusal when the two currencies differ, or undefined when they agree. */
export function currencyMismatch(bcLcyCode: string, dataverse: DataverseOrganizationCurrency): string | undefined {
  if (dataverse.baseCurrencyCode === undefined) {
    return `The Dataverse organization has no base currency bcsync can read: check that the application user may read the Organization and Currency tables.`;
  }
  if (dataverse.baseCurrencyCode === bcLcyCode.toUpperCase()) return undefined;
  return (
    `The Dataverse base currency is ${dataverse.baseCurrencyCode} but Business Central's local currency (LCY) is ${bcLcyCode.toUpperCase()}: ` +
    `bcsync writes LCY amounts as base-currency amounts, so it stops before writing anything; connect a Dataverse environment whose base currency is ${bcLcyCode.toUpperCase()} (it cannot be changed once created).`
  );
}

/** Throws ConfigError when the currencies differ (before anything is written). */
export function checkBaseCurrency(bcLcyCode: string, dataverse: DataverseOrganizationCurrency): void {
  const problem = currencyMismatch(bcLcyCode, dataverse);
  if (problem !== undefined) throw new ConfigError(problem);
}
