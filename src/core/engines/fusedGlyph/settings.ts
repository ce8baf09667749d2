import type { Experiment } from '../../experiment';
import { CONV_DEFAULTS, FC_DEFAULTS } from '../../models/glyphNets';
import type { FusedGlyphSettings, WasmGlyphSettings } from './fusedGlyph';
import { classicAlgo } from '../fused/fusedMlp';
import { scheduleOf } from '../../meta/mamlppSchedule';

/** Why fusedGlyphSettings refuses MAML++ (its settings carry schedules: wasmGlyphSettings). */
export const FUSED_GLYPH_NO_MAMLPP =
  "MAML++'s engine settings carry its schedules: they come from wasmGlyphSettings, not fusedGlyphSettings";

/**
 * The settings of the fused WebAssembly glyph engine for a glyph run's configuration: those of
 * fusedGlyphSettings, and MAML++ (with its schedules) as well.
 */
export function wasmGlyphSettings(c: Experiment): WasmGlyphSettings {
  if (c.algo !== 'mamlpp') return fusedGlyphSettings(c);
  return { ...fusedGlyphSettings({ ...c, algo: 'maml' }), algo: 'mamlpp', schedule: scheduleOf(c) };
}

/**
 * The settings for a glyph run's configuration: the network classifierFor(config) builds (the conv
 * net's default blocks and batch norm, the fc net's default widths), buffers for its K, queries
 * and meta-batch, for the four classic algorithms. Throws FUSED_GLYPH_NO_MAMLPP for MAML++ (both
 * fused engines take wasmGlyphSettings, which adds its schedules).
 */
export function fusedGlyphSettings(c: Experiment): FusedGlyphSettings {
  if (c.algo === 'mamlpp') throw new Error(FUSED_GLYPH_NO_MAMLPP);
  const net = c.net === 'fc' ? 'fc' : 'conv';
  return {
    net,
    ways: c.ways,
    filters: c.filters,
    blocks: CONV_DEFAULTS.blocks,
    hidden: [...FC_DEFAULTS.hidden],
    batchNorm: net === 'fc' ? FC_DEFAULTS.batchNorm : CONV_DEFAULTS.batchNorm,
    algo: classicAlgo(c.algo),
    alpha: c.alpha,
    beta: c.beta,
    inner: c.inner,
    shots: c.k,
    query: c.query,
    maxTasks: c.batch,
  };
}
