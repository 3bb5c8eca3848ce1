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

  test('changes made before a commit takes its batch join it; changes made while it is being written belong to the next batch', async () => {
    const dir = newDir();
    const s = await open(dir);
    s.couple({ mapping: M, bcId: 'a', dataverseId: '1' });
    const first = s.commit();
    // Not taken yet: the batch is taken when the commit's turn comes, after this task.
    s.couple({ mapping: M, bcId: 'b', dataverseId: '2' });
    await new Promise((resolve) => setImmediate(resolve));
    s.couple({ mapping: M, bcId: 'c', dataverseId: '3' });
    expect(await first).toBe(2);
    const batches = fs.readFileSync(s.journalFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(batches.map((e) => e.op)).toEqual(['put', 'put', 'commit']);
    expect(await s.commit()).toBe(1);
  });

  test('commits made while a batch is written share the next one (one write, one fsync); each resolves once its changes are durable', async () => {
    const dir = newDir();
    const s = await open(dir);
    s.couple({ mapping: M, bcId: 'first', dataverseId: '0' });
    const first = s.commit();
    await new Promise((resolve) => setImmediate(resolve));
    const durableAtResolve: boolean[] = [];
    const later = Array.from({ length: 30 }, (_, i) => {
      s.couple({ mapping: M, bcId: `bc-${i}`, dataverseId: `dv-${i}` });
      return s.commit().then((changes) => {
        durableAtResolve.push(fs.readFileSync(s.journalFile, 'utf8').includes(`"bcId":"bc-${i}"`));
        return changes;
      });
    });
    expect(await first).toBe(1);
    expect(await Promise.all(later)).toEqual(Array.from({ length: 30 }, () => 30));
    expect(durableAtResolve).toEqual(Array.from({ length: 30 }, () => true));
    const commits = fs.readFileSync(s.journalFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.op === 'commit');
    expect(commits.map((c) => c.changes)).toEqual([1, 30]);
    await s.close();
    expect((await open(dir, false)).size).toBe(31);
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
  /** The file holding a mapping's couplings, as couplings.json names it. */
  const fileOf = (dir: string, mapping: string): string =>
    path.join(dir, JSON.parse(fs.readFileSync(path.join(dir, SNAPSHOT_FILE), 'utf8').split('\n')[0]!.slice(0, -1) + '}').mappings[mapping].file);
  const customerFile = (dir: string): string => fileOf(dir, M);

  test('couplings.json names one file per mapping; each holds one coupling per line; both valid JSON as a whole', async () => {
    const dir = await seeded();
    const s = await open(dir);
    await s.compact();
    const text = fs.readFileSync(s.snapshotFile, 'utf8');
    expect(text.split('\n')[1]).toBe('"uncoupledFailures":[');
    const doc = JSON.parse(text);
    // Two batches: 3 puts + commit, then 2 puts + a watermark + commit.
    expect(doc).toMatchObject({
      format: 'bcsync-state',
      schemaVersion: 2,
      journalSeq: 8,
      watermarks: { CUSTOMER: { bc: '2026-01-01T00:00:00Z' } },
      mappings: { CUSTOMER: { file: 'couplings/CUSTOMER.8.json', couplings: 5 } },
    });
    expect(doc.uncoupledFailures).toEqual([]);
    const rows = fs.readFileSync(customerFile(dir), 'utf8');
    const lines = rows.trim().split('\n');
    expect(lines[1]).toBe('"rows":[');
    expect(lines.slice(2, 7).every((l) => /^\["bc-\d","dv-\d","[^"]+","","","--"\],?$/.test(l))).toBe(true);
    expect(JSON.parse(rows)).toMatchObject({ format: 'bcsync-couplings', schemaVersion: 2, mapping: M, count: 5 });
  });

  test('a run reads only the mappings it uses; a compaction rewrites only the mappings that changed', async () => {
    const dir = await seeded();
    let s = await open(dir);
    s.couple({ mapping: 'VENDOR', bcId: 'v-1', dataverseId: 'a-1' });
    await s.compact();
    await s.close();
    const vendorFile = fileOf(dir, 'VENDOR');
    const vendorBytes = fs.readFileSync(vendorFile);
    // CUSTOMER's file made unreadable: a run that uses VENDOR alone never notices.
    const customer = customerFile(dir);
    fs.writeFileSync(customer, 'not read\n');
    s = await open(dir);
    expect(s.byBcId('VENDOR', 'v-1')?.dataverseId).toBe('a-1');
    expect(s.size).toBe(6);
    s.couple({ mapping: 'VENDOR', bcId: 'v-2', dataverseId: 'a-2' });
    await s.compact();
    await s.close();
    expect(fs.readFileSync(customer, 'utf8')).toBe('not read\n');
    // VENDOR's file replaced (the old one removed), CUSTOMER's kept as it was.
    expect(fs.existsSync(vendorFile)).toBe(false);
    expect(fileOf(dir, M)).toBe(customer);
    expect(fs.readdirSync(path.join(dir, 'couplings')).sort()).toEqual([path.basename(customer), path.basename(fileOf(dir, 'VENDOR'))].sort());
    expect(vendorBytes.toString()).toContain('"v-1","a-1"');
    expect(fs.readFileSync(fileOf(dir, 'VENDOR'), 'utf8')).toContain('"v-2","a-2"');
    // The first use of CUSTOMER reads its file, and says what is wrong with it.
    s = await open(dir);
    expect(() => s.byBcId(M, 'bc-1')).toThrow(/CUSTOMER\.\d+\.json is corrupt \(line 1: expected the header of a bcsync-couplings file\)/);
  });

  test('a couplings.json a person pretty-printed is still read', async () => {
    const dir = await seeded();
    const s = await open(dir);
    await s.compact();
    await s.close();
    const file = path.join(dir, SNAPSHOT_FILE);
    fs.writeFileSync(file, JSON.stringify(JSON.parse(fs.readFileSync(file, 'utf8')), null, 2));
    const again = await open(dir);
    expect(ids(again)).toHaveLength(5);
    // Written back in the line format at the next compaction.
    again.couple({ mapping: M, bcId: 'bc-9', dataverseId: 'dv-9' });
    await again.compact();
    expect(fs.readFileSync(file, 'utf8').split('\n')[1]).toBe('"uncoupledFailures":[');
  });

  test('schema 1 (every coupling in couplings.json) is read, and rewritten as schema 2 by the first writable open', async () => {
    const dir = newDir();
    const v1 = [
      '{"format":"bcsync-state","schemaVersion":1,"savedAt":"2026-01-01T10:00:00.000Z","journalSeq":2,"watermarks":{"CUSTOMER":{"bc":"2026-01-01T09:00:00Z"}},',
      '"couplings":[',
      '{"mapping":"CUSTOMER","bcId":"bc-1","dataverseId":"dv-1","coupledAt":"2026-01-01T10:00:00.000Z","bcModifiedAt":"2026-01-01T09:00:00Z","lastResultToDataverse":"success","skipped":false,"failureCount":0},',
      '{"mapping":"VENDOR","bcId":"v-1","dataverseId":"a-1","coupledAt":"2026-01-01T10:00:00.000Z","lastResultToBc":"failure","lastErrorToBc":{"message":"boom","at":"2026-01-01T10:00:00.000Z"},"skipped":true,"failureCount":2,"extra":{"flag":true}}',
      '],',
      '"uncoupledFailures":[',
      '{"mapping":"CUSTOMER","direction":"to-dataverse","sourceId":"bc-2","skipped":false,"failureCount":1,"lastError":{"message":"no","at":"2026-01-01T10:00:00.000Z"},"firstFailedAt":"2026-01-01T10:00:00.000Z"}',
      ']}',
      '',
    ].join('\n');
    fs.writeFileSync(path.join(dir, SNAPSHOT_FILE), v1);
    fs.writeFileSync(
      path.join(dir, JOURNAL_FILE),
      '{"seq":3,"op":"put","coupling":{"mapping":"CUSTOMER","bcId":"bc-3","dataverseId":"dv-3","coupledAt":"2026-01-01T11:00:00.000Z"}}\n' +
        '{"seq":4,"op":"commit","at":"2026-01-01T11:00:00.000Z","changes":1}\n',
    );
    const check = (s: StateStore): void => {
      expect(ids(s)).toEqual(['bc-1', 'bc-3']);
      expect(s.byDataverseId('VENDOR', 'a-1')).toMatchObject({ lastResultToBc: 'failure', skipped: true, failureCount: 2, extra: { flag: true } });
      expect(s.watermark(M).bc).toBe('2026-01-01T09:00:00Z');
      expect(s.uncoupledFailure(M, 'to-dataverse', 'bc-2')?.failureCount).toBe(1);
    };
    // Read-only: read as it is, nothing written.
    const before = fingerprint(dir);
    check(await open(dir, false));
    expect(fingerprint(dir)).toEqual(before);
    // Writable: migrated at once.
    const s = await open(dir);
    check(s);
    await s.close();
    expect(JSON.parse(fs.readFileSync(path.join(dir, SNAPSHOT_FILE), 'utf8'))).toMatchObject({
      schemaVersion: 2,
      journalSeq: 4,
      mappings: { CUSTOMER: { file: 'couplings/CUSTOMER.4.json', couplings: 2 }, VENDOR: { file: 'couplings/VENDOR.4.json', couplings: 1 } },
    });
    expect(fs.readFileSync(path.join(dir, JOURNAL_FILE), 'utf8')).toBe('');
    expect(fs.readFileSync(path.join(dir, 'couplings', 'VENDOR.4.json'), 'utf8')).toContain(
      '["v-1","a-1","2026-01-01T10:00:00.000Z","","","-f",{"skipped":true,"failureCount":2,"lastErrorToBc":{"message":"boom","at":"2026-01-01T10:00:00.000Z"},"extra":{"flag":true}}]',
    );
    check(await open(dir, false));
  });

  const rowCorruptions: [string, (text: string) => string, RegExp][] = [
    ['cut short', (t) => t.slice(0, Math.floor(t.length * 0.6)), /CUSTOMER\.8\.json is corrupt \(line \d+: (the file ends too early|not valid JSON|expected a row)/],
    ['a broken row', (t) => t.replace('["bc-2"', '["bc-2'), /line 5: (not valid JSON|expected a row)/],
    ['a wrong result code', (t) => t.replace(/"--"\],\n\["bc-1"/, '"ok"],\n["bc-1"'), /line 3: results: expected two of s \(success\)/],
    ['an unknown field', (t) => t.replace(/"--"\],\n\["bc-1"/, '"--",{"surprise":1}],\n["bc-1"'), /line 3: more: .*surprise/],
    ['a bad date', (t) => t.replace(/\["bc-0","dv-0","[^"]+"/, '["bc-0","dv-0","last tuesday"'), /line 3: coupledAt: expected an ISO 8601/],
    ['a BC record coupled twice', (t) => t.replace('["bc-1"', '["bc-0"'), /line 4: BC record bc-0 is coupled twice/],
    ['a Dataverse row coupled twice', (t) => t.replace('"dv-1"', '"dv-0"'), /Dataverse row dv-0 is coupled twice/],
    ['a row fewer than counted', (t) => t.replace(/\["bc-4"[^\n]*\n/, '').replace(/\],\n\]\}/, ']\n]}'), /the file holds 4 couplings but its header says 5/],
  ];
  test.each(rowCorruptions)('corrupt mapping file (%s): StateError naming the file and line when first used; every file byte-identical', async (_name, corrupt, pattern) => {
    const dir = await seeded();
    const s = await open(dir);
    await s.compact();
    await s.close();
    const file = customerFile(dir);
    fs.writeFileSync(file, corrupt(fs.readFileSync(file, 'utf8')));
    const before = fingerprint(dir);
    const writer = await open(dir);
    expect(() => writer.byBcId(M, 'bc-0')).toThrow(pattern);
    // Still unusable, still untouched, also after close.
    expect(() => writer.counts(M)).toThrow(StateError);
    await writer.close();
    expect(fingerprint(dir)).toEqual(before);
    await expectStateError(dir, false, pattern);
  });

  const corruptions: [string, (text: string) => string, RegExp][] = [
    ['cut short', (t) => t.slice(0, Math.floor(t.length * 0.8)), /couplings\.json is corrupt \((line \d+|document): (the file ends too early|not valid JSON)/],
    ['an unknown field', (t) => t.replace('"journalSeq":8', '"journalSeq":8,"surprise":1'), /line 1: .*surprise/],
    ['a mapping file outside couplings/', (t) => t.replace('"couplings/CUSTOMER.8.json"', '"../elsewhere.json"'), /mappings\.CUSTOMER\.file: expected couplings\/<file>\.json/],
    ['not JSON at all', () => 'hello\n', /line 1|document/],
    ['empty', () => '', /the file is empty/],
    ['another program\u2019s JSON', () => '{"couplings": []}', /not a bcsync state file/],
  ];
  test.each(corruptions)('corrupt couplings.json (%s): StateError naming the file and what to do; every file byte-identical', async (_name, corrupt, pattern) => {
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
    const text = fs.readFileSync(file, 'utf8').replace('"schemaVersion":2', '"schemaVersion":3').replace('"journalSeq":0', '"journalSeq":0,"newThing":true');
    fs.writeFileSync(file, text);
    await expectStateError(dir, true, /written by a newer bcsync \(state schema 3; this version reads 2\).*Upgrade bcsync/);
    fs.writeFileSync(file, JSON.stringify({ format: 'bcsync-state', schemaVersion: 4, whatever: [1, 2] }, null, 2));
    await expectStateError(dir, false, /written by a newer bcsync \(state schema 4/);
  });
});
