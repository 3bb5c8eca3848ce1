import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Low-level file helpers shared by the coupling store and the sync log: a byte-exact line reader and a
 * streaming atomic replace. Byte offsets matter because a torn journal tail is cut off at the exact byte
 * where the last complete batch ended.
 */

export interface Line {
  /** The line without its terminating newline (UTF-8 decoded). */
  text: string;
  /** 1-based line number, for error messages. */
  number: number;
  /** Byte offset just after this line's newline (or after the text when unterminated). */
  endOffset: number;
  /** False only for a final line with no newline: a write that was cut short. */
  terminated: boolean;
}

const NEWLINE = 0x0a;

/** Reads a file line by line with the byte offset of every line end. A missing file throws ENOENT. */
export async function* readLines(file: string, chunkSize = 1 << 20): AsyncGenerator<Line> {
  const handle = await fs.promises.open(file, 'r');
  try {
    let carry: Buffer = Buffer.alloc(0);
    let carryStart = 0; // byte offset of carry[0] in the file
    let lineNumber = 0;
    const chunk = Buffer.allocUnsafe(chunkSize);
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunkSize, null);
      if (bytesRead === 0) break;
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      let start = 0;
      for (;;) {
        const nl = buf.indexOf(NEWLINE, start);
        if (nl < 0) break;
        lineNumber += 1;
        yield { text: buf.toString('utf8', start, nl), number: lineNumber, endOffset: carryStart + nl + 1, terminated: true };
        start = nl + 1;
      }
      // Copy the remainder: `chunk` is reused by the next read.
      carry = Buffer.from(buf.subarray(start));
      carryStart += start;
    }
    if (carry.length > 0) {
      lineNumber += 1;
      yield { text: carry.toString('utf8'), number: lineNumber, endOffset: carryStart + carry.length, terminated: false };
    }
  } finally {
    await handle.close();
  }
}

export function isMissing(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === 'ENOENT';
}

export async function fileExists(file: string): Promise<boolean> {
  try {
    await fs.promises.stat(file);
    return true;
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
}

/**
 * Makes a rename or a newly created file in `dir` durable: on Linux the directory entry is only safe
 * on disk once the directory itself is fsynced. Platforms that cannot open a directory skip it.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(dir, 'r');
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw err;
  } finally {
    await handle?.close();
  }
}

/** Suffix of the temporary files of `writeFileAtomicStream`; leftovers of a killed process are removed on open. */
export const TEMP_SUFFIX = '.tmp';

/**
 * Atomically replaces `file` with the text produced by `chunks`: write a temp file beside it, fsync,
 * rename over the target, fsync the directory. Readers see the old or the new file, never a mix.
 *
 * Why not write-file-atomic here: it takes the whole content as one string or Buffer, and a million
 * couplings is several hundred MB, beyond V8's string limit and doubling peak memory. This streams.
 */
export async function writeFileAtomicStream(file: string, chunks: Iterable<string | Uint8Array>, mode = 0o600): Promise<number> {
  const dir = path.dirname(file);
  const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
  const handle = await fs.promises.open(temp, 'wx', mode);
  let bytes = 0;
  try {
    for (const text of chunks) {
      // A chunk given as bytes may be a buffer its maker fills again for the next chunk: written before asking for it.
      const buf = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
      bytes += buf.length;
      let written = 0;
      while (written < buf.length) {
        const r = await handle.write(buf, written, buf.length - written);
        written += r.bytesWritten;
      }
    }
    await handle.sync();
    await handle.close();
    await fs.promises.rename(temp, file);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.promises.rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
  return bytes;
}

/** The names in `dir`; none when it does not exist. */
export async function readdirOrNothing(dir: string): Promise<string[]> {
  try {
    return await fs.promises.readdir(dir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
}

/** Removes temp files a killed process left beside `file` (only call while holding the state lock). */
export async function removeStaleTempFiles(file: string): Promise<void> {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.`;
  for (const name of await readdirOrNothing(dir)) {
    if (name.startsWith(prefix) && name.endsWith(TEMP_SUFFIX)) {
      await fs.promises.rm(path.join(dir, name), { force: true });
    }
  }
}

/** Writes the whole buffer at the file handle's position (append handles: at the end). */
export async function writeAll(handle: fs.promises.FileHandle, buf: Buffer): Promise<void> {
  let written = 0;
  while (written < buf.length) {
    const r = await handle.write(buf, written, buf.length - written);
    written += r.bytesWritten;
  }
}

/**
 * Bytes appended into chunks of 64 KB doubling up to 1 MB (a journal batch of millions of changes never becomes one
 * string or one buffer, and a small batch waiting for its write holds little): strings are written as UTF-8 straight
 * into the chunk, bytes are copied.
 */
export class ByteSink {
  private readonly chunks: Buffer[] = [];
  private buf: Buffer;
  private pos = 0;
  private done = 0;
  private chunkSize = 64 * 1024;

  constructor() {
    this.buf = Buffer.allocUnsafe(this.chunkSize);
  }

  /** Bytes appended so far. */
  get length(): number {
    return this.done + this.pos;
  }

  text(s: string): void {
    // At most 3 bytes per UTF-16 unit.
    this.room(s.length * 3);
    this.pos += this.buf.write(s, this.pos, this.buf.length - this.pos, 'utf8');
  }

  bytes(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    this.room(n);
    const buf = this.buf;
    if (n > 64) buf.set(src.subarray(from, to), this.pos);
    else for (let i = 0; i < n; i++) buf[this.pos + i] = src[from + i]!;
    this.pos += n;
  }

  /** The chunks written (the sink is empty afterwards). */
  take(): Buffer[] {
    this.seal();
    return this.chunks.splice(0);
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    this.seal();
    if (this.buf.length < n) this.buf = Buffer.allocUnsafe(Math.max(this.nextChunkSize(), n));
  }

  private seal(): void {
    if (this.pos === 0) return;
    this.chunks.push(this.buf.subarray(0, this.pos));
    this.done += this.pos;
    this.buf = this.pos + 1024 < this.buf.length ? this.buf.subarray(this.pos) : Buffer.allocUnsafe(this.nextChunkSize());
    this.pos = 0;
  }

  private nextChunkSize(): number {
    this.chunkSize = Math.min(1 << 20, this.chunkSize * 2);
    return this.chunkSize;
  }
}
