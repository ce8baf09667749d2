/**
 * float32 vectors as base64 of their little-endian bytes, written out by hand so it runs the same
 * in Node, browsers and workers (no Buffer, no atob quirks) and so decoding can be strict: an
 * untrusted file gets one clear error, never a silently shortened vector.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const CODES = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) CODES[ALPHABET.charCodeAt(i)] = i;

/** the platform's byte order (typed arrays use it) */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** the alphabet's character codes, and '=' */
const ENCODE = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const PAD = 61;
/** base64 text is ASCII: decoded as UTF-8, each byte is its character */
const ASCII = new TextDecoder();

/** Padded base64 of `bytes`, written as ASCII bytes and decoded into a string in one call. */
export function bytesToBase64(bytes: Uint8Array): string {
  const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
  const full = bytes.length - (bytes.length % 3);
  let o = 0;
  for (let i = 0; i < full; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out[o] = ENCODE[n >>> 18] as number;
    out[o + 1] = ENCODE[(n >>> 12) & 63] as number;
    out[o + 2] = ENCODE[(n >>> 6) & 63] as number;
    out[o + 3] = ENCODE[n & 63] as number;
    o += 4;
  }
  const rest = bytes.length - full;
  if (rest > 0) {
    const a = bytes[full] as number;
    const b = rest === 2 ? (bytes[full + 1] as number) : 0;
    const n = (a << 16) | (b << 8);
    out[o] = ENCODE[n >>> 18] as number;
    out[o + 1] = ENCODE[(n >>> 12) & 63] as number;
    out[o + 2] = rest === 2 ? (ENCODE[(n >>> 6) & 63] as number) : PAD;
    out[o + 3] = PAD;
  }
  return ASCII.decode(out);
}

/** The bytes of a padded base64 string, or null when it is not one (wrong length or character). */
export function base64ToBytes(text: string): Uint8Array | null {
  if (text.length % 4 !== 0) return null;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text.charCodeAt(i + j);
      const last = i + 4 === text.length;
      let v: number;
      if (c === 61 /* = */ && last && j >= 4 - pad) v = 0;
      else v = c < 128 ? (CODES[c] as number) : -1;
      if (v < 0) return null;
      n = (n << 6) | v;
    }
    out[o++] = n >>> 16;
    if (o < out.length) out[o++] = (n >>> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** base64 of the vector's little-endian float32 bytes. */
export function float32ToBase64(values: Float32Array): string {
  if (LITTLE_ENDIAN)
    return bytesToBase64(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  return bytesToBase64(bytes);
}

/**
 * The vector a float32ToBase64 string encodes; throws `${what} is not valid base64` or a length
 * error naming `what` (e.g. "This run file's θ").
 */
export function base64ToFloat32(text: string, what: string): Float32Array {
  const bytes = base64ToBytes(text);
  if (!bytes) throw new Error(`${what} is not valid base64`);
  if (bytes.length % 4 !== 0) {
    throw new Error(`${what} is ${bytes.length} bytes long, which is not a whole number of float32 values`);
  }
  if (LITTLE_ENDIAN) return new Float32Array(bytes.buffer, 0, bytes.length / 4);
  const view = new DataView(bytes.buffer);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
