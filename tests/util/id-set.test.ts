import { expect, test } from '@jest/globals';
import { IdSet } from '../../src/util/id-set.js';

const guid = (n: number) => `5ca1e001-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

test('holds GUIDs made in sequence through several growths, and nothing it was not given', () => {
  const set = new IdSet();
  for (let i = 0; i < 5000; i++) set.add(guid(i * 2));
  expect(set.size).toBe(5000);
  for (let i = 0; i < 5000; i++) {
    expect(set.has(guid(i * 2))).toBe(true);
    expect(set.has(guid(i * 2 + 1))).toBe(false);
  }
  set.add(guid(0));
  expect(set.size).toBe(5000);
});

test('GUIDs compare case-insensitively; the nil GUID and ids that are not GUIDs are held too', () => {
  const set = new IdSet();
  set.add('ABCDEF01-2345-6789-ABCD-EF0123456789');
  expect(set.has('abcdef01-2345-6789-abcd-ef0123456789')).toBe(true);
  expect(set.has('00000000-0000-0000-0000-000000000000')).toBe(false);
  set.add('00000000-0000-0000-0000-000000000000');
  expect(set.has('00000000-0000-0000-0000-000000000000')).toBe(true);
  set.add('10000');
  set.add('abcdef01-2345-6789-abcd-ef012345678'); // one digit short: not a GUID
  expect(set.has('10000')).toBe(true);
  expect(set.has('abcdef01-2345-6789-abcd-ef012345678')).toBe(true);
  expect(set.has('abcdef01-2345-6789-abcd-ef01234567')).toBe(false);
  expect(set.size).toBe(4);
});

test('room reserved at once is used as ids are added: the table is not grown (and copied) meanwhile', () => {
  const set = new IdSet();
  for (let i = 0; i < 100; i++) set.add(guid(i));
  set.reserve(20_000);
  const reserved = set.tableBytes;
  // At most 3/4 full: 32,768 slots of 16 bytes for 20,000 ids.
  expect(reserved).toBe(32_768 * 16);
  for (let i = 100; i < 20_000; i++) set.add(guid(i));
  expect(set.tableBytes).toBe(reserved);
  expect(set.size).toBe(20_000);
  for (let i = 0; i < 20_000; i++) expect(set.has(guid(i))).toBe(true);
  expect(set.has(guid(20_000))).toBe(false);
  // Reserving less than it holds changes nothing.
  set.reserve(10);
  expect(set.tableBytes).toBe(reserved);
});
