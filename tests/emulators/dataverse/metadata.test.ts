import { describe, test, expect } from '@jest/globals';
import { harness, json, IDS, BASE, CLIENT_ID } from './helpers.js';
import { loadSeed } from '../../../src/emulators/seed/index.js';
import { createDataverseModule } from '../../../src/emulators/dataverse/index.js';

const PICKLIST_PATH = (entity: string, attribute: string): string =>
  `EntityDefinitions(LogicalName='${entity}')/Attributes(LogicalName='${attribute}')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options)`;

function labels(body: Record<string, any>): Array<[number, string]> {
  return body['OptionSet']['Options'].map((o: any) => [o.Value, o.Label.UserLocalizedLabel.Label]);
}

describe('Dataverse option sets', () => {
  test('picklist metadata lists the options of account.paymenttermscode', async () => {
    const h = harness();
    const res = await h.send('GET', PICKLIST_PATH('account', 'paymenttermscode'));
    expect(res.status).toBe(200);
    const body = json(res);
    expect(body['LogicalName']).toBe('paymenttermscode');
    expect(labels(body)).toEqual([
      [1, 'Net 30'],
      [2, '2% 10, Net 30'],
      [3, 'Net 45'],
      [4, 'Net 60'],
    ]);
    expect(body['OptionSet']['Options'][0].Label.LocalizedLabels[0]).toMatchObject({ Label: 'Net 30', LanguageCode: 1033 });
  });

  test('InsertOptionValue adds an option that writes then accept; UpdateOptionValue relabels it', async () => {
    const h = harness();
    const insert = await h.send('POST', 'InsertOptionValue', {
      body: { EntityLogicalName: 'account', AttributeLogicalName: 'paymenttermscode', Label: { LocalizedLabels: [{ Label: '14 DAYS', LanguageCode: 1033 }] } },
    });
    expect(insert.status).toBe(200);
    const value = json(insert)['NewOptionValue'];
    expect(value).toBe(100000000);
    expect((await h.send('POST', 'accounts', { body: { name: 'A', paymenttermscode: value } })).status).toBe(204);
    // Mirrored into the order's own option set with the same value, as BC does.
    const mirrored = await h.send('POST', 'InsertOptionValue', {
      body: { EntityLogicalName: 'salesorder', AttributeLogicalName: 'paymenttermscode', Value: value, Label: { LocalizedLabels: [{ Label: '14 DAYS', LanguageCode: 1033 }] } },
    });
    expect(json(mirrored)['NewOptionValue']).toBe(value);
    const duplicate = await h.send('POST', 'InsertOptionValue', {
      body: { EntityLogicalName: 'salesorder', AttributeLogicalName: 'paymenttermscode', Value: value, Label: { LocalizedLabels: [{ Label: 'x', LanguageCode: 1033 }] } },
    });
    expect(duplicate.status).toBe(400);
    const update = await h.send('POST', 'UpdateOptionValue', {
      body: {
        EntityLogicalName: 'account',
        AttributeLogicalName: 'paymenttermscode',
        Value: value,
        Label: { LocalizedLabels: [{ Label: '14 DAYS NET', LanguageCode: 1033 }] },
        MergeLabels: true,
      },
    });
    expect(update.status).toBe(204);
    const after = json(await h.send('GET', PICKLIST_PATH('account', 'paymenttermscode')));
    expect(labels(after)).toContainEqual([value, '14 DAYS NET']);
    const shipping = await h.send('POST', 'InsertOptionValue', {
      body: { EntityLogicalName: 'account', AttributeLogicalName: 'address1_shippingmethodcode', Label: { LocalizedLabels: [{ Label: 'DHL EXPRESS', LanguageCode: 1033 }] } },
    });
    expect(json(shipping)['NewOptionValue']).toBe(100000000);
  });

  test('option changes inside a failed change set are rolled back', async () => {
    const h = harness();
    const body = [
      '--b',
      'Content-Type: multipart/mixed; boundary=cs',
      '',
      '--cs',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 1',
      '',
      'POST InsertOptionValue HTTP/1.1',
      'Content-Type: application/json',
      '',
      JSON.stringify({ EntityLogicalName: 'account', AttributeLogicalName: 'address1_freighttermscode', Label: { LocalizedLabels: [{ Label: 'EXW', LanguageCode: 1033 }] } }),
      '--cs',
      'Content-Type: application/http',
      'Content-Transfer-Encoding: binary',
      'Content-ID: 2',
      '',
      'POST accounts HTTP/1.1',
      'Content-Type: application/json',
      '',
      JSON.stringify({ name: 'A', nosuch: true }),
      '--cs--',
      '--b--',
      '',
    ].join('\r\n');
    const res = await h.send('POST', '$batch', { body, headers: { 'Content-Type': 'multipart/mixed; boundary=b' } });
    expect(res.status).toBe(400);
    const after = json(await h.send('GET', PICKLIST_PATH('account', 'address1_freighttermscode')));
    expect(labels(after)).toEqual([
      [1, 'FOB'],
      [2, 'No Charge'],
    ]);
  });

  test('string attribute metadata gives maximum lengths; a wrong cast is refused', async () => {
    const h = harness();
    const res = await h.send('GET', "EntityDefinitions(LogicalName='product')/Attributes/Microsoft.Dynamics.CRM.StringAttributeMetadata?$select=LogicalName,MaxLength");
    const byName = Object.fromEntries(json(res)['value'].map((a: any) => [a.LogicalName, a.MaxLength]));
    expect(byName['name']).toBe(100);
    expect(byName['productnumber']).toBe(100);
    const wrong = await h.send('GET', "EntityDefinitions(LogicalName='account')/Attributes(LogicalName='name')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata");
    expect(wrong.status).toBe(400);
    expect((await h.send('GET', "EntityDefinitions(LogicalName='nosuch')")).status).toBe(404);
  });

  test('$metadata is a CSDL document naming the entity sets', async () => {
    const h = harness();
    const res = await h.send('GET', '$metadata');
    expect(res.status).toBe(200);
    expect(String(res.body)).toContain('<EntitySet Name="nav_accountstatisticses" EntityType="mscrm.nav_accountstatistics">');
    expect(String(res.body)).toContain('<NavigationProperty Name="order_details" Type="Collection(mscrm.salesorderdetail)" />');
  });
});

