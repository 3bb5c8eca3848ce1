import { BcClient } from '../../src/clients/bc/client.js';
import { ClientCredentialsTokenProvider } from '../../src/clients/auth/token-provider.js';
import { DataverseClient } from '../../src/clients/dataverse/client.js';
import { startEmulators } from '../../src/emulators/index.js';
import type { RunningEmulators, StartEmulatorsOptions } from '../../src/emulators/types.js';

/** Emulators and the real clients against them. */
export interface Services {
  emu: RunningEmulators;
  bc: BcClient;
  dataverse: DataverseClient;
  tokens: ClientCredentialsTokenProvider;
  close(): Promise<void>;
}

export async function startServices(options: StartEmulatorsOptions = {}): Promise<Services> {
  const emu = await startEmulators({ seed: 'demo', ...options });
  const tokens = new ClientCredentialsTokenProvider({ tokenUrl: emu.tokenUrl, ...emu.credentials });
  const bc = new BcClient({ url: emu.bc.url, companyId: emu.bc.companyId, tokens });
  const dataverse = new DataverseClient({ url: emu.dataverse.url, tokens });
  return {
    emu,
    bc,
    dataverse,
    tokens,
    close: async () => {
      await Promise.all([bc.close(), dataverse.close(), tokens.close()]);
      await emu.close();
    },
  };
}
