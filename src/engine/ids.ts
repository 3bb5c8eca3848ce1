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
const VARIANT = '89ab';

export function counterpartId(mapping: string, target: 'bc' | 'dataverse', sourceId: string): string {
  const name = `${mapping}\u0000${target}\u0000${sourceId.toLowerCase()}`;
  const input =
    // At most three UTF-8 bytes per UTF-16 unit: a name that surely fits goes into the scratch buffer.
    name.length * 3 <= scratch.length - NAMESPACE.length
      ? scratch.subarray(0, NAMESPACE.length + scratch.write(name, NAMESPACE.length))
      : Buffer.concat([NAMESPACE, Buffer.from(name)]);
  const hex = hash('sha1', input, 'hex');
  // Version 5 in the high nibble of byte 6, the RFC 4122 variant in the top two bits of byte 8.
  const variant = VARIANT[parseInt(hex[16]!, 16) & 3];
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isGuid(text: string): boolean {
  return GUID.test(text);
}
