import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const fixturesDir = path.resolve(here, '../fixtures');

export function tempDir(prefix = 'bcsync-state-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** sha256 of every file under `dir` (relative path → hash): "byte-identical afterwards" checks. */
export function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) {
        out[`${path.relative(dir, p)}/`] = 'dir';
        walk(p);
      } else {
        out[path.relative(dir, p)] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
      }
    }
  };
  walk(dir);
  return out;
}

/**
 * Child processes run the state module from the current sources: src/state (and the two modules it uses)
 * transpiled into a temp folder, so a stale or half-built dist/ can never make these tests lie.
 */
export function buildStateModuleForChildren(): { moduleUrl: string; cleanup: () => void } {
  const out = tempDir('bcsync-state-child-');
  const files = [
    'errors.ts',
    'clock.ts',
    ...fs
      .readdirSync(path.join(repoRoot, 'src/state'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => `state/${f}`),
  ];
  for (const rel of files) {
    const source = fs.readFileSync(path.join(repoRoot, 'src', rel), 'utf8');
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      fileName: rel,
    }).outputText;
    const target = path.join(out, rel.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, js);
  }
  fs.writeFileSync(path.join(out, 'package.json'), '{"type":"module"}\n');
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(out, 'node_modules'), 'dir');
  return {
    moduleUrl: pathToFileURL(path.join(out, 'state/index.js')).href,
    cleanup: () => fs.rmSync(out, { recursive: true, force: true }),
  };
}

export interface Child {
  proc: ChildProcess;
  lines: string[];
  /** Resolves with the first stdout line matching `re` (rejects if the child exits first). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnFixture(script: string, args: string[]): Child {
  const proc = spawn(process.execPath, [path.join(fixturesDir, script), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const lines: string[] = [];
  let stderr = '';
  let buffer = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    lines,
    exited,
    waitFor(re, timeoutMs = 20_000) {
      const already = lines.find((l) => re.test(l));
      if (already !== undefined) return Promise.resolve(already);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`child did not print ${re} in time; stderr: ${stderr}`)), timeoutMs);
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`child exited (${code ?? signal}) before printing ${re}; stderr: ${stderr}`));
        });
      });
    },
  };
}

/** A small deterministic generator, so a failing random schedule can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
