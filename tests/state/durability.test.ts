import { afterEach, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { StateError } from '../../src/errors.js';
import { JOURNAL_FILE, LOCK_DIR_NAME, SNAPSHOT_FILE, StateStore } from '../../src/state/index.js';
import { fingerprint, tempDir } from './helpers/state-helpers.js';

const M = 'CUSTOMER';
const dirs: string[] = [];
const stores: StateStore[] = [];

function newDir(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}

async function open(dir: string, lock = true, autoCompactBytes?: number): Promise<StateStore> {
  const s = await StateStore.open(dir, { lock, ...(autoCompactBytes !== undefined ? { autoCompactBytes } : {}) });
  stores.push(s);
  return s;
}

/** A state with two committed batches (couplings bc-0..bc-4) and the journal not yet compacted. */
async function seeded(): Promise<string> {
  const dir = newDir();
  const s = await open(dir);
  for (let i = 0; i < 3; i++) s.couple({ mapping: M, bcId: `bc-${i}`, dataverseId: `dv-${i}` });
  await s.commit();
  for (let i = 3; i < 5; i++) s.couple({ mapping: M, bcId: `bc-${i}`, dataverseId: `dv-${i}` });
  s.setWatermark(M, 'bc', '2026-01-01T00:00:00Z');
  await s.commit();
  await s.close();
  return dir;
}

function ids(s: StateStore): string[] {
  return [...s.couplings(M)].map((c) => c.bcId).sort();
}

async function expectStateError(dir: string, lock: boolean, pattern: RegExp): Promise<void> {
  const before = fingerprint(dir);
  let error: unknown;
  try {
    await open(dir, lock);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(StateError);
  expect((error as Error).message).toMatch(pattern);
  // Every file byte-identical, and no lock left behind.
  expect(fingerprint(dir)).toEqual(before);
  expect(fs.existsSync(path.join(dir, LOCK_DIR_NAME))).toBe(false);
}

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('journal', () => {
  test('a torn final line is ignored: read-only leaves it, a writable open cuts it off and appends after it', async () => {
    const dir = await seeded();
    const journal = path.join(dir, JOURNAL_FILE);
    const good = fs.readFileSync(journal);
    fs.appendFileSync(journal, '{"seq":9,"op":"put","coupling":{"mapping":"CUSTOMER","bcId":"bc-9","data');
    const torn = fingerprint(dir);

    const reader = await open(dir, false);
    expect(ids(reader)).toEqual(['bc-0', 'bc-1', 'bc-2', 'bc-3', 'bc-4']);
    expect(fingerprint(dir)).toEqual(torn);

    const writer = await open(dir);
    expect(ids(writer)).toHaveLength(5);
    expect(fs.readFileSync(journal).equals(good)).toBe(true);
    writer.couple({ mapping: M, bcId: 'bc-5', dataverseId: 'dv-5' });
    await writer.commit();
    await writer.close();
    const again = await open(dir, false);
    expect(ids(again)).toHaveLength(6);
  });

  test('a batch without its commit line is dropped as a whole', async () => {
    const dir = await seeded();
    const journal = path.join(dir, JOURNAL_FILE);
    const lines = fs.readFileSync(journal, 'utf8').trim().split('\n');
    const lastSeq = JSON.parse(lines[lines.length - 1]!).seq as number;
    const put = (n: number, seq: number): string =>
      JSON.stringify({ seq, op: 'put', coupling: { mapping: M, bcId: `bc-${n}`, dataverseId: `dv-${n}`, coupledAt: '2026-01-01T00:00:00Z' } });
    fs.appendFileSync(journal, `${put(7, lastSeq + 1)}\n${put(8, lastSeq + 2)}\n`);
    const s = await open(dir);
    expect(ids(s)).toHaveLength(5);
    expect(s.byBcId(M, 'bc-7')).toBeUndefined();
  });

  test('an unreadable line followed by more lines is corruption: StateError naming file and line, files untouched', async () => {
    const dir = await seeded();
    const journal = path.join(dir, JOURNAL_FILE);
    const lines = fs.readFileSync(journal, 'utf8').split('\n');
    lines[1] = '{"seq":2,"op":"put","coupling":{"mapping":"CUSTOMER"'; // cut short, but not the last line
    fs.writeFileSync(journal, lines.join('\n'));
    await expectStateError(dir, true, new RegExp(`${JOURNAL_FILE} is corrupt \\(line 2: not valid JSON`));
    await expectStateError(dir, false, /corrupt/);
  });

  test('a change number out of order, or a commit line that miscounts its batch, is corruption', async () => {
    const dir = await seeded();
    const journal = path.join(dir, JOURNAL_FILE);
    const original = fs.readFileSync(journal, 'utf8');
    fs.writeFileSync(journal, original.replace('"seq":2,', '"seq":7,'));
    await expectStateError(dir, true, /line 2: change number 7 where 2 was expected/);
    fs.writeFileSync(journal, original.replace('"changes":3', '"changes":4'));
    await expectStateError(dir, true, /the batch has 3 changes but its commit line says 4/);
  });

  test('a journal that continues past a missing part is refused (snapshot replaced by an older copy)', async () => {
    const dir = await seeded();
    const s = await open(dir);
    const oldSnapshot = fs.readFileSync(s.snapshotFile);
    await s.compact();
    s.couple({ mapping: M, bcId: 'bc-9', dataverseId: 'dv-9' });
    await s.commit();
    await s.close();
    fs.writeFileSync(path.join(dir, SNAPSHOT_FILE), oldSnapshot);
    await expectStateError(dir, true, /starts at change \d+ but the snapshot ends at change 0/);
    await expectStateError(dir, false, /changes are missing/);
  });

  test('replay is idempotent: killed between writing the snapshot and emptying the journal', async () => {
    const dir = await seeded();
    const journal = path.join(dir, JOURNAL_FILE);
    const before = fs.readFileSync(journal);
    const s = await open(dir);
    s.update(M, 'bc-1', { extra: { statisticsUploaded: true } });
    await s.compact();
    await s.close();
    expect(fs.statSync(journal).size).toBe(0);
    // Put the already-compacted batches back, as if the process died right after the snapshot's rename.
    fs.writeFileSync(journal, before);
    const reader1 = await open(dir, false);
    const reader2 = await open(dir, false);
    expect(ids(reader1)).toEqual(ids(reader2));
    expect(ids(reader1)).toHaveLength(5);
    expect(reader1.byBcId(M, 'bc-1')?.extra).toEqual({ statisticsUploaded: true });
    expect(reader1.watermark(M)).toEqual({ bc: '2026-01-01T00:00:00Z' });
    // The writable open drops the batches the snapshot already holds and numbering carries on.
    const writer = await open(dir);
    expect(fs.statSync(journal).size).toBe(0);
    writer.couple({ mapping: M, bcId: 'bc-6', dataverseId: 'dv-6' });
    await writer.commit();
    await writer.close();
    const after = await open(dir, false);
    expect(ids(after)).toHaveLength(6);
  });

  test('a batch of several MB is written in chunks and reads back whole', async () => {
    const dir = newDir();
    const s = await open(dir);
    for (let i = 0; i < 12000; i++) s.couple({ mapping: M, bcId: `bc-${i}`, dataverseId: `dv-${i}`, bcModifiedAt: '2026-01-01T00:00:00Z' });
    expect(await s.commit()).toBe(12000);
    expect(s.fileSizes.journal).toBeGreaterThan(2 * 1024 * 1024);
    const lines = fs.readFileSync(s.journalFile, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(12001);
    expect(JSON.parse(lines[12000]!)).toMatchObject({ seq: 12001, op: 'commit', changes: 12000 });
    const reader = await open(dir, false);
    expect(reader.size).toBe(12000);
  });

  test('changes made while a commit is being written belong to the next batch', async () => {
    const dir = newDir();
    const s = await open(dir);
    s.couple({ mapping: M, bcId: 'a', dataverseId: '1' });
    const first = s.commit();
    s.couple({ mapping: M, bcId: 'b', dataverseId: '2' });
    expect(await first).toBe(1);
    const batches = fs.readFileSync(s.journalFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(batches.map((e) => e.op)).toEqual(['put', 'commit']);
    expect(await s.commit()).toBe(1);
  });

  test('commit() compacts once the journal outgrows its limit; the state reads back the same', async () => {
    const dir = newDir();
    const s = await open(dir, true, 20_000);
    for (let b = 0; b < 20; b++) {
      for (let i = 0; i < 20; i++) s.couple({ mapping: M, bcId: `bc-${b}-${i}`, dataverseId: `dv-${b}-${i}` });
      await s.commit();
      expect(s.fileSizes.journal).toBeLessThanOrEqual(Math.max(20_000, s.fileSizes.snapshot) + 10_000);
    }
    expect(s.fileSizes.snapshot).toBeGreaterThan(20_000);
    await s.close();
    const again = await open(dir, false);
    expect(again.size).toBe(400);
  });

  test('temp files of a killed compaction are removed by the next writable open', async () => {
    const dir = await seeded();
    const leftover = path.join(dir, `${SNAPSHOT_FILE}.12345.abcd.tmp`);
    fs.writeFileSync(leftover, '{"partial');
    const reader = await open(dir, false);
    expect(reader.size).toBe(5);
    expect(fs.existsSync(leftover)).toBe(true);
    await open(dir);
    expect(fs.existsSync(leftover)).toBe(false);
  });
});

describe('snapshot', () => {
  test('is one coupling per line and valid JSON as a whole', async () => {
    const dir = await seeded();
    const s = await open(dir);
    await s.compact();
    const text = fs.readFileSync(s.snapshotFile, 'utf8');
    const lines = text.trim().split('\n');
    expect(lines[1]).toBe('"couplings":[');
    expect(lines.slice(2, 7).every((l) => l.startsWith('{"mapping":"CUSTOMER","bcId":"bc-'))).toBe(true);
    const doc = JSON.parse(text);
    // Two batches: 3 puts + commit, then 2 puts + a watermark + commit.
    expect(doc).toMatchObject({ format: 'bcsync-state', schemaVersion: 1, journalSeq: 8, watermarks: { CUSTOMER: { bc: '2026-01-01T00:00:00Z' } } });
    expect(doc.couplings).toHaveLength(5);
    expect(doc.uncoupledFailures).toEqual([]);
  });

  test('a snapshot a person pretty-printed is still read', async () => {
    const dir = await seeded();
    const s = await open(dir);
    await s.compact();
    await s.close();
    const file = path.join(dir, SNAPSHOT_FILE);
    fs.writeFileSync(file, JSON.stringify(JSON.parse(fs.readFileSync(file, 'utf8')), null, 2));
    const again = await open(dir);
    expect(ids(again)).toHaveLength(5);
    // Written back in the line format at the next compaction.
    await again.compact();
    expect(fs.readFileSync(file, 'utf8').split('\n')[1]).toBe('"couplings":[');
  });

  const corruptions: [string, (text: string) => string, RegExp][] = [
    ['cut short', (t) => t.slice(0, Math.floor(t.length * 0.6)), /couplings\.json is corrupt \(line \d+: (the file ends too early|not valid JSON)/],
    ['a broken coupling line', (t) => t.replace('"bcId":"bc-2"', '"bcId":"bc-2'), /line 5: not valid JSON/],
    ['a wrong type', (t) => t.replace('"failureCount":0', '"failureCount":"zero"'), /line 3: failureCount:/],
    ['an unknown field', (t) => t.replace('"skipped":false', '"skipped":false,"surprise":1'), /line 3: .*surprise/],
    ['a bad date', (t) => t.replace(/"coupledAt":"[^"]+"/, '"coupledAt":"last tuesday"'), /line 3: coupledAt: expected an ISO 8601/],
    ['a BC record coupled twice', (t) => t.replace('"bcId":"bc-1"', '"bcId":"bc-0"'), /line 4: BC record bc-0 is coupled twice/],
    ['a Dataverse row coupled twice', (t) => t.replace('"dataverseId":"dv-1"', '"dataverseId":"dv-0"'), /Dataverse row dv-0 is coupled twice/],
    ['not JSON at all', () => 'hello\n', /line 1|document/],
    ['empty', () => '', /the file is empty/],
    ['another program\u2019s JSON', () => '{"couplings": []}', /not a bcsync state file/],
  ];
  test.each(corruptions)('corrupt (%s): StateError naming the file and what to do; every file byte-identical', async (_name, corrupt, pattern) => {
    const dir = await seeded();
    const s = await open(dir);
    await s.compact();
    await s.close();
    const file = path.join(dir, SNAPSHOT_FILE);
    fs.writeFileSync(file, corrupt(fs.readFileSync(file, 'utf8')));
    await expectStateError(dir, true, pattern);
    await expectStateError(dir, false, pattern);
    await expectStateError(dir, true, /left untouched\. Restore the state directory from a backup, or move it aside/);
  });

  test('written by a newer bcsync: StateError saying so, untouched (line format and whole document)', async () => {
    const dir = await seeded();
    const file = path.join(dir, SNAPSHOT_FILE);
    const text = fs.readFileSync(file, 'utf8').replace('"schemaVersion":1', '"schemaVersion":2').replace('"journalSeq":0', '"journalSeq":0,"newThing":true');
    fs.writeFileSync(file, text);
    await expectStateError(dir, true, /written by a newer bcsync \(state schema 2; this version reads 1\).*Upgrade bcsync/);
    fs.writeFileSync(file, JSON.stringify({ format: 'bcsync-state', schemaVersion: 3, whatever: [1, 2] }, null, 2));
    await expectStateError(dir, false, /written by a newer bcsync \(state schema 3/);
  });
});
