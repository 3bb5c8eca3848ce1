import os from 'node:os';

/** @type {import('jest').Config} */
export default {
  // Jest's default (cores − 1) is one worker on CI's two cores; most suites wait on loopback HTTP and child
  // processes as much as they compute, so two workers there roughly halve the run.
  maxWorkers: Math.max(2, os.availableParallelism() - 1),
  testEnvironment: 'node',
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.test.json' }] },
  reporters: ['default', '<rootDir>/tools/plain-summary-reporter.cjs'],
  testTimeout: 30000,
};
