import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { SNAPSHOT_FILE, StateStore } from '../../src/state/index.js';
import { hashState, startCoupleHarness, type CliResult, type CoupleHarness } from './couple-harness.js';

/**
 * Bad input (issue 4 acceptance): each case gives a one-line error on stderr whose first words say what was
 * wrong and what to do, the documented exit code (2 usage, 5 state), and leaves every state file byte-identical.
 */

function expectOneLineError(r: CliResult, code: number, pattern: RegExp): void {
  expect(r.code).toBe(code);
  expect(r.stdout).toBe('');
  expect(r.stderr.endsWith('\n')).toBe(true);
  const lines = r.stderr.slice(0, -1).split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  expect(lines[0]).toMatch(pattern);
}

describe('bad input leaves the state untouched', () => {
  let h: CoupleHarness;
  let dataverseId: string;
  beforeAll(async () => {
    h = await startCoupleHarness();
    await h.engine([{ mapping: 'CUSTOMER', match: ['name'] }]);
    dataverseId = String(h.emu.dataverse.list('accounts').find((r) => r.name === 'Adatum Corporation')!.accountid);
  });
  afterAll(async () => h?.close());

  const usage: Array<[string, string[], RegExp]> = [
    ['unknown mapping', ['couple', '--mapping', 'CUSTOMERS', '--match', 'name'], /Unknown mapping "CUSTOMERS"; did you mean "CUSTOMER"\? The profile's mappings are: SALESPEOPLE, CUSTOMER,/],
    ['unknown mapping (uncouple)', ['uncouple', '--mapping', 'NOPE', '--all'], /Unknown mapping "NOPE"/],
    ['unknown mapping (mappings show)', ['mappings', 'show', 'NOPE'], /Unknown mapping "NOPE"/],
    ['missing --mapping without a terminal', ['uncouple', '--all'], /^error: Missing --mapping: .*Pass --mapping \(no terminal to ask on\)\.$/],
    ['missing --dataverse without a terminal', ['couple', '--mapping', 'CUSTOMER', '--bc', '10000'], /^error: Missing --dataverse: .*Pass --dataverse/],
    ['missing mapping name without a terminal', ['mappings', 'show'], /^error: Missing the mapping name: the integration table mapping to show .*\. Pass the mapping name \(no terminal to ask on\)\.$/],
    ['--replace without a pair', ['couple', '--mapping', 'CUSTOMER', '--bc', '10000', '--create-in', 'dataverse', '--replace'], /^error: --replace only applies to coupling one pair/],
    ['--bc with --all', ['uncouple', '--mapping', 'CUSTOMER', '--bc', '10000', '--all'], /^error: --bc and --all cannot be combined; pass exactly one of --bc ID, --dataverse ID or --all\.$/],
    ['malformed Dataverse id', ['couple', '--mapping', 'CUSTOMER', '--bc', '10000', '--dataverse', '1234-not-a-guid'], /^error: --dataverse "1234-not-a-guid" is not a Dataverse row id; pass the row's GUID/],
    ['malformed BC id', ['uncouple', '--mapping', 'CUSTOMER', '--bc', '5d115c9c-44e3-ea11-bb43-000d3a2feca'], /^error: --bc "5d115c9c-44e3-ea11-bb43-000d3a2feca" is neither a record id/],
    ['--match with --bc', ['couple', '--mapping', 'CUSTOMER', '--match', 'name', '--bc', '10000'], /--match couples every uncoupled record and cannot be combined with --bc/],
    ['unknown match field', ['couple', '--mapping', 'CUSTOMER', '--match', 'colour'], /colour/],
    ['invalid --create-in', ['couple', '--mapping', 'CUSTOMER', '--bc', '10000', '--create-in', 'crm'], /--create-in "crm" is not valid; use --create-in dataverse/],
    ['invalid --since', ['log', '--since', 'yesterday'], /--since "yesterday" is not a time/],
    ['log --mapping with a typo', ['log', '--mapping', 'CUSTOMRE'], /^error: Unknown mapping "CUSTOMRE"; did you mean "CUSTOMER"\?/],
    ['unqualified --match field no mapping has', ['full-sync', '--match', 'nmae'], /^error: --match field "nmae" is not a field of any mapping; did you mean "name"\? Or name the mapping/],
    ['--match with an unknown mapping', ['full-sync', '--match', 'CUSTOMRE=name'], /^error: Unknown mapping "CUSTOMRE"; did you mean "CUSTOMER"\?/],
    ['invalid override', ['mappings', 'set', 'CUSTOMER', '--enable-field', 'fax'], /Field mapping fax of CUSTOMER cannot be enabled: BC API v2.0 "customers" has no property for "Fax No\."/],
  ];

  test.each(usage)('%s: exit 2, one line', async (_name, argv, pattern) => {
    const before = hashState(h.stateDir);
    expect(Object.keys(before)).toContain(SNAPSHOT_FILE);
    const r = await h.cli(argv);
    expectOneLineError(r, 2, pattern);
    expect(hashState(h.stateDir)).toEqual(before);
  });

  test('--json puts the error on stdout as JSON too, with the exit code', async () => {
    const r = await h.cli(['uncouple', '--mapping', 'CUSTOMER', '--bc', '10000', '--all', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, error: { type: 'UsageError', message: expect.stringMatching(/^--bc and --all cannot be combined/), exitCode: 2 } });
  });

  test('a state file locked by a live process: exit 5 naming the holder, nothing written', async () => {
    const holder = await StateStore.open(h.stateDir, { lock: true, command: 'sync --all' });
    try {
      const before = hashState(h.stateDir);
      for (const argv of [
        ['uncouple', '--mapping', 'CUSTOMER', '--all'],
        ['couple', '--mapping', 'CUSTOMER', '--bc', '10000', '--dataverse', dataverseId],
        ['couple', '--mapping', 'CUSTOMER', '--match', 'name'],
      ]) {
        h.emu.resetLog();
        const r = await h.cli(argv);
        expectOneLineError(r, 5, new RegExp(`^error: State .* is locked by another bcsync process \\(pid ${process.pid}, sync --all\\) since .*; wait for it to finish and run again\\.`));
        // Refused before a single request was sent.
        expect(h.emu.requestLog).toEqual([]);
        expect(hashState(h.stateDir)).toEqual(before);
      }
    } finally {
      await holder.close();
    }
  });

  test('a corrupt state file: exit 5, the file left byte-identical', async () => {
    const file = path.join(h.stateDir, SNAPSHOT_FILE);
    const original = fs.readFileSync(file);
    fs.writeFileSync(file, 'garbage{{{ not json\n');
    try {
      const before = hashState(h.stateDir);
      for (const argv of [
        ['uncouple', '--mapping', 'CUSTOMER', '--all'],
        ['couple', '--mapping', 'CUSTOMER', '--match', 'name'],
        ['mappings', 'list'],
        ['sales-orders', 'list'],
      ]) {
        const r = await h.cli(argv);
        expectOneLineError(r, 5, /^error: State file .*couplings\.json is corrupt \(.*\); it was left untouched\. Restore the state directory from a backup/);
        expect(hashState(h.stateDir)).toEqual(before);
        expect(fs.existsSync(path.join(h.stateDir, 'state.lock'))).toBe(false);
      }
    } finally {
      fs.writeFileSync(file, original);
    }
    // With the file restored everything works again.
    const ok = await h.cli(['uncouple', '--mapping', 'CUSTOMER', '--bc', '10000', '--json']);
    expect(ok.code).toBe(1);
    expect(ok.stderr).toMatch(/^error: BC record 10000 is not coupled in CUSTOMER; nothing was removed\./);
  });
});
