import { describe, expect, test } from '@jest/globals';
import { BufferIo } from '../../src/io/io.js';
import { run } from '../../src/main.js';
import { readmeHelpBlock, words } from './setup-helpers.js';

/** The README command reference of doctor is its --help (DESIGN.md: help text is the reference). */

async function help(command: string): Promise<{ code: number; text: string }> {
  const io = new BufferIo({});
  const code = await run(['node', 'bcsync', command, '--help'], { io });
  return { code, text: io.stdoutText };
}

describe('README: doctor', () => {
  test('bcsync doctor: README entry = --help, with examples and exit codes', async () => {
    const r = await help('doctor');
    expect(r.code).toBe(0);
    expect(words(readmeHelpBlock('doctor'))).toBe(words(r.text));
    expect(r.text).toMatch(/\nExamples:\n {2}\$ bcsync doctor/);
    expect(r.text).toMatch(/Exit codes: 0 ok, 1 error, 2 usage, 3 [^]*6 a mapping cannot run/);
  });
});
