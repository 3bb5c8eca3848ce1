import { ConfigError } from '../errors.js';

/**
 * XRM tooling connection strings (docs/protocols.md §1.1): `name=value` pairs separated by `;`, keys
 * case-insensitive with aliases. We accept the keys that make sense for an app registration and reject the rest
 * with a message naming the problem.
 */
export interface ParsedConnectionString {
  authType: 'OAuth' | 'ClientSecret' | 'Certificate' | 'Office365' | 'AD' | 'IFD';
  url: string;
  appId?: string;
  clientSecret?: string;
  redirectUri?: string;
  tenantId?: string;
  username?: string;
  loginPrompt?: 'Always' | 'Auto' | 'Never';
  thumbprint?: string;
  tokenCacheStorePath?: string;
}

const ALIASES: Record<string, keyof ParsedConnectionString | 'password' | 'storename' | 'homerealmuri' | 'requirenewinstance' | 'integratedsecurity'> = {
  authtype: 'authType',
  authenticationtype: 'authType',
  url: 'url',
  serviceuri: 'url',
  'service uri': 'url',
  server: 'url',
  appid: 'appId',
  clientid: 'appId',
  applicationid: 'appId',
  clientsecret: 'clientSecret',
  secret: 'clientSecret',
  redirecturi: 'redirectUri',
  replyurl: 'redirectUri',
  tenantid: 'tenantId',
  username: 'username',
  'user name': 'username',
  userid: 'username',
  'user id': 'username',
  password: 'password',
  loginprompt: 'loginPrompt',
  thumbprint: 'thumbprint',
  certthumbprint: 'thumbprint',
  tokencachestorepath: 'tokenCacheStorePath',
  storename: 'storename',
  certificatestorename: 'storename',
  homerealmuri: 'homerealmuri',
  requirenewinstance: 'requirenewinstance',
  'integrated security': 'integratedsecurity',
};

const AUTH_TYPES = ['OAuth', 'ClientSecret', 'Certificate', 'Office365', 'AD', 'IFD'] as const;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function fail(problem: string): never {
  throw new ConfigError(`Connection string ${problem}. Expected e.g. "AuthType=ClientSecret;Url=https://org.crm.dynamics.com;ClientId=<guid>;ClientSecret=<secret>".`);
}

export function parseConnectionString(text: string): ParsedConnectionString {
  if (!text || !text.trim()) fail('is empty');
  const seen = new Map<string, string>();
  const result: Partial<ParsedConnectionString> = {};
  for (const rawPart of text.split(';')) {
    if (!rawPart.trim()) continue;
    const eq = rawPart.indexOf('=');
    if (eq <= 0) fail(`has a part without "name=value": "${rawPart.trim().slice(0, 40)}"`);
    const rawKey = rawPart.slice(0, eq).trim();
    const value = rawPart.slice(eq + 1).trim();
    const canonical = ALIASES[rawKey.toLowerCase()];
    if (!canonical) fail(`has an unknown key "${rawKey}"`);
    const earlier = seen.get(canonical);
    if (earlier !== undefined) fail(`sets ${canonical} twice ("${earlier}" and "${rawKey}")`);
    seen.set(canonical, rawKey);
    switch (canonical) {
      case 'authType': {
        const match = AUTH_TYPES.find((t) => t.toLowerCase() === value.toLowerCase());
        if (!match) fail(`has an unknown AuthType "${value}" (use one of ${AUTH_TYPES.join(', ')})`);
        result.authType = match;
        break;
      }
      case 'loginPrompt': {
        const match = (['Always', 'Auto', 'Never'] as const).find((t) => t.toLowerCase() === value.toLowerCase());
        if (!match) fail(`has an unknown LoginPrompt "${value}" (use Always, Auto or Never)`);
        result.loginPrompt = match;
        break;
      }
      case 'password':
        fail('has a Password: user name/password sign-in is not supported (it fails under MFA); use an app registration with ClientId and a client secret');
        break;
      case 'storename':
      case 'homerealmuri':
      case 'requirenewinstance':
      case 'integratedsecurity':
        break;
      default:
        (result as Record<string, string>)[canonical] = value;
    }
  }
  if (!result.authType) fail('has no AuthType');
  if (!result.url) fail('has no Url (the Dataverse environment URL, e.g. https://org.crm.dynamics.com)');
  let url: URL;
  try {
    url = new URL(result.url);
  } catch {
    fail(`has a Url that is not a URL: "${result.url}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') fail(`has a Url that is not http(s): "${result.url}"`);
  if (result.appId !== undefined && !GUID.test(result.appId)) fail(`has an AppId that is not a GUID: "${result.appId}"`);
  if (result.tenantId !== undefined && !GUID.test(result.tenantId) && !/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(result.tenantId)) {
    fail(`has a TenantId that is neither a GUID nor a domain: "${result.tenantId}"`);
  }
  if (['AD', 'IFD', 'Office365'].includes(result.authType)) {
    fail(`uses AuthType=${result.authType}, which does not work with Dataverse online from bcsync; use ClientSecret (or OAuth with an app registration)`);
  }
  if (result.authType === 'Certificate') fail('uses AuthType=Certificate, which bcsync does not support yet; use ClientSecret');
  result.url = url.origin + url.pathname.replace(/\/+$/, '');
  return result as ParsedConnectionString;
}
