/** A throwaway home with a profile whose services are unreachable: for commands that must work offline. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tempDir } from '../helpers/temp-dirs.js';
import { PROFILE_SCHEMA_VERSION, ProfileStore } from '../../src/config/profile.js';
import { defaultIntegrationOptions } from '../../src/mapping/index.js';

export function offlineHome(prefix = 'bcsync-offline-'): string {
  const home = tempDir(prefix);
  const now = new Date(Date.UTC(2026, 10, 20, 8)).toISOString();
  // Nothing listens on these addresses.
  new ProfileStore(path.join(home, 'profiles')).save({
    schemaVersion: PROFILE_SCHEMA_VERSION,
    name: 'default',
    bc: { apiUrl: 'http://127.0.0.1:9/v2.0/t/production/api/v2.0', companyId: '11111111-2222-4333-8444-555555555555', companyName: 'CRONUS' },
    dataverse: { url: 'http://127.0.0.1:9' },
    auth: { tenantId: 't', authority: 'http://127.0.0.1:9', clientId: 'c', clientSecretEnv: 'BCSYNC_CLIENT_SECRET' },
    integration: { ...defaultIntegrationOptions },
    mappingOverrides: {},
    createdAt: now,
    updatedAt: now,
  });
  return home;
}
