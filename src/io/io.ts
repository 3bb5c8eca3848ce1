import { PassThrough, type Readable, type Writable } from 'node:stream';

/** The process's streams and terminal facts, injected so commands never touch `process` directly. */
export interface Io {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  env: Record<string, string | undefined>;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    env: process.env,
  };
}

/** In-memory Io for tests: everything written is kept as text. */
export class BufferIo implements Io {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly stdin = new PassThrough();
  stdoutIsTTY = false;
  stderrIsTTY = false;
  stdinIsTTY = false;
  env: Record<string, string | undefined>;
  private out: string[] = [];
  private err: string[] = [];

  constructor(env: Record<string, string | undefined> = {}, tty = false) {
    this.env = env;
    this.stdoutIsTTY = this.stderrIsTTY = this.stdinIsTTY = tty;
    this.stdout.on('data', (chunk: Buffer) => this.out.push(chunk.toString('utf8')));
    this.stderr.on('data', (chunk: Buffer) => this.err.push(chunk.toString('utf8')));
  }

  get stdoutText(): string {
    return this.out.join('');
  }
  get stderrText(): string {
    return this.err.join('');
  }
  /** Parses stdout as one JSON document. */
  json<T = unknown>(): T {
    return JSON.parse(this.stdoutText) as T;
  }
}
