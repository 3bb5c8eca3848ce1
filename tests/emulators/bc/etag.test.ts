/**
 * BC's `@odata.etag` text (docs/protocols.md §2.5): the base64 of `'<len>;<rowversion>;00;'`, written without
 * Buffer; these are the tags the Buffer-based version gave, for every remainder of the text's length by 3.
 */
import { describe, test, expect } from '@jest/globals';
import { formatEtag } from '../../../src/emulators/bc/values.js';

describe('formatEtag', () => {
  test('gives the tags of the base64 of the row version text', () => {
    expect(formatEtag(1)).toBe('W/"JzE7MTswMDsn"');
    expect(formatEtag(12)).toBe('W/"JzI7MTI7MDA7Jw=="');
    expect(formatEtag(123)).toBe('W/"JzM7MTIzOzAwOyc="');
    expect(formatEtag(10001)).toBe('W/"JzU7MTAwMDE7MDA7Jw=="');
    expect(formatEtag(123456)).toBe('W/"JzY7MTIzNDU2OzAwOyc="');
    expect(formatEtag(9999999)).toBe('W/"Jzc7OTk5OTk5OTswMDsn"');
    expect(formatEtag(12345678901)).toBe('W/"JzExOzEyMzQ1Njc4OTAxOzAwOyc="');
  });

  test('agrees with Node\'s base64 for row versions of every length', () => {
    for (let v = 1; v < 1e15; v = v * 7 + 3) {
      const digits = String(v);
      const expected = `W/"${Buffer.from(`'${digits.length};${digits};00;'`, 'latin1').toString('base64')}"`;
      expect(formatEtag(v)).toBe(expected);
    }
  });
});
