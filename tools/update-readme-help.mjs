#!/usr/bin/env node
/**
 * Rewrites the README's command reference blocks (<!-- help:NAME --> ... <!-- /help:NAME -->) from the built
 * CLI's --help output, so the reference says exactly what --help says (a test compares them).
 * Usage: npm run build && node tools/update-readme-help.mjs
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const readmePath = path.join(root, 'README.md');
let readme = fs.readFileSync(readmePath, 'utf8');
const blocks = [...readme.matchAll(/<!-- help:([a-z0-9 -]*) -->\n```text\n[\s\S]*?```\n<!-- \/help:\1 -->/g)];
for (const [whole, name] of blocks) {
  const args = name === 'main' ? ['--help'] : [...name.split(' '), '--help'];
  const text = execFileSync(process.execPath, [path.join(root, 'bin/bcsync.js'), ...args], { encoding: 'utf8', env: { ...process.env, COLUMNS: '80', NO_COLOR: '1' } });
  readme = readme.replace(whole, `<!-- help:${name} -->\n\`\`\`text\n${text.trimEnd()}\n\`\`\`\n<!-- /help:${name} -->`);
}
fs.writeFileSync(readmePath, readme);
console.log(`updated ${blocks.length} help blocks`);
