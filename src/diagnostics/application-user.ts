/**
 * The Dataverse identity bcsync signs in as must be an application user (client credentials), enabled. Setup
 * and doctor both ask; a refusal's first line says what to do in the Power Platform admin center.
 */
import type { DataverseClient } from '../clients/dataverse/client.js';
import { systemusers } from '../clients/dataverse/tables/systemusers.js';
import { ConfigError } from '../errors.js';

/** systemuser.accessmode 4 = Non-interactive: how application users are created. */
const NON_INTERACTIVE = 4;

/** Reads the user and returns a one-line description, or throws ConfigError saying what to fix. */
export async function checkApplicationUser(dataverse: DataverseClient, userId: string, clientId: string): Promise<string> {
  const user = await dataverse.get(systemusers, userId, { select: ['fullname', 'applicationid', 'accessmode', 'isdisabled'] });
  const applicationId = typeof user.applicationid === 'string' && user.applicationid !== '' ? user.applicationid : undefined;
  if (applicationId === undefined && user.accessmode !== NON_INTERACTIVE) {
    throw new ConfigError(
      `The Dataverse identity ${user.fullname ?? userId} is not an application user: create an application user for client id ${clientId} in the Power Platform admin center and give it a least-privilege security role.`,
    );
  }
  if (user.isdisabled === true) {
    throw new ConfigError(`The Dataverse application user ${user.fullname ?? userId} is disabled: enable it in the Power Platform admin center.`);
  }
  return `${user.fullname ?? userId}${applicationId ? ` (application id ${applicationId})` : ' (non-interactive)'}`;
}
