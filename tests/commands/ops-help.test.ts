import { describe, expect, test } from '@jest/globals';
import { BufferIo } from '../../src/io/io.js';
import { run } from '../../src/main.js';
import { readmeHelpBlock as block, words } from '../helpers/readme.js';

/** The README command reference of the operator commands is their --help (as for the other commands). */

describe('README: operator commands', () => {
  test.each([['status'], ['explain'], ['couplings'], ['skipped'], ['retry'], ['schedule'], ['version'], ['completion']])('bcsync %s: README entry = --help, with examples', async (command) => {
    const io = new BufferIo({});
    const code = await run(['node', 'bcsync', command, '--help'], { io });
    expect(code).toBe(0);
    expect(words(block(command))).toBe(words(io.stdoutText));
    expect(io.stdoutText).toMatch(/\nExamples:\n {2}\$ bcsync /);
  });

  test('the top-level help lists every command and the exit codes the README table has', async () => {
    const io = new BufferIo({});
    await run(['node', 'bcsync', '--help'], { io });
    for (const name of ['status', 'explain', 'couplings', 'skipped', 'retry', 'schedule', 'version', 'completion']) expect(io.stdoutText).toMatch(new RegExp(`\\n  ${name} `));
    expect(io.stdoutText).toMatch(/130 interrupted \(SIGINT\), 143 terminated \(SIGTERM\)/);
    expect(io.stdoutText).toMatch(/BCSYNC_\* environment variable/);
  });
});
