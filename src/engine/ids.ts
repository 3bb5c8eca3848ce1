import { hash } from 'node:crypto';

/**
 * Deterministic record ids for creates (RFC 4122 version 5 style: SHA-1 of a namespace and a name).
 * The same source record of the same mapping always gets the same counterpart id, so a create that is
 * repeated after a crash lands on the record the first attempt made instead of making a duplicate.
 */
const NAMESPACE = Buffer.from('6f1d2c7e4b8a4f0e9c3d5a1b2e7f8c90', 'hex');
/** Namespace and name in one reused buffer: one one-shot hash per id instead of a Hash object and three Buffers. */
const scratch = Buffer.alloc(1024);
NAMESPACE.copy(scratch);
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/** The GUID's 36 characters, written as bytes and read out as one string (no hex string, slices and joins per id). */
const guid = Buffer.alloc(36);
/** Where each of the 16 digest bytes goes in the GUID text (two hex digits each, dashes after bytes 4, 6, 8 and 10). */
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
guid[8] = guid[13] = guid[18] = guid[23] = 0x2d;

export function counterpartId(mapping: string, target: 'bc' | 'dataverse', sourceId: string): string {
  const name = `${mapping}\u0000${target}\u0000${sourceId.toLowerCase()}`;
  const input =
    // At most three UTF-8 bytes per UTF-16 unit: a name that surely fits goes into the scratch buffer.
    name.length * 3 <= scratch.length - NAMESPACE.length
      ? scratch.subarray(0, NAMESPACE.length + scratch.write(name, NAMESPACE.length))
      : Buffer.concat([NAMESPACE, Buffer.from(name)]);
  const digest = hash('sha1', input, 'buffer') as unknown as Buffer;
  for (let i = 0; i < 16; i++) {
    let byte = digest[i]!;
    // Version 5 in the high nibble of byte 6, the RFC 4122 variant (10xx) in the top two bits of byte 8.
    if (i === 6) byte = (byte & 0x0f) | 0x50;
    else if (i === 8) byte = (byte & 0x3f) | 0x80;
    guid[AT[i]!] = HEX[byte >> 4]!;
    guid[AT[i]! + 1] = HEX[byte & 15]!;
  }
  return guid.toString('latin1');
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isGuid(text: string): boolean {
  return GUID.test(text);
}
