import { describe, expect, test } from '@jest/globals';
import { couplingsFileChunks } from '../../src/state/snapshot.js';

/** Copies of what the generator hands out, each taken before the next is asked for (as the file writer does). */
function written(chunks: Iterable<Uint8Array>): { bytes: Buffer; buffers: Set<ArrayBufferLike>; sizes: number[] } {
  const parts: Buffer[] = [];
  const buffers = new Set<ArrayBufferLike>();
  for (const chunk of chunks) {
    parts.push(Buffer.from(chunk));
    buffers.add(chunk.buffer);
  }
  return { bytes: Buffer.concat(parts), buffers, sizes: parts.map((p) => p.length) };
}

describe('couplingsFileChunks', () => {
  test('a mapping file of many chunks is written from one reused buffer, byte for byte the text of its rows', () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => `["${String(i).padStart(8, '0')}-0000-4000-8000-000000000000","x","2026-01-01T00:00:00.000Z","","","ss",{"extra":{"n":"é ${i}"}}]`);
    const out = written(couplingsFileChunks('CUSTOMER', lines, lines.length));
    const text = out.bytes.toString('utf8');
    expect(text.endsWith(`\n${lines.at(-1)}\n]}\n`)).toBe(true);
    const doc = JSON.parse(text) as { mapping: string; count: number; rows: unknown[] };
    expect(doc.mapping).toBe('CUSTOMER');
    expect(doc.count).toBe(20_000);
    expect(doc.rows).toEqual(lines.map((l) => JSON.parse(l)));
    // Several chunks of at most 1 MiB, all views of the same memory: the file's size does not decide what is held.
    expect(out.sizes.length).toBeGreaterThan(2);
    expect(Math.max(...out.sizes)).toBeLessThanOrEqual(1 << 20);
    expect(out.buffers.size).toBe(1);
  });

  test('a row longer than a chunk goes out on its own; an empty mapping is its header and footer', () => {
    const long = `["a","b","","","","ss",{"extra":{"note":"${'y'.repeat(1_200_000)}"}}]`;
    const lines = ['["c","d","","","","ss"]', long, '["e","f","","","","ss"]'];
    const text = written(couplingsFileChunks('ITEM', lines, 3)).bytes.toString('utf8');
    expect((JSON.parse(text) as { rows: unknown[] }).rows).toEqual(lines.map((l) => JSON.parse(l)));
    expect(JSON.parse(written(couplingsFileChunks('ITEM', [], 0)).bytes.toString('utf8'))).toEqual(expect.objectContaining({ mapping: 'ITEM', count: 0, rows: [] }));
    expect(() => written(couplingsFileChunks('ITEM', lines, 4))).toThrow('wrote 3 couplings of ITEM, expected 4');
  });
});
