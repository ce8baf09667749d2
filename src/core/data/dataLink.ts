/**
 * A share link's `data=` field: the content hash of the imported data a run trained on (never the
 * data). A link carries the first `DATA_LINK_CHARS` hex digits of the file's SHA-256; a file
 * matches a link when its full hash begins with them. Reading an untrusted value never throws:
 * a value that cannot be used is null with one readable line.
 */

/** hex digits of the SHA-256 a link carries (64 bits: collisions among one user's files are out of reach) */
export const DATA_LINK_CHARS = 16;
/** a SHA-256 in hex */
const FULL_CHARS = 64;

const HEX_RE = /^[0-9a-f]+$/;

/** The `data=` value for a file's full SHA-256 (64 hex digits). */
export function dataLinkValue(hash: string): string {
  const h = hash.toLowerCase();
  if (h.length !== FULL_CHARS || !HEX_RE.test(h)) throw new Error(`"${hash}" is not a SHA-256 in hex`);
  return h.slice(0, DATA_LINK_CHARS);
}

export interface DataLinkRead {
  /** the hash prefix, lower-case hex (null: none, or refused) */
  hash: string | null;
  /** why the value was refused, one line (null: nothing to say) */
  warning: string | null;
}

function shorten(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Read an untrusted `data=` value: 16 to 64 hex digits (any case, spaces around ignored). */
export function readDataLink(raw: string | null): DataLinkRead {
  if (raw === null) return { hash: null, warning: null };
  const v = raw.trim().toLowerCase();
  if (v.length >= DATA_LINK_CHARS && v.length <= FULL_CHARS && HEX_RE.test(v))
    return { hash: v, warning: null };
  return {
    hash: null,
    warning: `data=${shorten(raw)} is not a content hash (${DATA_LINK_CHARS} to ${FULL_CHARS} hex digits); ignored it, so the run trains on the data this browser has`,
  };
}

/** Whether a file with this full SHA-256 is the data a link's hash names. */
export function dataMatches(linkHash: string, fileHash: string): boolean {
  return linkHash.length >= DATA_LINK_CHARS && fileHash.toLowerCase().startsWith(linkHash.toLowerCase());
}

/** The short form of a hash for a sentence. */
export function shortHash(hash: string): string {
  return hash.slice(0, DATA_LINK_CHARS);
}

/** The line that refuses an imported file whose hash is not the link's. */
export function dataMismatch(linkHash: string, fileHash: string): string {
  return `this file's content hash begins ${shortHash(fileHash)}, but the link's run trained on data whose hash begins ${shortHash(linkHash)}: not the same data, so it was not used (nothing kept was changed)`;
}
