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

  test('a missing state directory has no open intents', async () => {
    expect(await readOpenIntents(path.join(dir, 'nothing-here'))).toEqual([]);
  });
});
