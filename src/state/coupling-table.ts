import {
  decodedMs,
  guidFromString,
  guidHash,
  guidText,
  textHash,
  timeFromString,
  timeText,
  TIME_NONE,
  TIME_TEXT,
  writeGuid,
  writeTime,
} from './codecs.js';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { StateError } from '../errors.js';
import type { ByteSink } from './files.js';
import type { Coupling, JsonValue, RecordError, SyncResult } from './types.js';

/**
 * One mapping's couplings in memory: one typed array per column, a row per coupling, whether it was read from
 * the mapping's file or made during the run (README.md in this folder, "In memory"). A GUID id is 16 bytes, a
 * time 9 (milliseconds and a format code that gives back the exact string), results and flags a byte each,
 * `extra` its JSON text in one byte arena; ids or times in any other form are kept as strings on the side.
 * Two open-addressing tables of row numbers find a row by either id. A Coupling object is made when one is
 * asked for (never kept per row; a small cache hands the same object to lookups close together).
 *
 * Rows are only appended: a coupling changed in place keeps its row, an uncoupled one leaves a dead row, so a
 * row number stays valid while the table lives (iteration, the failure set, a snapshot being written).
 */

const RESULT: readonly (SyncResult | undefined)[] = [undefined, 'success', 'failure'];
const RESULT_CHAR = ['-', 's', 'f'] as const;
const RESULT_BYTE = [0x2d, 0x73, 0x66] as const;
const EXTRA_OPEN = Buffer.from(',{"extra":', 'latin1');
/** Bytes of a row line besides its `extra`: two ids, three times, the results and the punctuation. */
const ROW_LINE_BYTES = 2 + 2 * 38 + 3 * 27 + 5 + EXTRA_OPEN.length + 2;
const RESULT_JSON = ['', '"success"', '"failure"'] as const;
const LINE_END = Buffer.from('}}\n');

const DEAD = 1;
const SKIPPED = 2;
/** The id of that side is not a GUID: its string is in `texts`. */
const TEXT_ID = [4, 8] as const;
/** Changed since the store's last commit: its line goes into the next journal batch. */
const PENDING = 16;
/** Handled by the sync in progress (`markHandled`): never written anywhere, cleared when a sync starts reading. */
const HANDLED = 32;

/** Seconds from 0000-01-01 to 1970-01-01 (proleptic Gregorian): the origin of a time's 6 bytes. */
const SECONDS_BEFORE_1970 = 62_167_219_200;

const EMPTY = -1;
const REMOVED = -2;
/**
 * Id tables are filled to at most 70% and sized to that, not to a power of two: a million couplings take 2 x 5.7 MB
 * of slots instead of 2 x 8.4 MB (at most half full in 2^21). Linear probing at 70% looks at ~2 slots for an id
 * present and ~6 for one absent.
 */
const MAX_LOAD = 0.7;

/** The slot an id's hash starts at among `n` (the hash's high bits: no power of two needed, no division). */
function slotOf(hash: number, n: number): number {
  return Math.floor((hash / 4294967296) * n);
}

const CACHE_SIZE = 8192;

/** Keys in `texts`: row * 8 + field (0 bcId, 1 dataverseId, 2-4 the times). */
const ID_FIELD = [0, 1] as const;
const TIME_FIELD = 2;

/** 0 BC, 1 Dataverse. */
export type IdSide = 0 | 1;

/** What few couplings hold: failures. */
interface Rare {
  failureCount: number;
  lastErrorToDataverse: RecordError | undefined;
  lastErrorToBc: RecordError | undefined;
}

function resultCode(r: SyncResult | undefined): number {
  return r === undefined ? 0 : r === 'success' ? 1 : 2;
}

const probe = new Uint32Array(4);

/** Copies `n` bytes; a short run in a loop (Buffer.copy costs more than the copy for ~100 bytes). */
function copyBytes(src: Uint8Array, from: number, n: number, dst: Uint8Array, to: number): void {
  if (n > 256) {
    dst.set(src.subarray(from, from + n), to);
    return;
  }
  for (let i = 0; i < n; i++) dst[to + i] = src[from + i]!;
}

/**
 * Where a table may keep `extra` values it does not hold in memory: a scratch file in `dir` (the state directory),
 * once more than `residentBytes` of them are in memory. Not part of the state: unlinked as soon as it is opened.
 */
export interface ExtraSpill {
  dir: string;
  residentBytes: number;
}

/** Suffix of the scratch files of spilled `extra` values (removed by a writable open if a crash left one). */
export const SPILL_SUFFIX = '.extra-spill';
const READ_WINDOW = 64 * 1024;
/** What a read of the scratch file that jumps away from the last one reads (a few rows' extras). */
const JUMP_WINDOW = 2 * 1024;

/** Closes the scratch file of a table nobody holds any more. */
const spillFiles = new FinalizationRegistry<number>((fd) => {
  try {
    fs.closeSync(fd);
  } catch {
    // already closed
  }
});

