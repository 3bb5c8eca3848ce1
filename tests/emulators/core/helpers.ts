import type { EmulatedApiModule } from '../../../src/emulators/core/api-module.js';
import type { EmuRequest, EmuResponse } from '../../../src/emulators/core/http-types.js';
import { expect } from '@jest/globals';
import { request } from 'undici';
import type { EmulatorDataAccess, RunningEmulators } from '../../../src/emulators/types.js';

/** In-memory data access for tiny test modules. */
export function memoryData(): EmulatorDataAccess & { tables: Map<string, Map<string, Record<string, unknown>>> } {
  const tables = new Map<string, Map<string, Record<string, unknown>>>();
  const table = (name: string): Map<string, Record<string, unknown>> => {
    let t = tables.get(name);
    if (!t) {
      t = new Map();
      tables.set(name, t);
    }
    return t;
  };
  return {
    tables,
    list: (name) => [...table(name).values()],
    get: (name, id) => table(name).get(id),
    insert: (name, record) => {
      const id = String(record['id']);
      table(name).set(id, { ...record });
      return table(name).get(id)!;
    },
    update: (name, id, changes) => {
      const current = table(name).get(id);
      if (!current) throw new Error(`no ${name} ${id}`);
      Object.assign(current, changes);
      return current;
    },
    remove: (name, id) => {
      table(name).delete(id);
    },
    count: (name) => table(name).size,
  };
}

/** A module whose handler the test supplies; error bodies in the `{error:{code,message}}` shape both APIs use. */
export function testModule(
  handler: (req: EmuRequest) => Promise<EmuResponse> | EmuResponse,
  codes: Partial<EmulatedApiModule['errorCodes']> = {},
): EmulatedApiModule {
  return {
    handler,
    data: memoryData(),
    errorBody: (code, message) => ({ error: { code, message } }),
    errorCodes: {
      unauthorized: 'Unauthorized',
      rateLimited: 'RateLimited',
      concurrencyLimited: 'ConcurrencyLimited',
      unavailable: 'Unavailable',
      ...codes,
    },
  };
}

/** A promise the test resolves when it wants blocked handlers to continue. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

export async function until(condition: () => boolean, what: string, limitMs = 5000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A client-credentials token from the emulated token endpoint, for `scope` (`emu.bc.scope`, `emu.dataverse.scope`). */
export async function emulatorToken(emu: RunningEmulators, scope: string): Promise<string> {
  const res = await request(emu.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emu.credentials.clientId,
      client_secret: emu.credentials.clientSecret,
      scope,
    }).toString(),
  });
  expect(res.statusCode).toBe(200);
  return String(((await res.body.json()) as { access_token: string }).access_token);
}
