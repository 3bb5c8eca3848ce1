import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { ExitCode } from '../../src/errors.js';
import { BufferIo } from '../../src/io/io.js';
import { run } from '../../src/main.js';

/** The README command reference is the commands' --help (DESIGN.md: help text is the reference). */

const README = fs.readFileSync(path.join(process.cwd(), 'README.md'), 'utf8');

function block(command: string): string {
  const match = new RegExp(`<!-- help:${command} -->\\n\`\`\`text\\n([\\s\\S]*?)\\n\`\`\`\\n<!-- /help:${command} -->`).exec(README);
  if (!match) throw new Error(`README.md has no <!-- help:${command} --> block`);
  return match[1]!;
}

const words = (text: string): string => text.replace(/\s+/g, ' ').trim();

async function help(argv: string[]): Promise<{ code: number; text: string }> {
  const io = new BufferIo({});
  const code = await run(['node', 'bcsync', ...argv, '--help'], { io });
  await new Promise((resolve) => setImmediate(resolve));
  return { code, text: io.stdoutText };
}

describe('README command reference', () => {
  test.each([['couple'], ['uncouple'], ['mappings'], ['mappings list'], ['mappings show'], ['mappings set'], ['mappings reset'], ['sales-orders'], ['sales-orders list'], ['quotes'], ['quotes list'], ['quotes process'], ['log']])(
    'bcsync %s: README entry = --help, with examples',
    async (command) => {
      const r = await help(command.split(' '));
      expect(r.code).toBe(0);
      expect(words(block(command))).toBe(words(r.text));
      expect(r.text).toMatch(/\nExamples:\n {2}\$ bcsync /);
    },
  );

  test('the exit-code table lists every exit code with what it means, and help texts use only those codes', async () => {
    const section = /## Exit codes\n\n([\s\S]*?)\n\n/.exec(README)?.[1];
    expect(section).toBeDefined();
    const rows = [...section!.matchAll(/^\| (\d+) \| (.+) \|$/gm)].map((m) => [Number(m[1]), m[2]] as const);
    expect(rows.map(([code]) => code).sort((a, b) => a - b)).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
    const meaning = new Map(rows);
    expect(meaning.get(ExitCode.usage)).toMatch(/usage/);
    expect(meaning.get(ExitCode.partial)).toMatch(/records failed or are in conflict/);
    expect(meaning.get(ExitCode.state)).toMatch(/locked .* corrupt/);
    for (const command of ['couple', 'uncouple', 'mappings', 'sales-orders', 'quotes', 'log']) {
      const text = (await help([command])).text;
      const listed = /Exit codes: ([\s\S]*?)\.\n/.exec(text)?.[1];
      expect(listed).toBeDefined();
      for (const m of listed!.matchAll(/(?:^|, |\n)(\d+) /g)) expect(meaning.has(Number(m[1]))).toBe(true);
    }
  });
});
