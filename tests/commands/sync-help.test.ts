import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from '@jest/globals';
import { BufferIo } from '../../src/io/io.js';
import { run } from '../../src/main.js';

/** The README command reference of sync, full-sync and demo is their --help (DESIGN.md: help text is the reference). */

const README = fs.readFileSync(path.join(process.cwd(), 'README.md'), 'utf8');

function block(command: string): string {
  const match = new RegExp(`<!-- help:${command} -->\\n\`\`\`text\\n([\\s\\S]*?)\\n\`\`\`\\n<!-- /help:${command} -->`).exec(README);
  if (!match) throw new Error(`README.md has no <!-- help:${command} --> block`);
  return match[1]!;
}

const words = (text: string): string => text.replace(/\s+/g, ' ').trim();

async function help(command: string): Promise<{ code: number; text: string }> {
  const io = new BufferIo({});
  const code = await run(['node', 'bcsync', command, '--help'], { io });
  return { code, text: io.stdoutText };
}

describe('README: sync, full-sync, demo', () => {
  test.each([['sync'], ['full-sync'], ['demo']])('bcsync %s: README entry = --help, with examples and exit codes', async (command) => {
    const r = await help(command);
    expect(r.code).toBe(0);
    expect(words(block(command))).toBe(words(r.text));
    expect(r.text).toMatch(/\nExamples:\n {2}\$ bcsync /);
    expect(r.text).toMatch(/Exit codes: 0 ok, 1 /);
  });

  test('the quick start says npm ci && npm run demo, and npm test', () => {
    const quick = /## Quick start\n([\s\S]*?)\n## /.exec(README)?.[1];
    expect(quick).toContain('npm ci && npm run demo');
    expect(quick).toContain('npm test');
    const pkg = JSON.parse(fs.readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.demo).toBe('npm run build && node bin/bcsync.js demo');
  });
});