export class CouplingTable {
  /** Rows used, live and dead. */
  length = 0;
  /** Live rows: the couplings. */
  size = 0;
  private capacity = 0;
  /** Per side, four 32-bit words per row: the GUID. */
  readonly words: [Uint32Array, Uint32Array] = [new Uint32Array(0), new Uint32Array(0)];
  /**
   * coupledAt, bcModifiedAt, dataverseModifiedAt per row: the time in 6 bytes (`timeSeconds`: seconds since the
   * year 0000, low 32 bits; `timeMillis`: milliseconds in 10 bits, the seconds' high bits above) and a format code
   * (codecs.ts). 6 bytes instead of a Float64's 8: 6 MB for a million couplings. Years 0000-8700; any other is kept
   * as text.
   */
  private timeSeconds = new Uint32Array(0);
  private timeMillis = new Uint16Array(0);
  private timeCodes = new Uint8Array(0);
  /** to-Dataverse result + 3 * to-BC result (0 none, 1 success, 2 failure). */
  private results = new Uint8Array(0);
  private flags = new Uint8Array(0);
  /**
   * Where each row's `extra` JSON is in the table's extras log: positions below `spilled` are in the scratch file,
   * the rest in `arena` at `position - spilled` (README.md "In memory": extras in memory or spilled).
   */
  private extraAt: Uint32Array | Float64Array = new Uint32Array(0);
  private extraLength = new Uint32Array(0);
  private arena = Buffer.alloc(0);
  private arenaUsed = 0;
  private arenaGarbage = 0;
  /** Bytes of the extras log written to the scratch file. */
  private spilled = 0;
  private spillFd = -1;
  /** The last bytes read back from the scratch file, at log position `windowAt`. */
  private window: Buffer | undefined;
  private windowAt = -1;
  private windowLength = 0;
  private spillRead = 0;
  /** Ids and times not in a compact form, by row * 8 + field. */
  private readonly texts = new Map<number, string>();
  private readonly rare = new Map<number, Rare>();
  /** Rows with a failing direction or the skipped flag: failure queries never scan every row. */
  readonly troubled = new Set<number>();
  private readonly slots: [Int32Array, Int32Array] = [new Int32Array(16).fill(EMPTY), new Int32Array(16).fill(EMPTY)];
  /** Slots taken per side (live and removed), to know when to grow. */
  private readonly filled = [0, 0];
  /** Recently handed-out objects by row & cacheMask (sized with the table, up to CACHE_SIZE). */
  private cacheRow = new Int32Array(16).fill(-1);
  private cacheObject: (Coupling | undefined)[] = new Array<Coupling | undefined>(16);
  private cacheMask = 15;
  private readonly captures = new Set<TableCapture>();
  /** Rows marked PENDING, in the order of their first change since the last commit. */
  private changed: number[] = [];
  private lastExtraText = '';
  private lastExtra: Readonly<Record<string, JsonValue>> | undefined;
  private readonly lastTimeMs = [Number.NaN, Number.NaN, Number.NaN];
  private readonly lastTimeCode = [0, 0, 0];
  private readonly lastTimeText = ['', '', ''];
  private retired = false;

  /** The mapping's name as a JSON string (journal lines). */
  private readonly mappingJson: string;

  constructor(
    readonly mapping: string,
    private readonly spill?: ExtraSpill,
    /** From which position of the extras log positions take 64 bits (a test lowers it from 4 GiB). */
    private readonly widePositionsFrom = 2 ** 32,
  ) {
    this.mappingJson = JSON.stringify(mapping);
  }

  /** Room for `rows` rows in all, and index tables sized for them (a file's count before it is read). */
  reserve(rows: number): void {
    if (rows > this.capacity) this.resize(rows);
    for (const side of [0, 1] as const) {
      if (this.slots[side].length * MAX_LOAD < rows) this.rehash(side, rows);
    }
  }

  /** Room for `bytes` more bytes of `extra` JSON (a file's estimate, so its load does not copy the arena as it grows). */
  reserveExtraBytes(bytes: number): void {
    if (this.spill) bytes = Math.min(bytes, this.spill.residentBytes);
    if (this.arenaUsed + bytes <= this.arena.length) return;
    const next = Buffer.allocUnsafe(this.arenaUsed + bytes);
    this.arena.copy(next, 0, 0, this.arenaUsed);
    this.arena = next;
  }

  /** Bytes of `extra` values kept in the scratch file rather than in memory (live and replaced). */
  get spilledBytes(): number {
    return this.spilled;
  }

  /** Bytes read back from the scratch file so far (for tests and memory figures). */
  get spillReadBytes(): number {
    return this.spillRead;
  }

  /** Bytes held by the columns, arena and index tables (typed arrays only: what a row costs at minimum). */
  get columnBytes(): number {
    return (
      this.words[0].byteLength + this.words[1].byteLength + this.timeSeconds.byteLength + this.timeMillis.byteLength +
      this.timeCodes.byteLength + this.results.byteLength + this.flags.byteLength + this.extraAt.byteLength + this.extraLength.byteLength + this.arena.byteLength +
      this.slots[0].byteLength + this.slots[1].byteLength
    );
  }

  // ------------------------------------------------------------------------------------------------
  // Finding

  /** The row of the live coupling holding `id` on `side` (any GUID spelling), or -1. */
  find(side: IdSide, id: string): number {
    if (guidFromString(id, probe, 0)) return this.findGuid(side, probe[0]!, probe[1]!, probe[2]!, probe[3]!);
    return this.findText(side, id);
  }

  findGuid(side: IdSide, w0: number, w1: number, w2: number, w3: number): number {
    const slots = this.slots[side];
    const n = slots.length;
    const words = this.words[side];
    const textFlag = TEXT_ID[side];
    for (let i = slotOf(guidHash(w0, w1, w2, w3), n); ; i = i + 1 < n ? i + 1 : 0) {
      const row = slots[i]!;
      if (row === EMPTY) return -1;
      if (row === REMOVED || (this.flags[row]! & textFlag) !== 0) continue;
      const at = row * 4;
      if (words[at] === w0 && words[at + 1] === w1 && words[at + 2] === w2 && words[at + 3] === w3) return row;
    }
  }

  private findText(side: IdSide, id: string): number {
    const slots = this.slots[side];
    const n = slots.length;
    const textFlag = TEXT_ID[side];
    for (let i = slotOf(textHash(id), n); ; i = i + 1 < n ? i + 1 : 0) {
      const row = slots[i]!;
      if (row === EMPTY) return -1;
      if (row === REMOVED || (this.flags[row]! & textFlag) === 0) continue;
      if (this.texts.get(row * 8 + ID_FIELD[side]) === id) return row;
    }
  }

