#!/usr/bin/env node
// Rewrites every <!-- help:CMD --> block of README.md with `bcsync CMD --help` (run after `npm run build`).
// The README command reference is the --help text; tests/commands/*-help.test.ts check they agree.
import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { run } from '../dist/main.js';

const file = new URL('../README.md', import.meta.url);
let readme = fs.readFileSync(file, 'utf8');
const names = [...readme.matchAll(/<!-- help:([^>]+?) -->/g)].map((m) => m[1]);
for (const name of names) {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (c) => (text += c));
  const io = { stdout, stderr: new PassThrough(), stdin: new PassThrough(), stdoutIsTTY: false, stderrIsTTY: false, stdinIsTTY: false, env: {} };
  await run(['node', 'bcsync', ...name.split(' '), '--help'], { io });
  const block = new RegExp(`(<!-- help:${name} -->\\n\`\`\`text\\n)[\\s\\S]*?(\\n\`\`\`\\n<!-- /help:${name} -->)`);
  readme = readme.replace(block, (_, open, close) => open + text.trimEnd() + close);
}
fs.writeFileSync(file, readme);
console.log(`updated ${names.length} help blocks`);
