/**
 * `bcsync schedule --cron|--systemd`: ready-to-install entries that start `bcsync sync --due` every few
 * minutes for this profile. bcsync has no job queue: the entry only wakes it, and `--due` decides per mapping
 * (every 30 minutes; idle mappings on their inactivity timeout or a change), as BC's job queue would.
 * The client secret is never printed: the entries read it from an environment file the user creates.
 */
import type { Command } from 'commander';
import type { Deps } from '../../deps.js';
import { UsageError } from '../../errors.js';
import { DEFAULT_SECRET_ENV } from '../../config/profile.js';
import type { RegisterCommand } from '../registry.js';
import { loadProfileMappings } from '../../app/session.js';

/** How often the entry wakes bcsync: the shortest interval of the profile's schedules, at most every 5 minutes. */
export function wakeMinutes(intervals: readonly number[]): number {
  const shortest = intervals.length ? Math.min(...intervals) : 30;
  return Math.max(5, Math.min(shortest, 30));
}

export interface ScheduleOptions {
  cron?: boolean;
  systemd?: boolean;
  /** The command that runs bcsync (default `bcsync`, as on PATH). */
  command?: string;
}

const quote = (text: string) => (/^[\w./:=@-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);

export function scheduleRun(deps: Deps, opts: ScheduleOptions): string {
  if (Boolean(opts.cron) === Boolean(opts.systemd)) throw new UsageError('Pass one of --cron and --systemd: which kind of entry to print.');
  const { profile, mappings } = loadProfileMappings(deps);
  const every = wakeMinutes(mappings.flatMap((m) => (m.schedule ? [m.schedule.intervalMinutes] : [])));
  const bin = opts.command ?? 'bcsync';
  const secretVar = profile.auth.clientSecret !== undefined ? undefined : (profile.auth.clientSecretEnv ?? DEFAULT_SECRET_ENV);
  const envFile = `${deps.layout.home}/${profile.name}.env`;
  const logFile = `${deps.layout.home}/${profile.name}-sync.log`;
  const args = `--home ${quote(deps.layout.home)} --profile ${quote(profile.name)} --progress none --log-file ${quote(logFile)} sync --due`;
  const lines: string[] = [];
  if (opts.cron) {
    lines.push(
      `# bcsync: synchronize what is due for profile "${profile.name}" (checked every ${every} minutes; install with "crontab -e").`,
      ...(secretVar ? [`# ${envFile} (mode 0600) holds: export ${secretVar}=<client secret>`] : []),
      `*/${every} * * * * ${secretVar ? `. ${quote(envFile)} && ` : ''}${bin} ${args} >/dev/null 2>&1`,
    );
  } else {
    const unit = `bcsync-${profile.name}`;
    lines.push(
      `# /etc/systemd/system/${unit}.service`,
      '[Unit]',
      `Description=bcsync: synchronize what is due for profile ${profile.name}`,
      'Wants=network-online.target',
      'After=network-online.target',
      '',
      '[Service]',
      'Type=oneshot',
      ...(secretVar ? [`# ${envFile} (mode 0600) holds: ${secretVar}=<client secret>`, `EnvironmentFile=${envFile}`] : []),
      `ExecStart=${bin} ${args}`,
      '# SIGTERM lets the batch in flight finish (exit 143); give it time.',
      'TimeoutStopSec=120',
      '',
      `# /etc/systemd/system/${unit}.timer`,
      '[Unit]',
      `Description=Run ${unit} every ${every} minutes`,
      '',
      '[Timer]',
      `OnCalendar=*:0/${every}`,
      'Persistent=true',
      '',
      '[Install]',
      'WantedBy=timers.target',
      `# Then: systemctl daemon-reload && systemctl enable --now ${unit}.timer`,
    );
  }
  const text = lines.join('\n') + '\n';
  deps.io.stdout.write(text);
  return text;
}

export const registerSchedule: RegisterCommand = (program: Command, act) => {
  program
    .command('schedule')
    .description('print ready-to-install cron or systemd entries that run "sync --due" for the profile')
    .option('--cron', 'a crontab line')
    .option('--systemd', 'a systemd service and timer')
    .option('--command <path>', 'how to start bcsync (default: bcsync on PATH)')
    .addHelpText(
      'after',
      `
The entry wakes bcsync every few minutes; "sync --due" then runs only the
mappings whose interval (30 min) has passed, and idle ones (the last run
changed nothing) on their inactivity timeout or a change. The client secret is
read from an environment file you create (mode 0600); it is never printed.

Examples:
  $ bcsync schedule --cron
  $ bcsync --profile canada schedule --systemd --command /usr/local/bin/bcsync

Exit codes: 0 ok, 2 usage, 3 no such profile.`,
    )
    .action((options: ScheduleOptions, cmd: Command) => act(cmd, async (deps) => void scheduleRun(deps, options)));
};
