import { describe, expect, it } from 'vitest';
import { formatCount, MAX_STEP } from '../src/core/runs/trainingState';
import { formatClock, formatDateTime } from '../src/ui/kit/format';

describe('formatCount', () => {
  it('groups whole numbers exactly as en-US Intl does', () => {
    const intl = new Intl.NumberFormat('en-US');
    const cases = [
      0,
      1,
      12,
      999,
      1000,
      1001,
      12_345,
      999_999,
      1_000_000,
      2_000_000,
      MAX_STEP,
      -1,
      -1234,
      -1_000_000,
    ];
    for (let p = 0; p < 16; p++) cases.push(10 ** p, 10 ** p - 1, -(10 ** p) + 7);
    for (const n of cases) expect(formatCount(n), String(n)).toBe(intl.format(n));
  });

  it('leaves fractions to Intl', () => {
    expect(formatCount(1234.5678)).toBe('1,234.568');
    expect(formatCount(0.5)).toBe('0.5');
  });
});

describe('formatDateTime and formatClock', () => {
  it('write local time as 2026-11-29 14:05:09, without Intl', () => {
    const d = new Date(2026, 10, 29, 14, 5, 9);
    expect(formatDateTime(d.toISOString())).toBe('2026-11-29 14:05:09');
    expect(formatClock(d.toISOString())).toBe('14:05:09');
    expect(formatDateTime(new Date(2027, 0, 2, 3, 4, 5).toISOString())).toBe('2027-01-02 03:04:05');
  });

  it('give back text that is not a time as it is', () => {
    expect(formatDateTime('not a time')).toBe('not a time');
    expect(formatClock('')).toBe('');
  });
});