  private rowHash(side: IdSide, row: number): number {
    if ((this.flags[row]! & TEXT_ID[side]) !== 0) return textHash(this.texts.get(row * 8 + ID_FIELD[side])!);
    const w = this.words[side];
    const at = row * 4;
    return guidHash(w[at]!, w[at + 1]!, w[at + 2]!, w[at + 3]!);
  }

  // ------------------------------------------------------------------------------------------------
  // Reading rows

  /**
   * The coupling of a live row. The same object for lookups close together; never changed in place.
   * `side` and `id`: the id it was found by, whose string the object can share when it is the stored spelling.
   */
  get(row: number, side?: IdSide, id?: string): Coupling {
    const slot = row & this.cacheMask;
    if (this.cacheRow[slot] === row) return this.cacheObject[slot]!;
    const c = this.make(row, side !== undefined && id !== undefined && this.isStoredSpelling(side, row, id) ? side : -1, id);
    this.cacheRow[slot] = row;
    this.cacheObject[slot] = c;
    return c;
  }

  private cached(row: number): Coupling | undefined {
    const slot = row & this.cacheMask;
    return this.cacheRow[slot] === row ? this.cacheObject[slot] : undefined;
  }

  /** Whether `id`, found on `side` at `row`, is spelled as the row gives it back (lower case, no braces). */
  private isStoredSpelling(side: IdSide, row: number, id: string): boolean {
    if ((this.flags[row]! & TEXT_ID[side]) !== 0) return true; // found by ===
    if (id.length !== 36) return false;
    for (let i = 0; i < 36; i++) {
      const ch = id.charCodeAt(i);
      if (ch >= 0x41 && ch <= 0x46) return false;
    }
    return true;
  }

  /** A new object for `row`; `known` (a side) takes `id` for that side's id instead of writing it anew. */
  private make(row: number, known = -1, id?: string): Coupling {
    const flags = this.flags[row]!;
    const r = this.results[row]!;
    const rare = this.rare.get(row);
    return {
      mapping: this.mapping,
      bcId: known === 0 ? id! : this.id(0, row),
      dataverseId: known === 1 ? id! : this.id(1, row),
      coupledAt: this.time(row, 0)!,
      bcModifiedAt: this.time(row, 1),
      dataverseModifiedAt: this.time(row, 2),
      lastResultToDataverse: RESULT[r % 3],
      lastResultToBc: RESULT[(r / 3) | 0],
      lastErrorToDataverse: rare?.lastErrorToDataverse,
      lastErrorToBc: rare?.lastErrorToBc,
      skipped: (flags & SKIPPED) !== 0,
      failureCount: rare?.failureCount ?? 0,
      extra: this.extra(row),
    };
  }

  id(side: IdSide, row: number): string {
    if ((this.flags[row]! & TEXT_ID[side]) !== 0) return this.texts.get(row * 8 + ID_FIELD[side])!;
    return guidText(this.words[side], row * 4);
  }

  private time(row: number, k: number): string | undefined {
    const code = this.timeCodes[row * 3 + k]!;
    if (code === TIME_NONE) return undefined;
    if (code === TIME_TEXT) return this.texts.get(row * 8 + TIME_FIELD + k);
    const ms = this.timeMs(row * 3 + k);
    // Per column, the last string given: couplings made together share coupledAt, and often their Dataverse second.
    if (ms !== this.lastTimeMs[k] || code !== this.lastTimeCode[k]) {
      this.lastTimeMs[k] = ms;
      this.lastTimeCode[k] = code;
      this.lastTimeText[k] = timeText(ms, code);
    }
    return this.lastTimeText[k]!;
  }

  private extraText(row: number): string | undefined {
    const length = this.extraLength[row]!;
    if (length === 0) return undefined;
    const buf = this.extraBytes(row, length);
    return buf.toString('utf8', this.readAt, this.readAt + length);
  }

  /** Where `extraBytes` found the row's bytes in the buffer it returned. */
  private readAt = 0;

  /** The buffer holding the row's `extra` bytes, at `readAt`: the arena, or what was read back from the scratch file. */
  private extraBytes(row: number, length: number): Buffer {
    const at = this.extraAt[row]!;
    if (at >= this.spilled) {
      this.readAt = at - this.spilled;
      return this.arena;
    }
    if (!(at >= this.windowAt && at + length <= this.windowAt + this.windowLength)) {
      if (this.spillFd === -2) throw new StateError(`The state of ${this.mapping} is closed; open it again to read its couplings.`);
      // Rows are mostly read in row order, which is the order their values were written: then read ahead. A read
      // that jumps (a pass in Dataverse's order) reads a small window: 64 KB for each coupling read out of order had
      // been about 1 GB copied per 20,000 (tests/state/spill-reads.test.ts).
      const ahead = this.windowLength > 0 && at >= this.windowAt && at <= this.windowAt + this.windowLength + READ_WINDOW;
      const size = Math.max(ahead ? READ_WINDOW : JUMP_WINDOW, length);
      if (!this.window || this.window.length < size) this.window = Buffer.allocUnsafe(Math.max(READ_WINDOW, size));
      const want = Math.min(size, this.spilled - at);
      let got = 0;
      try {
        while (got < want) {
          const n = fs.readSync(this.spillFd, this.window, got, want - got, at + got);
          if (n === 0) break;
          got += n;
        }
      } catch (err) {
        throw new StateError(`Cannot read back the couplings' extra values of ${this.mapping} from the state's scratch file: ${(err as Error).message}.`, { cause: err });
      }
      if (got < length) throw new StateError(`The state's scratch file of ${this.mapping} ends early; run again.`);
      this.spillRead += got;
      this.windowAt = at;
      this.windowLength = got;
    }
    this.readAt = at - this.windowAt;
    return this.window!;
  }

