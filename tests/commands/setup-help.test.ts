import { describe, expect, test } from '@jest/globals';
import { cli, readmeHelpBlock, tmpHome, words } from './setup-helpers.js';

/** The README command reference is the --help text; the two must say the same (line wrapping aside). */

describe('setup --help', () => {
  test('has examples and the exit codes, and is what the README command reference says', async () => {
    const r = await cli(tmpHome('help'), ['setup', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('bcsync setup --yes');
    expect(r.stdout).toContain('--order-sync <mode>');
    expect(r.stdout).toMatch(/Exit codes: 0 ok, 1 error, 2 usage, 3 configuration/);
    expect(words(readmeHelpBlock('setup'))).toBe(words(r.stdout));
  });
});
