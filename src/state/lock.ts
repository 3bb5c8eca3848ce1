import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { StateError } from '../errors.js';

/**
 * The state lock: a `state.lock` directory made by proper-lockfile (mkdir is atomic; its mtime is kept
 * fresh while we hold it), plus `owner.json` inside it naming the holder, so a refusal can say who holds
 * the lock and a lock left by a killed process is recognised at once (its pid is gone) instead of only
 * after the stale threshold.
 */

export const LOCK_DIR_NAME = 'state.lock';
export const LOCK_OWNER_NAME = 'owner.json';
export const DEFAULT_LOCK_STALE_MS = 30_000;

const ownerSchema = z.object({
  pid: z.number().int().positive(),
  hostname: z.string(),
  startedAt: z.string(),
  command: z.string().optional(),
});
export type LockOwner = z.infer<typeof ownerSchema>;

/**
 * The fs proper-lockfile works through. `mkdir` writes owner.json into the new lock directory before
 * proper-lockfile records the directory's mtime (adding a file later would change that mtime and make
 * proper-lockfile think the lock was taken over). `rmdir` removes the directory with its content, for
 * release, stale removal and the exit handler alike.
 */
function lockFsFor(owner: LockOwner): typeof fs {
  return {
    ...fs,
    mkdir: (p: string, cb: (err: NodeJS.ErrnoException | null) => void) =>
      // The state directory's own mode: the lock names the command and host that hold it.
      fs.mkdir(p, { mode: 0o700 }, (err) => {
        if (err) return cb(err);
        try {
          writeFileAtomic.sync(path.join(p, LOCK_OWNER_NAME), `${JSON.stringify(owner)}\n`, { fsync: false, mode: 0o600 });
        } catch (writeErr) {
          fs.rm(p, { recursive: true, force: true }, () => cb(writeErr as NodeJS.ErrnoException));
          return;
        }
        cb(null);
      }),
    rmdir: (p: fs.PathLike, cb: (err: NodeJS.ErrnoException | null) => void) =>
      fs.rm(p, { recursive: true, force: true }, (err) => cb(err)),
    rmdirSync: (p: fs.PathLike) => fs.rmSync(p, { recursive: true, force: true }),
  } as unknown as typeof fs;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function readLockOwner(lockDir: string): Promise<LockOwner | undefined> {
  try {
    const text = await fs.promises.readFile(path.join(lockDir, LOCK_OWNER_NAME), 'utf8');
    const parsed = ownerSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function sameOwner(a: LockOwner | undefined, b: LockOwner | undefined): boolean {
  return a !== undefined && b !== undefined && a.pid === b.pid && a.hostname === b.hostname && a.startedAt === b.startedAt;
}

export interface StateLockOptions {
  clock: Clock;
  staleMs?: number;
  /** What the holder is doing, shown to a process that is refused (e.g. "sync --all"). */
  command?: string;
}

export class StateLock {
  private lost: Error | undefined;
  private released = false;

  private constructor(
    readonly lockDir: string,
    private readonly releaseFn: () => Promise<void>,
    readonly owner: LockOwner,
  ) {}

  /** Takes the lock of `dir` or throws StateError naming the live holder. */
  static async acquire(dir: string, options: StateLockOptions): Promise<StateLock> {
    const lockDir = path.join(dir, LOCK_DIR_NAME);
    const staleMs = Math.max(options.staleMs ?? DEFAULT_LOCK_STALE_MS, 2000);
    const owner: LockOwner = {
      pid: process.pid,
      hostname: os.hostname(),
      startedAt: new Date(options.clock.now()).toISOString(),
      ...(options.command !== undefined ? { command: options.command } : {}),
    };
    let holder: StateLock | undefined;
    const onCompromised = (err: Error): void => {
      // Never throw from proper-lockfile's timer: remember it and refuse the next write instead.
      if (holder) holder.lost = err;
    };
    const lockFs = lockFsFor(owner);
    const tryLock = (): Promise<() => Promise<void>> =>
      lockfile.lock(dir, { lockfilePath: lockDir, realpath: false, stale: staleMs, retries: 0, onCompromised, fs: lockFs });

    let release: () => Promise<void>;
    try {
      release = await tryLock();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') {
        throw new StateError(`Cannot lock the state directory ${dir}: ${(err as Error).message}. Check that it is writable.`, {
          cause: err,
        });
      }
      const current = await readLockOwner(lockDir);
      if (!current || current.hostname !== os.hostname() || isProcessAlive(current.pid)) {
        throw lockedError(dir, lockDir, current, staleMs);
      }
      // The holder died (kill -9, power loss): take the lock over, unless someone else just did.
      const again = await readLockOwner(lockDir);
      if (sameOwner(current, again)) await fs.promises.rm(lockDir, { recursive: true, force: true });
      try {
        release = await tryLock();
      } catch (err2) {
        if ((err2 as NodeJS.ErrnoException).code === 'ELOCKED') throw lockedError(dir, lockDir, await readLockOwner(lockDir), staleMs);
        throw new StateError(`Cannot lock the state directory ${dir}: ${(err2 as Error).message}. Check that it is writable.`, {
          cause: err2,
        });
      }
    }
    holder = new StateLock(lockDir, release, owner);
    return holder;
  }

  /** Throws when the lock was lost (another process judged it stale and took it over). */
  assertHeld(): void {
    if (this.released) throw new StateError('The state lock was already released; open the state again to change it.');
    if (this.lost) {
      throw new StateError(
        `Lost the state lock ${this.lockDir} (${this.lost.message}); stopped writing so two processes never write at once. ` +
          'Run the command again; if this repeats, the machine is too busy to refresh the lock: raise the lock stale time.',
      );
    }
  }

  get isLost(): boolean {
    return this.lost !== undefined;
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    if (this.lost) return;
    try {
      await this.releaseFn();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ERELEASED') throw err;
    }
  }
}

function lockedError(dir: string, lockDir: string, owner: LockOwner | undefined, staleMs: number): StateError {
  const who = owner
    ? `another bcsync process (pid ${owner.pid}${owner.hostname !== os.hostname() ? ` on ${owner.hostname}` : ''}` +
      `${owner.command ? `, ${owner.command}` : ''}) since ${owner.startedAt}`
    : 'another bcsync process (not yet identified)';
  return new StateError(
    `State ${dir} is locked by ${who}; wait for it to finish and run again. ` +
      `If no bcsync is running, the lock is released by itself ${Math.round(staleMs / 1000)} s after its holder stopped, ` +
      `or remove ${lockDir} by hand.`,
  );
}
