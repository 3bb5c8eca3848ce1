import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { BufferIo } from '../../src/io/io.js';
import { run } from '../../src/main.js';

/** The README command reference of `bcsync stats` is its --help (as for the other commands). */
const README = fs.readFileSync(path.join(process.cwd(), 'README.md'), 'utf8');
const words = (text: string): string => text.replace(/\s+/g, ' ').trim();

describe('README: bcsync stats', () => {
  test('README entry = --help, with examples; the top-level help lists it', async () => {
    const match = /<!-- help:stats -->\n```text\n([\s\S]*?)\n```\n<!-- \/help:stats -->/.exec(README);
    expect(match).not.toBeNull();
    const io = new BufferIo({});
    expect(await run(['node', 'bcsync', 'stats', '--help'], { io })).toBe(0);
    expect(words(match![1]!)).toBe(words(io.stdoutText));
    expect(io.stdoutText).toMatch(/\nExamples:\n {2}\$ bcsync stats /);
    const top = new BufferIo({});
    await run(['node', 'bcsync', '--help'], { io: top });
    expect(top.stdoutText).toMatch(/\n {2}stats /);
  });
});
