/** Backends and rates in words, as the page shows them and the worker writes them into its notes. */

/** A rate in steps/s as the page writes it: "1800", "95.2", "0.57". */
export function formatRate(r: number): string {
  return r >= 100 ? r.toFixed(0) : r >= 1 ? r.toFixed(1) : r.toPrecision(2);
}

/** A contender in words, as the page names it: "wasm fused", "WebGPU tfjs". */
export function raceLabel(e: { readonly backend: string; readonly engine: string }): string {
  return `${e.backend === 'webgpu' ? 'WebGPU' : e.backend} ${e.engine}`;
}

/** A duration as the page writes it: "850 ms", "3.2 s", "95 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}
