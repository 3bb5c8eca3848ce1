import { afterEach, describe, expect, test } from '@jest/globals';
import { fetchEnvironment } from '../../src/app/engine-context.js';
import type { DataverseClient } from '../../src/clients/dataverse/client.js';
import { ApiError, ConfigError } from '../../src/errors.js';
import { startServices, type Services } from '../helpers/services.js';

/**
 * Issue 8: what a run learns about the two environments before it writes anything: the exchange rate that is
 * current today (not a future one), and a Dataverse base currency that must be Business Central's LCY.
 */

const TODAY = Date.parse('2026-12-06T12:00:00Z');
let services: Services | undefined;
afterEach(async () => {
  await services?.close();
  services = undefined;
});

describe('exchange rates', () => {
  test('the rate with the latest starting date not after today wins, whatever the server order', async () => {
    services = await startServices();
    const { emu } = services;
    // Demo: EUR 100/108.6 from 2026-01-01. A newer current rate and a future one (entered ahead of time).
    emu.bc.insert('currencyExchangeRates', { currencyCode: 'EUR', startingDate: '2026-12-01', exchangeRateAmount: 100, relationalExchangeRateAmount: 110 });
    emu.bc.insert('currencyExchangeRates', { currencyCode: 'EUR', startingDate: '2027-01-01', exchangeRateAmount: 100, relationalExchangeRateAmount: 150 });
    emu.resetLog();
    const env = await fetchEnvironment({ bc: services.bc, dataverse: services.dataverse }, emu.bc.companyName, TODAY);
    expect(env.exchangeRates['EUR']).toBeCloseTo(100 / 110, 10);
    expect(env.exchangeRates['GBP']).toBeCloseTo(100 / 127.2, 10);
    const read = emu.requestLog.find((e) => e.api === 'bc' && e.path.endsWith('currencyExchangeRates'));
    expect(decodeURIComponent(read?.query ?? '')).toContain('$filter=startingDate le 2026-12-06');
    expect(decodeURIComponent(read?.query ?? '')).toContain('$orderby=currencyCode asc,startingDate desc');
  });
});

describe('base currency', () => {
  test('the same ISO code on both sides: the base currency id is used', async () => {
    services = await startServices();
    const env = await fetchEnvironment({ bc: services.bc, dataverse: services.dataverse }, services.emu.bc.companyName, TODAY);
    const usd = services.emu.dataverse.list('transactioncurrencies').find((c) => c['isocurrencycode'] === 'USD')!;
    expect(env.bcLcyCode).toBe('USD');
    expect(env.dataverseBaseCurrencyId).toBe(usd['transactioncurrencyid']);
  });

  test('a Dataverse base currency that differs from the LCY stops the run in one line, before any write', async () => {
    services = await startServices({ scenario: { dataverseBaseCurrency: 'EUR' } });
    services.emu.resetLog();
    const error = await fetchEnvironment({ bc: services.bc, dataverse: services.dataverse }, services.emu.bc.companyName, TODAY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(/^The Dataverse base currency is EUR but Business Central's local currency \(LCY\) is USD: /);
    const writes = services.emu.requestLog.filter((e) => e.method !== 'GET' && !(e.method === 'POST' && e.path === '$batch' && e.api === 'dataverse'));
    expect(writes.filter((e) => e.api !== 'token')).toEqual([]);
  });

  test('an organization that cannot be read is said so, not "no currency with ISO code"', async () => {
    services = await startServices();
    const real = services.dataverse;
    // The organization read fails on its own (as a missing privilege would); the company read answers nothing.
    const dataverse = {
      whoAmI: () => real.whoAmI(),
      list: (entitySet: string) =>
        (async function* () {
          if (entitySet === 'organizations') throw new ApiError('Dataverse denied GET organizations (403).', 'dataverse', 403, undefined, undefined);
          yield [];
        })(),
    } as unknown as DataverseClient;
    const error = await fetchEnvironment({ bc: services.bc, dataverse }, services.emu.bc.companyName, TODAY).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe('The Dataverse organization could not be read (Dataverse denied GET organizations (403).); nothing was synchronized.');
  });
});
