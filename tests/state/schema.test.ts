import { describe, expect, test } from '@jest/globals';
import { couplingSchema, isIsoTime, normalizeId, parseCoupling, parseJournalEntry, journalEntrySchema } from '../../src/state/schema.js';
import { maskSecrets } from '../../src/state/mask.js';

const base = {
  mapping: 'CUSTOMER',
  bcId: 'b1',
  dataverseId: 'd1',
  coupledAt: '2026-01-01T00:00:00Z',
  bcModifiedAt: '2026-01-01T00:00:00.123Z',
  dataverseModifiedAt: '2026-01-01T00:00:00+02:00',
  lastResultToDataverse: 'success',
  skipped: false,
  failureCount: 0,
};

// Each variant against both the hand-written fast path and the zod schema: they must agree.
const variants: [string, unknown][] = [
  ['complete', base],
  ['minimal', { mapping: 'M', bcId: 'b', dataverseId: 'd', coupledAt: '2026-01-01T00:00Z' }],
  ['with errors and extra', { ...base, lastResultToBc: 'failure', lastErrorToBc: { message: 'x', at: '2026-01-01T00:00:00Z' }, extra: { a: [1, { b: null }] } }],
  ['empty mapping', { ...base, mapping: '' }],
  ['empty id', { ...base, bcId: '' }],
  ['long id', { ...base, dataverseId: 'x'.repeat(401) }],
  ['numeric id', { ...base, bcId: 12 }],
  ['missing coupledAt', { ...base, coupledAt: undefined }],
  ['bad month', { ...base, coupledAt: '2026-13-01T00:00:00Z' }],
  ['no zone', { ...base, bcModifiedAt: '2026-01-01T00:00:00' }],
  ['bad result', { ...base, lastResultToDataverse: 'ok' }],
  ['null result', { ...base, lastResultToDataverse: null }],
  ['string skipped', { ...base, skipped: 'false' }],
  ['negative count', { ...base, failureCount: -1 }],
  ['fractional count', { ...base, failureCount: 1.5 }],
  ['unknown key', { ...base, color: 'red' }],
  ['proto key', JSON.parse('{"mapping":"M","bcId":"b","dataverseId":"d","coupledAt":"2026-01-01T00:00:00Z","__proto__":{"x":1}}')],
  ['array', [base]],
  ['null', null],
  ['bad error shape', { ...base, lastErrorToDataverse: { message: 'x' } }],
];

describe('state file validation', () => {
  test.each(variants)('fast path and zod schema agree: %s', (_name, value) => {
    const fast = parseCoupling(value);
    expect(fast.ok).toBe(couplingSchema.safeParse(value).success);
    if (!fast.ok) expect(fast.problem.length).toBeGreaterThan(0);
  });

  test.each([
    ['put', { seq: 1, op: 'put', coupling: base }, true],
    ['commit', { seq: 2, op: 'commit', at: '2026-01-01T00:00:00Z', changes: 1 }, true],
    ['commit with bad time', { seq: 2, op: 'commit', at: 'now', changes: 1 }, false],
    ['seq zero', { seq: 0, op: 'put', coupling: base }, false],
    ['extra key on put', { seq: 1, op: 'put', coupling: base, x: 1 }, false],
    ['unknown op', { seq: 1, op: 'drop' }, false],
    ['watermark reset', { seq: 3, op: 'watermark', mapping: 'M', side: 'bc', at: null }, true],
  ] as const)('journal entry %s', (_name, value, ok) => {
    expect(parseJournalEntry(value).ok).toBe(ok);
    expect(journalEntrySchema.safeParse(value).success).toBe(ok);
  });

  test('ISO times: ranges checked without Date.parse', () => {
    for (const ok of ['2026-01-31T23:59:59Z', '2026-01-01T00:00Z', '2026-06-01T12:00:00.1234567+05:30']) expect(isIsoTime(ok)).toBe(true);
    for (const bad of ['2026-00-01T00:00:00Z', '2026-01-32T00:00:00Z', '2026-01-01T24:00:00Z', '2026-01-01', '2026-01-01T00:00:00+25:00', ' 2026-01-01T00:00:00Z']) {
      expect(isIsoTime(bad)).toBe(false);
    }
  });

  test('ids: GUIDs lower-cased without braces, anything else untouched', () => {
    expect(normalizeId('{AAAAAAAA-1111-4111-8111-BBBBBBBBBBBB}')).toBe('aaaaaaaa-1111-4111-8111-bbbbbbbbbbbb');
    expect(normalizeId('aaaaaaaa-1111-4111-8111-bbbbbbbbbbbb')).toBe('aaaaaaaa-1111-4111-8111-bbbbbbbbbbbb');
    expect(normalizeId('C00010')).toBe('C00010');
    expect(normalizeId('{not-a-guid}')).toBe('{not-a-guid}');
  });

  test('secret masking', () => {
    expect(maskSecrets('Authorization: Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi.abc.def')).toBe('Authorization: Bearer ***');
    expect(maskSecrets('client_secret=abc123&scope=x')).toBe('client_secret=***&scope=x');
    expect(maskSecrets('"password": "hunter2"')).toBe('"password": "***"');
    expect(maskSecrets('id eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sig_nature here')).toBe('id *** here');
    expect(maskSecrets('Name is too long (max 100)')).toBe('Name is too long (max 100)');
  });
});
