/** The fused glyph engine's checks before it builds: the schema's bounds and its WebAssembly memory. */
import type { WasmGlyphSettings } from './fusedGlyph';

/** The schema's bounds the engine accepts. */
export const FUSED_GLYPH_LIMITS = {
  ways: [2, 20],
  shots: [1, 10],
  query: [1, 50],
  inner: [1, 5],
  tasks: [1, 32],
  filters: [4, 64],
  blocks: [1, 4],
  hidden: [1, 4],
  width: [1, 512],
} as const;

export function inRange(name: keyof typeof FUSED_GLYPH_LIMITS, v: number): void {
  const [lo, hi] = FUSED_GLYPH_LIMITS[name];
  if (!Number.isInteger(v) || v < lo || v > hi)
    throw new Error(`fused glyph engine: ${name} must be an integer in ${lo}..${hi}, got ${v}`);
}

/**
 * Runs the module's init, turning an out-of-memory abort, or memory beyond `limit` bytes (a
 * test hook), into a reason a caller can show.
 */
export function initModule(
  init: () => number,
  what: string,
  memory: WebAssembly.Memory,
  limit = Infinity,
): number {
  let padded: number;
  try {
    padded = init();
  } catch (e) {
    throw new Error(`fused glyph engine: ${what} do not fit in WebAssembly memory (${(e as Error).message})`);
  }
  const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (memory.buffer.byteLength > limit)
    throw new Error(
      `fused glyph engine: ${what} need ${mib(memory.buffer.byteLength)} of WebAssembly memory, over the ${mib(limit)} it may use`,
    );
  return padded;
}

export function checkSettings(s: WasmGlyphSettings): void {
  inRange('ways', s.ways);
  inRange('shots', s.shots);
  inRange('query', s.query);
  inRange('inner', s.inner);
  inRange('tasks', s.maxTasks);
  if (s.net === 'conv') {
    inRange('filters', s.filters);
    inRange('blocks', s.blocks);
  } else {
    inRange('hidden', s.hidden.length);
    s.hidden.forEach((h) => inRange('width', h));
  }
}
