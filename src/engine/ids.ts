import { createHash } from 'node:crypto';

/**
 * Deterministic record ids for creates (RFC 4122 version 5 style: SHA-1 of a namespace and a name).
 * The same source record of the same mapping always gets the same counterpart id, so a create that is
 * repeated after a crash lands on the record the first attempt made instead of making a duplicate.
 */
const NAMESPACE = Buffer.from('6f1d2c7e4b8a4f0e9c3d5a1b2e7f8c90', 'hex');

export function counterpartId(mapping: string, target: 'bc' | 'dataverse', sourceId: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(`${mapping}\u0000${target}\u0000${sourceId.toLowerCase()}`).digest();
  const bytes = Buffer.from(hash.subarray(0, 16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isGuid(text: string): boolean {
  return GUID.test(text);
}
