/**
 * Currency rules: every money column has a base-currency twin at the row's exchange rate, rows default to the
 * base currency, and the base currency's rate is 1 (docs/protocols.md §6.1).
 */
import { DvCodes, DvError, invalidArgument } from './errors.js';
import type { Organization } from './org.js';
import type { Row } from './store.js';
import { writeColumns, type TableDef } from './schema.js';
import { setLookup } from './row-values.js';
import { roundTo } from './values.js';

/** The row's currency (the base currency when none is given), its exchange rate and the base-currency twin of every money column. */
export function applyCurrency(org: Organization, table: TableDef, values: Record<string, unknown>, targets: Record<string, string>): void {
  const currencyColumn = table.columns.get('transactioncurrencyid');
  if (!currencyColumn || table.logicalName === 'transactioncurrency') return;
  if (!values['_transactioncurrencyid_value'] && !currencyColumn.required && org.baseCurrencyId) {
    setLookup(values, targets, 'transactioncurrencyid', { id: org.baseCurrencyId, logicalName: 'transactioncurrency' });
  }
  const currencyId = values['_transactioncurrencyid_value'];
  const currency = typeof currencyId === 'string' ? org.store.get('transactioncurrencies', currencyId) : undefined;
  const rate = typeof currency?.values['exchangerate'] === 'number' ? (currency.values['exchangerate'] as number) : 1;
  if (table.columns.has('exchangerate')) values['exchangerate'] = rate;
  for (const [name, base] of writeColumns(table).money) {
    const v = values[name];
    if (typeof v === 'number') values[base] = roundTo(v / rate, 4);
    else delete values[base];
  }
}

/** A currency: the base currency's rate stays 1, and an ISO code is used once. */
export function currencyRules(org: Organization, values: Record<string, unknown>, previous: Row | undefined): void {
  const id = values['transactioncurrencyid'];
  if (id === org.baseCurrencyId && values['exchangerate'] !== 1) {
    throw invalidArgument('The exchange rate of the base currency is always 1 and cannot be changed.');
  }
  if (previous) return;
  const iso = String(values['isocurrencycode'] ?? '').toLowerCase();
  for (const other of org.store.rows('transactioncurrencies')) {
    if (String(other.values['isocurrencycode'] ?? '').toLowerCase() === iso) {
      throw new DvError(
        400,
        DvCodes.duplicateRecord,
        `A currency with the ISO code '${String(values['isocurrencycode'])}' already exists (transactioncurrencyid ${other.id}); use that currency instead of creating another.`,
      );
    }
  }
}

/** Decimal places of a currency's amounts (2 when unknown). */
export function currencyPrecision(org: Organization, currencyId: unknown): number {
  const currency = typeof currencyId === 'string' ? org.store.get('transactioncurrencies', currencyId) : undefined;
  const p = currency?.values['currencyprecision'];
  return typeof p === 'number' ? p : 2;
}
