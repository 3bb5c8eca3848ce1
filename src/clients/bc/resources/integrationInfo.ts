import { col } from '../../shape.js';
import { defineResource, type BcRow } from '../resource.js';

/**
 * Which companion extension serves the custom API, per company: its app id, name, publisher and version, and
 * the company's local currency (bcsync doctor). Custom API, read-only.
 */
export const integrationInfo = defineResource({
  entitySet: 'integrationInfo',
  custom: true,
  columns: {
    extensionId: col.ref(),
    extensionName: col.text(),
    extensionPublisher: col.text(),
    extensionVersion: col.text(),
    localCurrencyCode: col.text(),
  },
  alwaysPresent: ['extensionVersion', 'lastModifiedDateTime'],
});

export type IntegrationInfoRow = BcRow<typeof integrationInfo>;

/** The companion extension this bcsync was built against (bc-extension/app.json; the contract test keeps them equal). */
export const COMPANION_EXTENSION_ID = 'b4db9ec3-313d-4081-8723-c66a45e83c8e';
export const COMPANION_EXTENSION_VERSION = '1.0.0.0';
