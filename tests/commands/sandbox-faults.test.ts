import { describe, expect, test } from '@jest/globals';
import { parseFaults } from '../../src/commands/sandbox/sandbox.js';

describe('sandbox --faults', () => {
  test('412 (a concurrent edit) is a fault kind like the others, by rate or by request number', () => {
    expect(parseFaults('412:0.01,bc/412@3+7,429:0.1')).toEqual([
      { kind: '412', rate: 0.01 },
      { kind: '412', api: 'bc', requestNumbers: [3, 7] },
      { kind: '429', rate: 0.1 },
    ]);
  });

  test('an unknown kind says what is accepted', () => {
    expect(() => parseFaults('409:0.1')).toThrow(/^--faults part "409:0\.1" is not valid; use KIND:RATE or KIND@N\[\+N\.\.\.\] with KIND 429\|502\|503\|504\|412\|reset\|slow/);
  });
});
