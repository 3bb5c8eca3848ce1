/**
 * Business Central's current exchange rate per currency: the row with the latest starting date that is not
 * after today. Business Central keeps one row per currency and starting date, and rates can be entered ahead
 * of time, so "last row in server order" could pick a future rate.
 */
import type { BcClient } from '../clients/bc/client.js';
import { currencyExchangeRates } from '../clients/bc/resources/currencyExchangeRates.js';

/** `YYYY-MM-DD` of a time (UTC), as BC's Date properties are written. */
export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Currency code (upper case) → its current rate, `exchangeRateAmount / relationalExchangeRateAmount`. */
export async function readExchangeRates(bc: BcClient, now: number): Promise<Record<string, number>> {
  const today = isoDay(now);
  const rates: Record<string, number> = {};
  const query = { filter: `startingDate le ${today}`, orderby: ['currencyCode asc', 'startingDate desc'] };
  for await (const page of bc.list(currencyExchangeRates, query)) {
    for (const row of page) {
      const code = String(row.currencyCode ?? '').toUpperCase();
      // Newest first within a currency: the first row seen is the current rate.
      if (code === '' || code in rates) continue;
      if (typeof row.startingDate === 'string' && row.startingDate > today) continue;
      const rate = Number(row.exchangeRateAmount ?? 0) / Number(row.relationalExchangeRateAmount ?? 1);
      if (Number.isFinite(rate) && rate > 0) rates[code] = rate;
    }
  }
  return rates;
}
