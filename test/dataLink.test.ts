import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/core/data/csv/importTable';
import { dataLinkValue, dataMatches, dataMismatch, readDataLink } from '../src/core/data/dataLink';
import { readLink, shareUrl } from '../src/ui/shell/url';
import { defaultsFor } from '../src/core/experiment';

const rules = { sinusoid: { maxReplaySteps: 1000, starts: [] } };

describe('data= link field', () => {
  it('carries the first 16 hex digits of the SHA-256, and the file with that hash matches', async () => {
    const hash = await sha256Hex(new TextEncoder().encode('task,x,y\na,1,2\n'));
    const value = dataLinkValue(hash);
    expect(value).toHaveLength(16);
    expect(hash.startsWith(value)).toBe(true);
    expect(readDataLink(value)).toEqual({ hash: value, warning: null });
    expect(dataMatches(value, hash)).toBe(true);
    const other = await sha256Hex(new TextEncoder().encode('task,x,y\na,1,3\n'));
    expect(dataMatches(value, other)).toBe(false);
    expect(dataMismatch(value, other)).toContain(other.slice(0, 16));
  });

  it('refuses hostile values with one line, never throwing', () => {
    for (const raw of ['', 'abc', 'zz'.repeat(10), 'a'.repeat(65), '<script>', '0x0123456789abcdef', '1e5']) {
      const r = readDataLink(raw);
      expect(r.hash).toBeNull();
      expect(r.warning).toMatch(/^data=.* is not a content hash/);
      expect(r.warning!.length).toBeLessThan(200);
    }
    expect(readDataLink(' ABCDEF0123456789 ').hash).toBe('abcdef0123456789');
    expect(() => dataLinkValue('abc')).toThrow();
    expect(dataMatches('abc', 'abcdef')).toBe(false);
  });

  it('round-trips through a share link, and a bad value is a line of the notice', () => {
    const config = defaultsFor('sinusoid');
    const url = shareUrl('http://x/', config, 'auto', 0, null, null, null, 'auto', '0123456789abcdef');
    const u = new URL(url);
    const link = readLink(u.search, u.hash, rules);
    expect(link.data).toBe('0123456789abcdef');
    expect(link.warnings).toEqual([]);
    const bad = readLink(`${u.search.replace('0123456789abcdef', 'nothex')}`, '', rules);
    expect(bad.data).toBeNull();
    expect(bad.warnings).toHaveLength(1);
    const none = readLink(new URL(shareUrl('http://x/', config, 'auto', 0, null)).search, '', rules);
    expect(none.data).toBeNull();
  });
});
