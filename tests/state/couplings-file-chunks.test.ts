import fs from 'node:fs';
import { describe, expect, test } from '@jest/globals';
import { CouplingTable } from '../../src/state/coupling-table.js';
import { makeCoupling } from '../../src/state/schema.js';
import { couplingsFileChunks } from '../../src/state/snapshot.js';
import { tempDir } from './helpers/state-helpers.js';

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

describe("a table's rows written from its columns", () => {
  test('are byte for byte the lines rowLine gives, for every kind of row, extras in memory and spilled alike', () => {
    const dir = tempDir();
    try {
      // 64 bytes of extras in memory: most go to the scratch file and are read back while the file is written.
      const table = new CouplingTable('CUSTOMER', { dir, residentBytes: 64 });
      const guid = (p: string, i: number): string => `${p}${String(i).padStart(7, '0')}-00ab-4cde-8f01-${String(i * 7919).padStart(12, '0')}`;
      const times = ['2026-03-04T05:06:07.891Z', '2026-03-04T05:06:07Z', '2026-03-04T05:06:07.8Z', '2026-03-04T05:06:07.89Z', '2026-03-04T05:06:07.1234567Z', '2026-03-04T05:06:07+01:00', undefined];
      const results = [undefined, 'success', 'failure'] as const;
      for (let i = 0; i < 500; i++) {
        const c = makeCoupling({
          mapping: 'CUSTOMER',
          bcId: i % 13 === 5 ? `C${i}` : guid('b', i),
          dataverseId: i % 17 === 3 ? `opt-${i}` : guid('d', i),
          coupledAt: times[i % 6]!,
          bcModifiedAt: times[(i + 1) % 7],
          dataverseModifiedAt: times[(i + 3) % 7],
          lastResultToDataverse: results[i % 3],
          lastResultToBc: results[(i >> 1) % 3],
          skipped: i % 19 === 0,
          failureCount: i % 23 === 0 ? 2 : 0,
          lastErrorToBc: i % 23 === 0 ? { at: times[0]!, message: 'stale "etag" é' } : undefined,
          extra: i % 4 === 0 ? undefined : { base: `IpOxpi:${'é漢'.repeat(i % 9)}${i}`, dvw: i % 2 === 0, n: [i, -1.5e-3] },
        });
        expect(table.add(c)).toBe('ok');
      }
      const capture = table.capture();
      const fromColumns = written(couplingsFileChunks('CUSTOMER', capture.rows(), capture.count, table)).bytes;
      const fromLines = written(couplingsFileChunks('CUSTOMER', [...capture.rows()].map((e) => (typeof e === 'number' ? capture.source.rowLine(e) : e)), capture.count)).bytes;
      expect(fromColumns.toString('utf8')).toBe(fromLines.toString('utf8'));
      // A hundred or more took the byte path (the rest have a text id or time, a skip or an error); the file reads whole.
      const fromBytes = [...capture.rows()].filter((r) => typeof r === 'number' && table.rowLineBound(r) >= 0);
      expect(fromBytes.length).toBeGreaterThan(100);
      expect((JSON.parse(fromColumns.toString('utf8')) as { rows: unknown[] }).rows).toHaveLength(500);
      capture.release();
      table.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a table's extras log past 32-bit positions", () => {
  test('positions taken to 64 bits half-way keep every extra, in memory and spilled, and the rows written from them', () => {
    const dir = tempDir();
    try {
      // 64-bit positions from 3,000 bytes of log on (4 GiB in use): the switch happens after ~40 rows of 500.
      const table = new CouplingTable('CUSTOMER', { dir, residentBytes: 256 }, 3_000);
      const narrow = new CouplingTable('CUSTOMER', { dir, residentBytes: 256 });
      const guid = (p: string, i: number): string => `${p}${String(i).padStart(7, '0')}-00ab-4cde-8f01-000000000000`;
      const coupling = (i: number, base: string): ReturnType<typeof makeCoupling> =>
        makeCoupling({ mapping: 'CUSTOMER', bcId: guid('b', i), dataverseId: guid('d', i), coupledAt: '2026-03-04T05:06:07.891Z', extra: { base, i } });
      for (let i = 0; i < 500; i++) {
        expect(table.add(coupling(i, `v1-${i}`))).toBe('ok');
        expect(narrow.add(coupling(i, `v1-${i}`))).toBe('ok');
      }
      // Replaced values move their rows to later positions, beyond those of rows not replaced.
      for (let i = 0; i < 500; i += 3) {
        table.replace(i, coupling(i, `v2-${i}-${'é'.repeat(i % 5)}`));
        narrow.replace(i, coupling(i, `v2-${i}-${'é'.repeat(i % 5)}`));
      }
      // The switch happened: 4 more bytes per row of room (the same operations gave both tables the same room).
      expect(table.columnBytes - narrow.columnBytes).toBeGreaterThanOrEqual(4 * 500);
      for (let i = 0; i < 500; i++) {
        expect(table.get(i).extra).toEqual({ base: i % 3 === 0 ? `v2-${i}-${'é'.repeat(i % 5)}` : `v1-${i}`, i });
        expect(table.rowLine(i)).toBe(narrow.rowLine(i));
      }
      const capture = table.capture();
      const wide = written(couplingsFileChunks('CUSTOMER', capture.rows(), capture.count, table)).bytes.toString('utf8');
      capture.release();
      const narrowCapture = narrow.capture();
      expect(wide).toBe(written(couplingsFileChunks('CUSTOMER', narrowCapture.rows(), narrowCapture.count, narrow)).bytes.toString('utf8'));
      narrowCapture.release();
      table.dispose();
      narrow.dispose();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