  private extra(row: number): Readonly<Record<string, JsonValue>> | undefined {
    const text = this.extraText(row);
    if (text === undefined) return undefined;
    // Consecutive rows often hold the same flags: one object (never changed in place).
    if (text !== this.lastExtraText) {
      this.lastExtraText = text;
      this.lastExtra = JSON.parse(text) as Record<string, JsonValue>;
    }
    return this.lastExtra;
  }

  /** Live couplings in row order; live like Map iteration (rows added meanwhile are visited, a cleared table ends it). */
  *values(): IterableIterator<Coupling> {
    for (let row = 0; row < this.length && !this.retired; row++) if ((this.flags[row]! & DEAD) === 0) yield this.get(row);
  }

  /**
   * Closes the scratch file (the store is closed): its descriptor is not left for garbage collection. Values
   * spilled to it can no longer be read; objects handed out before keep theirs.
   */
  dispose(): void {
    if (this.spillFd < 0) return;
    spillFiles.unregister(this);
    try {
      fs.closeSync(this.spillFd);
    } catch {
      // already closed
    }
    this.spillFd = -2;
  }

  /** The mapping was uncoupled as a whole: iterations end (a snapshot still being written reads on). */
  retire(): void {
    this.retired = true;
  }

  /** Strings kept beside the columns (ids and times in no compact form): 0 when every value is compact. */
  get strings(): number {
    return this.texts.size;
  }

  /**
   * The row as a line of the mapping's file (README.md: `[bcId, dataverseId, coupledAt, bcModifiedAt,
   * dataverseModifiedAt, results, more?]`), written from the columns: `extra` is copied as the JSON text it is.
   */
  rowLine(row: number): string {
    const r = this.results[row]!;
    const bc = (this.flags[row]! & TEXT_ID[0]) !== 0 ? JSON.stringify(this.id(0, row)) : `"${this.id(0, row)}"`;
    const dv = (this.flags[row]! & TEXT_ID[1]) !== 0 ? JSON.stringify(this.id(1, row)) : `"${this.id(1, row)}"`;
    const head = `[${bc},${dv},"${this.time(row, 0)!}","${this.time(row, 1) ?? ''}","${this.time(row, 2) ?? ''}","${RESULT_CHAR[r % 3]}${RESULT_CHAR[(r / 3) | 0]}"`;
    const rare = this.rare.get(row);
    const extra = this.extraText(row);
    const skipped = (this.flags[row]! & SKIPPED) !== 0;
    if (!skipped && rare === undefined && extra === undefined) return `${head}]`;
    // The keys in the order JSON.stringify of a coupling's `more` object writes them.
    let more = '';
    if (skipped) more += ',"skipped":true';
    if (rare && rare.failureCount !== 0) more += `,"failureCount":${rare.failureCount}`;
    if (rare?.lastErrorToDataverse) more += `,"lastErrorToDataverse":${JSON.stringify(rare.lastErrorToDataverse)}`;
    if (rare?.lastErrorToBc) more += `,"lastErrorToBc":${JSON.stringify(rare.lastErrorToBc)}`;
    if (extra !== undefined) more += `,"extra":${extra}`;
    return more === '' ? `${head}]` : `${head},{${more.slice(1)}}]`;
  }

  /**
   * Bytes `writeRowLine` may write for the row, or -1 when it does not write that row (an id or time kept as
   * text, a skipped row, failures: `rowLine` gives those).
   */
  rowLineBound(row: number): number {
    if ((this.flags[row]! & (TEXT_ID[0] | TEXT_ID[1] | SKIPPED)) !== 0 || this.rare.has(row)) return -1;
    const codes = this.timeCodes;
    const at = row * 3;
    if (codes[at] === TIME_NONE || codes[at] === TIME_TEXT || codes[at + 1] === TIME_TEXT || codes[at + 2] === TIME_TEXT) return -1;
    return ROW_LINE_BYTES + this.extraLength[row]!;
  }

  /**
   * `rowLine` of a row with a bound (`rowLineBound`), written as bytes into `out` at `at` straight from the columns:
   * no string per id, time or line, and `extra` copied as the bytes it is. Returns the end. A compaction writes
   * every row of a mapping: 100,000 rows took ~340 ms of CPU as strings.
   */
  writeRowLine(row: number, out: Buffer, at: number): number {
    let p = at;
    out[p++] = 0x5b; // [
    for (const side of [0, 1] as const) {
      if (side === 1) out[p++] = 0x2c;
      out[p++] = 0x22;
      p = writeGuid(this.words[side], row * 4, out, p);
      out[p++] = 0x22;
    }
    for (let k = 0; k < 3; k++) {
      out[p++] = 0x2c;
      out[p++] = 0x22;
      const code = this.timeCodes[row * 3 + k]!;
      if (code !== TIME_NONE) p = writeTime(this.timeMs(row * 3 + k), code, out, p);
      out[p++] = 0x22;
    }
    const r = this.results[row]!;
    out[p++] = 0x2c;
    out[p++] = 0x22;
    out[p++] = RESULT_BYTE[r % 3]!;
    out[p++] = RESULT_BYTE[(r / 3) | 0]!;
    out[p++] = 0x22;
    const length = this.extraLength[row]!;
    if (length > 0) {
      p += EXTRA_OPEN.copy(out, p);
      const from = this.extraBytes(row, length);
      p += from.copy(out, p, this.readAt, this.readAt + length);
      out[p++] = 0x7d; // }
    }
    out[p++] = 0x5d; // ]
    return p;
  }

