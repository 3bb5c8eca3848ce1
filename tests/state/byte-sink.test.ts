import { describe, expect, test } from '@jest/globals';
import { ByteSink } from '../../src/state/files.js';
import { seededRandom } from './helpers/state-helpers.js';

describe('ByteSink (journal batches as bytes)', () => {
  test('strings (any UTF-8) and bytes come out in order, across chunks that grow from 64 KB to 1 MB', () => {
    const rnd = seededRandom(11);
    const sink = new ByteSink();
    const expected: Buffer[] = [];
    const alphabet = ['a', '"', '\\', 'é', '漢', '😀', '\n', '0'];
    for (let i = 0; i < 20_000; i++) {
      if (rnd() < 0.5) {
        const s = Array.from({ length: Math.floor(rnd() * 300) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
        sink.text(s);
        expected.push(Buffer.from(s, 'utf8'));
      } else {
        const b = Buffer.from(Array.from({ length: Math.floor(rnd() * 200) }, () => Math.floor(rnd() * 256)));
        const from = Math.floor(rnd() * b.length);
        sink.bytes(b, from, b.length);
        expected.push(b.subarray(from));
      }
    }
    // One value larger than any chunk.
    const big = 'x'.repeat(3 << 20);
    sink.text(big);
    expected.push(Buffer.from(big));
    const all = Buffer.concat(expected);
    expect(sink.length).toBe(all.length);
    const chunks = sink.take();
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks[0]!.length).toBeLessThanOrEqual(64 * 1024);
    expect(Buffer.concat(chunks).equals(all)).toBe(true);
    expect(sink.take()).toEqual([]);
  });
});
