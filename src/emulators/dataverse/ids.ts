/**
 * Deterministic GUIDs: the same seed and the same sequence of creates give the same ids, so runs
 * against the emulator (and golden-state tests) are repeatable.
 */
export class GuidGenerator {
  private state: bigint;

  constructor(seedText: string) {
    // FNV-1a over the seed text picks the starting state.
    let h = 0xcbf29ce484222325n;
    for (const ch of seedText) {
      h ^= BigInt(ch.codePointAt(0)!);
      h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
    }
    this.state = h;
  }

  /** splitmix64 step. */
  private next64(): bigint {
    this.state = (this.state + GAMMA) & MASK;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
    return z ^ (z >> 31n);
  }

  /** A lower-case version-4-shaped GUID. */
  next(): string {
    const a = this.next64().toString(16).padStart(16, '0');
    const b = this.next64().toString(16).padStart(16, '0');
    // Version nibble 4; the variant nibble keeps its two low bits under 8 (8, 9, a or b).
    const variant = VARIANT[parseInt(b[0]!, 16) & 3]!;
    return `${a.slice(0, 8)}-${a.slice(8, 12)}-4${a.slice(13, 16)}-${variant}${b.slice(1, 4)}-${b.slice(4, 16)}`;
  }

  /**
   * Moves on as `next()` would without making the GUID: a batch draws one per response part for its REQ_ID but
   * shows it only on a failed part, and the sequence (hence every later id) must not depend on which parts failed.
   */
  skip(): void {
    this.state = (this.state + GAMMA + GAMMA) & MASK;
  }
}

const GAMMA = 0x9e3779b97f4a7c15n;
const MASK = 0xffffffffffffffffn;
const VARIANT = '89ab';

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A bare GUID (no braces), any case. */
export function isGuid(text: string): boolean {
  return GUID_RE.test(text);
}

/** Accepts a GUID with or without braces; undefined when the text is not one. */
export function normalizeGuid(text: string): string | undefined {
  const bare = text.startsWith('{') && text.endsWith('}') ? text.slice(1, -1) : text;
  return GUID_RE.test(bare) ? bare.toLowerCase() : undefined;
}

export const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';
