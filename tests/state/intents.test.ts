import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { StateError } from '../../src/errors.js';
import { INTENTS_FILE, IntentJournal, readOpenIntents, type NewIntent } from '../../src/state/index.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bcsync-intents-'));
});
afterEach(async () => fs.rm(dir, { recursive: true, force: true }));

const create = (sourceId: string, extra: Partial<NewIntent> = {}): NewIntent => ({
  mapping: 'CUSTOMER',
  direction: 'to-dataverse',
  target: 'dataverse',
  entitySet: 'accounts',
  sourceId,
  chosenId: `00000000-0000-5000-8000-${sourceId.padStart(12, '0')}`,
  ...extra,
});

describe('write-ahead intent journal', () => {
  test('a long run does not grow the file without bound: past a size it is rewritten with the open intents only', async () => {
    const journal = await IntentJournal.open(dir);
    journal.rewriteAfterBytes = 4096;
    const keptOpen = await journal.record([create('kept')]);
    let largest = 0;
    for (let batch = 0; batch < 200; batch++) {
      const made = await journal.record(Array.from({ length: 10 }, (_, i) => create(String(batch * 10 + i))));
      largest = Math.max(largest, (await fs.stat(path.join(dir, INTENTS_FILE))).size);
      await journal.close(made);
    }
    // 2,000 intents opened and closed (~600 KB of lines): the file never held much more than the threshold.
    expect(largest).toBeLessThan(4096 + 10 * 400);
    const reopened = await IntentJournal.open(dir);
    expect(reopened.open().map((i) => i.sourceId)).toEqual(['kept']);
    expect(reopened.open()[0]!.seq).toBe(keptOpen[0]!.seq);
  });

  test('recorded intents are on disk (mode 0600) before record() resolves and survive a reopen', async () => {
    const journal = await IntentJournal.open(dir, () => Date.parse('2026-01-01T10:00:00Z'));
    const made = await journal.record([create('1'), create('2', { target: 'bc', entitySet: 'customers', chosenId: undefined, keys: { displayName: 'Adatum' } })]);
    expect(made.map((i) => i.seq)).toEqual([1, 2]);
    expect(made[0]!.at).toBe('2026-01-01T10:00:00.000Z');
    const stat = await fs.stat(path.join(dir, INTENTS_FILE));
    expect(stat.mode & 0o777).toBe(0o600);
    const reopened = await IntentJournal.open(dir);
    expect(reopened.open('CUSTOMER').map((i) => i.sourceId)).toEqual(['1', '2']);
    expect(reopened.open('VENDOR')).toEqual([]);
    expect((await readOpenIntents(dir)).map((i) => i.keys)).toEqual([undefined, { displayName: 'Adatum' }]);
  });

  test('a batch recorded as a range is the same line on disk; its open intents are found by the range and closed by it', async () => {
    const at = () => Date.parse('2026-01-01T10:00:00Z');
    const byObjects = await IntentJournal.open(path.join(dir, 'a'), at);
    const byRange = await IntentJournal.open(path.join(dir, 'b'), at);
    const batch = Array.from({ length: 5 }, (_, i) => create(String(i + 1)));
    await byObjects.record([create('0')]);
    await byRange.record([create('0')]);
    const made = await byObjects.record(batch);
    const range = await byRange.recordRange(batch);
    expect(range).toEqual({ first: 2, count: 5 });
    expect(await fs.readFile(path.join(dir, 'b', INTENTS_FILE), 'utf8')).toBe(await fs.readFile(path.join(dir, 'a', INTENTS_FILE), 'utf8'));
    expect(byRange.openIn(range)).toEqual(made);
    // Closed in part (a lost answer resolved some), the rest are what the range still finds; closing it ends them.
    await byRange.close(made.slice(0, 2));
    expect(byRange.openIn(range).map((i) => i.sourceId)).toEqual(['3', '4', '5']);
    await byRange.closeRange(range);
    expect(byRange.openIn(range)).toEqual([]);
    expect((await IntentJournal.open(path.join(dir, 'b'))).open().map((i) => i.sourceId)).toEqual(['0']);
    expect(await byRange.recordRange([])).toEqual({ first: 7, count: 0 });
  });

  test('closed intents are gone after a reopen, and new ones never reuse a number', async () => {
    const journal = await IntentJournal.open(dir);
    const [a, b] = await journal.record([create('1'), create('2')]);
    await journal.close([a!]);
    const reopened = await IntentJournal.open(dir);
    expect(reopened.open().map((i) => i.seq)).toEqual([b!.seq]);
    const [c] = await reopened.record([create('3')]);
    expect(c!.seq).toBeGreaterThan(b!.seq);
  });

  test('a torn last line (a crash in the middle of an append) is ignored; the rest is kept', async () => {
    const journal = await IntentJournal.open(dir);
    await journal.record([create('1')]);
    await fs.appendFile(path.join(dir, INTENTS_FILE), '{"open":{"seq":2,"mapping":"CUS');
    expect((await readOpenIntents(dir)).map((i) => i.sourceId)).toEqual(['1']);
    const reopened = await IntentJournal.open(dir);
    expect(reopened.open().map((i) => i.sourceId)).toEqual(['1']);
  });

  test('a corrupt line in the middle is a clear state error and the file is left as it was', async () => {
    const file = path.join(dir, INTENTS_FILE);
    const text = '{"open":{"seq":1}}\nnot json\n{"done":[1]}\n';
    await fs.writeFile(file, text);
    await expect(IntentJournal.open(dir)).rejects.toThrow(StateError);
    await expect(IntentJournal.open(dir)).rejects.toThrow(/line 1 is not an intent; move the file away/);
    expect(await fs.readFile(file, 'utf8')).toBe(text);
  });

  test('opening rewrites the file with only the open intents', async () => {
    const journal = await IntentJournal.open(dir);
    const made = await journal.record([create('1'), create('2'), create('3')]);
    await journal.close(made.slice(0, 2));
    await IntentJournal.open(dir);
    const lines = (await fs.readFile(path.join(dir, INTENTS_FILE), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!).open.sourceId).toBe('3');
  });

  test('a detached copy (dry run) resolves in memory and leaves the file alone', async () => {
    const journal = await IntentJournal.open(dir);
    const [a] = await journal.record([create('1')]);
    const before = await fs.readFile(path.join(dir, INTENTS_FILE), 'utf8');
    const dry = journal.detached();
    await dry.close([a!]);
    await dry.record([create('9')]);
    expect(dry.open().map((i) => i.sourceId)).toEqual(['9']);
    expect(journal.open().map((i) => i.sourceId)).toEqual(['1']);
    expect(await fs.readFile(path.join(dir, INTENTS_FILE), 'utf8')).toBe(before);
  });

  test('a batch of creates is one line and one fsync, closed by one line of ranges; a reopen gives back each intent as recorded', async () => {
    const journal = await IntentJournal.open(dir, () => Date.parse('2026-01-01T10:00:00Z'));
    const file = path.join(dir, INTENTS_FILE);
    const made = await journal.record([
      ...Array.from({ length: 1000 }, (_, i) => create(String(i), { sourceModifiedAt: i % 2 ? '2026-01-01T09:00:00.123Z' : undefined })),
      create('bc-1', { target: 'bc', entitySet: 'customers', chosenId: undefined, keys: { number: 'C "1"', name: 'é' } }),
    ]);
    expect(made.map((i) => i.seq)).toEqual(Array.from({ length: 1001 }, (_, i) => i + 1));
    const lines = (await fs.readFile(file, 'utf8')).trim().split('\n');
    // Two groups (entity sets): two lines, the first holding 1,000 creates without repeating what they share.
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!).batch.sourceIds).toHaveLength(1000);
    expect((await fs.stat(file)).size / 1001).toBeLessThan(120);
    const reopened = await IntentJournal.open(dir);
    expect(reopened.open()).toEqual(made);
    expect(await readOpenIntents(dir)).toEqual(made);

    // Closing all but three: one done line of ranges, not a thousand numbers.
    await journal.close([...made.slice(0, 500), ...made.slice(501, 998)]);
    const done = (await fs.readFile(file, 'utf8')).trim().split('\n').at(-1)!;
    expect(JSON.parse(done)).toEqual({ done: [[1, 500], [502, 998]] });
    const left = [made[500]!, made[998]!, made[999]!, made[1000]!];
    expect(journal.open()).toEqual(left);
    expect((await IntentJournal.open(dir)).open()).toEqual(left);
    // The partly closed batch is rewritten as its open intents only.
    expect((await fs.readFile(file, 'utf8')).trim().split('\n')).toHaveLength(4);
    expect((await IntentJournal.open(dir)).open()).toEqual(left);
  });

  test('a file written one intent per line (before batches) is still read, and new numbers follow its highest', async () => {
    const file = path.join(dir, INTENTS_FILE);
    const at = '2026-01-01T10:00:00.000Z';
    const old = (seq: number, extra: object): string =>
      JSON.stringify({ open: { seq, mapping: 'CUSTOMER', direction: 'to-dataverse', target: 'dataverse', entitySet: 'accounts', sourceId: `s${seq}`, ...extra, at } });
    await fs.writeFile(file, [old(1, { chosenId: 'c1' }), old(2, { sourceModifiedAt: at, chosenId: 'c2' }), old(7, { keys: { no: '7' } }), '{"done":[1]}', ''].join('\n'));
    expect((await readOpenIntents(dir)).map((i) => [i.seq, i.sourceId, i.sourceModifiedAt, i.chosenId, i.keys])).toEqual([
      [2, 's2', at, 'c2', undefined],
      [7, 's7', undefined, undefined, { no: '7' }],
    ]);
    const journal = await IntentJournal.open(dir);
    const [next] = await journal.record([create('new')]);
    expect(next!.seq).toBe(8);
    await journal.close(journal.open().filter((i) => i.seq === 2));
    expect((await IntentJournal.open(dir)).open().map((i) => i.seq)).toEqual([7, 8]);
  });

  test('a batch whose columns differ in length is a clear state error, not intents made up', async () => {
    const file = path.join(dir, INTENTS_FILE);
    const text =
      '{"batch":{"seq":1,"mapping":"CUSTOMER","direction":"to-dataverse","target":"dataverse","entitySet":"accounts","at":"2026-01-01T10:00:00.000Z","sourceIds":["a","b"],"sourceModifiedAts":["",""],"chosenIds":["c"]}}\n{"done":[1]}\n';
    await fs.writeFile(file, text);
    await expect(IntentJournal.open(dir)).rejects.toThrow(/line 1 is not an intent; move the file away/);
    expect(await fs.readFile(file, 'utf8')).toBe(text);
  });

  test('batches recorded at once share a write and an fsync (group commit), each durable before its record() resolves', async () => {
    const journal = await IntentJournal.open(dir);
    const before = journal.fileWrites;
    // 52 batches of 20 creates leave at once, as the write pipeline sends them.
    const recorded = await Promise.all(
      Array.from({ length: 52 }, (_, b) => journal.record(Array.from({ length: 20 }, (_, i) => create(`${b}-${i}`)))),
    );
    // All 52 are appended before the first write starts (it starts on a later turn): one write, one fsync.
    expect(journal.fileWrites - before).toBe(1);
    const onDisk = await readOpenIntents(dir);
    expect(onDisk.map((i) => i.sourceId).sort()).toEqual(recorded.flat().map((i) => i.sourceId).sort());
    expect(new Set(onDisk.map((i) => i.seq)).size).toBe(52 * 20);
  });

  test('lines appended while a rewrite is queued land after it: nothing recorded is lost from the file', async () => {
    const journal = await IntentJournal.open(dir);
    journal.rewriteAfterBytes = 1;
    const first = journal.record([create('a')]);
    const second = journal.record([create('b')]);
    const closing = (async () => journal.close(await first))();
    const third = journal.record([create('c')]);
    await Promise.all([first, second, closing, third]);
    const fourth = await journal.record([create('d')]);
    expect((await readOpenIntents(dir)).map((i) => i.sourceId).sort()).toEqual(['b', 'c', 'd']);
    await journal.close([...(await second), ...(await third), ...fourth]);
    expect(await readOpenIntents(dir)).toEqual([]);
  });

  test('a missing state directory has no open intents', async () => {
    expect(await readOpenIntents(path.join(dir, 'nothing-here'))).toEqual([]);
  });
});
