/**
 * Option mappings through the same read → plan → apply steps: planning is pure (couple to an existing label,
 * add, relabel, echo), and an option that reaches its column but not every mirrored column is a failure of that
 * record, named per column (it used to be swallowed, so option sets drifted without a word).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { systemClock } from '../../src/clock.js';
import type { EngineContext } from '../../src/engine/context.js';
import { planOptions, syncOptionMapping } from '../../src/engine/option-mappings.js';
import { defaultIntegrationOptions, defaultMappings } from '../../src/mapping/index.js';
import type { OptionValue, Rec, Side } from '../../src/sides/types.js';
import { IntentJournal, StateStore } from '../../src/state/index.js';

const paymentTerms = defaultMappings(defaultIntegrationOptions).find((m) => m.name === 'PAYMENT TERMS')!;
const rec = (id: string, code: string): Rec => ({ id, modifiedAt: '2026-01-01T00:00:00.000Z', fields: { id, code } });

let dir: string;
let state: StateStore;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bcsync-options-'));
  state = await StateStore.open(dir, { lock: true });
});
afterEach(async () => {
  await state.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('option mappings', () => {
  test('plan: an existing label couples (any case), a new code adds, a renamed code relabels, an unchanged one is left', () => {
    state.couple({ mapping: 'PAYMENT TERMS', bcId: 'p3', dataverseId: '7', bcModifiedAt: '2025-01-01T00:00:00.000Z' });
    state.couple({ mapping: 'PAYMENT TERMS', bcId: 'p4', dataverseId: '8', bcModifiedAt: '2025-01-01T00:00:00.000Z' });
    const existing: OptionValue[] = [{ value: 1, label: 'Net 30' }, { value: 7, label: 'OLD' }, { value: 8, label: 'cod' }];
    const plan = planOptions(paymentTerms, [rec('p1', 'NET 30'), rec('p2', 'NEW'), rec('p3', 'RENAMED'), rec('p4', 'COD')], existing, state, { full: true, records: false });
    expect(plan.records.map((r) => [r.label, r.toDataverse?.action, r.toDataverse?.targetId])).toEqual([
      ['NET 30', 'couple', '1'],
      ['NEW', 'insert', undefined],
      ['RENAMED', 'modify', '7'],
      ['COD', 'unchanged', '8'],
    ]);
  });

  test('an option saved in its column but refused by a mirrored column fails the record with each column named', async () => {
    const inserted: string[] = [];
    const bc: Partial<Side> = {
      name: 'bc',
      list: async function* () {
        yield [rec('p1', 'NET 60')];
      },
      get: async () => [],
      stats: () => ({ requests: 0, retries: 0 }),
    };
    const dataverse: Partial<Side> = {
      name: 'dataverse',
      stats: () => ({ requests: 0, retries: 0 }),
      optionSets: {
        list: async () => [],
        insert: async (table, attribute, label) => {
          if (table === 'quote') throw new Error(`Option ${label} could not be added to quote.${attribute}: privilege missing`);
          inserted.push(`${table}.${attribute}`);
          return 100;
        },
        relabel: async () => undefined,
      },
    };
    const ctx = { bc, dataverse, state, intents: IntentJournal.inMemory(), clock: systemClock } as unknown as EngineContext;
    const result = await syncOptionMapping(ctx, paymentTerms, { full: true });
    expect(inserted.length).toBe(paymentTerms.dataverse.optionSet!.mirrors.length);
    expect(result.counts['to-dataverse'].failed).toBe(1);
    expect(result.records[0]!.error).toMatch(/^the option was saved, but not in every mirrored column \(quote\.paymenttermscode: Option NET 60 could not be added/);
    // Coupled all the same (the option exists), so the next run relabels or retries instead of adding it twice.
    expect(state.byBcId('PAYMENT TERMS', 'p1')?.dataverseId).toBe('100');
  });
});