describe('Dataverse users and the integration identity', () => {
  test('the application user exists, is not a system administrator, and its roles are readable', async () => {
    const h = harness();
    const user = json(await h.send('GET', `systemusers(${h.module.integrationUserId})?$select=fullname,applicationid,accessmode,isintegrationuser`));
    expect(user).toMatchObject({ applicationid: CLIENT_ID, accessmode: 4, isintegrationuser: false, fullname: '# bcsync integration' });
    const roles = json(await h.send('GET', `systemusers(${h.module.integrationUserId})/systemuserroles_association?$select=name`));
    expect(roles['value'].length).toBeGreaterThan(0);
    expect(roles['value'].map((r: { name: string }) => r.name)).not.toContain('System Administrator');
    expect(roles['@odata.context']).toBe(`${BASE}/$metadata#roles(name)`);
  });

  test('roles can be associated and disassociated through $ref', async () => {
    const h = harness();
    const admin = json(await h.send('GET', `roles?$select=name&$filter=${encodeURIComponent("name eq 'System Administrator'")}`))['value'][0];
    const path = `systemusers(${IDS.person})/systemuserroles_association`;
    expect((await h.send('POST', `${path}/$ref`, { body: { '@odata.id': `${BASE}/roles(${admin.roleid})` } })).status).toBe(204);
    expect(json(await h.send('GET', path))['value'].map((r: { roleid: string }) => r.roleid)).toEqual([admin.roleid]);
    expect((await h.send('DELETE', `${path}(${admin.roleid})/$ref`)).status).toBe(204);
    expect(json(await h.send('GET', path))['value']).toEqual([]);
  });

  test('the demo seed loads and the application user for the emulator client id is created without admin rights', () => {
    const seed = loadSeed('demo');
    const module = createDataverseModule({ now: () => Date.UTC(2026, 0, 1), orgUrl: 'http://127.0.0.1:1', applicationClientId: CLIENT_ID, seed: seed.dataverse });
    const user = module.data.get('systemusers', module.integrationUserId)!;
    expect(user['applicationid']).toBe(CLIENT_ID);
    expect(module.data.count('accounts')).toBe(seed.dataverse.records['accounts']!.length);
    expect(module.personUserId).not.toBe(module.integrationUserId);
  });
});

describe('Dataverse in-process data access (a person edits)', () => {
  test('insert and update act as a person: _modifiedby_value is not the integration user; modifiedon and version move', async () => {
    const h = harness();
    const inserted = h.module.data.insert('accounts', { name: 'By hand', _primarycontactid_value: IDS.alice });
    expect(inserted['_primarycontactid_value']).toBe(IDS.alice);
    expect(inserted['_modifiedby_value']).toBe(h.module.personUserId);
    expect(inserted['_modifiedby_value']).not.toBe(h.module.integrationUserId);
    h.clock.ms += 120_000;
    const updated = h.module.data.update('accounts', inserted['accountid'] as string, { telephone1: '1' });
    expect(updated['modifiedon']).toBe('2026-01-15T09:32:00Z');
    expect(updated['versionnumber']).toBeGreaterThan(inserted['versionnumber'] as number);
    expect(h.module.data.count('accounts')).toBe(3);
    h.module.data.remove('accounts', inserted['accountid'] as string);
    expect(h.module.data.count('accounts')).toBe(2);
    expect(() => h.module.data.update('accounts', inserted['accountid'] as string, { name: 'x' })).toThrow(/Does Not Exist/);
    expect(() => h.module.data.list('nosuch')).toThrow(/no entity set 'nosuch'/);
  });

  test('a person may create an order directly in another state and a revised quote (tests use it to stage documents)', async () => {
    const h = harness();
    const so = h.module.data.insert('salesorders', { name: 'Staged', _customerid_value: IDS.contoso, statecode: 1, statuscode: 3 });
    expect(so['statecode']).toBe(1);
    expect(so['_customerid_value']).toBe(IDS.contoso);
    const quote = h.module.data.insert('quotes', { name: 'Q', _customerid_value: IDS.contoso, revisionnumber: 1 });
    expect(quote['revisionnumber']).toBe(1);
    const viaApi = await h.send('POST', 'quotes?$select=revisionnumber', {
      body: { name: 'Q', 'customerid_account@odata.bind': `/accounts(${IDS.contoso})`, revisionnumber: 3 },
      headers: { Prefer: 'return=representation' },
    });
    expect(json(viaApi)['revisionnumber']).toBe(0);
  });
});

describe('Dataverse module contract', () => {
  test('errorBody and errorCodes for the harness', () => {
    const h = harness();
    expect(h.module.errorBody('0x80072322', 'Number of requests exceeded the limit')).toEqual({
      error: { code: '0x80072322', message: 'Number of requests exceeded the limit' },
    });
    expect(h.module.errorCodes.rateLimited).toBe('0x80072322');
    expect(h.module.errorCodes.concurrencyLimited).toBe('0x80072326');
  });
});
