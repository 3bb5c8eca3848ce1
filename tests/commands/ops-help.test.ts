import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { BufferIo } from '../../src/io/io.js';
import { run } from '../../src/main.js';

/** The README command reference of the operator commands is their --help (as for the other commands). */

const README = fs.readFileSync(path.join(process.cwd(), 'README.md'), 'utf8');
const words = (text: string): string => text.replace(/\s+/g, ' ').trim();

function block(command: string): string {
  const match = new RegExp(`<!-- help:${command} -->\\n\`\`\`text\\n([\\s\\S]*?)\\n\`\`\`\\n<!-- /help:${command} -->`).exec(README);
  if (!match) throw new Error(`README.md has no <!-- help:${command} --> block`);
  return match[1]!;
}

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
