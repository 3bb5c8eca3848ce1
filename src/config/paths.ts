import os from 'node:os';
import path from 'node:path';

/**
 * Where bcsync writes: profiles, state and logs all live under one home, so `--home DIR` or `BCSYNC_HOME`
 * relocates everything at once (tests and the demo use throwaway homes; nothing touches the user's config).
 */
export function resolveHome(explicit: string | undefined, env: Record<string, string | undefined>): string {
  if (explicit) return path.resolve(explicit);
  if (env.BCSYNC_HOME) return path.resolve(env.BCSYNC_HOME);
  const home = env.HOME ?? os.homedir();
  if (process.platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'bcsync');
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Preferences', 'bcsync');
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'bcsync');
}

export interface HomeLayout {
  home: string;
  profilesDir: string;
  /** Couplings, watermarks, lock and sync log of one profile. */
  stateDir(profile: string): string;
}

export function homeLayout(home: string): HomeLayout {
  return {
    home,
    profilesDir: path.join(home, 'profiles'),
    stateDir: (profile) => path.join(home, 'state', profile),
  };
}

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export function isValidProfileName(name: string): boolean {
  return PROFILE_NAME.test(name);
}
