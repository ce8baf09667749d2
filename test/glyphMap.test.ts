import { describe, expect, it } from 'vitest';
import { sweepReading } from '../src/core/sweep/reading';
import { defaultDraft, parseDraft } from '../src/ui/sweep/mapDraft';

describe('a glyph map in the page', () => {
  it('starts from the family’s small size: 3×3 cells of 100 meta-steps', () => {
    const d = defaultDraft('glyphs', { count: 3, steps: 100 });
    expect([d.x.name, d.y?.name]).toEqual(['alpha', 'beta']);
    const parsed = parseDraft(d, 'glyphs');
    expect(parsed.refused).toBeNull();
    expect(parsed.spec?.steps).toBe(100);
    expect(parsed.spec?.x.values).toHaveLength(3);
    expect(parsed.spec?.y?.values).toHaveLength(3);
    // a family without a size of its own keeps 4×4 cells of 2,000 meta-steps
    const plain = parseDraft(defaultDraft('sinusoid'), 'sinusoid').spec;
    expect([plain?.x.values.length, plain?.y?.values.length, plain?.steps]).toEqual([4, 4, 2000]);
  });

  it('reads an accuracy map as higher-is-better, and an MSE map as before', () => {
    const x = { name: 'alpha' as const, values: [0.05, 0.4] };
    const cells = [
      { metric: 0.26, ci95: 0.014, diverged: false },
      { metric: 0.609, ci95: 0.017, diverged: false },
    ];
    const accuracy = { name: 'accuracy', unit: '%', direction: 'higher' as const };
    const reading = sweepReading({ x, y: null, cells, metric: accuracy, algo: 'maml' });
    expect(reading).toContain('(higher is better) at α 0.4');
    const mse = { name: 'MSE', unit: '', direction: 'lower' as const };
    const plain = sweepReading({ x, y: null, cells, metric: mse, algo: 'maml' });
    expect(plain).toContain('best one-step MSE 0.26 ± 0.014 at α 0.05');
    expect(plain).not.toContain('better');
  });
});