  /**
   * Appends the journal line of a live row, `{"seq":…,"op":"put","coupling":{…}}` and its newline, written from the
   * columns: the keys and values JSON.stringify of its Coupling object gives, `extra` copied as the JSON text it is.
   */
  writePutLine(row: number, seq: number, out: ByteSink): void {
    const flags = this.flags[row]!;
    const r = this.results[row]!;
    // The object just handed out for the row (a change remembers it) holds its ids and times as strings already.
    const c = this.cached(row);
    let s = `{"seq":${seq},"op":"put","coupling":{"mapping":${this.mappingJson},"bcId":${this.idJson(0, row, flags, c?.bcId)},"dataverseId":${this.idJson(1, row, flags, c?.dataverseId)},"coupledAt":${this.timeJson(row, 0, c?.coupledAt)}`;
    if (this.timeCodes[row * 3 + 1] !== TIME_NONE) s += `,"bcModifiedAt":${this.timeJson(row, 1, c?.bcModifiedAt)}`;
    if (this.timeCodes[row * 3 + 2] !== TIME_NONE) s += `,"dataverseModifiedAt":${this.timeJson(row, 2, c?.dataverseModifiedAt)}`;
    if (r % 3 !== 0) s += `,"lastResultToDataverse":${RESULT_JSON[r % 3]}`;
    if (r >= 3) s += `,"lastResultToBc":${RESULT_JSON[(r / 3) | 0]}`;
    const rare = this.rare.get(row);
    if (rare?.lastErrorToDataverse) s += `,"lastErrorToDataverse":${JSON.stringify(rare.lastErrorToDataverse)}`;
    if (rare?.lastErrorToBc) s += `,"lastErrorToBc":${JSON.stringify(rare.lastErrorToBc)}`;
    s += `,"skipped":${(flags & SKIPPED) !== 0},"failureCount":${rare?.failureCount ?? 0}`;
    const length = this.extraLength[row]!;
    if (length === 0) {
      out.text(`${s}}}\n`);
      return;
    }
    out.text(`${s},"extra":`);
    const buf = this.extraBytes(row, length);
    out.bytes(buf, this.readAt, this.readAt + length);
    out.bytes(LINE_END, 0, LINE_END.length);
  }

  /** An id as a JSON string; `known`, when given, is the row's id as handed out. */
  private idJson(side: IdSide, row: number, flags: number, known: string | undefined): string {
    if ((flags & TEXT_ID[side]) !== 0) return JSON.stringify(known ?? this.texts.get(row * 8 + ID_FIELD[side])!);
    return `"${known ?? guidText(this.words[side], row * 4)}"`;
  }

  private timeJson(row: number, k: number, known: string | undefined): string {
    const text = known ?? this.time(row, k)!;
    return this.timeCodes[row * 3 + k] === TIME_TEXT ? JSON.stringify(text) : `"${text}"`;
  }

  // ------------------------------------------------------------------------------------------------
  // Changing rows

  /**
   * Appends a coupling (ids as stored: GUIDs lower-case). Returns which id a live row already holds
   * instead (nothing added then).
   */
  add(c: Coupling): 'ok' | 'bcId taken' | 'dataverseId taken' {
    const row = this.newRow();
    this.setId(0, row, c.bcId);
    this.setId(1, row, c.dataverseId);
    this.setFields(row, c, undefined);
    const added = this.indexRow(row, c);
    if (added !== 'ok') this.dropLastRow(row);
    return added;
  }

  /** A new row at the end, all columns empty; `indexRow` makes it a coupling. */
  newRow(): number {
    if (this.length === this.capacity) this.resize(Math.max(1024, Math.ceil(this.capacity * 1.5)));
    const row = this.length++;
    this.flags[row] = 0;
    this.results[row] = 0;
    this.timeCodes[row * 3] = TIME_NONE;
    this.timeCodes[row * 3 + 1] = TIME_NONE;
    this.timeCodes[row * 3 + 2] = TIME_NONE;
    this.extraLength[row] = 0;
    return row;
  }

  /**
   * Enters the last row (made by `newRow`) in both id tables. When an id is taken it enters nothing and says
   * which; the caller then drops the row (`dropLastRow`) or throws the table away.
   */
  indexRow(row: number, c?: Coupling): 'ok' | 'bcId taken' | 'dataverseId taken' {
    if (this.insert(0, row) >= 0) return 'bcId taken';
    if (this.insert(1, row) >= 0) {
      this.unindex(0, row);
      return 'dataverseId taken';
    }
    this.size += 1;
    this.updateTroubled(row);
    if (c) this.remember(row, c);
    return 'ok';
  }

  /** Forgets the last row before it was entered (`newRow` without a successful `indexRow`). */
  dropLastRow(row: number): void {
    for (let f = 0; f < 5; f++) this.texts.delete(row * 8 + f);
    this.rare.delete(row);
    this.dropExtra(row);
    this.length = row;
  }

  /** Changes every field of a live row but its ids (`c` holds the same ids). */
  replace(row: number, c: Coupling): void {
    this.beforeChange(row);
    this.setFields(row, c, this.cached(row));
    this.updateTroubled(row);
    this.remember(row, c);
  }

  remove(row: number): void {
    this.beforeChange(row);
    this.unindex(0, row);
    this.unindex(1, row);
    this.flags[row] = this.flags[row]! | DEAD;
    this.troubled.delete(row);
    this.rare.delete(row);
    // A pending removal still needs its BC id for the journal's delete line (`writePendingLine` drops it).
    for (let f = (this.flags[row]! & PENDING) !== 0 ? 1 : 0; f < 5; f++) this.texts.delete(row * 8 + f);
    this.dropExtra(row);
    const slot = row & this.cacheMask;
    if (this.cacheRow[slot] === row) this.cacheRow[slot] = -1;
    this.size -= 1;
  }

  private remember(row: number, c: Coupling): void {
    const slot = row & this.cacheMask;
    this.cacheRow[slot] = row;
    this.cacheObject[slot] = c;
  }

  /**
   * A sync's mark on a live row: its coupling was planned in this run, so a later page skips it. A bit of the row's
   * flags instead of a set of ids beside the table (a million ids took 33 MB); not a change, nothing journals it.
   */
  markHandled(row: number): void {
    this.flags[row] = this.flags[row]! | HANDLED;
  }

