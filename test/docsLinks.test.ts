import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The README and docs/ as a reader meets them: the README stays short, and every relative link
 * (and every #anchor in one) leads somewhere that exists in the repository.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const README_MAX_LINES = 200;

function markdownFiles(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(ROOT, 'docs', f));
  return [join(ROOT, 'README.md'), ...docs];
}

/** The text without fenced code blocks and inline code spans, where brackets are not links. */
export function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** Targets of `[text](target)` and `![alt](target)` links. */
export function linkTargets(markdown: string): string[] {
  const out: string[] = [];
  for (const m of prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) out.push(m[1] as string);
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a Markdown file offers: its headings' slugs (repeats get -1, -2 …) and explicit ids. */
export function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  const seen = new Map<string, number>();
  const text = markdown.replace(/^```[\s\S]*?^```/gm, '');
  for (const m of text.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1] as string);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const m of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(m[1] as string);
  return out;
}

/** What is wrong with one relative link from `file`, or null when it resolves. */
function brokenLink(file: string, target: string): string | null {
  const [path = '', anchor] = target.split('#', 2);
  const dest = path === '' ? file : resolve(dirname(file), decodeURI(path));
  if (!dest.startsWith(ROOT)) return 'points outside the repository';
  if (!existsSync(dest)) return `${relative(ROOT, dest)} does not exist`;
  if (anchor === undefined || anchor === '') return null;
  if (statSync(dest).isDirectory() || !dest.endsWith('.md'))
    return `#${anchor} on a file that is not Markdown`;
  const wanted = decodeURIComponent(anchor);
  return anchors(readFileSync(dest, 'utf8')).has(wanted) ? null : `${relative(ROOT, dest)} has no #${wanted}`;
}

describe('README and docs', () => {
  it(`the README has at most ${README_MAX_LINES} lines`, () => {
    const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').trimEnd().split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('every relative link and anchor resolves', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of markdownFiles()) {
      for (const target of linkTargets(readFileSync(file, 'utf8'))) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: …
        checked++;
        const why = brokenLink(file, target);
        if (why !== null) broken.push(`${relative(ROOT, file)}: (${target}) ${why}`);
      }
    }
    expect(broken).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });

  it('finds headings, ids, links and GitHub slugs as the checks above rely on', () => {
    expect(slug('The θ view (parameter space)')).toBe('the-θ-view-parameter-space');
    expect(slug('Headless training: `npm run train`')).toBe('headless-training-npm-run-train');
    expect(slug('θ as a TensorFlow.js layers model')).toBe('θ-as-a-tensorflowjs-layers-model');
    const md =
      '# A b\n\n## A b\n\n<a id="row-1"></a>\n\n```\n## not a heading\n[x](nope.md)\n```\n[y](z.md#q) `[w](v.md)`';
    expect([...anchors(md)]).toEqual(['a-b', 'a-b-1', 'row-1']);
    expect(linkTargets(md)).toEqual(['z.md#q']);
  });
});
