import { inflateSync } from 'fflate';
import { ImportError, IMPORT_LIMITS } from './limits';

/**
 * A zip reader for imported archives, pure TypeScript (the same bytes give the same files in Node
 * and the browser). It trusts nothing in the archive: the central directory is read and every
 * entry checked (encryption, method, zip64, declared sizes against the caps) before a single byte
 * is inflated, so a zip bomb is refused from its directory alone, and each entry inflates into a
 * buffer of its declared size, which no stream can overrun. A CRC-32 mismatch means a damaged
 * archive.
 */
export interface ArchiveFile {
  /** path inside the archive, '/'-separated */
  path: string;
  bytes: Uint8Array;
}

interface Entry {
  path: string;
  flags: number;
  method: number;
  crc: number;
  compressed: number;
  size: number;
  local: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
}

function findEndRecord(view: DataView): number {
  const last = view.byteLength - 22;
  const first = Math.max(0, last - 0xffff);
  for (let i = last; i >= first; i--) if (view.getUint32(i, true) === EOCD) return i;
  throw new ImportError('the zip has no end record: it is truncated or not a zip');
}

function readEntries(bytes: Uint8Array): Entry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndRecord(view);
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  if (count === 0xffff || at === 0xffffffff) throw new ImportError('zip64 archives are not supported');
  const decoder = new TextDecoder();
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || view.getUint32(at, true) !== CENTRAL)
      throw new ImportError('the zip directory is damaged (truncated archive?)');
    const nameLength = view.getUint16(at + 28, true);
    const skip = nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    if (at + 46 + skip > end) throw new ImportError('the zip directory is damaged (truncated archive?)');
    entries.push({
      path: decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)),
      flags: view.getUint16(at + 8, true),
      method: view.getUint16(at + 10, true),
      crc: view.getUint32(at + 16, true),
      compressed: view.getUint32(at + 20, true),
      size: view.getUint32(at + 24, true),
      local: view.getUint32(at + 42, true),
    });
    at += 46 + skip;
  }
  return entries;
}

/** Refuses what cannot or must not be inflated, from the directory alone. */
function checkEntries(entries: readonly Entry[]): void {
  let total = 0;
  for (const e of entries) {
    if (e.flags & 1) throw new ImportError(`the zip is encrypted (${e.path}); unpack it first`);
    if (e.method !== 0 && e.method !== 8)
      throw new ImportError(
        `${e.path}: zip compression method ${e.method} is not supported (stored or deflate)`,
      );
    if (e.size === 0xffffffff || e.compressed === 0xffffffff)
      throw new ImportError('zip64 archives are not supported');
    total += e.size;
  }
  if (total > IMPORT_LIMITS.totalBytes) {
    const mib = (n: number) => `${Math.round(n / 2 ** 20)} MiB`;
    throw new ImportError(
      `the zip would unpack to ${mib(total)}, over the ${mib(IMPORT_LIMITS.totalBytes)} cap (a zip bomb, or too much data for a tab)`,
    );
  }
}

function inflateEntry(bytes: Uint8Array, e: Entry): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (e.local + 30 > bytes.length || view.getUint32(e.local, true) !== LOCAL)
    throw new ImportError(`${e.path}: the zip entry is damaged (truncated archive?)`);
  const start = e.local + 30 + view.getUint16(e.local + 26, true) + view.getUint16(e.local + 28, true);
  if (start + e.compressed > bytes.length) throw new ImportError(`${e.path}: the zip is truncated`);
  const raw = bytes.subarray(start, start + e.compressed);
  let out: Uint8Array;
  if (e.method === 0) out = raw.slice();
  else {
    try {
      out = inflateSync(raw, { out: new Uint8Array(e.size) });
    } catch {
      throw new ImportError(`${e.path}: the compressed data is damaged`);
    }
  }
  if (out.length !== e.size || crc32(out) !== e.crc)
    throw new ImportError(`${e.path}: the data fails its checksum (damaged archive)`);
  return out;
}

/**
 * The files of a zip whose path `wanted` accepts (directories are skipped), checked against the
 * caps first; `wanted` sees only paths, so unwanted entries are never inflated.
 */
export function readZip(bytes: Uint8Array, wanted: (path: string) => boolean): ArchiveFile[] {
  const entries = readEntries(bytes).filter((e) => !e.path.endsWith('/') && wanted(e.path));
  checkEntries(entries);
  return entries.map((e) => ({ path: e.path, bytes: inflateEntry(bytes, e) }));
}

let crcTable: Uint32Array | null = null;

/** CRC-32 (IEEE 802.3, the zip checksum). */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++)
    crc = (crcTable[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
