import { afterAll, expect, test } from '@jest/globals';
import { request } from 'undici';
import { startEmulators } from '../../../src/emulators/index.js';
import type { RunningEmulators } from '../../../src/emulators/types.js';
import { VirtualClock } from '../../helpers/virtual-clock.js';

/**
 * Dataverse's service protection counts the combined execution time of a user's requests over the 5-minute window
 * (docs/protocols.md §5.2): once used up, the next request is answered 429 with error 0x80072321 and a Retry-After
 * until enough of it has left the window.
 */
let emu: RunningEmulators | undefined;
afterAll(async () => emu?.close());

async function token(e: RunningEmulators): Promise<string> {
  const res = await request(e.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: e.credentials.clientId, client_secret: e.credentials.clientSecret, scope: e.dataverse.scope }).toString(),
  });
  return ((await res.body.json()) as { access_token: string }).access_token;
}

test('once the window used its execution time up: 429 0x80072321 with a Retry-After until it frees', async () => {
  // A 10 ms budget per window and requests that each take 8 ms of modelled execution time, on a virtual clock (the
  // execution time is then read off it, not off a busy machine's wall clock).
  const clock = new VirtualClock();
  emu = await startEmulators({
    seed: 'demo',
    now: () => clock.now(),
    sleep: (ms) => clock.sleep(ms),
    latency: { dataverse: { baseMs: 8, perOperationMs: 0, perRowMs: 0 } },
    limits: { dataverse: { executionMsPerWindow: 10 } },
  });
  const bearer = await token(emu);
  const answers = [];
  for (let i = 0; i < 3; i++) {
    const asked = request(`${emu.dataverse.url}/accounts?$top=1`, { headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' } });
    const res = await clock.run(asked, () => true);
    answers.push({ status: res.statusCode, retryAfter: Number(res.headers['retry-after']), body: await res.body.text() });
  }
  expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
  const error = (JSON.parse(answers[2]!.body) as { error: { code: string; message: string } }).error;
  expect(error.code).toBe('0x80072321');
  expect(error.message).toMatch(/^Combined execution time of incoming requests exceeded limit of 10 milliseconds over time window of 300 seconds\./);
  // The first request's 8 ms leave the window 300 s after it ended (8 ms before the third was answered).
  expect(answers[2]!.retryAfter).toBe(300);
  expect(emu.stats().throttled.dataverse).toBe(1);
});