  isHandled(row: number): boolean {
    return (this.flags[row]! & HANDLED) !== 0;
  }

  /** Every row unmarked (a new sync of the mapping starts). */
  clearHandled(): void {
    const flags = this.flags;
    for (let row = 0; row < this.length; row++) flags[row] = flags[row]! & ~HANDLED;
  }

  /** Marks a row changed (by the store's changes, not by loading or replay): the next commit journals it. */
  markChanged(row: number): void {
    const f = this.flags[row]!;
    if ((f & PENDING) !== 0) return;
    this.flags[row] = f | PENDING;
    this.changed.push(row);
  }

  /** Rows changed since the last call, in order of their first change; their marks are cleared. */
  takeChanged(): number[] {
    const rows = this.changed;
    this.changed = [];
    for (const row of rows) this.flags[row] = this.flags[row]! & ~PENDING;
    return rows;
  }

  /** Forgets the changed rows without journaling them (replayed from the journal, or discarded). */
  discardChanged(): void {
    for (const row of this.takeChanged()) if ((this.flags[row]! & (DEAD | TEXT_ID[0])) === (DEAD | TEXT_ID[0])) this.texts.delete(row * 8 + ID_FIELD[0]);
  }

  get changedCount(): number {
    return this.changed.length;
  }

  /**
   * The journal line of a row taken from `takeChanged`: its put line when live, else `{"seq":…,"op":"delete",…}`
   * with its BC id (a coupling made again later in the batch is a later row, so its put line follows).
   */
  writeChangedLine(row: number, seq: number, out: ByteSink): void {
    if ((this.flags[row]! & DEAD) === 0) {
      this.writePutLine(row, seq, out);
      return;
    }
    const bcId = this.id(0, row);
    if ((this.flags[row]! & TEXT_ID[0]) !== 0) this.texts.delete(row * 8 + ID_FIELD[0]);
    out.text(`{"seq":${seq},"op":"delete","mapping":${this.mappingJson},"bcId":${JSON.stringify(bcId)}}\n`);
  }

  /** Sets an id from its string: a GUID (any spelling) as words, anything else as text. */
  setId(side: IdSide, row: number, id: string): void {
    if (guidFromString(id, this.words[side], row * 4)) return;
    this.flags[row] = this.flags[row]! | TEXT_ID[side];
    this.texts.set(row * 8 + ID_FIELD[side], id);
  }

  /** Writes the fields of `c` but its ids; those equal to `previous` (the row's current object, if cached) are left. */
  private setFields(row: number, c: Coupling, previous: Coupling | undefined): void {
    if (previous?.coupledAt !== c.coupledAt) this.setTime(row, 0, c.coupledAt);
    if (previous === undefined || previous.bcModifiedAt !== c.bcModifiedAt) this.setTime(row, 1, c.bcModifiedAt);
    if (previous === undefined || previous.dataverseModifiedAt !== c.dataverseModifiedAt) this.setTime(row, 2, c.dataverseModifiedAt);
    this.results[row] = resultCode(c.lastResultToDataverse) + 3 * resultCode(c.lastResultToBc);
    this.setRare(row, c.skipped, c.failureCount, c.lastErrorToDataverse, c.lastErrorToBc);
    if (previous === undefined || previous.extra !== c.extra) this.setExtra(row, c.extra === undefined ? undefined : JSON.stringify(c.extra));
  }

  setTime(row: number, k: number, text: string | undefined): void {
    const at = row * 3 + k;
    if (this.timeCodes[at] === TIME_TEXT) this.texts.delete(row * 8 + TIME_FIELD + k);
    if (text === undefined) {
      this.timeCodes[at] = TIME_NONE;
      return;
    }
    // Per column, the last time set: couplings made together share coupledAt, and often their Dataverse second.
    let code: number;
    let ms: number;
    if (text === this.setTimeText[k]) {
      code = this.setTimeCode[k]!;
      ms = this.setTimeMs[k]!;
    } else {
      code = timeFromString(text);
      ms = decodedMs;
      this.setTimeText[k] = text;
      this.setTimeCode[k] = code;
      this.setTimeMs[k] = ms;
    }
    if (code !== TIME_TEXT && this.putMs(at, ms)) {
      this.timeCodes[at] = code;
    } else {
      this.timeCodes[at] = TIME_TEXT;
      this.texts.set(row * 8 + TIME_FIELD + k, text);
    }
  }

  private timeMs(at: number): number {
    const packed = this.timeMillis[at]!;
    return ((packed >>> 10) * 2 ** 32 + this.timeSeconds[at]! - SECONDS_BEFORE_1970) * 1000 + (packed & 1023);
  }

  /** Puts the time in its 6 bytes; false when it is out of their range (then the caller keeps the text). */
  private putMs(at: number, ms: number): boolean {
    const seconds = Math.floor(ms / 1000);
    const since0 = seconds + SECONDS_BEFORE_1970;
    if (since0 < 0 || since0 >= 2 ** 38) return false;
    const high = Math.floor(since0 / 2 ** 32);
    this.timeSeconds[at] = since0 - high * 2 ** 32;
    this.timeMillis[at] = (ms - seconds * 1000) | (high << 10);
    return true;
  }

  private readonly setTimeText = ['', '', ''];
  private readonly setTimeCode = [0, 0, 0];
  private readonly setTimeMs = [0, 0, 0];

  /** Sets a time already decoded (codecs.ts `timeFromBytes`). */
  setDecodedTime(row: number, k: number, code: number, ms: number): void {
    if (this.putMs(row * 3 + k, ms)) this.timeCodes[row * 3 + k] = code;
    else this.setTime(row, k, timeText(ms, code));
  }

  setResults(row: number, results: number): void {
    this.results[row] = results;
  }

