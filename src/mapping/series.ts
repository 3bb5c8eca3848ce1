/**
 * Codes for BC records created from Dataverse where BC numbers them itself (SALESPEOPLE: `SP NO. 00001`).
 */
import type { BcTable } from './types.js';

/** One past the highest existing code of the series; the first code when none exists. */
export function nextSeriesCode(
  existingCodes: Iterable<string>,
  series: NonNullable<BcTable['insertCodeSeries']>,
): string {
  let highest = 0;
  const prefix = series.prefix.toUpperCase();
  for (const code of existingCodes) {
    const upper = code.toUpperCase();
    if (!upper.startsWith(prefix)) continue;
    const digits = upper.slice(prefix.length);
    if (!/^\d+$/.test(digits)) continue;
    highest = Math.max(highest, Number(digits));
  }
  return `${series.prefix}${String(highest + 1).padStart(series.digits, '0')}`;
}
