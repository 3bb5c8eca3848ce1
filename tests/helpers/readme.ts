/** The README command reference: each `<!-- help:CMD -->` block holds `bcsync CMD --help` (tools/readme-help.mjs). */
import fs from 'node:fs';
import path from 'node:path';

const README = fs.readFileSync(path.join(process.cwd(), 'README.md'), 'utf8');

/** Text with every run of whitespace as one space (help output and README agree up to wrapping). */
export const words = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** The help text README.md shows for `command`. */
export function readmeHelpBlock(command: string): string {
  const match = new RegExp(`<!-- help:${command} -->\\n\`\`\`text\\n([\\s\\S]*?)\\n\`\`\`\\n<!-- /help:${command} -->`).exec(README);
  if (!match) throw new Error(`README.md has no <!-- help:${command} --> block`);
  return match[1]!;
}
