import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import { ManualClock } from '../../src/clock.js';
import { StateError } from '../../src/errors.js';
import { LOCK_DIR_NAME, LOCK_OWNER_NAME, StateStore, readLockOwner } from '../../src/state/index.js';
import { buildStateModuleForChildren, fingerprint, spawnFixture, tempDir, type Child } from './helpers/state-helpers.js';

let built: ReturnType<typeof buildStateModuleForChildren>;
const dirs: string[] = [];
const stores: StateStore[] = [];
const children: Child[] = [];

beforeAll(() => {
  built = buildStateModuleForChildren();
});

afterAll(() => built.cleanup());

afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.proc.exitCode === null && c.proc.signalCode === null) {
      c.proc.kill('SIGKILL');
      await c.exited;
    }
  }
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function seededDir(): Promise<string> {
  const dir = tempDir();
  dirs.push(dir);
  const s = await StateStore.open(dir, { lock: true });
  s.couple({ mapping: 'CUSTOMER', bcId: 'bc-1', dataverseId: 'dv-1' });
  await s.commit();
  await s.close();
  return dir;
}

async function openError(dir: string, options: { lockStaleMs?: number } = {}): Promise<StateError> {
  try {
    const s = await StateStore.open(dir, { lock: true, ...options });
    stores.push(s);
  } catch (err) {
    expect(err).toBeInstanceOf(StateError);
    return err as StateError;
  }
  throw new Error('expected the open to be refused');
}

describe('state lock', () => {
  test('held by a live process: StateError naming its pid and start, state untouched; read-only opens still work', async () => {
    const dir = await seededDir();
    const holder = spawnFixture('lock-holder.mjs', [built.moduleUrl, dir]);
    children.push(holder);
    await holder.waitFor(/^locked /);
    const before = fingerprint(dir);
    const owner = await readLockOwner(path.join(dir, LOCK_DIR_NAME));
    expect(owner).toMatchObject({ pid: holder.proc.pid, command: 'lock-holder' });

    const err = await openError(dir, { lockStaleMs: 2000 });
    expect(err.message.split('\n')).toHaveLength(1);
    expect(err.message).toMatch(
      new RegExp(`^State .* is locked by another bcsync process \\(pid ${holder.proc.pid}, lock-holder\\) since ${owner!.startedAt}; wait for it`),
    );
    expect(err.exitCode).toBe(5);
    expect(fingerprint(dir)).toEqual(before);

    const reader = await StateStore.open(dir, { lock: false });
    stores.push(reader);
    expect(reader.byBcId('CUSTOMER', 'bc-1')?.dataverseId).toBe('dv-1');

    // Once the holder is done, the lock is free again.
    holder.proc.stdin!.end();
    await holder.waitFor(/^released$/);
    const store = await StateStore.open(dir, { lock: true });
    stores.push(store);
    expect(store.size).toBe(1);
  });

  test('a second open in the same process is refused too', async () => {
    const dir = await seededDir();
    const first = await StateStore.open(dir, { lock: true, command: 'sync --all' });
    stores.push(first);
    const err = await openError(dir);
    expect(err.message).toContain(`(pid ${process.pid}, sync --all)`);
    // The lock names its holder's command and host: readable by the user only, like the rest of the state.
    expect(fs.statSync(path.join(dir, LOCK_DIR_NAME)).mode & 0o077).toBe(0);
    expect(fs.statSync(path.join(dir, LOCK_DIR_NAME, LOCK_OWNER_NAME)).mode & 0o077).toBe(0);
  });

  test('left by a killed process: recovered at once because its pid is gone', async () => {
    const dir = await seededDir();
    const holder = spawnFixture('lock-holder.mjs', [built.moduleUrl, dir]);
    children.push(holder);
    await holder.waitFor(/^locked /);
    holder.proc.kill('SIGKILL');
    await holder.exited;
    expect((await readLockOwner(path.join(dir, LOCK_DIR_NAME)))?.pid).toBe(holder.proc.pid);
    const store = await StateStore.open(dir, { lock: true, lockStaleMs: 600_000 });
    stores.push(store);
    expect((await readLockOwner(path.join(dir, LOCK_DIR_NAME)))?.pid).toBe(process.pid);
    expect(store.size).toBe(1);
  });

  test('not refreshed for longer than the stale time (holder on another host): taken over', async () => {
    const dir = await seededDir();
    const lockDir = path.join(dir, LOCK_DIR_NAME);
    fs.mkdirSync(lockDir);
    fs.writeFileSync(
      path.join(lockDir, LOCK_OWNER_NAME),
      JSON.stringify({ pid: 1, hostname: 'some-other-host', startedAt: '2026-01-01T00:00:00.000Z' }),
    );
    // Fresh: refused, and the message says which host.
    expect((await openError(dir, { lockStaleMs: 5000 })).message).toContain('(pid 1 on some-other-host) since 2026-01-01T00:00:00.000Z');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lockDir, old, old);
    const store = await StateStore.open(dir, { lock: true, lockStaleMs: 5000 });
    stores.push(store);
    expect((await readLockOwner(lockDir))?.hostname).not.toBe('some-other-host');
  });

  test('a lock directory without owner yet (being taken right now) counts as held', async () => {
    const dir = await seededDir();
    fs.mkdirSync(path.join(dir, LOCK_DIR_NAME));
    expect((await openError(dir)).message).toContain('another bcsync process (not yet identified)');
  });

  test('the lock names the start time from the injected clock and is removed on close', async () => {
    const dir = await seededDir();
    const clock = new ManualClock(Date.UTC(2026, 4, 1, 12, 0, 0));
    const store = await StateStore.open(dir, { lock: true, clock });
    expect((await readLockOwner(path.join(dir, LOCK_DIR_NAME)))?.startedAt).toBe('2026-05-01T12:00:00.000Z');
    await store.close();
    expect(fs.existsSync(path.join(dir, LOCK_DIR_NAME))).toBe(false);
  });

  test('a lost lock (taken away while held) stops further writes with a StateError', async () => {
    const dir = await seededDir();
    const store = await StateStore.open(dir, { lock: true, lockStaleMs: 2000 });
    stores.push(store);
    fs.rmSync(path.join(dir, LOCK_DIR_NAME), { recursive: true, force: true });
    // proper-lockfile notices at its next refresh (every stale/2 = 1 s).
    const deadline = Date.now() + 10_000;
    let error: unknown;
    while (Date.now() < deadline && error === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      try {
        store.couple({ mapping: 'CUSTOMER', bcId: `bc-${Date.now()}`, dataverseId: `dv-${Date.now()}` });
      } catch (err) {
        error = err;
      }
    }
    expect(error).toBeInstanceOf(StateError);
    expect((error as Error).message).toMatch(/^Lost the state lock/);
    await expect(store.commit()).rejects.toThrow(/Lost the state lock/);
  });
});
