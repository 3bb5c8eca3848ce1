import { afterAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { StateStore } from '../../src/state/index.js';
import { tempDir } from './helpers/state-helpers.js';

/** Couplings read from a mapping's file (held as rows and an index) behave as couplings made in the run. */
const M = 'CUSTOMER';
const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('couplings loaded from a file, then changed', () => {
  test('lookups, replace, uncouple, couple again and iteration see every change once; reopened, the same', async () => {
    let s = await StateStore.open(dir, { lock: true });
    for (let i = 0; i < 50; i++) s.couple({ mapping: M, bcId: `b${i}`, dataverseId: `d${i}`, syncedDirection: 'to-dataverse' });
    s.markFailure(M, { bcId: 'b7' }, 'to-dataverse', 'boom');
    await s.compact();
    await s.close();

    s = await StateStore.open(dir, { lock: true });
    expect(s.size).toBe(50);
    const b3 = s.byBcId(M, 'b3');
    expect(b3).toMatchObject({ bcId: 'b3', dataverseId: 'd3', lastResultToDataverse: 'success', skipped: false, failureCount: 0 });
    // One object per coupling, whichever id it is found by.
    expect(s.byDataverseId(M, 'd3')).toBe(b3);
    expect(s.counts(M)).toEqual({ couplings: 50, failed: 1, skipped: 0, uncoupledFailures: 0 });
    expect(s.byBcId(M, 'b7')?.lastErrorToDataverse?.message).toBe('boom');

    // The same pair again: nothing changes.
    expect(s.couple({ mapping: M, bcId: 'b3', dataverseId: 'd3' }).existed).toBe(true);
    // b4 coupled to another row: the old Dataverse id is free, the new one found.
    s.couple({ mapping: M, bcId: 'b4', dataverseId: 'x4' }, { replace: true });
    expect(s.byDataverseId(M, 'd4')).toBeUndefined();
    expect(s.byDataverseId(M, 'x4')?.bcId).toBe('b4');
    // Uncoupled, then its Dataverse id coupled to a new BC record.
    expect(s.uncouple(M, { bcId: 'b5' })?.dataverseId).toBe('d5');
    expect(s.byBcId(M, 'b5')).toBeUndefined();
    s.couple({ mapping: M, bcId: 'n5', dataverseId: 'd5' });
    s.couple({ mapping: M, bcId: 'n99', dataverseId: 'd99' });
    s.markSuccess(M, 'b7', 'to-dataverse', { bcModifiedAt: '2026-03-01T00:00:00Z' });
    expect(s.size).toBe(51);
    expect(s.counts(M).failed).toBe(0);

    const seen = [...s.couplings(M)].map((c) => `${c.bcId}=${c.dataverseId}`);
    const expected = [
      ...Array.from({ length: 50 }, (_, i) => i)
        .filter((i) => i !== 5)
        .map((i) => (i === 4 ? 'b4=x4' : `b${i}=d${i}`)),
      'n5=d5',
      'n99=d99',
    ];
    expect(seen.sort()).toEqual(expected.sort());
    await s.close();

    for (const lock of [true, false]) {
      const again = await StateStore.open(dir, { lock });
      expect([...again.couplings(M)].map((c) => `${c.bcId}=${c.dataverseId}`).sort()).toEqual(expected.sort());
      expect(again.byBcId(M, 'b7')?.bcModifiedAt).toBe('2026-03-01T00:00:00Z');
      expect(again.byDataverseId(M, 'd5')?.bcId).toBe('n5');
      await again.close();
    }
  });

  test('uncoupling a whole mapping that was never read does not read it', async () => {
    const first = await StateStore.open(dir, { lock: true });
    await first.compact(); // the journal empty: opening reads nothing of CUSTOMER
    await first.close();
    // Made unreadable: reading it would throw.
    const header = JSON.parse(fs.readFileSync(path.join(dir, 'couplings.json'), 'utf8').split('\n')[0]!.slice(0, -1) + '}');
    fs.writeFileSync(path.join(dir, header.mappings[M].file), 'unreadable\n');
    const s = await StateStore.open(dir, { lock: true });
    expect(s.size).toBe(51);
    expect(s.uncoupleAll(M)).toBe(51);
    expect(s.size).toBe(0);
    expect([...s.couplings(M)]).toEqual([]);
    s.couple({ mapping: M, bcId: 'b1', dataverseId: 'd1' });
    await s.close();
    const again = await StateStore.open(dir, { lock: false });
    expect([...again.couplings(M)].map((c) => c.bcId)).toEqual(['b1']);
    await again.close();
  });

  test('rows read the fast way and the slow way (escapes, more) keep their own values', async () => {
    const d = tempDir();
    try {
      const t1 = '2026-01-01T10:00:00.000Z';
      const t2 = '2026-01-02T10:00:00.000Z';
      fs.mkdirSync(path.join(d, 'couplings'));
      fs.writeFileSync(
        path.join(d, 'couplings.json'),
        `{"format":"bcsync-state","schemaVersion":2,"savedAt":"${t1}","journalSeq":0,"watermarks":{},"mappings":{"CUSTOMER":{"file":"couplings/CUSTOMER.0.json","couplings":4}},\n"uncoupledFailures":[\n]}\n`,
      );
      fs.writeFileSync(
        path.join(d, 'couplings', 'CUSTOMER.0.json'),
        [
          '{"format":"bcsync-couplings","schemaVersion":2,"mapping":"CUSTOMER","columns":["bcId","dataverseId","coupledAt","bcModifiedAt","dataverseModifiedAt","results","more"],"count":4,',
          '"rows":[',
          `["a","d-a","${t1}","","","s-"],`,
          `["b\\"q","d-b","${t2}","${t2}","","-s"],`,
          `["c","d-c","${t1}","","${t1}","ff",{"failureCount":3,"skipped":true,"extra":{"k":[1,"x"]}}],`,
          `["D","E","${t1}","","","--"]`,
          ']}',
          '',
        ].join('\n'),
      );
      const s = await StateStore.open(d, { lock: false });
      expect(s.byBcId(M, 'a')).toMatchObject({ coupledAt: t1, lastResultToDataverse: 'success', lastResultToBc: undefined });
      expect(s.byBcId(M, 'b"q')).toMatchObject({ coupledAt: t2, bcModifiedAt: t2, lastResultToDataverse: undefined, lastResultToBc: 'success' });
      expect(s.byBcId(M, 'c')).toMatchObject({ coupledAt: t1, dataverseModifiedAt: t1, failureCount: 3, skipped: true, extra: { k: [1, 'x'] } });
      expect(s.byDataverseId(M, 'E')?.bcId).toBe('D');
      expect(s.counts(M)).toEqual({ couplings: 4, failed: 0, skipped: 1, uncoupledFailures: 0 });
      await s.close();
    } finally {
      fs.rmSync(d, { recursive: true, force: true });
    }
  });
});
