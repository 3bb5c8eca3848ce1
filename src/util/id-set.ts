/**
 * A set of record ids that stays small at a million entries. Business Central and Dataverse ids are GUIDs:
 * each is kept as its 16 bytes in one open-addressing table (16 B a slot, at most 3/4 full) instead of a
 * 36-character string (~56 B) plus a hash-table entry per id. Anything else (a number, a code) goes to a plain
 * Set. GUIDs compare case-insensitively, as both services treat them.
 */
const WORDS = 4;
const INITIAL_SLOTS = 1024;

export class IdSet {
  private slots = new Uint32Array(INITIAL_SLOTS * WORDS);
  private mask = INITIAL_SLOTS - 1;
  private guids = 0;
  /** The nil GUID is all zeros, which marks an empty slot in the table. */
  private hasNil = false;
  private readonly others = new Set<string>();
  private readonly words = new Uint32Array(WORDS);

  /** Bytes of the GUID table (for tests and memory figures). */
  get tableBytes(): number {
    return this.slots.byteLength;
  }

  get size(): number {
    return this.guids + (this.hasNil ? 1 : 0) + this.others.size;
  }

  has(id: string): boolean {
    if (!this.parse(id)) return this.others.has(id);
    if (this.isNil()) return this.hasNil;
    return this.find(this.slots, this.mask) >= 0;
  }

  add(id: string): this {
    if (!this.parse(id)) {
      this.others.add(id);
      return this;
    }
    if (this.isNil()) {
      this.hasNil = true;
      return this;
    }
    const at = this.find(this.slots, this.mask);
    if (at >= 0) return this;
    if ((this.guids + 1) * 4 > (this.mask + 1) * 3) this.grow();
    this.put(this.slots, this.mask);
    this.guids++;
    return this;
  }

  /** Room for `count` ids in all, made at once: not grown (each step a copy beside the old table) as they are added. */
  reserve(count: number): void {
    let size = this.mask + 1;
    while (count * 4 > size * 3) size *= 2;
    if (size > this.mask + 1) this.rehash(size);
  }

  /** Reads a GUID into `words`; false for any other id. By character codes: a regex and slices per id cost 10x. */
  private parse(id: string): boolean {
    if (id.length !== 36) return false;
    const w = this.words;
    let word = 0;
    let nibbles = 0;
    let value = 0;
    for (let i = 0; i < 36; i++) {
      const ch = id.charCodeAt(i);
      if (i === 8 || i === 13 || i === 18 || i === 23) {
        if (ch !== 45) return false;
        continue;
      }
      const digit = ch >= 48 && ch <= 57 ? ch - 48 : ch >= 97 && ch <= 102 ? ch - 87 : ch >= 65 && ch <= 70 ? ch - 55 : -1;
      if (digit < 0) return false;
      value = (value << 4) | digit;
      if (++nibbles === 8) {
        w[word++] = value;
        value = 0;
        nibbles = 0;
      }
    }
    return true;
  }

  private isNil(): boolean {
    const w = this.words;
    return (w[0]! | w[1]! | w[2]! | w[3]!) === 0;
  }

  /** Every word mixed in: ids made in sequence (00000001-…, 00000002-…) differ in one word only. */
  private hash(): number {
    const w = this.words;
    let h = Math.imul(w[0]!, 0x9e3779b1) ^ Math.imul(w[1]!, 0x85ebca6b) ^ Math.imul(w[2]!, 0xc2b2ae35) ^ Math.imul(w[3]!, 0x27d4eb2f);
    h ^= h >>> 15;
    h = Math.imul(h, 0x2c1b3c6d);
    return (h ^ (h >>> 12)) >>> 0;
  }

  /** The slot holding `words`, or -1 (linear probing; an all-zero slot is empty). */
  private find(slots: Uint32Array, mask: number): number {
    const w = this.words;
    for (let i = this.hash() & mask; ; i = (i + 1) & mask) {
      const o = i * WORDS;
      const a = slots[o]!, b = slots[o + 1]!, c = slots[o + 2]!, d = slots[o + 3]!;
      if ((a | b | c | d) === 0) return -1;
      if (a === w[0] && b === w[1] && c === w[2] && d === w[3]) return i;
    }
  }

  private put(slots: Uint32Array, mask: number): void {
    for (let i = this.hash() & mask; ; i = (i + 1) & mask) {
      const o = i * WORDS;
      if ((slots[o]! | slots[o + 1]! | slots[o + 2]! | slots[o + 3]!) === 0) {
        slots.set(this.words, o);
        return;
      }
    }
  }

  private grow(): void {
    this.rehash((this.mask + 1) * 2);
  }

  private rehash(size: number): void {
    const old = this.slots;
    const adding = this.words.slice();
    const mask = size - 1;
    const slots = new Uint32Array(size * WORDS);
    for (let o = 0; o < old.length; o += WORDS) {
      if ((old[o]! | old[o + 1]! | old[o + 2]! | old[o + 3]!) === 0) continue;
      this.words.set(old.subarray(o, o + WORDS));
      this.put(slots, mask);
    }
    this.slots = slots;
    this.mask = mask;
    this.words.set(adding);
  }
}
