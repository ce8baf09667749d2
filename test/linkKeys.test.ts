import { describe, expect, it } from 'vitest';
import { FIELD_ORDER } from '../src/core/experiment';
import { PAGE_KEYS } from '../src/ui/shell/url';

describe('link keys', () => {
  it('no experiment field shares a key with what the page reads beside it (walk phase, step, sweep...)', () => {
    expect(FIELD_ORDER.length).toBeGreaterThan(10);
    expect(PAGE_KEYS).toContain('phase');
    const shared = FIELD_ORDER.filter((k) => (PAGE_KEYS as readonly string[]).includes(k));
    expect(shared).toEqual([]);
  });
});