  setRare(row: number, skipped: boolean, failureCount: number, toDataverse: RecordError | undefined, toBc: RecordError | undefined): void {
    this.flags[row] = skipped ? this.flags[row]! | SKIPPED : this.flags[row]! & ~SKIPPED;
    if (failureCount === 0 && toDataverse === undefined && toBc === undefined) this.rare.delete(row);
    else this.rare.set(row, { failureCount, lastErrorToDataverse: toDataverse, lastErrorToBc: toBc });
  }

  /** Sets `extra` as its JSON text (undefined: none). */
  setExtra(row: number, text: string | undefined): void {
    this.dropExtra(row);
    if (text === undefined || text === '{}') return;
    const length = Buffer.byteLength(text);
    this.reserveArena(length);
    this.arena.write(text, this.arenaUsed, 'utf8');
    this.setExtraAt(row, this.spilled + this.arenaUsed);
    this.extraLength[row] = length;
    this.arenaUsed += length;
  }

  /** Sets `extra` from JSON bytes already checked (a mapping file's buffer). */
  setExtraBytes(row: number, src: Buffer, start: number, end: number): void {
    this.dropExtra(row);
    const length = end - start;
    this.reserveArena(length);
    copyBytes(src, start, length, this.arena, this.arenaUsed);
    this.setExtraAt(row, this.spilled + this.arenaUsed);
    this.extraLength[row] = length;
    this.arenaUsed += length;
  }

  private setExtraAt(row: number, position: number): void {
    // 32 bits until 4 GiB of values went through the log (replaced ones count): then 64-bit positions, once.
    if (position >= this.widePositionsFrom && this.extraAt instanceof Uint32Array) this.extraAt = Float64Array.from(this.extraAt);
    this.extraAt[row] = position;
  }

  /**
   * Lets go of the row's `extra` bytes. The value written last (a coupling's flag, then its merge base, as a
   * sync writes them) gives its room back at once; any other becomes garbage, reclaimed when the arena grows.
   */
  private dropExtra(row: number): void {
    const n = this.extraLength[row]!;
    if (n === 0) return;
    if (this.extraAt[row]! + n === this.spilled + this.arenaUsed) this.arenaUsed -= n;
    else this.arenaGarbage += n;
    this.extraLength[row] = 0;
  }

  private reserveArena(length: number): void {
    const spill = this.spill;
    // Past the budget: what is in memory goes to the scratch file in one write, positions unchanged.
    if (spill && this.arenaUsed > 0 && this.arenaUsed + length > spill.residentBytes) this.spillArena();
    if (this.arenaUsed + length <= this.arena.length) return;
    const live = this.arenaUsed - this.arenaGarbage;
    // A spilling table never moves values (its replaced ones are left in the scratch file when it spills).
    if (this.arenaGarbage <= live || spill) {
      let size = Math.max(64 * 1024, Math.ceil((this.arenaUsed + length) * 1.25));
      if (spill) size = Math.max(this.arenaUsed + length, Math.min(size, spill.residentBytes));
      const next = Buffer.allocUnsafe(size);
      this.arena.copy(next, 0, 0, this.arenaUsed);
      this.arena = next;
      return;
    }
    // Mostly replaced values: copy the live ones into a new arena instead of growing.
    const next = Buffer.allocUnsafe(Math.max(64 * 1024, Math.ceil((live + length) * 1.25)));
    let used = 0;
    for (let row = 0; row < this.length; row++) {
      const n = this.extraLength[row]!;
      if (n === 0) continue;
      // Only ever before anything was spilled (a spilling table writes its arena out instead): positions are offsets.
      copyBytes(this.arena, this.extraAt[row]!, n, next, used);
      this.setExtraAt(row, used);
      used += n;
    }
    this.arena = next;
    this.arenaUsed = used;
    this.arenaGarbage = 0;
  }

  /** Appends the arena to the scratch file (opened and unlinked the first time) and empties it. */
  private spillArena(): void {
    if (this.arenaUsed === 0) return;
    if (this.spillFd === -2) throw new StateError(`The state of ${this.mapping} is closed; open it again to change its couplings.`);
    if (this.spillFd < 0) {
      const file = path.join(this.spill!.dir, `.${process.pid}.${randomBytes(4).toString('hex')}${SPILL_SUFFIX}`);
      try {
        this.spillFd = fs.openSync(file, 'wx+', 0o600);
      } catch (err) {
        throw new StateError(`Cannot write the state's scratch file ${file}: ${(err as Error).message}. Check the state directory's permissions and free space.`, { cause: err });
      }
      spillFiles.register(this, this.spillFd, this);
      // Scratch only: nothing reads it after this process; on POSIX it is gone even if the process is killed.
      try {
        fs.unlinkSync(file);
      } catch {
        // removed by the next writable open
      }
    }
    let done = 0;
    try {
      while (done < this.arenaUsed) done += fs.writeSync(this.spillFd, this.arena, done, this.arenaUsed - done, this.spilled + done);
    } catch (err) {
      throw new StateError(`Cannot write the state's scratch file of ${this.mapping}: ${(err as Error).message}. Free disk space and run again.`, { cause: err });
    }
    this.spilled += this.arenaUsed;
    this.arenaUsed = 0;
    this.arenaGarbage = 0;
  }

  updateTroubled(row: number): void {
    const r = this.results[row]!;
    if (r % 3 === 2 || r >= 6 || (this.flags[row]! & SKIPPED) !== 0) this.troubled.add(row);
    else if (this.troubled.size > 0) this.troubled.delete(row);
  }

