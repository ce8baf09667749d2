import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/** The project rule: no function in src/ longer than this many lines (its body, braces included). */
const LIMIT = 80;
const ROOT = join(__dirname, '..');

/** TypeScript sources under src/, without the AssemblyScript folders (src/core/engines/<engine>/assembly). */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'assembly' ? [] : sources(path);
    return /\.tsx?$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every function in a file whose body spans more than LIMIT lines, as "file:line name (n lines)". */
export function longFunctions(path: string): string[] {
  const text = readFileSync(path, 'utf8');
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const body = node.body as ts.Node;
      const first = file.getLineAndCharacterOfPosition(body.getStart(file)).line;
      const last = file.getLineAndCharacterOfPosition(body.getEnd()).line;
      const lines = last - first + 1;
      if (lines > LIMIT) {
        const name = functionName(node);
        found.push(`${relative(ROOT, path)}:${first + 1} ${name} (${lines} lines)`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function functionName(node: ts.Node): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name) return named.name.getText();
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText();
  if (ts.isCallExpression(parent)) return `${parent.expression.getText()}(…) callback`;
  return '(anonymous)';
}

describe('function length', () => {
  it(`no function in src/ spans more than ${LIMIT} lines`, () => {
    const long = sources(join(ROOT, 'src')).flatMap(longFunctions);
    expect(long).toEqual([]);
  });
});
