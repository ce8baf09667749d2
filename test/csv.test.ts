import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from '../src/ui/kit/csv';

describe('toCsv', () => {
  it('writes a header and rows, CRLF-terminated', () => {
    expect(toCsv({ header: ['meta_step', 'series', 'value'], rows: [[1, 'meta-loss', 0.5]] })).toBe(
      'meta_step,series,value\r\n1,meta-loss,0.5\r\n',
    );
  });

  it('quotes commas, quotes and line breaks, and only those', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\rhere')).toBe('"cr\rhere"');
    expect(csvField('plain text; ok')).toBe('plain text; ok');
    expect(csvField('θ′ (MSE)')).toBe('θ′ (MSE)');
  });

  it('writes numbers in full, missing values empty, non-finite ones by name', () => {
    expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(csvField(-1e-7)).toBe('-1e-7');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(NaN)).toBe('NaN');
    expect(csvField(Infinity)).toBe('Infinity');
  });

  it('round-trips through a strict reader', () => {
    const rows = [
      ['x, y', 'a "quoted" word', 'multi\nline', 3],
      ['', null, 'end', -0.25],
    ];
    const text = toCsv({ header: ['a', 'b', 'c', 'd'], rows });
    expect(parseCsv(text)).toEqual([
      ['a', 'b', 'c', 'd'],
      ['x, y', 'a "quoted" word', 'multi\nline', '3'],
      ['', '', 'end', '-0.25'],
    ]);
  });

  it('refuses a row whose width differs from the header', () => {
    expect(() => toCsv({ header: ['a', 'b'], rows: [[1]] })).toThrow(/row 0 has 1 fields/);
  });
});

/** A small RFC 4180 reader for the round trip. */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      out.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return out;
}
