/**
 * `bcsync invoices`: the README command reference is its --help, and bad input says what was wrong and what to
 * do, exits 2 and opens nothing.
 */
import { describe, expect, test } from '@jest/globals';
import { BufferIo } from '../../src/io/io.js';
import { run } from '../../src/main.js';
import { readmeHelpBlock as block, words } from '../helpers/readme.js';

describe('bcsync invoices: help and bad input', () => {
  test.each([['invoices'], ['invoices create'], ['invoices sync']])('bcsync %s: README entry = --help, with examples', async (command) => {
    const io = new BufferIo({});
    const code = await run(['node', 'bcsync', ...command.split(' '), '--help'], { io });
    expect(code).toBe(0);
    expect(words(block(command))).toBe(words(io.stdoutText));
    expect(io.stdoutText).toMatch(/\nExamples:\n {2}\$ bcsync invoices /);
  });

  test.each([
    [['invoices', 'create'], /^Missing the invoice: give a posted invoice number or id .*or --all\./],
    [['invoices', 'create', '103001', '--all'], /^Give one invoice or --all, not both \("103001" and --all\)\./],
  ])('%j exits 2 with what to do', async (args, message) => {
    const io = new BufferIo({});
    const code = await run(['node', 'bcsync', '--home', '/nonexistent-bcsync-home', ...args], { io });
    expect(code).toBe(2);
    expect(io.stderrText.replace(/^\S*(error|Error)\S*:?\s*/i, '')).toMatch(message);
  });
});
