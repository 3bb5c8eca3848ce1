import { describe, expect, test } from '@jest/globals';
import { ConfigError } from '../../src/errors.js';
import { dataverseApiUrl, isTenantId, normalizeAuthority, normalizeBcUrl, normalizeDataverseUrl } from '../../src/config/urls.js';

const TENANT = '5e3b2f0a-7c41-4d8e-9b6a-2f1c0d9e8a7b';
const API = `https://api.businesscentral.dynamics.com/v2.0/${TENANT}/production/api/v2.0`;

describe('normalizeBcUrl', () => {
  test.each([
    `https://api.businesscentral.dynamics.com/v2.0/${TENANT}/production`,
    `https://api.businesscentral.dynamics.com/v2.0/${TENANT}/production/`,
    `https://api.businesscentral.dynamics.com/v2.0/${TENANT}/production/api/v2.0`,
    `https://api.businesscentral.dynamics.com/v2.0/${TENANT}/production/api/v2.0/`,
    `https://api.businesscentral.dynamics.com/v2.0/${TENANT}/production/api/v2.0/companies`,
    `  https://api.businesscentral.dynamics.com/v2.0/${TENANT}/production  `,
  ])('%s -> the API v2.0 base', (input) => {
    expect(normalizeBcUrl(input)).toEqual({ apiUrl: API, tenant: TENANT, environment: 'production' });
  });

  test('a domain tenant and a path prefix (the emulators, proxies) are kept', () => {
    expect(normalizeBcUrl('http://127.0.0.1:7072/bc/v2.0/cronus.com/sandbox').apiUrl).toBe('http://127.0.0.1:7072/bc/v2.0/cronus.com/sandbox/api/v2.0');
  });

  test.each<[string, RegExp]>([
    ['https://api.businesscentral.dynamics.com/v2.0/production/api/v2.0', /names no tenant/],
    ['https://api.businesscentral.dynamics.com/v2.0/production', /names no tenant/],
    ['https://api.businesscentral.dynamics.com/production/api/v2.0', /has no \/v2\.0\/ segment/],
    [`https://api.businesscentral.dynamics.com/v2.0/${TENANT}/production/extra/api/v2.0`, /is not of the form/],
    ['https://api.businesscentral.dynamics.com/v2.0/not_a_tenant/production', /neither a GUID nor a domain/],
    [`http://api.businesscentral.dynamics.com/v2.0/${TENANT}/production`, /uses http; use https/],
    [`ftp://api.businesscentral.dynamics.com/v2.0/${TENANT}/production`, /not an http\(s\) URL/],
    ['api.businesscentral.dynamics.com', /is not a URL/],
    [`https://user:pw@api.businesscentral.dynamics.com/v2.0/${TENANT}/production`, /must not contain a user name or password/],
  ])('%s is refused (%s)', (input, message) => {
    expect(() => normalizeBcUrl(input)).toThrow(ConfigError);
    expect(() => normalizeBcUrl(input)).toThrow(message);
  });
});

describe('normalizeDataverseUrl', () => {
  test.each([
    'https://contoso.crm.dynamics.com',
    'https://contoso.crm.dynamics.com/',
    'https://contoso.crm.dynamics.com/api/data/v9.2',
    'https://contoso.crm.dynamics.com/api/data/v9.1/',
    'https://contoso.crm.dynamics.com/main.aspx?appid=1234&pagetype=entitylist',
  ])('%s -> the environment origin', (input) => {
    expect(normalizeDataverseUrl(input)).toBe('https://contoso.crm.dynamics.com');
  });

  test('http only on this machine', () => {
    expect(normalizeDataverseUrl('http://127.0.0.1:7071/api/data/v9.2')).toBe('http://127.0.0.1:7071');
    expect(normalizeDataverseUrl('http://localhost:7071')).toBe('http://localhost:7071');
    expect(() => normalizeDataverseUrl('http://contoso.crm.dynamics.com')).toThrow(/use https/);
  });

  test('another path is refused', () => {
    expect(() => normalizeDataverseUrl('https://contoso.crm.dynamics.com/api/data/v8.2/accounts')).toThrow(/is not an environment URL/);
  });

  test('dataverseApiUrl appends the Web API version', () => {
    expect(dataverseApiUrl('https://contoso.crm.dynamics.com/')).toBe('https://contoso.crm.dynamics.com/api/data/v9.2');
  });
});

describe('authority and tenant', () => {
  test('the authority loses trailing slashes and must be https (or local http)', () => {
    expect(normalizeAuthority('https://login.microsoftonline.com/')).toBe('https://login.microsoftonline.com');
    expect(normalizeAuthority('http://127.0.0.1:7070')).toBe('http://127.0.0.1:7070');
    expect(() => normalizeAuthority('http://login.microsoftonline.com')).toThrow(/use https/);
    expect(() => normalizeAuthority('https://login.microsoftonline.com/?x=1')).toThrow(/must not have a query/);
  });

  test('a tenant is a GUID or a domain', () => {
    expect(isTenantId(TENANT)).toBe(true);
    expect(isTenantId('contoso.onmicrosoft.com')).toBe(true);
    expect(isTenantId('contoso')).toBe(false);
    expect(isTenantId('contoso .com')).toBe(false);
  });
});
