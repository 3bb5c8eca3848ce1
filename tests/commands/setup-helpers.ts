import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tempDir } from '../helpers/temp-dirs.js';
import { createDeps, type Deps } from '../../src/deps.js';
import type { RunningEmulators } from '../../src/emulators/index.js';
import { BufferIo } from '../../src/io/io.js';
import type { Prompter } from '../../src/io/prompter.js';
import { run } from '../../src/main.js';

/** Shared by the setup and sandbox tests: in-process CLI runs with captured output, throwaway homes. */

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function tmpHome(label = 'setup'): string {
  return tempDir(`bcsync-${label}-`);
}

/** Lets the PassThrough streams deliver what was written before reading the text. */
async function drained(): Promise<void> {
  await new Promise((resolve) => setImmediate(resolve));
}

/** `bcsync --home <home> ...argv` in-process, the way bin/bcsync.js runs it. */
export async function cli(
  home: string,
  argv: string[],
  options: { env?: Record<string, string | undefined>; tty?: boolean; prompter?: Prompter } = {},
): Promise<CliRun> {
  const io = new BufferIo({ ...(options.env ?? {}) }, options.tty ?? false);
  const code = await run(['node', 'bcsync', '--home', home, ...argv], { io, prompter: options.prompter });
  await drained();
  return { code, stdout: io.stdoutText, stderr: io.stderrText };
}

/** Deps for calling setupRun directly. */
export function testDeps(
  home: string,
  options: { env?: Record<string, string | undefined>; tty?: boolean; prompter?: Prompter; json?: boolean; verbose?: boolean; profile?: string } = {},
): { deps: Deps; io: BufferIo; text: () => Promise<{ stdout: string; stderr: string }> } {
  const io = new BufferIo({ ...(options.env ?? {}) }, options.tty ?? false);
  const deps = createDeps(
    { io, prompter: options.prompter },
    { home, json: options.json, verbose: options.verbose, profile: options.profile },
    new AbortController().signal,
  );
  return {
    deps,
    io,
    text: async () => {
      await drained();
      return { stdout: io.stdoutText, stderr: io.stderrText };
    },
  };
}

/** The flags of a non-interactive setup against the emulators (the secret travels in the environment). */
export function yesFlags(emu: RunningEmulators, extra: string[] = []): string[] {
  return [
    'setup',
    '--yes',
    '--bc-url',
    emu.bc.url,
    '--dataverse-url',
    emu.dataverse.orgUrl,
    '--authority',
    emu.authority,
    '--client-id',
    emu.credentials.clientId,
    ...extra,
  ];
}

/** Every regular file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

/** Files under `dir` whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  return filesUnder(dir).filter((f) => fs.readFileSync(f).includes(needle));
}

/** An access token for the emulated Dataverse (to play an administrator changing the org in a test). */
export async function dataverseToken(emu: RunningEmulators): Promise<string> {
  const res = await fetch(emu.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: emu.credentials.clientId,
      client_secret: emu.credentials.clientSecret,
      scope: emu.dataverse.scope,
    }),
  });
  const body = (await res.json()) as { access_token: string };
  return body.access_token;
}

/** The README command reference block of a command (between <!-- help:NAME --> markers). */
export function readmeHelpBlock(command: string): string {
  const readme = fs.readFileSync(path.join(process.cwd(), 'README.md'), 'utf8');
  const match = new RegExp(`<!-- help:${command} -->\\n\`\`\`text\\n([\\s\\S]*?)\\n\`\`\`\\n<!-- /help:${command} -->`).exec(readme);
  if (!match) throw new Error(`README.md has no <!-- help:${command} --> block`);
  return match[1]!;
}

export function words(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
