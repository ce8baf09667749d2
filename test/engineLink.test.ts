import { describe, expect, it } from 'vitest';
import { DEFAULT_EXPERIMENT } from '../src/core/experiment';
import { pageQuery, readLink as readPageLink, shareUrl } from '../src/ui/shell/url';
import { GLYPH_LINK_RULES } from '../src/ui/families/glyphs/linkRules';
import { REGRESSION_LINK_RULES } from '../src/ui/families/regression/linkRules';

const LINKS = { sinusoid: REGRESSION_LINK_RULES, mixture: REGRESSION_LINK_RULES, glyphs: GLYPH_LINK_RULES };
const readLink = (search: string) => readPageLink(search, '', LINKS);

describe('the engine= setting in the link', () => {
  it('reads auto, fused and tfjs (any case, trimmed), auto by default, and says so for a bad value', () => {
    expect(readLink('?backend=wasm')).toMatchObject({ engine: 'auto', warnings: [] });
    expect(readLink('?engine=tfjs&backend=wasm')).toMatchObject({
      engine: 'tfjs',
      backend: 'wasm',
      warnings: [],
    });
    expect(readLink('?engine=%20Fused%20').engine).toBe('fused');
    const bad = readLink('?engine=turbo');
    expect(bad.engine).toBe('auto');
    expect(bad.warnings).toEqual(['engine=turbo is not one of auto, fused, tfjs; using auto']);
    // a long bad value is shortened in the notice
    expect(readLink(`?engine=${'x'.repeat(60)}`).warnings[0]).toMatch(/^engine=x{37}\.\.\. is not one of/);
  });

  it('writes engine= only when asked for, and a share link carries it back', () => {
    const config = { ...DEFAULT_EXPERIMENT, hidden: [...DEFAULT_EXPERIMENT.hidden] };
    expect(pageQuery(config, 'auto')).not.toMatch(/engine=|backend=/);
    expect(pageQuery(config, 'wasm', 'tfjs')).toMatch(/&backend=wasm&engine=tfjs$/);
    expect(pageQuery(config, 'auto', 'fused')).toMatch(/[^&]&engine=fused$/);
    const url = shareUrl('http://localhost/', config, 'webgpu', 12, null, null, null, 'tfjs');
    expect(readLink(new URL(url).search)).toMatchObject({ backend: 'webgpu', engine: 'tfjs', step: 12 });
  });
});
