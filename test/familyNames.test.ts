import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { familyOf, registeredFamilies } from '../src/core/families/registry';
import { workerPartNames } from '../src/worker/families';

/**
 * Shared code asks a family what it has and never names it: no file outside the families'
 * folders and the registries may name a registered family or a page kind. Adding a root here is
 * one line.
 */
const ROOTS = ['src/core', 'src/worker', 'src/cli', 'src/engineCheck', 'src/ui'];

/** Folders that belong to families (every file under them is a family's own). */
const FAMILY_FOLDERS = [
  /^src\/core\/families\/[^/]+\//,
  /^src\/worker\/families\//,
  /^src\/cli\/families\//,
  /^src\/ui\/families\//,
];

/** The registries: one line per family, by name. */
const REGISTRIES = ['src/core/families/registry.ts', 'src/core/families/schemas.ts'];

/**
 * Shared files that still name a family, each with the reason. Keep this list short: an entry is
 * a debt, not a licence.
 */
const ALLOWED: Readonly<Record<string, string>> = {
  // the CLI's bench times named configurations and writes their names into results/ files
  'src/cli/bench.ts': 'benchmarks the paper configurations by name; its results/ files carry the names',
  'src/cli/benchFused.ts': 'benchmarks the paper sinusoid configuration; its results/ files carry the name',
  'src/cli/benchSideBySide.ts': 'benchmarks the paper sinusoid configuration against the PyTorch peer',
  // a browser check page (not the app) that builds a glyph run on the WGSL engine
  'src/engineCheck/glyphRunCheck.ts': 'the engine-check page times and checks the glyph run itself on WebGPU',
  'src/engineCheck/glyphMamlppRun.ts': 'the engine-check page checks a MAML++ glyph run on the WGSL engine',
  // the walkthrough's view kinds ('curves' | 'glyphs') are a union the page switches on
  'src/core/meta/walkthrough.ts': "the walk's view kind 'glyphs', a tag of the page's walk views",
};

/** Page kinds the page once chose by (as strings): shared code asks the family instead. */
const PAGE_KINDS = ['lab'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}

function isShared(path: string): boolean {
  return !FAMILY_FOLDERS.some((f) => f.test(path)) && !REGISTRIES.includes(path) && !(path in ALLOWED);
}

/** Every place a shared file names a family (as a word) or a page kind (as a string). */
function namings(): string[] {
  const families = registeredFamilies();
  const patterns = [
    ...families.map((name) => new RegExp(`\\b${name}\\b`)),
    ...PAGE_KINDS.map((kind) => new RegExp(`['"\`]${kind}['"\`]`)),
  ];
  const hits: string[] = [];
  for (const root of ROOTS) {
    for (const file of sourceFiles(root).map((f) => relative('.', f).split('\\').join('/'))) {
      if (!isShared(file)) continue;
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (patterns.some((p) => p.test(line))) hits.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
  }
  return hits;
}

describe('shared code does not name a family', () => {
  it('finds the names it looks for (the scan itself works)', () => {
    expect(registeredFamilies().length).toBeGreaterThan(1);
    const probe = `const task = '${registeredFamilies()[0]}';`;
    expect(new RegExp(`\\b${registeredFamilies()[0]}\\b`).test(probe)).toBe(true);
    expect(isShared('src/core/experiment.ts')).toBe(true);
    expect(isShared('src/cli/bench.ts')).toBe(false);
    expect(isShared('src/core/runs/resume.ts')).toBe(true);
    expect(isShared('src/core/families/glyphs/run.ts')).toBe(false);
  });

  it('no shared file of the scanned roots names a registered family or a page kind', () => {
    expect(namings()).toEqual([]);
  });

  it('every allowed exception still names one (stale entries are removed)', () => {
    const words = registeredFamilies().map((name) => new RegExp(`\\b${name}\\b`));
    for (const file of Object.keys(ALLOWED)) {
      expect(
        words.some((w) => w.test(readFileSync(file, 'utf8'))),
        file,
      ).toBe(true);
    }
  });

  it('every registered family the page shows has a worker part, and no other exists', () => {
    const inPage = registeredFamilies().filter((name) => familyOf(name).schema.inPage !== false);
    expect([...workerPartNames()].sort()).toEqual(inPage.sort());
  });
});
