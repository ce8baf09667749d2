import type { LabUi } from '../family';

/** Glyph classification has its own lab page (src/ui/glyphs): support images, drawing pad. */
export const glyphsUi: LabUi = { name: 'glyphs', page: 'lab' };
