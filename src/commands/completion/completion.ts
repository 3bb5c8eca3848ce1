import type { Command, Option } from 'commander';
import type { Deps } from '../../deps.js';
import { UsageError } from '../../errors.js';
import type { RegisterCommand } from '../registry.js';

/**
 * `bcsync completion bash|zsh|fish`: a completion script for the shell, generated from the commands and
 * flags the program defines (so it can never list a flag that does not exist).
 */

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface CommandSpec {
  /** "mappings set" for a subcommand of a group. */
  path: string[];
  description: string;
  flags: Array<{ long: string; description: string }>;
}

function flagsOf(cmd: Command): CommandSpec['flags'] {
  return (cmd.options as readonly Option[]).filter((o) => o.long).map((o) => ({ long: o.long!, description: o.description }));
}

/** Every command and subcommand with its flags; the program's own (global) flags under path []. */
export function commandSpecs(program: Command): CommandSpec[] {
  const specs: CommandSpec[] = [{ path: [], description: program.description(), flags: flagsOf(program) }];
  const walk = (cmd: Command, path: string[]) => {
    for (const sub of cmd.commands) {
      const p = [...path, sub.name()];
      specs.push({ path: p, description: sub.description(), flags: flagsOf(sub) });
      walk(sub, p);
    }
  };
  walk(program, []);
  return specs;
}

const single = (text: string) => text.replace(/'/g, `'\\''`);

function bash(specs: CommandSpec[]): string {
  const globals = specs[0]!.flags.map((f) => f.long).join(' ');
  const top = specs.filter((s) => s.path.length === 1).map((s) => s.path[0]).join(' ');
  const cases = specs
    .filter((s) => s.path.length > 0)
    .map((s) => {
      const subs = specs.filter((x) => x.path.length === s.path.length + 1 && x.path.slice(0, -1).join(' ') === s.path.join(' ')).map((x) => x.path.at(-1));
      return `    '${single(s.path.join(' '))}') words='${single([...subs, ...s.flags.map((f) => f.long)].join(' '))}' ;;`;
    })
    .join('\n');
  return `# bash completion for bcsync; install: bcsync completion bash > /etc/bash_completion.d/bcsync
_bcsync() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" w i
  # The command path: the words before the cursor that are not flags (a flag's value may be taken for one).
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ "$w" == -* ]] && continue
    if [[ -z "$path" ]]; then w="$w"; else w="$path $w"; fi
    case "$w" in
${specs
  .filter((s) => s.path.length > 0)
  .map((s) => `      '${single(s.path.join(' '))}') path="${s.path.join(' ')}" ;;`)
  .join('\n')}
    esac
  done
  local words
  case "$path" in
    '') words='${single(top)}' ;;
${cases}
  esac
  COMPREPLY=( $(compgen -W "$words ${globals}" -- "$cur") )
}
complete -F _bcsync bcsync
`;
}

function zsh(specs: CommandSpec[]): string {
  const describe = (s: CommandSpec) => `'${single(`${s.path.at(-1)}:${s.description.replace(/:/g, '\\:')}`)}'`;
  const flagSpec = (f: CommandSpec['flags'][number]) => `'${single(`${f.long}[${f.description.replace(/[[\]]/g, '')}]`)}'`;
  const globals = specs[0]!.flags.map(flagSpec).join(' ');
  const cases = specs
    .filter((s) => s.path.length === 1)
    .map((s) => {
      const subs = specs.filter((x) => x.path.length === 2 && x.path[0] === s.path[0]);
      const body = subs.length
        ? `if (( CURRENT == 3 )); then local -a subs; subs=(${subs.map(describe).join(' ')}); _describe 'subcommand' subs; else _arguments ${globals} ${s.flags.map(flagSpec).join(' ')} ${subs.flatMap((x) => x.flags.map(flagSpec)).join(' ')}; fi`
        : `_arguments ${globals} ${s.flags.map(flagSpec).join(' ')}`;
      return `    ${s.path[0]}) ${body} ;;`;
    })
    .join('\n');
  return `#compdef bcsync
# zsh completion for bcsync; install: bcsync completion zsh > "\${fpath[1]}/_bcsync"
_bcsync() {
  local -a commands
  commands=(${specs.filter((s) => s.path.length === 1).map(describe).join(' ')})
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case $words[2] in
${cases}
  esac
}
compdef _bcsync bcsync
`;
}

function fish(specs: CommandSpec[]): string {
  const lines = ['# fish completion for bcsync; install: bcsync completion fish > ~/.config/fish/completions/bcsync.fish', 'complete -c bcsync -f'];
  for (const f of specs[0]!.flags) lines.push(`complete -c bcsync -l ${f.long.slice(2)} -d '${single(f.description)}'`);
  const top = specs.filter((s) => s.path.length === 1);
  for (const s of top) lines.push(`complete -c bcsync -n __fish_use_subcommand -a ${s.path[0]} -d '${single(s.description)}'`);
  for (const s of specs.filter((x) => x.path.length > 0)) {
    const cond = `__fish_seen_subcommand_from ${s.path[0]}`;
    if (s.path.length === 2) lines.push(`complete -c bcsync -n '${cond}' -a ${s.path[1]} -d '${single(s.description)}'`);
    for (const f of s.flags) lines.push(`complete -c bcsync -n '${cond}' -l ${f.long.slice(2)} -d '${single(f.description)}'`);
  }
  return lines.join('\n') + '\n';
}

export function completionScript(program: Command, shell: string): string {
  const specs = commandSpecs(program);
  if (shell === 'bash') return bash(specs);
  if (shell === 'zsh') return zsh(specs);
  if (shell === 'fish') return fish(specs);
  throw new UsageError(`"${shell}" is not a supported shell; pass one of ${SHELLS.join(', ')}.`);
}

export function completionRun(deps: Deps, program: Command, shell: string): void {
  deps.io.stdout.write(completionScript(program, shell));
}

export const registerCompletion: RegisterCommand = (program: Command, act) => {
  program
    .command('completion')
    .description('print a shell completion script: bash, zsh or fish')
    .argument('<shell>', 'bash, zsh or fish')
    .addHelpText(
      'after',
      `
Examples:
  $ bcsync completion bash > /etc/bash_completion.d/bcsync
  $ bcsync completion zsh > "\${fpath[1]}/_bcsync"
  $ bcsync completion fish > ~/.config/fish/completions/bcsync.fish`,
    )
    .action((shell: string, _options: unknown, cmd: Command) => act(cmd, async (deps) => completionRun(deps, program, shell)));
};