  private resize(capacity: number): void {
    const grow = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(old: T, make: (n: number) => T, per: number): T => {
      const next = make(capacity * per);
      next.set(old.subarray(0, this.length * per));
      return next;
    };
    this.words[0] = grow(this.words[0], (n) => new Uint32Array(n), 4);
    this.words[1] = grow(this.words[1], (n) => new Uint32Array(n), 4);
    this.timeSeconds = grow(this.timeSeconds, (n) => new Uint32Array(n), 3);
    this.timeMillis = grow(this.timeMillis, (n) => new Uint16Array(n), 3);
    this.timeCodes = grow(this.timeCodes, (n) => new Uint8Array(n), 3);
    this.results = grow(this.results, (n) => new Uint8Array(n), 1);
    this.flags = grow(this.flags, (n) => new Uint8Array(n), 1);
    this.extraAt = this.extraAt instanceof Float64Array ? grow(this.extraAt, (n) => new Float64Array(n), 1) : grow(this.extraAt, (n) => new Uint32Array(n), 1);
    this.extraLength = grow(this.extraLength, (n) => new Uint32Array(n), 1);
    this.capacity = capacity;
    const cacheSize = Math.min(CACHE_SIZE, 2 ** Math.ceil(Math.log2(Math.max(16, capacity))));
    if (cacheSize > this.cacheRow.length) {
      this.cacheRow = new Int32Array(cacheSize).fill(-1);
      this.cacheObject = new Array<Coupling | undefined>(cacheSize);
      this.cacheMask = cacheSize - 1;
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Id tables (open addressing, linear probing, REMOVED marks a slot whose row was removed)

  /** Enters `row` under its id on `side`; returns the live row already holding that id (nothing entered), or -1. */
  private insert(side: IdSide, row: number): number {
    if (this.filled[side]! + 1 > this.slots[side].length * MAX_LOAD) this.rehash(side, Math.ceil((this.size + 1) * 1.5));
    const slots = this.slots[side];
    const n = slots.length;
    const textFlag = TEXT_ID[side];
    let i: number;
    if ((this.flags[row]! & textFlag) !== 0) {
      const id = this.texts.get(row * 8 + ID_FIELD[side])!;
      const held = this.findText(side, id);
      if (held >= 0) return held;
      i = slotOf(textHash(id), n);
    } else {
      // One pass (a million of these on load): looks for the id and the first free slot together.
      const w = this.words[side];
      const at = row * 4;
      const w0 = w[at]!;
      const w1 = w[at + 1]!;
      const w2 = w[at + 2]!;
      const w3 = w[at + 3]!;
      let free = -1;
      for (i = slotOf(guidHash(w0, w1, w2, w3), n); ; i = i + 1 < n ? i + 1 : 0) {
        const held = slots[i]!;
        if (held === EMPTY) break;
        if (held === REMOVED) {
          if (free < 0) free = i;
          continue;
        }
        if ((this.flags[held]! & textFlag) !== 0) continue;
        const o = held * 4;
        if (w[o + 3] === w3 && w[o] === w0 && w[o + 1] === w1 && w[o + 2] === w2) return held;
      }
      if (free >= 0) {
        slots[free] = row;
        return -1;
      }
      this.filled[side] += 1;
      slots[i] = row;
      return -1;
    }
    for (; ; i = i + 1 < n ? i + 1 : 0) {
      const held = slots[i]!;
      if (held === EMPTY || held === REMOVED) {
        if (held === EMPTY) this.filled[side] += 1;
        slots[i] = row;
        return -1;
      }
    }
  }

  private unindex(side: IdSide, row: number): void {
    const slots = this.slots[side];
    const n = slots.length;
    for (let i = slotOf(this.rowHash(side, row), n); ; i = i + 1 < n ? i + 1 : 0) {
      const s = slots[i]!;
      if (s === EMPTY) return;
      if (s === row) {
        slots[i] = REMOVED;
        return;
      }
    }
  }

  /** New slots for `side`, sized for `rows` live rows, holding every live row (removed marks dropped). */
  private rehash(side: IdSide, rows: number): void {
    const size = Math.max(16, Math.ceil(rows / MAX_LOAD));
    const slots = new Int32Array(size).fill(EMPTY);
    const n = size;
    let filled = 0;
    for (const row of this.slots[side]) {
      if (row < 0) continue;
      for (let i = slotOf(this.rowHash(side, row), n); ; i = i + 1 < n ? i + 1 : 0) {
        if (slots[i] === EMPTY) {
          slots[i] = row;
          filled += 1;
          break;
        }
      }
    }
    this.slots[side] = slots;
    this.filled[side] = filled;
  }

  // ------------------------------------------------------------------------------------------------
  // Point-in-time views (a snapshot written while the run goes on)

  /** The live rows as they are now, as file lines, however the table changes until `release()`. */
  capture(): TableCapture {
    const capture = new TableCapture(this, this.length, this.size);
    this.captures.add(capture);
    return capture;
  }

  /** @internal */
  release(capture: TableCapture): void {
    this.captures.delete(capture);
  }

  /** @internal */
  isDead(row: number): boolean {
    return (this.flags[row]! & DEAD) !== 0;
  }

  private beforeChange(row: number): void {
    if (this.captures.size === 0) return;
    for (const capture of this.captures) capture.keep(row);
  }
}

/** A table's live rows at one moment: rows changed since are kept as the line they were then. */
export class TableCapture {
  private readonly before = new Map<number, string>();

  constructor(
    private readonly table: CouplingTable,
    private readonly length: number,
    readonly count: number,
  ) {}

  /** @internal Called before `row` changes. */
  keep(row: number): void {
    if (row < this.length && !this.before.has(row) && !this.table.isDead(row)) this.before.set(row, this.table.rowLine(row));
  }

  /** Each live row as it was: a line kept when it changed since, else its row number in `table` (to be written from the columns). */
  *rows(): Generator<string | number> {
    for (let row = 0; row < this.length; row++) {
      const kept = this.before.get(row);
      if (kept !== undefined) yield kept;
      else if (!this.table.isDead(row)) yield row;
    }
  }

  /** The table the row numbers of `rows()` are rows of. */
  get source(): CouplingTable {
    return this.table;
  }

  release(): void {
    this.table.release(this);
  }
}
