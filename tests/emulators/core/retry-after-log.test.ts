import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { request } from 'undici';
import { startEmulators, type RunningEmulators } from '../../../src/emulators/index.js';
import { emulatorToken } from './helpers.js';

/** The request log keeps the Retry-After each answer carried, so a test can check a client never retried sooner. */
describe('request log: Retry-After', () => {
  let emu: RunningEmulators;
  beforeAll(async () => {
    emu = await startEmulators({
      port: 0,
      limits: { dataverse: { requestsPerWindow: 3, windowMs: 60_000 } },
      faults: [
        { kind: '429', api: 'dataverse', requestNumbers: [1], retryAfterSeconds: 3 },
        { kind: '503', api: 'dataverse', requestNumbers: [2], retryAfterSeconds: 2 },
      ],
    });
  });
  afterAll(async () => emu?.close());

  test('injected 429/503 and throttling record the seconds they asked for; other answers none', async () => {
    const t = await emulatorToken(emu, emu.dataverse.scope);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await request(`${emu.dataverse.url}/WhoAmI`, { headers: { authorization: `Bearer ${t}` } });
      await res.body.dump();
      statuses.push(res.statusCode);
    }
    const log = emu.requestLog.filter((e) => e.api === 'dataverse');
    expect(statuses).toEqual([429, 503, 200, 200, 200, 429]);
    expect(log.map((e) => [e.fault, e.retryAfterSeconds])).toEqual([
      ['429', 3],
      ['503', 2],
      [undefined, undefined],
      [undefined, undefined],
      [undefined, undefined],
      ['throttled', 60],
    ]);
  });
});
