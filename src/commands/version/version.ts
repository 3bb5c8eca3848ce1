import type { Command } from 'commander';
import type { Deps } from '../../deps.js';
import { VERSION } from '../../version.js';
import type { RegisterCommand } from '../registry.js';

/** `bcsync version`: what is running, for bug reports and scripts (`--json`). */
export interface VersionInfo {
  version: string;
  node: string;
  platform: string;
  arch: string;
}

export function versionRun(deps: Deps): VersionInfo {
  const info: VersionInfo = { version: VERSION, node: process.versions.node, platform: process.platform, arch: process.arch };
  if (deps.out.json) deps.out.writeJson(info);
  else deps.out.line(`bcsync ${info.version} (Node.js ${info.node}, ${info.platform} ${info.arch})`);
  return info;
}

export const registerVersion: RegisterCommand = (program: Command, act) => {
  program
    .command('version')
    .description('print the version of bcsync and of Node.js (--json for scripts)')
    .addHelpText(
      'after',
      `
Examples:
  $ bcsync version
  $ bcsync version --json    {"version", "node", "platform", "arch"}`,
    )
    .action((_options: unknown, cmd: Command) => act(cmd, async (deps) => void versionRun(deps)));
};
