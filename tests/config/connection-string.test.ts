import { describe, expect, test } from '@jest/globals';
import { ConfigError } from '../../src/errors.js';
import { parseConnectionString } from '../../src/config/connection-string.js';

const APP = '51f81489-12ee-4a9e-aaae-a2591f45987d';

describe('parseConnectionString', () => {
  test('keys are case-insensitive and aliases are accepted', () => {
    expect(parseConnectionString(`authtype=clientsecret; ServiceUri=https://contoso.crm.dynamics.com/ ;ApplicationId=${APP};Secret=s3cr3t;TenantId=contoso.onmicrosoft.com;`)).toEqual({
      authType: 'ClientSecret',
      url: 'https://contoso.crm.dynamics.com',
      appId: APP,
      clientSecret: 's3cr3t',
      tenantId: 'contoso.onmicrosoft.com',
    });
  });

  test("Microsoft's OAuth example shape parses (without the password)", () => {
    const parsed = parseConnectionString(
      `AuthType=OAuth;Username=jsmith@contoso.onmicrosoft.com;Url=https://contosotest.crm.dynamics.com;AppId=${APP};RedirectUri=app://58145B91-0C36-4500-8554-080854F2AC97;TokenCacheStorePath=c:\\MyTokenCache;LoginPrompt=Auto`,
    );
    expect(parsed).toMatchObject({ authType: 'OAuth', url: 'https://contosotest.crm.dynamics.com', appId: APP, loginPrompt: 'Auto' });
  });

  // The five malformed strings of the acceptance criteria: one line each, naming the problem.
  test.each<[string, string, RegExp]>([
    ['missing Url', `AuthType=ClientSecret;ClientId=${APP}`, /has no Url/],
    ['unknown AuthType', 'AuthType=Kerberos;Url=https://contoso.crm.dynamics.com', /unknown AuthType "Kerberos"/],
    ['bad GUID in AppId', 'AuthType=OAuth;Url=https://contoso.crm.dynamics.com;AppId=12345', /AppId that is not a GUID: "12345"/],
    ['duplicate key', `AuthType=OAuth;Url=https://a.crm.dynamics.com;ServiceUri=https://b.crm.dynamics.com;AppId=${APP}`, /sets url twice \("Url" and "ServiceUri"\)/],
    ['empty', '   ', /is empty/],
  ])('%s', (_name, text, problem) => {
    let error: unknown;
    try {
      parseConnectionString(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(problem);
    expect(message).not.toContain('\n');
  });

  test('a password is refused without echoing it', () => {
    expect(() => parseConnectionString('AuthType=OAuth;Url=https://contoso.crm.dynamics.com;Password=hunter2')).toThrow(/user name\/password sign-in is not supported/);
    try {
      parseConnectionString('AuthType=OAuth;Url=https://contoso.crm.dynamics.com;Password=hunter2');
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
  });
});
