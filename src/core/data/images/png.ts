import { convertIndexedToRgb, decode, type DecodedPng } from 'fast-png';
import { ImportError, IMPORT_LIMITS } from './limits';

/** A decoded image as lightness: 0 black .. 1 white, row-major, transparency composited on white. */
export interface GrayImage {
  width: number;
  height: number;
  light: Float32Array;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const FORMATS: readonly [string, readonly number[]][] = [
  ['JPEG', [0xff, 0xd8, 0xff]],
  ['GIF', [0x47, 0x49, 0x46, 0x38]],
  ['BMP', [0x42, 0x4d]],
  ['WebP', [0x52, 0x49, 0x46, 0x46]],
];

function startsWith(bytes: Uint8Array, sig: readonly number[]): boolean {
  return bytes.length >= sig.length && sig.every((b, i) => bytes[i] === b);
}

/** Why these bytes are not a PNG the importer reads (null: they look like one). */
function notPng(bytes: Uint8Array): string | null {
  if (startsWith(bytes, SIGNATURE)) return null;
  const other = FORMATS.find(([, sig]) => startsWith(bytes, sig));
  return other ? `${other[0]} is not read (convert the images to PNG)` : 'not a PNG image';
}

/** Width and height from the IHDR chunk, checked against the caps before anything is decoded. */
function checkHeader(bytes: Uint8Array): void {
  if (bytes.length < 24) throw new ImportError('a truncated PNG');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16, false);
  const height = view.getUint32(20, false);
  if (width === 0 || height === 0) throw new ImportError('a PNG of zero size');
  if (width > IMPORT_LIMITS.side || height > IMPORT_LIMITS.side || width * height > IMPORT_LIMITS.pixels)
    throw new ImportError(
      `a ${width}×${height} image, over the ${IMPORT_LIMITS.side}×${IMPORT_LIMITS.side} cap`,
    );
}

/** A decoded PNG's samples scaled to 0..1 (depths under 8 are packed, rows byte-aligned). */
function samples(png: DecodedPng, channels: number): Float32Array {
  const { data, depth, width, height } = png;
  const perRow = width * channels;
  const out = new Float32Array(perRow * height);
  if (depth >= 8) {
    const scale = 1 / (depth === 16 ? 65535 : 255);
    for (let i = 0; i < out.length; i++) out[i] = (data[i] as number) * scale;
    return out;
  }
  const rowBytes = Math.ceil((perRow * depth) / 8);
  const max = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    for (let i = 0, bit = 0; i < perRow; i++, bit += depth) {
      const byte = data[y * rowBytes + (bit >> 3)] as number;
      out[y * perRow + i] = ((byte >> (8 - depth - (bit & 7))) & max) / max;
    }
  }
  return out;
}

function toLightness(png: DecodedPng): Float32Array {
  const { width, height } = png;
  let channels = png.channels;
  let v: Float32Array;
  if (png.palette) {
    const rgb = convertIndexedToRgb(png);
    channels = rgb.length / (width * height);
    v = Float32Array.from(rgb, (x) => x / 255);
  } else v = samples(png, channels);
  if (channels === 1) return v;
  const light = new Float32Array(width * height);
  const color = channels >= 3;
  const alpha = channels === 2 || channels === 4;
  for (let p = 0, i = 0; p < light.length; p++, i += channels) {
    const g = color
      ? 0.299 * (v[i] as number) + 0.587 * (v[i + 1] as number) + 0.114 * (v[i + 2] as number)
      : (v[i] as number);
    const a = alpha ? (v[i + channels - 1] as number) : 1;
    light[p] = a * g + (1 - a);
  }
  return light;
}

/** Decodes a PNG to lightness, or throws an ImportError that says in a line why not. */
export function decodePngLightness(bytes: Uint8Array): GrayImage {
  const why = notPng(bytes);
  if (why) throw new ImportError(why);
  checkHeader(bytes);
  try {
    const png = decode(bytes);
    const rowBytes = Math.ceil((png.width * png.channels * png.depth) / 8);
    const need = png.depth >= 8 ? png.width * png.channels * png.height : rowBytes * png.height;
    if (png.data.length < need) throw new Error('short pixel data');
    return { width: png.width, height: png.height, light: toLightness(png) };
  } catch (e) {
    throw new ImportError(`a damaged PNG (${e instanceof Error ? e.message : String(e)})`);
  }
}
