/**
 * Writes a common-format ar archive (what dpkg-deb writes: 16-byte names with a
 * trailing '/'-free name, decimal fields, '\n' padding). Used by tests to build
 * .deb fixtures and hostile variants.
 */
import { concatBytes } from '../bytes.js';
import { DistrokitError } from '../errors.js';
import { AR_MAGIC } from './reader.js';

export interface ArWriteMember {
  name: string;
  data: Uint8Array;
  mtime?: number;
  uid?: number;
  gid?: number;
  mode?: number;
  /** Overrides the size field (hostile fixtures: a size larger than the archive). */
  sizeField?: number;
}

const encoder = new TextEncoder();

function pad(value: string | number, width: number): string {
  const text = String(value);
  if (text.length > width) throw new DistrokitError('AR_FIELD_TOO_LONG', `ar header field '${text}' is longer than ${width}`, {});
  return text.padEnd(width, ' ');
}

/** The 60-byte header of one member (its body follows, padded to an even length with '\n'). */
export function encodeArHeader(m: Omit<ArWriteMember, 'data'> & { size: number }): Uint8Array {
  return encoder.encode(
    pad(m.name, 16) +
      pad(m.mtime ?? 0, 12) +
      pad(m.uid ?? 0, 6) +
      pad(m.gid ?? 0, 6) +
      pad((m.mode ?? 0o100644).toString(8), 8) +
      pad(m.sizeField ?? m.size, 10) +
      '`\n',
  );
}

export function writeAr(members: ArWriteMember[]): Uint8Array {
  const parts: Uint8Array[] = [encoder.encode(AR_MAGIC)];
  for (const m of members) {
    parts.push(encodeArHeader({ ...m, size: m.data.byteLength }), m.data);
    if (m.data.byteLength % 2 === 1) parts.push(encoder.encode('\n'));
  }
  return concatBytes(parts);
}
