/**
 * θ in a share link's fragment: the trained weights (MAML θ, the pretrained baseline's θ, Meta-SGD's
 * α, MAML++'s learned rates), the step and a short loss history, packed little-endian, deflated ('deflate-raw') and
 * base64url-encoded. The fragment never reaches a server. Decoding treats the text as hostile:
 * size limits before and after inflating, exact lengths, finite values only.
 */

const MAGIC = [0x4d, 0x4c]; // "ML"
const VERSION = 1;
const FLAG_PRETRAINED = 1;
const FLAG_ALPHA = 2;
/** MAML++'s rates follow the header as their count (uint32) and that many float32 */
const FLAG_RATES = 4;
/** the most MAML++ rates a link may carry (LSLR_STEPS × the parameter tensors of any network) */
const MAX_RATES = 10_000;
/** a fragment longer than this is not decoded at all */
export const MAX_FRAGMENT_CHARS = 4_000_000;
/** links whose θ would not fit in this many characters are shared without θ */
export const MAX_SHARE_CHARS = 400_000;
const MAX_INFLATED_BYTES = 16 * 1024 * 1024;
/** loss-history points carried in the link (binned means of the raw meta-loss) */
export const HISTORY_POINTS = 240;

export interface SharedWeights {
  step: number;
  theta: Float32Array;
  pretrained: Float32Array | null;
  alpha: Float32Array | null;
  /** MAML++'s learned rates [LSLR_STEPS × tensors] (absent: none) */
  rates?: Float32Array | null;
  /** the meta-loss shown when the link was made (NaN when none) */
  lastLoss: number;
  /** (step, loss) pairs, binned means of the sharer's meta-loss curve */
  historySteps: Float32Array;
  historyLosses: Float32Array;
}

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    s += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('it is not base64url text');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream, limit: number) {
  const writer = stream.writable.getWriter();
  void writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => undefined);
  void writer.close().catch(() => undefined);
  const reader = stream.readable.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw new Error(`it inflates to more than ${limit} bytes`);
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** the bytes MAML++'s rates take after the header: their count and the rates */
function ratesBytes(flags: number, r: number): number {
  return flags & FLAG_RATES ? 4 + 4 * r : 0;
}

export async function encodeWeights(w: SharedWeights): Promise<string> {
  const p = w.theta.length;
  const h = Math.min(w.historySteps.length, w.historyLosses.length);
  let flags = 0;
  if (w.pretrained) flags |= FLAG_PRETRAINED;
  if (w.alpha) flags |= FLAG_ALPHA;
  const r = w.rates ? w.rates.length : 0;
  if (w.rates) flags |= FLAG_RATES;
  const arrays = 1 + (w.pretrained ? 1 : 0) + (w.alpha ? 1 : 0);
  const header = 4 + 4 + 4 + 4 + 4;
  const buf = new ArrayBuffer(header + ratesBytes(flags, r) + 4 * p * arrays + 8 * h);
  const view = new DataView(buf);
  view.setUint8(0, MAGIC[0] as number);
  view.setUint8(1, MAGIC[1] as number);
  view.setUint8(2, VERSION);
  view.setUint8(3, flags);
  view.setUint32(4, w.step, true);
  view.setUint32(8, p, true);
  view.setUint32(12, h, true);
  view.setFloat32(16, w.lastLoss, true);
  let o = header;
  const put = (a: ArrayLike<number>, n: number) => {
    for (let i = 0; i < n; i++, o += 4) view.setFloat32(o, a[i] as number, true);
  };
  if (w.rates) {
    view.setUint32(o, r, true);
    o += 4;
    put(w.rates, r);
  }
  put(w.theta, p);
  if (w.pretrained) put(w.pretrained, p);
  if (w.alpha) put(w.alpha, p);
  put(w.historySteps, h);
  put(w.historyLosses, h);
  const packed = await pipe(new Uint8Array(buf), new CompressionStream('deflate-raw'), Infinity);
  return toBase64Url(packed);
}

/** Decode and validate; throws an Error whose message says what is wrong, in plain words. */
export async function decodeWeights(
  text: string,
  expect: { params: number; maxStep: number },
): Promise<SharedWeights> {
  if (text.length > MAX_FRAGMENT_CHARS) throw new Error('the weights in the link are too long');
  let bytes: Uint8Array;
  try {
    bytes = await pipe(fromBase64Url(text), new DecompressionStream('deflate-raw'), MAX_INFLATED_BYTES);
  } catch (e) {
    throw new Error(`the weights in the link cannot be read (${e instanceof Error ? e.message : String(e)})`);
  }
  if (bytes.length < 20) throw new Error('the weights in the link are truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(0) !== MAGIC[0] || view.getUint8(1) !== MAGIC[1] || view.getUint8(2) !== VERSION) {
    throw new Error('the weights in the link are not in a format this page knows');
  }
  const flags = view.getUint8(3);
  const step = view.getUint32(4, true);
  const p = view.getUint32(8, true);
  const h = view.getUint32(12, true);
  const lastLoss = view.getFloat32(16, true);
  if (p !== expect.params) {
    throw new Error(`the link's θ has ${p} parameters but the network in its settings has ${expect.params}`);
  }
  if (step > expect.maxStep) throw new Error(`the link's step ${step} is beyond ${expect.maxStep}`);
  const arrays = 1 + (flags & FLAG_PRETRAINED ? 1 : 0) + (flags & FLAG_ALPHA ? 1 : 0);
  const r = flags & FLAG_RATES && bytes.length >= 24 ? view.getUint32(20, true) : 0;
  if (r > MAX_RATES) throw new Error(`the link carries ${r} MAML++ rates, more than ${MAX_RATES}`);
  if (h > 100_000 || bytes.length !== 20 + ratesBytes(flags, r) + 4 * p * arrays + 8 * h) {
    throw new Error('the weights in the link have the wrong length');
  }
  let o = 20 + (flags & FLAG_RATES ? 4 : 0);
  const take = (n: number, what: string, finite = true) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++, o += 4) a[i] = view.getFloat32(o, true);
    if (finite && !a.every((x) => Number.isFinite(x))) {
      throw new Error(`${what} in the link contains values that are not finite`);
    }
    return a;
  };
  const rates = flags & FLAG_RATES ? take(r, "MAML++'s rates") : null;
  const theta = take(p, 'θ');
  const pretrained = flags & FLAG_PRETRAINED ? take(p, 'the pretrained θ') : null;
  const alpha = flags & FLAG_ALPHA ? take(p, "Meta-SGD's α") : null;
  const historySteps = take(h, 'the loss history');
  const historyLosses = take(h, 'the loss history', false);
  return {
    step,
    theta,
    pretrained,
    alpha,
    ...(rates ? { rates } : {}),
    lastLoss,
    historySteps,
    historyLosses,
  };
}
