import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startEmulators } from '../../../src/emulators/index.js';
import type { RunningEmulators } from '../../../src/emulators/types.js';

describe('BC: a new customer or vendor gets a company contact with a business relation', () => {
  let emu: RunningEmulators;
  beforeAll(async () => {
    emu = await startEmulators({ seed: 'empty' });
  });
  afterAll(async () => emu?.close());

  test.each([
    ['customers', 'Customer'],
    ['vendors', 'Vendor'],
  ])('%s', (set, relatedType) => {
    const before = emu.bc.count('contacts');
    const row = emu.bc.insert(set, { displayName: `New ${relatedType} Ltd` });
    expect(emu.bc.count('contacts')).toBe(before + 1);
    const relation = emu.bc.list('contactsInformation').find((r) => r.relatedId === row.id)!;
    expect(relation).toMatchObject({ contactType: 'Company', relatedType, contactName: `New ${relatedType} Ltd` });
    const contact = emu.bc.get('contacts', String(relation.contactId))!;
    expect(contact).toMatchObject({ type: 'Company', displayName: `New ${relatedType} Ltd`, companyNumber: relation.contactNumber });
  });
});
